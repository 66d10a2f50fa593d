"""Server-rendered pages (Jinja2 + htmx), thin over ``gutskin.clinic``."""

from fastapi import APIRouter

from gutskin.web.pages import account, caregivers, clinician, insights, microbiome, patient, public, reports, simulator
from gutskin.web.pages import form_words  # noqa: F401  (the templates' "say" filter: a refused form in its own words)

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(account.router)
router.include_router(patient.router)
router.include_router(caregivers.router)
router.include_router(clinician.router)
router.include_router(insights.router)
router.include_router(microbiome.router)
router.include_router(simulator.router)
router.include_router(reports.router)
router.include_router(__import__("gutskin.web.pages.fhir_upload", fromlist=["router"]).router)
router.include_router(__import__("gutskin.web.pages.challenges", fromlist=["router"]).router)
