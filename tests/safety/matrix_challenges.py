"""Authorization-matrix rows of the food-challenge routes (issue 7), kept beside the main table.

``PASS`` = authorization passed: any answer but 401/403/404 (a business rule may still refuse,
e.g. a dose that is not due today, with 409/422). ``OK`` = the call succeeds.
"""

from __future__ import annotations

import datetime as dt

from tests.safety.test_authz_matrix import (
    A_READERS,
    CLINICIAN,
    CLINICIANS_OF_A,
    LOGIN,
    ME,
    ME_WRITERS,
    OK,
    PAGE_CLINICIAN,
    PAGE_CLINICIAN_OF_A,
    PAGE_ME,
    PATIENT_READ,
    PASS,
    Row,
    exp,
    form,
    js,
)

CLIN_MODE = exp(401, 403, 403, PASS, 404, 403)  # the patient's own clinician acts (patients, admins: wrong role)
OWNER_MODE = exp(401, PASS, 404, 403, 404, 404)  # the patient acts on their own challenge
STOP_MODE = exp(401, PASS, 404, PASS, 404, 404)  # owner or linked clinician
PAGE_OWNER = exp(LOGIN, PASS, 404, 403, 403, 403)
PAGE_CLIN_OBJ = exp(LOGIN, 403, 403, PASS, 404, 403)
SAFE = {"hives": False, "swelling": False, "breathing": False, "vomiting": False, "faint": False}
# a 14-day elimination first: its reintroduction comes after the egg challenge's (one food at a time)
PLAN = {"food": "food.wheat", "kind": "home", "released_for_home": True, "baseline_days": 7,
        "elimination_days": 14, "elimination_max_days": 14, "doses": [{"day_offset": 0, "amount": "1 slice"}]}

CHALLENGE_ROWS: dict[tuple[str, str], Row] = {
    ("POST", "/api/v1/patients/{patient_id}/challenges"): Row(exp(401, 403, 403, OK, 404, 403), js(PLAN), audit=CLINICIANS_OF_A),
    ("GET", "/api/v1/patients/{patient_id}/challenges"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/allergies"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/avoid-list"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/patients/{patient_id}/challenge-reminders"): Row(PATIENT_READ, audit=A_READERS),
    ("GET", "/api/v1/challenges/{challenge_id}"): Row(PATIENT_READ, audit=A_READERS),
    # computing the verdict from the diary is open to the patient too; confirming it is not (outcome)
    ("POST", "/api/v1/challenges/{challenge_id}/evaluate"): Row(exp(401, PASS, 404, PASS, 404, 404)),
    ("POST", "/api/v1/challenges/{challenge_id}/outcome"): Row(exp(401, 403, 404, PASS, 404, 404), js({"outcome": "refuted"})),
    ("POST", "/api/v1/challenges/{challenge_id}/supervised-doses"): Row(
        CLIN_MODE, js({"step": 1, "given_at": dt.datetime.now().isoformat(timespec="minutes"), "amount": "1 slice"})),
    ("POST", "/api/v1/challenges/{challenge_id}/supervised-outcome"): Row(CLIN_MODE, js({"immediate_outcome": "negative"})),
    ("POST", "/api/v1/challenges/{challenge_id}/extend-elimination"): Row(CLIN_MODE, js({"extra_days": 3})),
    # the first step held for a short baseline (2026-12-07): lengthen it, or let the step start
    ("POST", "/api/v1/challenges/{challenge_id}/extend-baseline"): Row(CLIN_MODE, js({"extra_days": 3})),
    ("POST", "/api/v1/challenges/{challenge_id}/start-first-step"): Row(CLIN_MODE),
    ("POST", "/api/v1/challenges/{challenge_id}/stop"): Row(STOP_MODE, js({"reason": "holiday"})),
    ("GET", "/api/v1/clinician/challenge-alerts"): Row(CLINICIAN),
    ("POST", "/api/v1/clinician/challenge-alerts/{alert_id}/acknowledge"): Row(exp(401, 403, 403, PASS, 404, 403)),
    ("GET", "/api/v1/me/challenges"): Row(ME, audit=ME_WRITERS),
    ("POST", "/api/v1/me/challenges/{challenge_id}/doses/{dose_id}"): Row(OWNER_MODE, js({"safety": SAFE})),
    ("POST", "/api/v1/me/challenges/{challenge_id}/safety"): Row(OWNER_MODE, js({"symptoms": []})),
    ("PUT", "/api/v1/me/challenges/{challenge_id}/adherence/{day}"): Row(OWNER_MODE, js({"followed": True})),
    ("GET", "/challenges"): Row(PAGE_ME, audit=ME_WRITERS),
    ("POST", "/challenges/{challenge_id}/dose/{dose_id}"): Row(PAGE_OWNER, form({"checked": "1", **{f"s_{k}": "0" for k in SAFE}})),
    ("POST", "/challenges/{challenge_id}/safety"): Row(PAGE_OWNER, form({})),
    ("POST", "/challenges/{challenge_id}/adherence"): Row(PAGE_OWNER, form({"followed": "1"})),
    ("POST", "/challenges/{challenge_id}/stop"): Row(exp(LOGIN, PASS, 404, 403, 403, 403), form({"reason": "holiday"})),
    ("GET", "/clinic/challenges"): Row(PAGE_CLINICIAN),
    ("GET", "/clinic/challenges/{challenge_id}"): Row(PAGE_CLIN_OBJ, audit=CLINICIANS_OF_A),
    ("GET", "/clinic/patients/{patient_id}/challenges"): Row(PAGE_CLINICIAN_OF_A, audit=CLINICIANS_OF_A),
    ("POST", "/clinic/patients/{patient_id}/challenges"): Row(
        PAGE_CLIN_OBJ, form({"food": "food.wheat", "released_for_home": "1", "baseline_days": "7",
                                  "elimination_days": "14", "elimination_max_days": "14", "doses": "0: 1 slice"})),
    ("POST", "/clinic/challenges/{challenge_id}/supervised-dose"): Row(PAGE_CLIN_OBJ, form({"step": "1", "amount": "1 slice", "given_at": dt.datetime.now().isoformat(timespec="minutes")})),
    ("POST", "/clinic/challenges/{challenge_id}/supervised-outcome"): Row(PAGE_CLIN_OBJ, form({"immediate_outcome": "negative"})),
    ("POST", "/clinic/challenges/{challenge_id}/evaluate"): Row(PAGE_CLIN_OBJ, form({})),
    ("POST", "/clinic/challenges/{challenge_id}/outcome"): Row(PAGE_CLIN_OBJ, form({"outcome": "refuted"})),
    ("POST", "/clinic/challenges/{challenge_id}/extend"): Row(PAGE_CLIN_OBJ, form({"extra_days": "3"})),
    ("POST", "/clinic/challenges/{challenge_id}/extend-baseline"): Row(PAGE_CLIN_OBJ, form({"baseline_extra_days": "3"})),
    ("POST", "/clinic/challenges/{challenge_id}/start-first-step"): Row(PAGE_CLIN_OBJ, form({})),
    # the alert under its own challenge (an alert of another challenge is 404: test_round4_foreign_ids.py)
    ("POST", "/clinic/challenges/{challenge_id}/alerts/{alert_id}/ack"): Row(
        PAGE_CLIN_OBJ, form({}), ids=lambda w: {"challenge_id": w.ids["alert_challenge_id"]}),
    ("POST", "/clinic/challenges/{challenge_id}/stop"): Row(PAGE_CLIN_OBJ, form({"reason": "holiday"})),
}
