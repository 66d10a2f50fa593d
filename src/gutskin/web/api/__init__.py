"""JSON API under /api/v1: thin routers over ``gutskin.clinic`` use cases."""

from fastapi import APIRouter

from gutskin.web.api import auth, caregivers, clinician, me, microbiome, reports

router = APIRouter()
router.include_router(auth.router)
router.include_router(me.router)
router.include_router(caregivers.router)
router.include_router(clinician.router)
router.include_router(__import__("gutskin.web.api.challenges", fromlist=["router"]).router)
router.include_router(microbiome.router)
router.include_router(reports.router)
