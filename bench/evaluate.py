"""Evaluate bench: ``gutskin evaluate forecast``'s forward chaining, new path against the old one.

    .venv/bin/python -m bench.evaluate            # 100 patients x 180 days
    .venv/bin/python -m bench.evaluate --quick    # 12 patients x 180 days
    .venv/bin/python -m bench.evaluate --patients 400 --jobs 2

Forward chaining of BinAR1-X refits every patient at every origin (26 origins for 180 days,
block 7). Until 2026-12-07 (commit 743e8e4) every refit went through NumPy loops: the
exposure outlook's smoothing over the days, one percentile call per factor, the predictive
mixture's quadrature; and one process did all patients. This bench runs, on the same
simulated cohort and in the same process:

* ``old``: that path, kept here as it was (:func:`old_forward_chain` with the old helpers
  put back into :mod:`gutskin.insights.forecast` for the run, :func:`old_path`);
* ``new, 1 process``: :func:`gutskin.insights.evaluation.forward_chain` with ``jobs=1``;
* ``new, N processes``: the same with ``--jobs`` worker processes (default: every core).

It prints CPU and wall seconds, the speed-up ratios against ``old`` and the largest difference
between the forecasts of the two paths (they must agree to float precision: the summary
figures are compared exactly). The tests (tests/insights/test_evaluate_speed.py) hold the
old and the new path to the same numbers on a small cohort with the reference here.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from gutskin.insights import evaluation as ev  # noqa: E402
from gutskin.insights import forecast as fc  # noqa: E402

# ---------------------------------------------------------------------------------------------
# the old path (as in commit 743e8e4), the reference of the speed-up and of the tests
# ---------------------------------------------------------------------------------------------

def old_code_limits(C: np.ndarray) -> np.ndarray:
    """As in commit 743e8e4."""
    C = np.asarray(C, float).reshape(C.shape[0], -1)
    out = np.full(C.shape[1], fc.CODE_LIMIT)
    for j in range(C.shape[1]):
        v = np.abs(C[~np.isnan(C[:, j]), j])
        if v.size:
            out[j] = max(fc.CODE_LIMIT, 3.0 * float(np.percentile(v, 95)))
    return out



def old_factor_coding(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As in commit 743e8e4."""
    G = np.asarray(G, float).reshape(G.shape[0], -1)
    F = G.shape[1]
    center, scale = np.zeros(F), np.ones(F)
    for j in range(F):
        v = G[~np.isnan(G[:, j]), j]
        if v.size == 0 or np.all((v == 0) | (v == 1)):
            continue
        q25, q50, q75 = np.percentile(v, [25, 50, 75])
        sd = float(q75 - q25) if q75 > q25 else float(v.std())
        center[j], scale[j] = q50, (sd if sd > 0 else np.inf)
    return center, scale



