"""``gutskin forecast DIARY --plan PLAN``: every plan error names the plan file, line and column,
as the diary reader's errors do (``FILE: line N, column C: ...``). Until 2026-12-06 the checks
made after reading (a patient not in the diary, a day outside the forecast window, a score in a
plan, a factor the diary never logged) said "plan row for p2 on 2025-02-10: ..." or "plan: factor
'food.cat' ...", naming neither the file nor the line; the format's own errors (bad date, bad
value, duplicate day) already named them and still do."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata

import pytest
from typer.testing import CliRunner

from gutskin.cli import app
from gutskin.diary.csvio import DiaryCsvError, read_diary_frame
from gutskin.insights.forecast import plans_from_frame

START = dt.date(2025, 1, 1)
LAST = START + dt.timedelta(days=39)  # each patient's last diary day
D1, D2, D9 = (LAST + dt.timedelta(days=k) for k in (1, 2, 9))
ZOE_NFC, ZOE_NFD = unicodedata.normalize("NFC", "Zoë"), unicodedata.normalize("NFD", "Zoë")


def _diary_text() -> str:
    rows = ["patient,date,itch,food.egg,env.pet"]  # env.pet: a column never filled in
    for pid in ("p1", ZOE_NFC):
        rows += [f"{pid},{START + dt.timedelta(days=i)},{i % 5},{i % 2}," for i in range(40)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def diary(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "diary.csv"
    path.write_text(_diary_text(), encoding="utf-8")
    return path


CASES = {  # plan text -> the error after "error: PLAN: "
    "unknown patient": (f"patient,date,food.egg\np1,{D1},1\np2,{D1},1\n",
                        "line 3, column patient: patient 'p2' has no diary rows; the diary has 'Zoë', 'p1'"),
    "factor not in the diary": (f"patient,date,food.egg,food.cat\np1,{D1},1,x\n",
                                "line 1, column food.cat: factor 'food.cat' is not in the diary, so its effect is "
                                "unknown"),
    "factor never filled in the diary": (f"patient,date,env.pet\np1,{D1},1\n",
                                         "line 1, column env.pet: factor 'env.pet' has no value in the diary, so its "
                                         "effect is unknown"),
    "day beyond the horizon": (f"patient,date,food.egg\np1,{D1},1\n\np1,{D9},1\n",
                               f"line 4, column date: a plan covers days 1-3 after the patient's last diary day "
                               f"({LAST}); this is day 9"),
    "day not after the diary": (f"patient,date,food.egg\n{ZOE_NFD},{LAST},1\n",
                                f"line 2, column date: a plan covers days 1-3 after the patient's last diary day "
                                f"({LAST}); this is day 0"),
    "a score": (f"patient,date,food.egg,sleep_loss,itch\np1,{D1},1,,\np1,{D2},1,2,3\n",
                "line 3, column itch: a plan holds exposures only, not scores (itch, sleep_loss)"),
    "bad date": (f"patient,date,food.egg\np1,{D1},1\np1,2025-13-01,1\n",
                 'line 3, column date: expected an ISO date YYYY-MM-DD (there is no month 13: the month comes second, '
                 'between the hyphens), got "2025-13-01"'),
    "bad value": (f"patient,date,food.egg\np1,{D1},lots\n", 'line 2, column food.egg: expected a number, got "lots"'),
    "duplicate day in two Unicode forms": (f"patient,date,food.egg\n{ZOE_NFD},{D1},1\n{ZOE_NFC},{D1},0\n",
                                           f"line 3, column date: duplicate row for patient {ZOE_NFC} on {D1}"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_plan_error_names_the_file_line_and_column(diary, tmp_path, case) -> None:
    text, expected = CASES[case]
    plan = tmp_path / "plan.csv"
    plan.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["forecast", str(diary), "--plan", str(plan), "--horizon", "3", "--json"])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"error: {plan}: {expected}"
    assert r.stdout == ""


def test_a_plan_on_standard_input_is_named_stdin(diary) -> None:
    text, expected = CASES["unknown patient"]
    r = CliRunner().invoke(app, ["forecast", str(diary), "--plan", "-", "--horizon", "3", "--json"], input=text)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"error: <stdin>: {expected}"


def test_diary_and_plan_cannot_both_be_standard_input() -> None:
    r = CliRunner().invoke(app, ["forecast", "-", "--plan", "-", "--json"], input=_diary_text())
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --plan -: standard input is already the diary; give the plan's path"


def test_a_good_plan_file_plans_what_the_frame_plans_and_moves_the_forecast(diary, tmp_path) -> None:
    from gutskin.insights.forecast import read_plan

    text = f"patient,date,food.egg\np1,{D2},1\n{ZOE_NFD},{D1},0\n{ZOE_NFC},{D2},\n"
    frame = read_diary_frame(diary)
    plans = read_plan(io.StringIO(text), frame, 3)
    assert plans == plans_from_frame(read_diary_frame(io.StringIO(text)), frame, 3)
    assert plans == {"p1": {"food.egg": [None, 1.0, None]}, ZOE_NFC: {"food.egg": [0.0, None, None]}}
    plan = tmp_path / "plan.csv"
    plan.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["forecast", str(diary), "--plan", str(plan), "--horizon", "3", "--json"])
    assert r.exit_code == 0, r.output
    assert set(json.loads(r.stdout)) == {"p1", ZOE_NFC}
    with pytest.raises(DiaryCsvError) as err:  # the error object carries where, for callers other than the CLI
        read_plan(io.StringIO(CASES["unknown patient"][0]), frame, 3)
    assert (err.value.line, err.value.column) == (3, "patient")
