"""The visit report says on every page who reported and who measured what (2026-12-07).

Its footer read "gutskin visit report: patient-reported data, not a diagnosis" on every page, also
of a report whose Latest scores hold the clinic's EASI and SCORAD, measured by a clinician. It now
says the diary and questionnaires are patient-reported and the EASI and SCORAD measured by the clinic,
naming the clinician as the Sharing page does (name, else e-mail), on every page with "page N of M";
the Latest scores row names them too. A report without the clinic's scores keeps the old footer.
A clinician's name is text in the page's CSS: quotes and "</style>" stay text. Real path (report_data,
insights, WeasyPrint, pypdf), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re

from tests.interop.test_report import _report, _seed_full

SIGNS = {"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1, "excoriation": 2, "lichenification": 0, "dryness": 1}


def _pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_says_what_the_clinic_measured_and_who(engine, people) -> None:
    from gutskin.clinic import assessments
    from gutskin.store.db import transaction
    from tests.web.test_clinic_assessments import EASI_REGIONS

    _seed_full(engine, people)
    _, pdf = _report(engine, people.clinician, people.owner_pid)
    pages = _pages(pdf)
    assert len(pages) == 2
    for n, text in enumerate(pages, start=1):  # without the clinic's scores: the old footer
        assert "gutskin visit report: patient-reported data, not a diagnosis" in text and f"page {n} of 2" in text

    with transaction(engine) as s:
        day = dt.date.today() - dt.timedelta(days=3)
        assessments.record(s, people.clinician, people.owner_pid, "easi", {"regions": EASI_REGIONS, "age_years": 40}, day)
        assessments.record(s, people.clinician, people.owner_pid, "scorad",
                           {"extent_percent": 30, "intensity": SIGNS, "itch": 6, "sleep_loss": 4}, day)
    _, pdf = _report(engine, people.clinician, people.owner_pid)
    pages = _pages(pdf)
    assert len(pages) == 2
    footer = ("gutskin visit report: diary and questionnaires patient-reported; EASI and SCORAD measured by the clinic "
              "(Dr Linked); not a diagnosis")
    for n, text in enumerate(pages, start=1):
        assert footer in text and f"page {n} of 2" in text, (n, text[-300:])
        assert "patient-reported data" not in text, n
    scores = pages[0][pages[0].find("Latest scores"):]
    assert re.search(r"EASI \d\d \w+ \d{4} [\d.]+ of 72 \w+ the clinic \(Dr Linked\)", scores), scores[:400]
    assert re.search(r"SCORAD \d\d \w+ \d{4} [\d.]+ of 103 \w+ the clinic \(Dr Linked\)", scores), scores[:400]


def test_a_clinicians_name_stays_text_in_the_footer(engine, people) -> None:
    from gutskin.clinic import accounts, assessments, sharing
    from gutskin.store.db import transaction

    name = 'Dr "Q" \\ </style><h1>x'
    with transaction(engine) as s:
        doc = accounts.actor_for(accounts.create_user(s, "q@clinic.example.org", people.password, "clinician", name))
        sharing.accept_invite(s, doc, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
        assessments.record(s, doc, people.owner_pid, "scorad", {"extent_percent": 30, "intensity": SIGNS, "itch": 6,
                                                                "sleep_loss": 4})
    _, pdf = _report(engine, people.clinician, people.owner_pid, wait=0)
    (text,) = _pages(pdf)[-1:]
    assert f"SCORAD measured by the clinic ({name}); not a diagnosis" in text, text[-300:]


def test_a_childs_report_says_the_parent_or_the_child_reported(engine, people) -> None:
    """A child's diary and answers are entered by the parent (or the child answers): not 'patient-reported'."""
    from gutskin.clinic import accounts, diary, questionnaires
    from gutskin.store.db import transaction

    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", 2019).id
        diary.put_day(s, people.owner, mia, dt.date.today() - dt.timedelta(days=1), diary.DayInput(itch=4))
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": [2, 2, 2, 1, 1, 1, 1]}, respondent="proxy")
    _, pdf = _report(engine, people.owner, mia, wait=0)
    for n, text in enumerate(pages := _pages(pdf), start=1):
        assert "gutskin visit report: data reported by the parent or the child, not a diagnosis" in text, text[-200:]
        assert f"page {n} of {len(pages)}" in text
        assert "patient-reported" not in text


def test_a_score_imported_from_another_system_is_the_clinics_alone(engine, people) -> None:
    """An imported EASI or SCORAD keeps the role, not the other system's clinician (author_user_id NULL,
    tests/interop/test_fhir_round_trip.py): the footer names the clinic alone, no one's name."""
    from sqlalchemy import select

    from gutskin.clinic import assessments
    from gutskin.store.db import transaction
    from gutskin.store.models import QuestionnaireResponse

    with transaction(engine) as s:
        assessments.record(s, people.clinician, people.owner_pid, "scorad",
                           {"extent_percent": 30, "intensity": SIGNS, "itch": 6, "sleep_loss": 4})
        row = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.instrument == "scorad")).one()
        row.author_user_id = None  # as the import stores it
    _, pdf = _report(engine, people.clinician, people.owner_pid, wait=0)
    text = _pages(pdf)[0]
    assert ("gutskin visit report: diary and questionnaires patient-reported; SCORAD measured by the clinic; "
            "not a diagnosis") in text, text[-300:]
    assert "Dr Linked" not in text