def old_exposure_outlook(X: np.ndarray, steps: int, persistence=None) -> tuple[np.ndarray, np.ndarray]:
    """As in commit 743e8e4."""
    X = np.asarray(X, float)
    one = X.ndim == 1
    X = X.reshape(X.shape[0], -1)
    T, F = X.shape
    ks = np.arange(1, steps + 1)
    obs = ~np.isnan(X)
    stats = np.array([fc._persistence(X[:, j]) for j in range(F)]).reshape(F, 3)
    mean, rho, var = stats[:, 0], stats[:, 1], stats[:, 2]
    pos = np.maximum.accumulate(np.where(obs, np.arange(T)[:, None], -1), axis=0)
    xff = np.where(pos >= 0, X[np.maximum(pos, 0), np.arange(F)[None, :]], mean[None, :])
    age = np.arange(T)[:, None] - pos  # days since the last logged value
    kk = ks[:, None] + age[-1][None, :]
    out_m = mean + rho**kk * (xff[-1] - mean)
    out_v = var * (1 - rho ** (2 * kk))
    long = obs.sum(axis=0) >= fc.BACKTEST_MIN_DAYS + steps
    if T and long.any():
        al = np.asarray(fc.SMOOTHING_ALPHAS)[:, None]
        lev = np.empty((al.shape[0], T, F))
        cur = np.full((al.shape[0], F), np.nan)
        for t in range(T):
            xt = X[t][None, :]
            step = np.where(np.isnan(cur), xt, cur + al * (xt - cur))
            cur = np.where(obs[t][None, :], step, cur)
            lev[:, t] = cur
        ready = np.cumsum(obs, axis=0) >= fc.BACKTEST_MIN_DAYS  # origins with enough past
        err = np.zeros((1 + al.shape[0], steps, F))
        with np.errstate(invalid="ignore"):
            for k in ks:
                ok = ready[: T - k] & obs[k:]
                n = np.maximum(ok.sum(axis=0), 1)
                target = np.where(ok, X[k:], 0.0)
                ar = mean + rho ** (k + age[: T - k]) * (xff[: T - k] - mean)
                err[0, k - 1] = np.where(ok, (target - ar) ** 2, 0.0).sum(axis=0) / n
                err[1:, k - 1] = np.where(ok[None], (target[None] - lev[:, : T - k]) ** 2, 0.0).sum(axis=1) / n
        best = np.argmin(err.sum(axis=1), axis=0)  # (F,)
        for j in np.flatnonzero(long):
            if best[j] > 0:
                out_m[:, j] = lev[best[j] - 1, -1, j]
            out_v[:, j] = err[best[j], :, j]
    no_data = ~obs.any(axis=0)
    out_m[:, no_data], out_v[:, no_data] = 0.0, 0.0
    return (out_m[:, 0], out_v[:, 0]) if one else (out_m, out_v)


@contextlib.contextmanager
def old_path():
    """Put the old coding and exposure-outlook loops back into :mod:`gutskin.insights.forecast`
    (``fit_covariates`` looks them up at call time) for the duration."""
    saved = (fc.code_limits, fc.factor_coding, fc.exposure_outlook)
    fc.code_limits, fc.factor_coding, fc.exposure_outlook = old_code_limits, old_factor_coding, old_exposure_outlook
    try:
        yield
    finally:
        fc.code_limits, fc.factor_coding, fc.exposure_outlook = saved


def old_forward_chain(frame, horizon: int = 7, block: int | None = None, grid=fc.DEFAULT_GRID) -> ev.ChainPoints:
    """Forward chaining as it was: origin by origin, every patient refitted in this process
    with NumPy's :func:`~gutskin.insights.forecast.predictive` (BinAR1-X: the frame has factors)."""
    block = int(block or horizon)
    ids, Y, _ = ev.patient_series(frame)
    K, T = Y.shape
    origins = ev.origins_for(T, block)
    names = ev.factor_names(frame)
    Gs = ev.patient_factors(frame, names)
    pts = ev.ChainPoints(forecasts={"model": [], "uniform": [], "historical": []})
    uniform = np.full(fc.M + 1, 1.0 / (fc.M + 1))
    obs = ~np.isnan(Y)
    last_obs = np.where(obs, np.arange(T)[None, :], -1)
    np.maximum.accumulate(last_obs, axis=1, out=last_obs)
    for o in origins:
        test = np.arange(o + 1, min(o + block, T - 1) + 1)
        for k in range(K):
            lo = last_obs[k, o]
            if lo < 0:
                continue
            days = [t for t in test if obs[k, t] and t - lo <= horizon]
            if not days:
                continue
            pk = ev._covariate_pmf(Y[k, : o + 1], Gs[k][: o + 1], names, block, grid)
            hist = ev.historical_pmf(Y[k, : o + 1])
            for t in days:
                pts.patient.append(ids[k])
                pts.day.append(int(t))
                pts.origin.append(int(o))
                pts.horizon.append(int(t - lo))
                pts.y.append(int(Y[k, t]))
                pts.forecasts["model"].append(pk[t - o - 1])
                pts.forecasts["uniform"].append(uniform)
                pts.forecasts["historical"].append(hist)
    return pts


