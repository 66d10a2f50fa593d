"""Caregivers page: a child's managing parent gives another person a one-time code, sees and
removes who helps keep the child's diary; the other person enters the code or leaves. Thin over
:mod:`gutskin.clinic.caregivers`, which authorizes and audits."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import access, caregivers, handover
from gutskin.clinic.errors import ClinicError
from gutskin.web.deps import unit_of_work
from gutskin.web.errors import status_for
from gutskin.web.pages.code_flash import forget_code, put_code, take_code_of_any
from gutskin.web.pages.common import redirect, render, require_user, verify_csrf, viewer_zone

router = APIRouter(include_in_schema=False)


def _ctx(request: Request, s, u, lists: bool = True, **extra) -> dict:  # type: ignore[no-untyped-def]
    """The page's lists (each child's caregivers and codes: audited reads), or only the code form
    (``lists=False``: a refused code reads nothing)."""
    zone = viewer_zone(request)
    if not lists:
        return {"children": [], "helping": [], "handed": [], "lists": False, "zone": zone.key if zone else "UTC", **extra}

    def local(stamp: object) -> str:
        at = dt.datetime.fromisoformat(str(stamp).removesuffix("Z")).replace(tzinfo=dt.UTC)
        return (at.astimezone(zone) if zone else at).strftime("%Y-%m-%d %H:%M")

    children = []
    for p in access.owned_patients(s, u.actor):
        if p.relationship != "child":
            continue
        children.append({"id": p.id, "name": p.display_name or p.external_id,
                         "caregivers": [{**c, "since_local": local(c["since"])}
                                        for c in caregivers.list_caregivers(s, u.actor, p.id)],
                         "codes": [{**c, "made": local(c["created_at"]), "until": local(c["expires_at"])}
                                   for c in caregivers.list_codes(s, u.actor, p.id)],
                         # handing the profile over to the grown-up child (clinic/handover.py)
                         "handover_problem": handover.readiness(s, u.actor, p.id),
                         "handover_codes": [{**c, "made": local(c["created_at"]), "until": local(c["expires_at"])}
                                            for c in caregivers.list_codes(s, u.actor, p.id, kind=handover.KIND)]})
    helping = [{**c, "since_local": local(c["since"])} for c in caregivers.caregiving(s, u.actor)]
    handed = [{**h, "day": local(h["at"])[:10]} for h in handover.handed_over_by(s, u.actor)]
    return {"children": children, "helping": helping, "handed": handed, "lists": True, "zone": zone.key if zone else "UTC", **extra}


@router.get("/caregivers", response_class=HTMLResponse)
def caregivers_page(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        ctx = _ctx(request, s, u)
        made = take_code_of_any(request)  # the code just made, shown once (PRG: a reload made a second one)
        for c in ctx["children"] if made else []:
            listed = [i for i in c["codes"] if c["id"] == made[0] and i["id"] == made[1]]  # own child, unused
            if listed:
                ctx.update(code={**listed[0], "code": made[2]}, code_for=c["id"])
            handing = [i for i in c["handover_codes"] if c["id"] == made[0] and i["id"] == made[1]]
            if handing:
                ctx.update(handover_code={**handing[0], "code": made[2]}, code_for=c["id"])
        page = render(request, "caregivers.html", ctx, user=u)
        forget_code(request, page)
        return page


@router.post("/caregivers/invite", response_class=HTMLResponse)
def make_code(request: Request, patient: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        code = caregivers.create_code(s, u.actor, patient)
    # Post/Redirect/Get as on /sharing: a reload of the POST's page made a second live code
    resp = redirect("/caregivers")
    put_code(request, resp, "/caregivers", patient, int(code["id"]), str(code["code"]))
    return resp


@router.post("/caregivers/invites/{invite_id}/cancel")
def cancel_code(request: Request, invite_id: int, patient: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        caregivers.cancel_code(s, u.actor, patient, invite_id)
    return redirect("/caregivers")


@router.post("/caregivers/{caregiver_id}/remove")
def remove(request: Request, caregiver_id: int, patient: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        caregivers.remove(s, u.actor, patient, caregiver_id)
    return redirect("/caregivers")


@router.post("/caregivers/redeem", response_class=HTMLResponse)
def redeem(request: Request, code: str = Form(""), csrf_token: str = Form("")) -> Response:
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            pid = caregivers.redeem(s, u.actor, code)
    except ClinicError as exc:  # unknown, used or expired; the parent's own code; already helping
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            msg = str(exc).removeprefix("code: ")
            return render(request, "caregivers.html", _ctx(request, s, u, lists=False, redeem_error=msg), user=u,
                          status=status_for(exc))
    return redirect(f"/today?patient={pid}")


@router.post("/caregivers/leave/{patient_id}")
def leave(request: Request, patient_id: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        caregivers.leave(s, u.actor, patient_id)
    return redirect("/caregivers")




# -- handing a child's profile over to the grown-up child (clinic/handover.py) --

@router.post("/caregivers/handover", response_class=HTMLResponse)
def make_handover_code(request: Request, patient: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        code = handover.create_code(s, u.actor, patient)  # under 16 or no birth year: 422 with the reason
    resp = redirect("/caregivers")  # PRG: shown once on the next GET
    put_code(request, resp, "/caregivers", patient, int(code["id"]), str(code["code"]))
    return resp


@router.post("/caregivers/handover/{invite_id}/cancel")
def cancel_handover_code(request: Request, invite_id: int, patient: int, csrf_token: str = Form("")) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        verify_csrf(request, u, csrf_token)
        caregivers.cancel_code(s, u.actor, patient, invite_id, kind=handover.KIND)
    return redirect("/caregivers")


@router.post("/caregivers/handover/redeem", response_class=HTMLResponse)
def redeem_handover(request: Request, handover_code: str = Form(""), csrf_token: str = Form("")) -> Response:
    # its own field name: the caregiver code's form on the same page has input[name=code]
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            verify_csrf(request, u, csrf_token)
            handover.redeem(s, u.actor, handover_code)
    except ClinicError as exc:  # unknown, used or expired; the parent's own; under 16; a record of one's own
        with unit_of_work(request) as s:
            u = require_user(request, s, "patient")
            msg = str(exc).removeprefix("code: ")
            return render(request, "caregivers.html", _ctx(request, s, u, lists=False, handover_error=msg), user=u,
                          status=status_for(exc))
    # the profile is now the account's own: its Sharing page says who still sees it
    return redirect("/sharing")
