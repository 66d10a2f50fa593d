"""A food challenge's diary verdict in the visit report and the FHIR export says what its numbers are
(a clinician's first read of the PDF, 2026-12-07).

The Details column read "diary verdict: no reaction (4 %); itch change -0.4": the percent is the
posterior probability of a *reaction* (insights.challenges), which beside "no reaction" reads as
4 % sure of none, and the itch change had no scale and a hyphen for a minus. They now read as the
clinician's challenge page does: "diary verdict: no reaction (probability of a reaction 4%); itch
−0.4 points (0–10 scale) vs the baseline". The AllergyIntolerance note of the FHIR export (the same
words) too. Real path (stored challenges, report_data, the PDF read with pypdf; export_bundle);
SQLite and PostgreSQL."""

from __future__ import annotations

import io

from tests.interop.test_fhir import add_challenge


def test_the_verdicts_percent_and_itch_change_say_what_they_are(engine, people) -> None:
    from pypdf import PdfReader
    from sqlalchemy import select

    from gutskin.clinic import reports
    from gutskin.clinic.fhir import export_bundle
    from gutskin.store.db import transaction
    from gutskin.store.models import FoodChallenge

    with transaction(engine) as s:
        add_challenge(s, people.owner_pid, "food.egg", "confirmed", "reaction_likely", people.clinician.user_id)
        add_challenge(s, people.owner_pid, "food.wheat", "refuted", "no_reaction", people.clinician.user_id)
        wheat = s.scalars(select(FoodChallenge).where(FoodChallenge.food == "food.wheat")).one()
        wheat.verdict = {"verdict": "no_reaction", "probability": 0.04, "effect": -0.4}
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
    pdf = reports.render_pdf(reports.settle_insights(data, 0))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    part = text[text.find("Food challenges"):][:700]
    assert "diary verdict: reaction likely (probability of a reaction 93%); itch +2.4 points (0–10 scale) vs the " \
           "baseline" in text, part
    assert "diary verdict: no reaction (probability of a reaction 4%); itch \u22120.4 points (0–10 scale) vs the " \
           "baseline" in text, part
    assert "itch change" not in text and "(93 %)" not in text, part

    with transaction(engine) as s:
        bundle = export_bundle(s, people.clinician, people.owner_pid)
    notes = " ".join(n["text"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"
                     for n in e["resource"].get("note", []))
    assert "diary verdict: no reaction (probability of a reaction 4%); itch \u22120.4 points (0–10 scale)" in notes, notes