def old_summarize(pts: ev.ChainPoints, horizon: int, methods=None, reference: str = "model") -> dict:
    """The summary as it was until 2026-12-07 (commit 92d7d78): every point's pmfs held, NumPy
    means over them all at once. The reference of :class:`~gutskin.insights.evaluation.ChainSummary`
    (summed patient by patient) in this bench and in tests/insights/test_evaluate_streaming.py."""
    methods = list(methods or pts.forecasts.keys())
    y = np.asarray(pts.y, int)
    hz = np.asarray(pts.horizon, int)

    def block(sel) -> dict:
        res: dict = {"n": int(sel.sum())}
        if not sel.any():
            res.update({m: None for m in methods})
            res.update({"rpss_uniform": None, "rpss_historical": None,
                        "calibration": ev.calibration(np.empty((0, fc.M + 1)), y[:0])})
            return res
        for m in methods:
            P = np.asarray(pts.forecasts[m])[sel]
            r = float(ev.rps(P, y[sel]).mean())
            res[m] = {"rps": round(r, 5), "lpd": round(float(ev.log_density(P, y[sel]).mean()), 5)}
        ref = res[reference]["rps"]
        res["rpss_uniform"] = round(1 - ref / res["uniform"]["rps"], 5) if "uniform" in res else None
        res["rpss_historical"] = round(1 - ref / res["historical"]["rps"], 5) if "historical" in res else None
        res["calibration"] = ev.calibration(np.asarray(pts.forecasts[reference])[sel], y[sel])
        return res

    return {
        "horizon": horizon,
        "n_points": int(y.size),
        "n_patients": len(set(pts.patient)),
        "overall": block(np.ones(y.size, bool)),
        "per_horizon": {str(h): block(hz == h) for h in range(1, horizon + 1)},
    }


def old_evaluate(frame, horizon: int = 7, jobs: int = 1) -> dict:
    """``evaluate_forecast`` as it was until 2026-12-07: every test point held, then summarized."""
    out = old_summarize(ev.forward_chain(frame, horizon, jobs=jobs), horizon)
    out["score"], out["block"] = "itch", horizon
    out["model"] = ("BinAR1-X (Laplace-Kalman filter on a parameter grid; factors at lags 0-3)" if ev.factor_names(frame)
                    else "BinAR1 (Laplace-Kalman filter on a parameter grid)")
    return out


def _timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    # CPU of this process; worker processes' CPU is read from os.times() (children, once they exit)
    return out, time.process_time() - c0, time.perf_counter() - w0


def _child(which: str, patients: int, days: int, seed: int, jobs: int) -> None:
    """One evaluation in this (fresh) process; prints its peak RSS and the summary as JSON."""
    import resource

    from gutskin.insights.synthetic import simulate_cohort

    frame = simulate_cohort(patients, days, seed=seed).frame
    ev.evaluate_forecast(frame.head(200), 7)  # kernels loaded, caches warm
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = old_evaluate(frame, 7, jobs=jobs) if which == "held" else ev.evaluate_forecast(frame, 7, jobs=jobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"base_kib": base, "peak_kib": peak, "result": out}))


