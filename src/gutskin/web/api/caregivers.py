"""A child's co-caregivers (API): the managing parent's caregiver codes and grants, and the other
account's side (redeem a code, the children it helps keep, leave). Thin over
:mod:`gutskin.clinic.caregivers`, which authorizes and audits every call."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from gutskin.clinic import caregivers, handover
from gutskin.web.api.schemas import InviteListOut, InviteOut, LinkIn
from gutskin.web.deps import api_actor, unit_of_work

router = APIRouter(prefix="/me", tags=["caregivers"])

ChildQ = Query(..., description="The child's profile you manage.")


class CaregiverOut(BaseModel):
    id: int
    name: str
    email: str
    since: str


class CaregivingOut(BaseModel):
    id: int
    patient_id: int
    name: str
    managed_by: str
    since: str


@router.post("/caregiver-invites", status_code=201, response_model=InviteOut,
             summary="A one-time code that lets another person keep your child's diary with you")
def create_code(request: Request, patient_id: int = ChildQ) -> dict:
    with unit_of_work(request) as s:
        return caregivers.create_code(s, api_actor(request, s), patient_id)


@router.get("/caregiver-invites", response_model=list[InviteListOut],
            summary="Your child's unused caregiver codes (without the codes)")
def list_codes(request: Request, patient_id: int = ChildQ) -> list:
    with unit_of_work(request) as s:
        return caregivers.list_codes(s, api_actor(request, s), patient_id)


@router.delete("/caregiver-invites/{invite_id}", status_code=204, summary="Cancel an unused caregiver code")
def cancel_code(invite_id: int, request: Request, patient_id: int = ChildQ) -> Response:
    with unit_of_work(request) as s:
        caregivers.cancel_code(s, api_actor(request, s), patient_id, invite_id)
    return Response(status_code=204)


@router.get("/caregivers", response_model=list[CaregiverOut], summary="Who else keeps your child's diary")
def list_caregivers(request: Request, patient_id: int = ChildQ) -> list:
    with unit_of_work(request) as s:
        return caregivers.list_caregivers(s, api_actor(request, s), patient_id)


@router.delete("/caregivers/{caregiver_id}", status_code=204, summary="Remove a co-caregiver at once")
def remove(caregiver_id: int, request: Request, patient_id: int = ChildQ) -> Response:
    with unit_of_work(request) as s:
        caregivers.remove(s, api_actor(request, s), patient_id, caregiver_id)
    return Response(status_code=204)


@router.post("/caregiving", status_code=201, response_model=CaregivingOut,
             summary="Redeem a caregiver code: keep a child's diary with its parent")
def redeem(body: LinkIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        actor = api_actor(request, s)
        pid = caregivers.redeem(s, actor, body.code)
        return next(c for c in caregivers.caregiving(s, actor) if c["patient_id"] == pid)


@router.get("/caregiving", response_model=list[CaregivingOut], summary="The children whose diary you help keep")
def caregiving(request: Request) -> list:
    with unit_of_work(request) as s:
        return caregivers.caregiving(s, api_actor(request, s))


@router.delete("/caregiving/{patient_id}", status_code=204, summary="Stop keeping a child's diary (leave)")
def leave(patient_id: int, request: Request) -> Response:
    with unit_of_work(request) as s:
        caregivers.leave(s, api_actor(request, s), patient_id)
    return Response(status_code=204)


class HandoverOut(BaseModel):
    patient_id: int
    name: str
    relationship: str


@router.post("/handover-invites", status_code=201, response_model=InviteOut,
             summary="A one-time code that hands your child's profile over to them (from the year they turn 16)")
def create_handover_code(request: Request, patient_id: int = ChildQ) -> dict:
    with unit_of_work(request) as s:
        return handover.create_code(s, api_actor(request, s), patient_id)


@router.get("/handover-invites", response_model=list[InviteListOut],
            summary="Your child's unused handover codes (without the codes)")
def list_handover_codes(request: Request, patient_id: int = ChildQ) -> list:
    with unit_of_work(request) as s:
        return caregivers.list_codes(s, api_actor(request, s), patient_id, kind=handover.KIND)


@router.delete("/handover-invites/{invite_id}", status_code=204, summary="Cancel an unused handover code")
def cancel_handover_code(invite_id: int, request: Request, patient_id: int = ChildQ) -> Response:
    with unit_of_work(request) as s:
        caregivers.cancel_code(s, api_actor(request, s), patient_id, invite_id, kind=handover.KIND)
    return Response(status_code=204)


@router.post("/handover", status_code=201, response_model=HandoverOut,
             summary="Redeem a handover code: the profile your parent kept becomes your own")
def redeem_handover(body: LinkIn, request: Request) -> dict:
    with unit_of_work(request) as s:
        pid = handover.redeem(s, api_actor(request, s), body.code)
        from gutskin.store.models import Patient

        p = s.get(Patient, pid)
        return {"patient_id": pid, "name": p.display_name or p.external_id, "relationship": p.relationship}
