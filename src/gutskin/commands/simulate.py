"""`gutskin simulate`: virtual cohorts, treatment arms and pictures from the gut–skin simulator.

Thin shell over :mod:`gutskin.axis`; heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
import sys

import typer

sim_app = typer.Typer(
    name="simulate",
    help="The mechanistic gut–skin simulator: virtual cohorts, treatment arms, pictures.",
    no_args_is_help=True,
)


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _check_size(name: str, value: int, minimum: int = 1) -> None:
    if value < minimum:
        _fail(f"--{name} must be at least {minimum}, got {value}")


def _load_params(path: str | None):
    from gutskin.axis import skin

    if path is None:
        return skin.MU, skin.SIGMA
    try:
        return skin.load_parameter_file(path)
    except ValueError as exc:
        _fail(str(exc))
        raise  # unreachable


def _model_failed(exc: Exception, params: str | None) -> None:
    """One line instead of a traceback when the integrator gives up (absurd parameters)."""
    hint = (f"; check the values in --params {params} (mu is the natural log of each parameter, sigma its "
            "log-scale spread)") if params else ""
    _fail(f"the skin model could not be integrated for these virtual patients ({exc}){hint}")


def _arms(text: str) -> list[str]:
    from gutskin.axis import skin

    names = [a for a in (s.strip() for s in text.split(",")) if a]
    if not names:
        _fail("--arms is empty; expected e.g. placebo,dupilumab")
    out = []
    for a in names:
        try:
            out.append(skin.canonical_arm(a))
        except skin.UnknownArmError as exc:
            _fail(str(exc))
    return list(dict.fromkeys(out))


@sim_app.command("cohort")
def cohort_cmd(
    patients: int = typer.Option(..., "--patients", help="number of virtual patients"),
    days: int = typer.Option(..., "--days", help="diary days per patient"),
    seed: int = typer.Option(0, "--seed", help="random seed (same seed, same files)"),
    out: str = typer.Option(..., "--out", help="output directory for diary.csv and truth.json"),
    start: str = typer.Option("2025-01-01", "--start", help="first diary day (YYYY-MM-DD)"),
    params: str = typer.Option(None, "--params", help="mu/sigma file (CSV mu,sigma rows or JSON)"),
    axis_off: bool = typer.Option(False, "--axis-off", help="switch every gut-skin coupling link off"),
) -> None:
    """Write DIR/diary.csv (interchange format) and DIR/truth.json for a virtual cohort."""
    import datetime as dt
    import os

    _check_size("patients", patients)
    _check_size("days", days)
    _check_size("seed", seed, 0)
    from gutskin.diary.dates import iso_date_or_none

    start_date = iso_date_or_none(start)  # exactly YYYY-MM-DD (fromisoformat also read 2025-W14-2 and 20250401)
    if start_date is None:
        _fail(f"--start: expected a date YYYY-MM-DD, got {start!r}")
        return
    try:
        start_date + dt.timedelta(days=days - 1)
    except OverflowError:
        _fail(f"--start {start} with --days {days}: the last diary day would fall after 9999-12-31")
    mu, sigma = _load_params(params)
    if os.path.exists(out) and not os.path.isdir(out):
        _fail(f"--out {out} exists and is not a directory")
    from gutskin.axis import coupling as cpl
    from gutskin.axis.cohort import simulate_cohort, write_cohort
    from gutskin.axis.integrate import IntegrationError

    try:
        c = simulate_cohort(patients, days, seed, start_date, coupling=cpl.Coupling.off() if axis_off else None,
                            mu=mu, sigma=sigma)
    except ValueError as exc:
        _fail(str(exc))
    except IntegrationError as exc:
        _model_failed(exc, params)
    try:
        diary, truth = write_cohort(c, out)
    except OSError as exc:
        _fail(f"cannot write to {out}: {exc.strerror or exc}")
    print(json.dumps({"diary": diary, "truth": truth, "patients": patients, "days": days, "rows": len(c.rows)}))


@sim_app.command("trial")
def trial_cmd(
    arms: str = typer.Option("placebo,dupilumab", "--arms", help="comma-separated arms"),
    patients: int = typer.Option(100, "--patients", help="virtual patients sampled"),
    weeks: int = typer.Option(24, "--weeks", help="weeks of treatment"),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    median_patient: bool = typer.Option(False, "--median-patient", help="run the single median patient"),
    params: str = typer.Option(None, "--params", help="mu/sigma file (CSV mu,sigma rows or JSON)"),
) -> None:
    """Run the Miyano 2022 protocol (settle 1000 weeks, then each arm) on virtual patients."""
    names = _arms(arms)
    _check_size("weeks", weeks)
    _check_size("seed", seed, 0)
    if not median_patient:
        _check_size("patients", patients)
    mu, sigma = _load_params(params)
    from gutskin.axis import protocol
    from gutskin.axis.integrate import IntegrationError

    if median_patient:
        try:
            obj = {"arms": protocol.median_patient(names, weeks=weeks, mu=mu)}
        except IntegrationError as exc:
            _model_failed(exc, params)
        if as_json:
            print(json.dumps(obj))
        else:
            for a, v in obj["arms"].items():
                e = v["easi_by_week"]
                print(f"{a:14s} baseline EASI {v['baseline_easi']:6.2f}  week {min(16, weeks)} "
                      f"{e[min(16, weeks)]:6.2f}  week {weeks} {e[-1]:6.2f}")
        return
    try:
        res = protocol.simulate_trial(names, patients, weeks=weeks, seed=seed, mu=mu, sigma=sigma)
    except ValueError as exc:
        _fail(str(exc))
    except IntegrationError as exc:
        _model_failed(exc, params)
    summary = res.summary(week=min(16, weeks))
    if as_json:
        print(json.dumps({"arms": summary}))
    else:
        print("\n".join(trial_lines(summary, res.n_kept, res.n_sampled, min(16, weeks))))


def trial_lines(summary: dict, kept: int, sampled: int, week: int) -> list[str]:
    """The text of ``simulate trial`` without --json: an arm with no patient left after the
    exclusion says so (its figures are None; it printed 'nan' before 2026-12-06)."""
    lines = [f"{kept} of {sampled} virtual patients kept (EASI < 72 throughout)"]
    for a, v in summary.items():
        if v["percent_improvement_week16_median"] is None:
            lines.append(f"{a:14s} {v.get('note') or 'no patients left in this arm after exclusion'}")
        else:
            lines.append(f"{a:14s} median %improvement wk{week} {v['percent_improvement_week16_median']:7.2f}"
                         f"   EASI-75 {v['easi75_percent_week16']:6.2f} %")
    return lines


@sim_app.command("plot")
def plot_cmd(
    out: str = typer.Option(..., "--out", help="output file, .png or .svg"),
    arms: str = typer.Option("placebo,dupilumab,tralokinumab,nemolizumab", "--arms"),
    patients: int = typer.Option(60, "--patients", help="virtual patients per arm"),
    weeks: int = typer.Option(24, "--weeks"),
    days: int = typer.Option(365, "--days", help="days of the single virtual patient's diary"),
    seed: int = typer.Option(0, "--seed"),
    data_json: str = typer.Option(None, "--data-json", help="also write the plotted data as JSON here"),
) -> None:
    """Picture: EASI by arm, and one virtual patient's barrier, Th2, gut diversity and itch."""
    import os

    names = _arms(arms)
    _check_size("patients", patients)
    _check_size("weeks", weeks)
    _check_size("days", days)
    _check_size("seed", seed, 0)
    if os.path.splitext(out)[1].lower() not in (".png", ".svg"):
        _fail(f"--out must end in .png or .svg, got {out!r}")
    from pathlib import Path

    from gutskin.commands._common import check_out_path

    # before the simulation, as export/report/backup do: a missing folder was created for --out
    # (a typo made folders) and refused for --data-json only after the whole run
    check_out_path(Path(out))
    if data_json:
        check_out_path(Path(data_json), "--data-json")
    from gutskin.axis import plots

    from gutskin.axis.integrate import IntegrationError

    try:
        data = plots.trajectories(names, patients=patients, weeks=weeks, days=days, seed=seed)
    except ValueError as exc:  # a run too big for memory (cohort or trial), refused before it starts
        _fail(str(exc))
    except IntegrationError as exc:
        _model_failed(exc, None)
    created = [p for p in (out, data_json) if p and not os.path.exists(p)]
    try:
        path = plots.plot_trajectories(data, out)
        if data_json:
            with open(data_json, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
    except OSError as exc:
        for p in created:  # nothing written on failure
            if os.path.exists(p):
                os.remove(p)
        _fail(f"cannot write {exc.filename or out}: {exc.strerror or exc}")
    print(json.dumps({"figure": path, "data": data_json}))


def register(app: typer.Typer) -> None:
    """Add the `simulate` sub-app to the root app."""
    app.add_typer(sim_app, name="simulate")
