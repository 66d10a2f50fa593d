"""``gutskin challenge evaluate`` without ``--json`` speaks as the clinician's challenge page does
(allergist walk, 2026-12-07): it printed "probability of a reaction: 1.00" (a certainty the model
cannot give; the page says "over 99%") and "itch rise on reaction days: -0.21" beside
"verdict: no_reaction", which reads as days on which there was a reaction. The ``--json`` numbers
are unchanged."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from gutskin.cli import app

FLAT = [3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2]  # 14 calm baseline days


def _diary(challenge: list[int]) -> str:
    rows = ["patient,date,itch,food.egg"]
    for i, itch in enumerate(FLAT + challenge):
        day = f"2026-11-{i + 1:02d}"
        egg = "1" if i - len(FLAT) in (0, 4) else "0"
        rows.append(f"p1,{day},{itch},{egg}")
    return "\n".join(rows) + "\n"


def _run(text: str, *extra: str):  # type: ignore[no-untyped-def]
    r = CliRunner().invoke(app, ["challenge", "evaluate", "-", "--patient", "p1", "--food", "food.egg",
                                 "--start", "2026-11-15", *extra], input=text)
    assert r.exit_code == 0, (r.output, r.exception)
    return r.stdout


def test_a_clear_reaction_is_over_99_percent_not_1_00() -> None:
    text = _diary([3, 8, 7, 2, 3, 8, 7, 3])
    out = _run(text)
    data = json.loads(_run(text, "--json"))
    assert data["verdict"] == "reaction_likely" and data["probability"] > 0.995
    assert "verdict: reaction_likely" in out
    assert "probability of a reaction: over 99%" in out and "1.00" not in out, out
    assert f"itch {data['effect']:+.1f} points (0-10 scale) in the observation windows vs the baseline (90% interval" in out


def test_no_reaction_does_not_speak_of_reaction_days() -> None:
    out = _run(_diary([2, 3, 2, 3, 2, 3, 2, 3]))
    assert "verdict: no_reaction" in out
    assert "reaction days" not in out, out
    assert "points (0-10 scale) in the observation windows vs the baseline" in out
    assert re.search(r"^probability of a reaction: (under 1%|[1-9][0-9]?%|over 99%)$", out, re.MULTILINE), out
