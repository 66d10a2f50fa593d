"""The patient's "Recent access" list in plain words, repeats grouped.

The audit log keeps one row per request; a clinician's panel reads every linked patient each time
it loads, so the raw list filled with "read panel_summary" within minutes. Here repeats of the same
person doing the same thing on the same (local) day become one line with a count, and internal
names become words. The API (``GET /api/v1/me/audit``) keeps the raw rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

VERBS = {"read": "viewed", "create": "added", "update": "changed", "delete": "deleted", "export": "downloaded",
         "import": "imported", "link": "linked to", "revoke": "ended", "stop": "stopped",
         "evaluate": "evaluated", "confirm": "confirmed", "extend": "extended", "record": "recorded",
         "take": "recorded", "check": "answered a safety check for", "acknowledge": "acknowledged", "run": "ran",
         "accept": "accepted", "propose": "proposed a new time for", "decline": "declined", "cancel": "cancelled",
         "another_time": "asked for another time for", "withdraw": "withdrew", "send": "sent on", "remove": "removed", "leave": "gave up"}
THINGS = {
    "access_log": "this access list", "allergy_records": "allergy records", "allergy_record": "an allergy record",
    "appointments": "appointment requests", "appointment": "an appointment request", "archive": "all your data",
    "avoid_list": "the foods-to-avoid list", "challenge_alert": "a food challenge safety alert",
    "challenge_reminders": "food challenge reminders", "challenge_steps": "food challenge steps",
    "challenge_dose": "a food challenge dose", "challenge_outcome": "a food challenge outcome",
    "challenge_adherence": "food challenge adherence", "consent": "sharing of your record", "diary": "the diary",
    "diary_day": "a diary day", "fhir_bundle": "a health-record export (FHIR)", "food_challenge": "a food challenge",
    "food_challenges": "food challenges", "insights": "triggers and forecast", "invite": "an invite code",
    "microbiome_sample": "a microbiome result", "microbiome_samples": "microbiome results",
    "panel_summary": "your summary in the clinic's patient list", "password": "the account's password", "patient": "the profile",
    "questionnaire": "a questionnaire", "questionnaires": "questionnaire scores", "sharing": "who can see your record",
    "trends": "trends", "visit_report": "a visit report (PDF)", "simulation": "a simulation",
    "caregiver": "a share in keeping this diary (caregiver)", "caregivers": "who else keeps this diary",
    "caregiver_invite": "a caregiver code", "patient_time_zone": "the profile's time zone",
    "patient_birth_year": "the profile's birth year",
    "account_name": "the account's name",
    # the clinic's EASI and SCORAD and an app's sign-in read "added assessment", "viewed assessments" and
    # "ended api token" (clinic walk on a fresh server, 2026-12-07)
    "assessment": "a skin assessment by the clinic (EASI or SCORAD)",
    "assessments": "the clinic's skin assessments (EASI and SCORAD)",
    "api_token": "an app's sign-in to this account (API)",
    "handover_invite": "a handover code (to give the profile to its grown-up owner)",
    "handover": "the handover of this profile from the parent who kept it",
    "patient_identifier": "the profile's number in another system (from a health-record import)",
    "fhir_import_preview": "the record, to check a health-record file (FHIR) before importing it",
}


def access_rows(events: list[dict[str, Any]], me: str, zone: ZoneInfo | None,
                partners: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Newest first, one row per (who, what, local day) with its count and time span:
    ``{"day", "time", "who", "what", "count"}``; ``me`` (the viewer's email) reads "You".
    ``partners`` (``sharing.sharing_partners``, with events that carry ``object_id``): an ended
    sharing says with whom ("ended sharing of your record with Dr Alpha (alpha@…)"; with two
    clinicians linked, "You ended sharing of your record" read as if nobody could see it now)."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}  # insertion order = newest first
    for e in events:
        at = dt.datetime.fromisoformat(str(e["at"])).replace(tzinfo=dt.UTC)
        local = at.astimezone(zone) if zone else at
        name = str(e.get("actor_name") or "")
        who = "You" if e["actor"] == me else (f"{name} ({e['actor']})" if name else str(e["actor"]))
        if e.get("actor_role") == "system":  # the CLI's actor is labelled "cli": a patient read "cli imported the diary"
            who = "The server's operator (command line)"
        what = f"{VERBS.get(str(e['action']), str(e['action']))} {THINGS.get(str(e['object']), str(e['object']).replace('_', ' '))}"
        partner = (partners or {}).get(str(e.get("object_id", ""))) if e["object"] == "consent" and e["action"] == "revoke" else None
        if partner and partner.split(" (")[0] != who.split(" (")[0]:  # not "Dr A ended sharing … with Dr A"
            what += f" with {partner}"
        day = local.date().isoformat()
        row = rows.get((who, what, day))
        if row is not None:  # the same person doing the same thing that day: one line with a count
            row["count"] += 1
            row["first"] = local.strftime("%H:%M")
            continue
        rows[(who, what, day)] = {"day": day, "time": local.strftime("%H:%M"), "first": local.strftime("%H:%M"),
                                  "who": who, "what": what, "count": 1}
    return list(rows.values())
