"""What a new clinic met on its first walk of the clinic side (H3, 2026-12-07): admin creates a
clinician, the clinician signs in, links a patient, reads the record, records SCORAD and EASI,
downloads the visit report and the FHIR record. Each test fails on the code before."""

from __future__ import annotations

import re

from sqlalchemy import select

from gutskin.store.db import transaction
from gutskin.store.models import Patient
from tests.safety.test_attacks import login_page


def _born(engine, pid: int, year: int | None) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.get(Patient, pid).birth_year = year


def _clinician_page(client, pid: int) -> str:  # type: ignore[no-untyped-def]
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    r = client.get(f"/clinic/patients/{pid}")
    assert r.status_code == 200
    return r.text


def test_the_patient_page_says_what_the_clinic_adds_not_read_only(client, people) -> None:
    """The heading said "Owner (read-only)" above the forms to record EASI and SCORAD and import a
    FHIR bundle: the clinician read that nothing could be done here."""
    page = _clinician_page(client, people.owner_pid)
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "read-only" not in h1 and "Owner" in h1
    said = re.search(r'<p class="hint" id="what-you-can-do">(.*?)</p>', page, re.S).group(1)
    assert "cannot change them" in said and "EASI and SCORAD" in said and "FHIR" in said
    assert 'id="easi-form"' in page and 'id="scorad-form"' in page  # and the forms it names are there


def _age_input(page: str) -> tuple[str, str]:
    label = re.search(r'<label for="easi-age_years">(.*?)</label>', page, re.S).group(1)
    field = re.search(r'<input [^>]*id="easi-age_years"[^>]*>', page).group(0)
    return label, field


def test_the_easi_age_is_asked_for_before_sending_when_the_profile_has_no_birth_year(client, people, engine) -> None:
    """The label said "only if asked: the birth year decides the weights" on a profile without a
    birth year; the clinician graded four regions, pressed Save and only then was asked the age."""
    _born(engine, people.owner_pid, None)
    page = _clinician_page(client, people.owner_pid)
    label, field = _age_input(page)
    assert "needed" in label and "no birth year" in label and "only if asked" not in label
    assert re.search(r"\brequired\b", field)
    # with a birth year the age stays optional, as before
    _born(engine, people.owner_pid, 1980)
    label, field = _age_input(client.get(f"/clinic/patients/{people.owner_pid}").text)
    assert "only if asked" in label and not re.search(r"\brequired\b", field)
    with transaction(engine) as s:  # nothing else changed on the profile
        assert s.scalar(select(Patient.birth_year).where(Patient.id == people.owner_pid)) == 1980


def _report_text(client, pid: int) -> str:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader

    r = client.get(f"/clinic/patients/{pid}/report.pdf?weeks=4")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages).split())


def test_the_visit_report_counts_the_clinics_scorad_as_the_clinics(client, people, engine) -> None:
    """The report's completeness line said "1 score (questionnaires and diary POEM)" when the one
    score was the SCORAD the clinician had just recorded."""
    import datetime as dt

    from gutskin.clinic import assessments, diary, zones
    from tests.web.test_clinic_assessments import SCORAD

    with transaction(engine) as s:
        today = zones.patient_today(s, people.owner_pid)
        diary.put_day(s, people.owner, people.owner_pid, today, diary.DayInput(itch=5))
    with transaction(engine) as s:
        assessments.record(s, people.clinician, people.owner_pid, "scorad", SCORAD)
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    text = _report_text(client, people.owner_pid)
    assert "1 score (EASI or SCORAD recorded by the clinic) in the period" in text, text
    assert "questionnaires and diary POEM" not in text
    with transaction(engine) as s:  # and a diary POEM beside it: both named, each with its count
        diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=1), diary.DayInput(itch=4, poem=12))
    text = _report_text(client, people.owner_pid)
    assert "2 scores (1 from questionnaires and diary POEM, 1 EASI or SCORAD recorded by the clinic) in the period" in text, text


def test_a_new_clinicians_empty_pages_say_where_patients_and_requests_come_from(client, people) -> None:
    """The empty panel said "Ask a patient for an invite code" (where does the patient find one?) and
    the empty appointment list "No requests." (from where?): a new clinic's first screens."""
    assert login_page(client, "unlinked@clinic.example.org").status_code == 303
    panel = client.get("/clinic").text
    empty = re.search(r'<td colspan="7" id="no-patients">(.*?)</td>', panel, re.S).group(1)
    assert "<em>Sharing</em> page" in empty and "Link patient" in empty and "14 days" in empty
    appts = client.get("/clinic/appointments").text
    none = re.search(r'<p id="no-clinic-requests">(.*?)</p>', appts, re.S).group(1)
    assert "<em>Appointments</em> page" in none and "share their record with you" in none
    # a linked clinician with a patient sees the patient, not the hint
    client.cookies.clear()
    assert login_page(client, "linked@clinic.example.org").status_code == 303
    assert 'id="no-patients"' not in client.get("/clinic").text
