"""Clinician page: run an in-silico arm comparison with the gut–skin axis simulator and see the curves."""

from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import simulations
from gutskin.clinic.errors import ClinicError, InvalidInput
from gutskin.web.errors import status_for
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import redirect, render, require_user, verify_csrf

router = APIRouter(include_in_schema=False)


@router.get("/clinic/simulator", response_class=HTMLResponse)
def simulator_form(request: Request) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
        return render(request, "simulator.html", {"arms": simulations.available_arms()}, user=u)


def _whole(form, name: str, default: int) -> int:  # type: ignore[no-untyped-def]
    """A whole-number field of the form, or ``InvalidInput`` naming it: ``int("abc")``'s own words
    ("invalid literal for int() with base 10: 'abc'") reached the page and marked no field."""
    value = str(form.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name}: expected a whole number, not {value[:20]!r}") from None


@router.post("/clinic/simulator", response_class=HTMLResponse)
async def simulator_run(request: Request) -> Response:
    form = await request.form()
    arms = [str(a) for a in form.getlist("arm")]
    try:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            verify_csrf(request, u, str(form.get("csrf_token") or ""))
            job = simulations.start_trial(s, u.actor, arms, _whole(form, "patients", 50),
                                          _whole(form, "weeks", 24), _whole(form, "seed", 1))
    except (ClinicError, ValueError) as exc:
        with unit_of_work(request) as s:
            u = require_user(request, s, "clinician")
            return render(request, "simulator.html", {"arms": simulations.available_arms(), "error": str(exc)},
                          status=status_for(exc) if isinstance(exc, ClinicError) else 422, user=u)
    return redirect(f"/clinic/simulator/{job}")


@router.get("/clinic/simulator/{job}", response_class=HTMLResponse)
def simulator_result(request: Request, job: str, fragment: int = 0) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "clinician")
    status = simulations.trial_status(u.actor, job)
    ctx = {"job": job, "st": status, "sim_data": status.get("result") if status["status"] == "done" else None}
    return render(request, "_simulation.html" if fragment else "simulation.html", ctx, user=u)
