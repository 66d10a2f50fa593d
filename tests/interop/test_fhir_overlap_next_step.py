"""A FHIR bundle with days the record already has is refused, all or nothing, and the refusal now says
how many of its days are there and what to do next (clinician walk, 2026-12-07): it named the first day
only, so a person bringing back their own export was told no next step. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import json

from sqlalchemy import delete

from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay
from tests.interop.test_fhir_import_foreign_patient import ITCH, LOINC_POEM, POEM_ANSWERS, ehr_bundle
from tests.interop.test_fhir_own_upload import _confirm_form, _named_maja, _preview, _state
from tests.safety.test_attacks import login_page


def test_an_overlapping_bundle_says_how_many_days_are_there_and_what_next(client, people, engine) -> None:  # type: ignore[no-untyped-def]
    pid = people.owner_pid
    _named_maja(engine, pid)
    login_page(client, "owner@example.org")
    content = json.dumps(ehr_bundle()).encode()
    r = client.post(f"/profiles/{pid}/fhir/import", data=_confirm_form(_preview(client, pid, content).text),
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    days = sorted(set(POEM_ANSWERS) | set(LOINC_POEM) | set(ITCH))
    stored = _state(engine, pid)

    again = _preview(client, pid, content)  # the same bundle brought back: every day is there
    text = html.unescape(again.text)
    assert again.status_code == 409
    assert (f"already has a diary entry on {days[0]}; nothing was imported. {len(days)} of the bundle's "
            f"{len(days)} diary days are in the record already: all of them") in text, text[:3000]

    with transaction(engine) as s:  # the record loses its first two of those days: two are new in the bundle
        s.execute(delete(DiaryDay).where(DiaryDay.patient_id == pid,
                                         DiaryDay.day.in_([dt.date.fromisoformat(d) for d in days[:2]])))
    partly = _preview(client, pid, content)
    text = html.unescape(partly.text)
    assert partly.status_code == 409
    assert (f"already has a diary entry on {days[2]}; nothing was imported. {len(days) - 2} of the bundle's "
            f"{len(days)} diary days are in the record already (the first {days[2]}, the last {days[-1]}). "
            "An import adds new days and never replaces one: import a bundle of the other 2 days only") in text, text[:3000]
    assert _state(engine, pid)[1] == stored[1]  # nothing imported
