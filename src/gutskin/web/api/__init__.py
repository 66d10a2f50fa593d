"""JSON API under /api/v1: thin routers over ``gutskin.clinic`` use cases."""

from fastapi import APIRouter, Depends

from gutskin.web.api import auth, caregivers, clinician, me, microbiome, reports
from gutskin.web.api.params import json_keys_once

#: a JSON key given twice is refused on every route (JSON itself keeps the last one silently)
router = APIRouter(dependencies=[Depends(json_keys_once)])
router.include_router(auth.router)
router.include_router(me.router)
router.include_router(caregivers.router)
router.include_router(clinician.router)
router.include_router(__import__("gutskin.web.api.challenges", fromlist=["router"]).router)
router.include_router(microbiome.router)
router.include_router(reports.router)
