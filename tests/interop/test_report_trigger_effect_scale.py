"""The visit report's trigger table gives the itch effect's scale: "Itch effect (points, 0–10
scale)" over "1.7". Found in the wording review of 2026-12-06 (the demo's Ben, dairy): the column
read "Itch effect" over a bare 1.7, next to a "Probability" of "over 99%", and could be read as a
percent or a risk."""

from __future__ import annotations

import datetime as dt
import io


def test_the_itch_effect_column_names_its_scale() -> None:
    from pypdf import PdfReader

    from gutskin.interop.report import render_pdf

    end = dt.date(2026, 12, 5)
    start = end - dt.timedelta(days=27)
    dates = [start + dt.timedelta(days=i) for i in range(28)]
    dairy = {"factor": "food.dairy", "label": "Dairy", "verdict": "likely_trigger", "effect": 1.7, "lag_days": 1,
             "probability": 0.996, "probability_protective": 0.0, "exposed_days": 70, "unexposed_days": 33,
             "sentence": "Dairy: likely makes your itch worse the next day — over 99% likely, from 70 days with and 33 without."}
    data = {
        "patient": {"name": "Scale", "external_id": "p-scale"},
        "weeks": 4, "start": start, "end": end, "generated_on": end,
        "series": {"dates": [d.isoformat() for d in dates], "itch": [3] * 28, "sleep_loss": [1] * 28, "flare": [False] * 28},
        "trend": [], "latest_scores": {}, "treatments": [], "challenges": [],
        "completeness": {"days_in_window": 28, "logged_days": 28, "percent_logged": 100.0, "itch_days": 28, "sleep_days": 28,
                         "flare_days": 0, "questionnaires": 0, "last_entry": end, "logged_days_total": 28},
        "insights": {"status": "ready", "triggers": {"triggers": [dairy], "protective": [], "no_evidence": [],
                                                     "not_enough_data": []}},
    }
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(data))).pages).split())
    table = text[text.find("Triggers (personal, from the diary)"):][:400]
    assert "Itch effect (points, 0–10 scale)" in table.replace("- ", "-"), table
