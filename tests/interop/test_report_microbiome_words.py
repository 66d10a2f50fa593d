"""The visit report names the diversity metrics in words, as the microbiome page does
("inverse Simpson 3.51", not the internal key "inv_simpson 3.51")."""

from __future__ import annotations

import datetime as dt
import io


def test_diversity_metrics_are_named_in_words() -> None:
    from pypdf import PdfReader

    from gutskin.interop.report import render_pdf

    end = dt.date(2026, 12, 5)
    start = end - dt.timedelta(days=27)
    dates = [start + dt.timedelta(days=i) for i in range(28)]
    data = {
        "patient": {"name": "Words", "external_id": "p-words"},
        "weeks": 4, "start": start, "end": end, "generated_on": end,
        "series": {"dates": [d.isoformat() for d in dates], "itch": [3] * 28, "sleep_loss": [1] * 28, "flare": [False] * 28},
        "trend": [], "latest_scores": {}, "treatments": [], "challenges": [],
        "microbiome": {"sample_id": "S1", "collected_on": end, "method": "shotgun",
                       "diversity": {"observed": 4.0, "shannon": 1.3195, "simpson": 0.715, "inv_simpson": 3.5088,
                                     "pielou": 0.952}},
        "completeness": {"days_in_window": 28, "logged_days": 28, "percent_logged": 100.0, "itch_days": 28, "sleep_days": 28,
                         "flare_days": 0, "questionnaires": 0, "last_entry": end, "logged_days_total": 28},
        "insights": {"status": "ready", "triggers": {"triggers": [], "protective": [], "no_evidence": [], "not_enough_data": []}},
    }
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(data))).pages).split())
    assert ("Diversity: observed features 4, Shannon (natural log) 1.32, Simpson diversity (1 − D) 0.71, inverse Simpson 3.51, "
            "Pielou evenness 0.95.") in text, text[text.find("Diversity"):][:200]
    assert "inv_simpson" not in text
