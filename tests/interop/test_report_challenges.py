"""The visit report's food-challenge rows say where a running challenge stands.

An egg challenge in its first baseline week, with the verdict run once from the diary (nothing
to judge yet: inconclusive), was printed as "home active | inconclusive | – | Decided 05 Dec":
it read as a finished challenge the clinician had decided inconclusive that day.
"""

from __future__ import annotations

import datetime as dt
import io


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_running_challenge_shows_its_phase_and_no_decision(engine, people) -> None:
    from gutskin.clinic import challenges as ch
    from gutskin.clinic import reports
    from gutskin.interop.report import render_pdf
    from gutskin.store.db import transaction

    today = dt.date.today()
    with transaction(engine) as s:  # wheat decided before the egg plan: one food's reintroduction at a time
        wheat = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.wheat", kind="home", released_for_home=True, start=today, baseline_days=7,
            doses=[ch.DoseStep(0, "1 slice of bread")]))
        ch.confirm_outcome(s, people.clinician, int(wheat["id"]), "refuted",  # type: ignore[arg-type]
                           note="eats bread daily without trouble")
        egg = ch.create_plan(s, people.clinician, people.owner_pid, ch.PlanInput(
            food="food.egg", kind="home", released_for_home=True, start=today, baseline_days=7,
            doses=[ch.DoseStep(0, "1/4 cooked egg")]))
        # no dose taken yet: nothing to evaluate (refused since 2026-12-07), so no verdict either
        data = reports.report_data(s, people.clinician, people.owner_pid, weeks=4)
    text = _pdf_text(render_pdf(data))
    decided = today.strftime("%d %b %Y")
    egg_row = next(line for line in text.splitlines() if line.startswith("Egg"))
    assert "home, baseline" in egg_row and "inconclusive" not in egg_row and "refuted" not in egg_row
    assert decided not in egg_row  # nothing was decided
    wheat_row = next(line for line in text.splitlines() if line.startswith("Wheat"))
    assert "refuted" in wheat_row and decided in wheat_row
    rows = {c["food"]: c for c in data["challenges"]}
    assert rows["food.egg"]["decided_on"] is None and rows["food.egg"]["phase"] == "baseline"
    assert rows["food.wheat"]["decided_on"] == today
