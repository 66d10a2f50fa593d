"""CLI for food challenges: ``gutskin challenge evaluate DIARY.csv --patient ID --food food.egg --start ...``.

Thin shell over :func:`gutskin.insights.challenges.evaluate_frame`; heavy imports inside the command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from gutskin.commands._common import diary_source, fail

challenge_app = typer.Typer(help="Food challenges: verdicts from a diary.", no_args_is_help=True)


def _date(value: str | None, option: str) -> dt.date | None:
    from gutskin.diary.dates import parse_iso_date

    if value is None:
        return None
    try:
        return parse_iso_date(value, option)
    except ValueError as exc:
        fail(str(exc))


@challenge_app.command("evaluate")
def evaluate(
    diary: Path = typer.Argument(..., help="Diary CSV (interchange format); '-' reads standard input."),
    patient: str = typer.Option(..., "--patient", help="The patient's identifier in the file."),
    food: str = typer.Option(..., "--food", help="The challenged food factor, e.g. food.egg."),
    start: str = typer.Option(..., "--start", help="First day of reintroduction (days before it are the baseline)."),
    end: str | None = typer.Option(None, "--end", help="Last day of the challenge (default: the last logged day)."),
    baseline_days: int = typer.Option(28, "--baseline-days", help="How many days before --start form the baseline."),
    window_hours: float = typer.Option(48.0, "--window-hours", help="Observation window after each dose."),
    as_json: bool = typer.Option(False, "--json", help="Print {verdict, probability, effect, baseline_days, challenge_days, settle, reasons}."),
) -> None:
    """Verdict of a food challenge: doses are the days from --start on which FOOD was logged (> 0)."""
    from gutskin.diary.csvio import DiaryCsvError, read_diary_frame
    from gutskin.insights.challenges import evaluate_frame

    from gutskin.diary.factors import FACTOR_NAME_RE

    food = food.strip()
    if not (food.startswith("food.") and FACTOR_NAME_RE.match(food)):
        group = food.split(".", 1)[0] if "." in food else ""
        why = f"{group}.* factors are not foods" if group and group.lower() != "food" else \
            "a factor is named group.name in lower case"
        fail(f"--food {food}: expected a food factor food.NAME, e.g. food.egg ({why})")
    start_d = _date(start, "--start")
    end_d = _date(end, "--end")
    assert start_d is not None
    if end_d is not None and end_d < start_d:
        fail("--end: must not be before --start")
    if not 24 <= window_hours <= 96:
        fail("--window-hours: expected 24-96")
    if baseline_days < 7:
        fail("--baseline-days: expected at least 7")
    if str(diary) != "-" and diary.is_dir():
        fail(f"{diary}: is a directory, expected a CSV file")
    if str(diary) != "-" and not diary.exists():
        fail(f"{diary}: no such file")
    try:
        frame = read_diary_frame(diary_source(diary))
    except DiaryCsvError as exc:
        fail(str(exc))
    from gutskin.diary.csvio import canonical_identifier

    patient = canonical_identifier(patient)  # the file's identifiers are read in this form
    name = "<stdin>" if str(diary) == "-" else str(diary)
    patients = sorted(set(frame["patient"].astype(str)))
    if patient not in patients:  # was "no diary rows for patient 'x'", naming neither the file nor who is in it
        listed = ", ".join(repr(p) for p in patients[:5]) + (f" and {len(patients) - 5} more" if len(patients) > 5 else "")
        fail(f"{name}: no diary rows for patient {patient!r}" + (f"; the file has {listed}" if patients else ""))
    try:
        v = evaluate_frame(frame, patient, food, start_d, end_d, baseline_days=baseline_days, window_hours=window_hours)
    except ValueError as exc:
        fail(f"{name}: {exc}")
    if as_json:
        print(json.dumps(v.summary()))
        return
    from gutskin.insights.wording import risk_percent

    # the words of the clinician's challenge page (2026-12-07): "probability of a reaction: 1.00" promised
    # certainty, and "itch rise on reaction days: -0.21" beside "no_reaction" read as days with a reaction
    print(f"verdict: {v.verdict}")
    if v.probability is not None:
        print(f"probability of a reaction: {risk_percent(v.probability)}")
    if v.effect is not None:
        print(f"itch {v.effect:+.1f} points (0-10 scale) in the observation windows vs the baseline "
              f"(90% interval {v.effect_low:+.1f} to {v.effect_high:+.1f})")
    print(f"baseline days: {v.baseline_days}; observation-window days: {v.challenge_days}; doses: {v.doses}")
    for line in [*v.reasons, *v.settle]:  # --json: "reasons" and "settle"
        print(f"- {line}")


def register(app: typer.Typer) -> None:
    """Add ``gutskin challenge ...`` to the root app."""
    app.add_typer(challenge_app, name="challenge")