def memory(patients: int, days: int, seed: int, jobs: int) -> bool:
    """Peak RSS of the evaluation's own process (the parent: workers hold one chunk each), the
    held summary (every point kept, as until 2026-12-07) against the streamed one, each in a
    fresh interpreter on the same cohort; prints the figures, returns whether the JSON agrees."""
    import subprocess
    import sys

    res = {}
    for which in ("held", "streamed"):
        cmd = [sys.executable, "-m", "bench.evaluate", "--child", which, "--patients", str(patients),
               "--days", str(days), "--seed", str(seed), "--jobs", str(jobs)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        res[which] = json.loads(done.stdout)
    same = json.dumps(res["held"]["result"]) == json.dumps(res["streamed"]["result"])
    h, s_ = res["held"], res["streamed"]
    n = h["result"]["n_points"]
    print(f"peak RSS of the evaluating process ({patients} patients x {days} days, {n} test points, "
          f"{jobs} worker{'s' if jobs != 1 else ''}; resource.getrusage ru_maxrss):")
    print(f"{'summary':<22} {'before MiB':>11} {'peak MiB':>9} {'growth MiB':>11} {'bytes/point':>12}")
    for name, r in (("held (92d7d78)", h), ("streamed", s_)):
        grow = r["peak_kib"] - r["base_kib"]
        print(f"{name:<22} {r['base_kib'] / 1024:11.1f} {r['peak_kib'] / 1024:9.1f} {grow / 1024:11.1f} "
              f"{1024 * grow / max(n, 1):12.0f}")
    print(f"peak ratio held/streamed {h['peak_kib'] / s_['peak_kib']:.2f}; evaluate JSON identical: {same}")
    return same


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 patients (a smoke run)")
    ap.add_argument("--patients", type=int, default=None, help="patients (default 100; 12 with --quick)")
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--jobs", type=int, default=0, help="worker processes of the pooled run (0: every core)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--memory-only", action="store_true",
                    help="only the peak-memory comparison (held vs streamed summary), not the speed")
    ap.add_argument("--child", choices=("held", "streamed"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from gutskin.insights.synthetic import simulate_cohort

    K = args.patients or (12 if args.quick else 100)
    jobs = args.jobs or ev.default_jobs()
    if args.child:
        _child(args.child, K, args.days, args.seed, jobs)
        return
    if args.memory_only:
        if not memory(K, args.days, args.seed, jobs):
            raise SystemExit("the streamed summary does not give the held one's figures")
        return
    frame = simulate_cohort(K, args.days, seed=args.seed).frame
    fc.filter_series(np.array([3.0, 4.0]))  # compile / load the kernels before timing
    fc.predictive_fast(fc.filter_series(np.array([3.0])), fc.DEFAULT_GRID, [1])
    fc.exposure_outlook(np.zeros((40, 1)), 7)

    with old_path():
        old, old_cpu, old_wall = _timed(lambda: old_forward_chain(frame, 7))
    new1, new1_cpu, new1_wall = _timed(lambda: ev.forward_chain(frame, 7, jobs=1))
    before = os.times()
    newp, _, newp_wall = _timed(lambda: ev.forward_chain(frame, 7, jobs=jobs))
    after = os.times()
    newp_cpu = (after.user - before.user) + (after.system - before.system) + (
        after.children_user - before.children_user) + (after.children_system - before.children_system)

    a = np.asarray(old.forecasts["model"])
    same_points = all(getattr(old, f) == getattr(x, f) for x in (new1, newp) for f in ("patient", "day", "origin", "horizon", "y"))
    diff = max(float(np.abs(a - np.asarray(x.forecasts["model"])).max()) for x in (new1, newp)) if a.size else 0.0
    s_old, s1, sp = (old_summarize(x, 7) for x in (old, new1, newp))
    streamed = ev.evaluate_forecast(frame, 7, jobs=jobs)  # summed patient by patient
    same_summary = json.dumps(s_old) == json.dumps(s1) == json.dumps(sp) == json.dumps(
        {k: v for k, v in streamed.items() if k not in ("score", "block", "model")})
    n_fits = len(set(zip(old.patient, old.origin)))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores ({ev.default_jobs()} usable), "
          f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"cohort: {K} patients x {args.days} days, block 7, {len(old.y)} test points, {n_fits} refits")
    print(f"{'path':<22} {'CPU s':>8} {'wall s':>8} {'ms/refit (CPU)':>15} {'CPU ratio':>10} {'wall ratio':>11}")
    for name, cpu, wall in (("old (743e8e4)", old_cpu, old_wall), ("new, 1 process", new1_cpu, new1_wall),
                            (f"new, {jobs} processes", newp_cpu, newp_wall)):
        print(f"{name:<22} {cpu:8.2f} {wall:8.2f} {1000 * cpu / max(n_fits, 1):15.2f} "
              f"{old_cpu / cpu:10.2f} {old_wall / wall:11.2f}")
    print(f"same test points: {same_points}; largest forecast difference: {diff:.2e}; "
          f"summary figures identical: {same_summary}")
    print(f"overall RPS {s1['overall']['model']['rps']}, RPSS/historical {s1['overall']['rpss_historical']}")
    if not (same_points and same_summary and diff < 1e-9):
        raise SystemExit("the new path does not give the old numbers")
    same_memory_json = memory(K, args.days, args.seed, jobs)
    if not same_memory_json:
        raise SystemExit("the streamed summary does not give the held one's figures")


if __name__ == "__main__":
    main()
