"""CLI for insights: ``gutskin triggers``, ``gutskin forecast``, ``gutskin evaluate forecast``.

Thin shell over :mod:`gutskin.insights`; heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

evaluate_app = typer.Typer(help="Evaluate models on a diary (forward chaining).", no_args_is_help=True)


def _single_threaded_blas() -> None:
    """The per-patient models multiply small matrices; multi-threaded BLAS only adds contention
    (10x slower on a loaded 2-core machine). Effective when numpy is not imported yet."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    raise typer.Exit(2)


def _read(path: Path):
    """The diary as a frame. A file with only its header is a diary with no days (the format's
    rows are optional, and ``import diary`` takes it): the JSON answers are empty (``[]``, ``{}``,
    no test points), as for any patient without enough days; it was refused as "the diary has no
    rows" (exit 2) until 2026-12-06, so ``gutskin export diary | gutskin triggers - --json`` failed
    on a clinic with no diary yet."""
    from gutskin.commands._common import diary_source
    from gutskin.diary.csvio import DiaryCsvError, read_diary_frame

    try:
        frame = read_diary_frame(diary_source(path))
    except DiaryCsvError as exc:
        _fail(f"error: {exc}")
    return frame


def _no_rows(path: Path) -> str:
    return f"no diary rows in {'<stdin>' if str(path) == '-' else path}"


def triggers(
    diary: Path = typer.Argument(..., help="Diary CSV (interchange format); '-' reads standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    q: float = typer.Option(0.10, "--fdr", help="Bayesian false-discovery rate per patient."),
    min_days: int = typer.Option(14, "--min-days", help="Exposed and unexposed days needed per factor."),
    no_pool: bool = typer.Option(False, "--no-pool", help="Do not pool across the patients in the file."),
) -> None:
    """Each patient's triggers: lagged (0-3 days), adjusted for persistence and reactive treatment."""
    _single_threaded_blas()
    from gutskin.insights.triggers import find_triggers

    frame = _read(diary)
    if not 0 < q < 1:
        _fail("error: --fdr must be between 0 and 1")
    if min_days < 2:
        _fail("error: --min-days must be at least 2")
    results = find_triggers(frame, pool=not no_pool, q=q, min_days=min_days)
    if as_json:
        print(json.dumps([r.to_record() for r in results]))
        return
    if len(frame) == 0:
        print(_no_rows(diary))
    current = None
    for r in results:
        if r.patient != current:
            current = r.patient
            print(f"patient {current}")
        print(f"  [{r.verdict}] {r.sentence}")


def forecast(
    diary: Path = typer.Argument(..., help="Diary CSV (interchange format); '-' reads standard input."),
    horizon: int = typer.Option(7, "--horizon", help="Days ahead (1-28)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    score: str = typer.Option("itch", "--score", help="Which daily 0-10 score: itch or sleep_loss."),
    plan: Path | None = typer.Option(
        None, "--plan",
        help="Diary CSV of coming days holding only planned exposures (a meal, a visit to a cat, "
        "a pollen forecast) for days 1..horizon after each patient's last row.",
    ),
) -> None:
    """Probabilistic itch (or sleep loss) forecast, 0-10, for the days after each patient's last row."""
    _single_threaded_blas()
    from gutskin.commands._common import diary_source
    from gutskin.insights.forecast import SCORES, forecast_frame, read_plan
    from gutskin.insights.wording import risk_percent

    if not 1 <= horizon <= 28:
        _fail("error: --horizon must be between 1 and 28")
    if score not in SCORES:
        _fail(f"error: --score must be one of {', '.join(SCORES)}")
    if plan is not None and str(plan) == "-" and str(diary) == "-":
        _fail("error: --plan -: standard input is already the diary; give the plan's path")
    frame = _read(diary)
    try:
        # a plan with no rows (only its header) plans nothing: the plain forecast (docs/insights.md).
        # Its errors name the file, line and column, as the diary's do (read_plan)
        plans = read_plan(diary_source(plan), frame, horizon) if plan is not None else None
        fcs = forecast_frame(frame, horizon, score=score, plans=plans)
    except ValueError as exc:
        _fail(f"error: {exc}")
    word = "itch" if score == "itch" else "sleep loss"
    if as_json:
        print(
            json.dumps(
                {
                    pid: [{"date": d.date.isoformat(), "probabilities": d.probabilities} for d in fc.days]
                    for pid, fc in fcs.items()
                }
            )
        )
        return
    if len(frame) == 0:
        print(_no_rows(diary))
    for pid, fc in fcs.items():
        basis = f"{fc.n_observed} {word} score{'' if fc.n_observed == 1 else 's'}" if fc.n_observed else (
            f"no {word} scores yet: a typical patient's range, not a personal forecast")
        bad = "flare risk" if score == "itch" else "chance of a bad night"
        print(f"patient {pid} (last entry {fc.origin.isoformat()}, {basis}; {bad} {risk_percent(fc.flare_risk)})")
        for d in fc.days:
            lo, hi = d.bands["80"]
            print(f"  {d.date.isoformat()}  expected {word} {d.mean:4.1f}  80% range {lo}-{hi}  "
                  f"P({word.replace(' ', '_')}>=7) {risk_percent(d.p_severe)}")


@evaluate_app.command("forecast")
def evaluate_forecast(
    diary: Path = typer.Argument(..., help="Diary CSV (interchange format); '-' reads standard input."),
    horizon: int = typer.Option(7, "--horizon", help="Block length and largest horizon scored (days)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    score: str = typer.Option("itch", "--score", help="Which daily 0-10 score: itch or sleep_loss."),
) -> None:
    """Forward chaining: RPS, RPS skill vs uniform and historical, lpd and calibration."""
    _single_threaded_blas()
    from gutskin.insights.evaluation import evaluate_forecast as run
    from gutskin.insights.forecast import SCORES

    if not 1 <= horizon <= 28:
        _fail("error: --horizon must be between 1 and 28")
    if score not in SCORES:
        _fail(f"error: --score must be one of {', '.join(SCORES)}")
    frame = _read(diary)
    try:
        result = run(frame, horizon, score=score)
    except ValueError as exc:
        _fail(f"error: {exc}")
    if as_json:
        print(json.dumps(result))
        return
    o = result["overall"]
    if o["n"] == 0:
        print("no test points (each patient needs at least two logged days)")
        return
    print(f"{result['n_patients']} patients, {result['n_points']} test points, block {result['block']} days")
    print(f"{'horizon':>8} {'n':>6} {'RPS':>7} {'RPSS/unif':>10} {'RPSS/hist':>10} {'lpd':>7}")
    rows = [(str(h), v) for h, v in result["per_horizon"].items()] + [("all", o)]
    for h, v in rows:
        if v["n"] == 0:
            continue
        print(
            f"{h:>8} {v['n']:>6} {v['model']['rps']:7.4f} {v['rpss_uniform']:10.3f} "
            f"{v['rpss_historical']:10.3f} {v['model']['lpd']:7.3f}"
        )
    print(f"calibration (expected calibration error of P({score} <= j)): {o['calibration']['ece']}")


def register(app: typer.Typer) -> None:
    """Add ``triggers``, ``forecast`` and the ``evaluate`` sub-app to the root app."""
    app.command("triggers")(triggers)
    app.command("forecast")(forecast)
    app.add_typer(evaluate_app, name="evaluate")
