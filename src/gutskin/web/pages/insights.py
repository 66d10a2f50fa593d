"""Insights pages: triggers in plain words and the 7-day forecast (patient and linked clinician)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gutskin.clinic import access
from gutskin.clinic.insights import forecast_is_past, insights_for, worded_for
from gutskin.web.deps import unit_of_work
from gutskin.web.pages.common import local_today, render, require_user, viewing

router = APIRouter(include_in_schema=False)
UNSCORED_DAYS = 7
"""More days than this since the last itch score, while the diary goes on, and the forecast says it."""


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, patient: int | None = None) -> Response:
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient")
        p = access.default_patient(s, u.actor) if patient is None else access.patient_for_entry(s, u.actor, patient)
        return render(request, "insights.html", {"patient_id": p.id, "patient": patient, "viewing": viewing(s, u, patient),
                                                 "child": p.relationship == "child"}, user=u)


@router.get("/insights/panel", response_class=HTMLResponse)
def insights_panel(request: Request, patient: int) -> Response:
    """The htmx fragment: results when ready, otherwise a placeholder that polls again."""
    with unit_of_work(request) as s:
        u = require_user(request, s, "patient", "clinician")
        # authorizes (the owner or a linked clinician); a "computing" poll shows nothing, so it is not audited
        result = insights_for(s, u.actor, patient, audit_pending=False)
        viewer = u.actor.role
        if viewer == "patient" and access.patient_for_entry(s, u.actor, patient).relationship == "child":
            viewer = "caregiver"  # a child's record: "your child's itch", not "your itch"
        today = local_today(request, s, patient)  # the browser's day, else the profile's (a page without JavaScript)
    forecast, sleep = result.get("forecast"), result.get("sleep_forecast")
    # the forecast runs from the last diary day: when its first day is already past, "next 7 days" is wrong
    origin = (forecast or {}).get("origin")
    stale = forecast_is_past(origin, today)
    result = worded_for(result, today)  # the what-if's "next 7 days" too (the API says the same)
    # a recent last row with no itch score for more than a week before it (foods ticked, the slider
    # left alone): the forecast is the diary's usual itch, not how it is now (years-of-data walk)
    def unscored(key: str) -> dt.date | None:
        last = result.get(key)
        day = dt.date.fromisoformat(str(last)) if last else None
        return day if day and not stale and (today - day).days > UNSCORED_DAYS else None

    return render(request, "_insights.html", {"r": result, "patient_id": patient, "viewer": viewer,
                                              "forecast_from": dt.date.fromisoformat(str(origin)) if stale else None,
                                              "itch_scored_on": unscored("last_itch_day"),
                                              "sleep_scored_on": unscored("last_sleep_day") if sleep else None,
                                              "forecast_data": forecast or None,
                                              "sleep_data": sleep or None}, user=u)
