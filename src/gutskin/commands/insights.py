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


class _Progress:
    """Progress of a long run on standard error (standard output carries the answer, JSON or
    text). ``enabled`` None: only when standard error is a terminal. A terminal gets one line
    rewritten at most every second; a file or pipe a line every ``every`` seconds; both the
    last count. Nothing for a run that ends within ``quiet`` seconds unless asked for."""

    def __init__(self, what: str, enabled: bool | None, quiet: float = 2.0, every: float = 10.0) -> None:
        import time

        self.what = what
        self.tty = sys.stderr.isatty()
        self.on = self.tty if enabled is None else enabled
        self.forced = bool(enabled)
        self.start = time.monotonic()
        self.quiet = quiet
        self.every = 1.0 if self.tty else every
        self.last = None  # time of the last line
        self.clock = time.monotonic

    def __call__(self, done: int, total: int) -> None:
        if not self.on:
            return
        now = self.clock()
        spent = now - self.start
        final = done >= total
        if self.last is None and spent < self.quiet and not (final and self.forced):
            return
        if self.last is not None and now - self.last < self.every and not final:
            return
        self.last = now
        left = f", about {_duration(spent / done * (total - done))} left" if 0 < done < total else ""
        line = f"{self.what}: {done:,} of {_plural(total, 'patient')} ({100 * done // max(total, 1)}%), {_duration(spent)}{left}"
        if self.tty:
            print("\r" + line.ljust(79), end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _plural(n: int, one: str, many: str | None = None) -> str:
    """``1 patient``, ``2 patients`` (``many``: the plural when it is not ``one`` + s)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


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
    jobs: int = typer.Option(
        0, "--jobs", help="Worker processes (0: every core this process may use; 1: none)."),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress",
        help="Progress on standard error (default: only when standard error is a terminal)."),
) -> None:
    """Probabilistic itch (or sleep loss) forecast, 0-10, for the days after each patient's last row."""
    _single_threaded_blas()
    from gutskin.commands._common import diary_source
    from gutskin.insights.forecast import SCORES, forecast_frame, read_plan
    from gutskin.insights.pool import default_jobs
    from gutskin.insights.wording import risk_percent

    if not 1 <= horizon <= 28:
        _fail("error: --horizon must be between 1 and 28")
    if score not in SCORES:
        _fail(f"error: --score must be one of {', '.join(SCORES)}")
    if jobs < 0:
        _fail(f"error: --jobs must be 0 (every core) or more, got {jobs}")
    if plan is not None and str(plan) == "-" and str(diary) == "-":
        _fail("error: --plan -: standard input is already the diary; give the plan's path")
    frame = _read(diary)
    try:
        # a plan with no rows (only its header) plans nothing: the plain forecast (docs/insights.md).
        # Its errors name the file, line and column, as the diary's do (read_plan)
        plans = read_plan(diary_source(plan), frame, horizon) if plan is not None else None
        fcs = forecast_frame(frame, horizon, score=score, plans=plans, jobs=jobs or default_jobs(),
                             progress=_Progress("forecast", progress))
    except ValueError as exc:
        _fail(f"error: {exc}")
    except KeyboardInterrupt:  # the answer is printed at the end, in one piece (workers stopped with it)
        print("forecast: interrupted; nothing was printed", file=sys.stderr)
        raise typer.Exit(130) from None
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
    jobs: int = typer.Option(
        0, "--jobs", help="Worker processes for the refits (0: every core this process may use; 1: none)."),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress",
        help="Progress on standard error (default: only when standard error is a terminal)."),
) -> None:
    """Forward chaining: RPS, RPS skill vs uniform and historical, lpd and calibration."""
    _single_threaded_blas()
    from gutskin.insights.evaluation import default_jobs
    from gutskin.insights.evaluation import evaluate_forecast as run
    from gutskin.insights.forecast import SCORES

    if not 1 <= horizon <= 28:
        _fail("error: --horizon must be between 1 and 28")
    if score not in SCORES:
        _fail(f"error: --score must be one of {', '.join(SCORES)}")
    if jobs < 0:
        _fail(f"error: --jobs must be 0 (every core) or more, got {jobs}")
    frame = _read(diary)
    try:
        result = run(frame, horizon, score=score, jobs=jobs or default_jobs(),
                     progress=_Progress("evaluate forecast", progress))
    except ValueError as exc:
        _fail(f"error: {exc}")
    except KeyboardInterrupt:
        # the answer is printed only at the end, in one piece: an interrupted run prints nothing
        # on standard output (the worker processes are stopped with it)
        print("evaluate forecast: interrupted; nothing was printed", file=sys.stderr)
        raise typer.Exit(130) from None
    if as_json:
        print(json.dumps(result))
        return
    o = result["overall"]
    if o["n"] == 0:
        print("no test points (each patient needs at least two logged days)")
        return
    print(f"{_plural(result['n_patients'], 'patient')}, {_plural(result['n_points'], 'test point')}, "
          f"block {_plural(result['block'], 'day')}")
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
