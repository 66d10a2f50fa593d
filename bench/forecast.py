"""Forecast bench: forward chaining on a simulated cohort, ratios against baselines in one run.

    .venv/bin/python -m bench.forecast             # 100 patients x 180 days, MCMC on 3 patients
    .venv/bin/python -m bench.forecast --quick     # 20 patients, no MCMC
    .venv/bin/python -m bench.forecast --stan-patients 0   # skip the MCMC comparator

Protocol (EczemaPred ``R/validation.R``): block length 7, refit at the end of every block,
forecast the next block; horizons 1-7 from the last observed training day. Methods, all on the
same test points:

* ``binar1``   gutskin's model, BinAR1-X: BinAR1 (Laplace-Kalman filter on a parameter grid, no
               MCMC; itch binomial or a rounded-Gaussian reading of SD 0.5, chosen per patient) with the diary's factors
               at lags 0-3 as shifts of the day's logit, effects estimated by an augmented-state
               filter + spike-and-slab at every origin;
* ``nocov``    the same without factors (plain BinAR1, the previous model);
* ``uniform``, ``historical`` (training scores + 1 pseudo-count per category);
* ``binrw``    the same filter restricted to phi = 1 and kappa = 1 (a binomial random walk,
               fitted fast);
* ``known``    BinAR1 filter with the patient's *true* phi, sigma, omega and level (shows how
               much is lost to parameter estimation);
* ``knownx``   our filter given the *true* phi, sigma, omega AND the true trigger and steroid
               effects (day offsets from the logged exposures, steroid use as a drift of the
               latent), future exposures expected as BinAR1-X expects them: what BinAR1-X
               could reach if it estimated the effects perfectly;
* ``bayes``    the achievable limit: the simulator's true model with the patient's TRUE
               parameters (triggers, lags, steroid effect, exposure process) but the latent state
               inferred from the diary alone (bootstrap particle filter on the daily grid,
               ``synthetic.bayes_forecasts``). If it is more than 3 % above the oracle, the 3 %
               target cannot be met by any model;
* ``oracle``   the simulator's true model *and true latent state* at the origin, with the
               recent exposures and steroid use known and future exposures drawn from the
               patient's exposure process (Monte Carlo; counts smoothed by +0.5 per category
               for lpd): the limit no model can beat;
               on the gutskin.axis cohort: ``gutskin.axis.oracle``, the mechanistic simulator's
               true parameters and true state (skin ODE, gut, AR noise, steroid course, shocks
               and exposure processes in progress) at the end of the origin day, ``--axis-particles``
               futures per origin (fresh exposures, shocks, noise, reactive treatment; the
               reading noise and rounding integrated exactly);
* ``mcmc``     BinRW written in Stan from its published equations
               (src/gutskin/insights/binrw.stan), full NUTS fit with pystan at every origin
               (4 chains x 500 warm-up + 500 draws), on the first ``--stan-patients`` patients.

Targets (issue 6): mean RPS better than historical and MCMC, within 3 % of the oracle;
fit + forecast <= 50 ms per patient.
"""

from __future__ import annotations

import argparse
import os

# small per-patient matrices: threaded BLAS only adds contention (set before numpy is imported)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np

from gutskin.insights import forecast as fc
from gutskin.insights.evaluation import (
    ChainPoints,
    calibration,
    factor_names,
    forward_chain,
    log_density,
    patient_series,
    rps,
)
from gutskin.insights.synthetic import _standardise as standardise
from gutskin.insights.synthetic import bayes_forecasts, oracle_forecast, simulate_cohort, trigger_bump

STAN_FILE = Path(__file__).resolve().parents[1] / "src" / "gutskin" / "insights" / "binrw.stan"


@contextlib.contextmanager
def _quiet():
    """Silence pystan's progress output (written straight to the stdout/stderr descriptors)."""
    import sys

    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    for fd in saved:
        os.dup2(devnull, fd)
    try:
        yield
    finally:
        for fd, s in saved.items():
            os.dup2(s, fd)
            os.close(s)
        os.close(devnull)


def per_origin_filter(Y, ids, grid_for, origins, steps):
    out = {}
    for k, pid in enumerate(ids):
        g = grid_for(pid)
        _, sn = fc.run_filter(Y[k : k + 1], g, snapshots=origins)
        for o in origins:
            out[(pid, o)] = fc.predictive(sn[o], g, range(1, steps + 1))[0]
    return out


def known_effects_forecasts(cohort, ids, Y, origins, H):
    """``knownx``: the Gaussian filter with the true parameters and true covariate effects."""
    out = {}
    T = Y.shape[1]
    for k, pid in enumerate(ids):
        pt = cohort.truth[pid]
        ex = cohort.exposures[pid]
        g = fc.make_grid([pt.phi], [pt.sigma], [pt.omega], (pt.level, 1.0))
        tcs = ex["treat.tcs"][:T]
        drift = np.zeros(T)
        drift[1:] = -pt.tcs_effect * tcs[:-1]
        _, sn = fc.run_filter(Y[k : k + 1], g, snapshots=origins, offset=trigger_bump(pt, ex, T)[None], drift=drift[None])
        for o in origins:
            off, var, dr = np.zeros(H), np.zeros(H), np.zeros(H)
            for f, e in pt.effects.items():
                x = standardise(f, ex[f][: o + 1], pt.exposure[f])
                em, ev = fc.exposure_outlook(x, H)
                for h in range(1, H + 1):
                    kk = h - int(e["lag"])
                    xv = x[max(o + kk, 0)] if kk <= 0 else em[kk - 1]
                    off[h - 1] += e["effect_logit"] * xv
                    var[h - 1] += 0.0 if kk <= 0 else e["effect_logit"] ** 2 * ev[kk - 1]
            dr[0] = -pt.tcs_effect * tcs[o]
            dr[1:] = -pt.tcs_effect * tcs[: o + 1].mean()
            out[(pid, o)] = fc.predictive(sn[o], g, range(1, H + 1), offset=off[None], drift=dr[None], offset_var=var[None])[0]
    return out


def stan_forecasts(Y, ids, patients, origins, steps, chains, draws, seed):
    import stan

    code = STAN_FILE.read_text()
    out, times = {}, []
    for pid in patients:
        k = ids.index(pid)
        for o in origins:
            yk = Y[k, : o + 1]
            obs = np.flatnonzero(~np.isnan(yk))
            if obs.size == 0:
                continue
            data = {
                "N": int(o + 1),
                "M": fc.M,
                "N_obs": int(obs.size),
                "t_obs": [int(i) + 1 for i in obs],
                "y_obs": [int(v) for v in yk[obs]],
                "N_pred": steps,
            }
            t0 = time.perf_counter()
            with _quiet():
                model = stan.build(code, data=data, random_seed=seed)
                fit = model.sample(num_chains=chains, num_samples=draws, num_warmup=draws)
            times.append(time.perf_counter() - t0)
            p = np.asarray(fit["p"])  # (steps, 11, draws)
            pm = p.mean(axis=-1)
            out[(pid, o)] = pm / pm.sum(axis=1, keepdims=True)
    return out, times


def table(pts: ChainPoints, methods, sel=None):
    y = np.asarray(pts.y)
    sel = np.ones(y.size, bool) if sel is None else sel
    res = {}
    for m in methods:
        P = np.asarray(pts.forecasts[m])[sel]
        res[m] = (float(rps(P, y[sel]).mean()), float(log_density(P, y[sel]).mean()))
    return res


def _request_ms(frame, H: int, n: int) -> float:
    """Milliseconds per patient of ``forecast_patient`` with the diary's factors (request path)."""
    names = factor_names(frame)
    t0 = time.perf_counter()
    for pid, g in frame.groupby("patient"):
        fc.forecast_patient(g["date"], g["itch"], H, patient=pid, factors=g[names])
    return 1e3 * (time.perf_counter() - t0) / n


def _axis_pairs(c, pts, starts, ids):
    """(cohort patient index, origin diary day) of every test point, and the sorted distinct pairs."""
    day0 = int(np.datetime64(c.dates[0], "D").astype(np.int64))
    index = {pid: i for i, pid in enumerate(c.patients)}
    offset = {pid: starts[k] - day0 for k, pid in enumerate(ids)}
    per_point = [(index[p], o + offset[p]) for p, o in zip(pts.patient, pts.origin)]
    return per_point, sorted(set(per_point))


def axis_bayes(c, pts, starts, ids, H: int, particles: int):
    """``bayes`` on the axis cohort: the true model and parameters, the state from the diary
    (``gutskin.axis.oracle.bayes_forecast``, a particle filter); pmfs of the test points."""
    from gutskin.axis.oracle import bayes_forecast

    per_point, pairs = _axis_pairs(c, pts, starts, ids)
    B, info = bayes_forecast(c, pairs, H, particles, seed=3)
    row = {pr: k for k, pr in enumerate(pairs)}
    k = np.array([row[pp] for pp in per_point])
    h = np.asarray(pts.day) - np.asarray(pts.origin) - 1
    return B[k, h], info


def axis_oracle(c, pts, starts, ids, H: int, particles: int):
    """Oracle pmfs of the axis cohort for every test point: the simulator's true model and true
    state at the end of the origin day (``gutskin.axis.oracle``), ``particles`` futures per
    origin in two independent halves (seeds 1 and 2; their RPS against the whole run's shows the
    Monte-Carlo error). Returns (pmfs of the test points, pmfs of half A, pmfs of half B)."""
    from gutskin.axis.oracle import cohort_oracle

    per_point, pairs = _axis_pairs(c, pts, starts, ids)
    half = max(1, particles // 2)
    A = cohort_oracle(c, pairs, H, half, seed=1)
    B = cohort_oracle(c, pairs, H, half, seed=2)
    row = {pr: k for k, pr in enumerate(pairs)}
    k = np.array([row[pp] for pp in per_point])
    h = np.asarray(pts.day) - np.asarray(pts.origin) - 1
    return 0.5 * (A[k, h] + B[k, h]), A[k, h], B[k, h]


def axis_section(n: int, days: int, seed: int, H: int = 7, particles: int = 1000, bayes_particles: int = 300) -> dict:
    """Forward chaining on the mechanistic simulator's cohort, with its oracle forecast and the
    diary-only achievable limit (``bayes``)."""
    from gutskin.axis.cohort import RUN_IN_DAYS
    from gutskin.axis.cohort import simulate_cohort as axis_cohort

    c = axis_cohort(n_patients=n, n_days=days, seed=seed, snapshots=range(-RUN_IN_DAYS - 1, days))
    frame = c.frame()
    pts = forward_chain(frame, H)
    pts.forecasts["binar1"] = pts.forecasts.pop("model")
    pts.forecasts["nocov"] = forward_chain(frame, H, covariates=False).forecasts["model"]
    ids, Y, starts = patient_series(frame)
    origins = sorted(set(pts.origin))
    rw = fc.make_grid(phis=[1.0])
    rwf = per_origin_filter(Y, ids, lambda pid: rw, origins, H)
    pts.forecasts["binrw"] = [rwf[(p, o)][d - o - 1] for p, o, d in zip(pts.patient, pts.origin, pts.day)]
    t0 = time.perf_counter()
    orc, orc_a, orc_b = axis_oracle(c, pts, starts, ids, H, particles)
    t_oracle = time.perf_counter() - t0
    pts.forecasts["oracle"] = list(orc)
    pts.forecasts["oracle_a"], pts.forecasts["oracle_b"] = list(orc_a), list(orc_b)
    t0 = time.perf_counter()
    bay, binfo = axis_bayes(c, pts, starts, ids, H, bayes_particles)
    t_bayes = time.perf_counter() - t0
    pts.forecasts["bayes"] = list(bay)
    res = table(pts, ["binar1", "uniform", "historical", "nocov", "binrw", "bayes", "oracle", "oracle_a", "oracle_b"])
    ref, r_orc = res["binar1"][0], res["oracle"][0]
    print(f"\n## gutskin.axis cohort: {n} patients x {days} days, {len(pts.y)} test points; oracle: true model "
          f"and state, {2 * max(1, particles // 2)} futures per origin ({t_oracle:.1f} s); bayes: true model, "
          f"state from the diary, {bayes_particles} particles ({t_bayes:.1f} s; "
          f"{binfo['degenerate_days']} logged days no particle explained)")
    print(f"{'method':12} {'RPS':>8} {'lpd':>8} {'RPS/binar1':>11}")
    for m in ("binar1", "uniform", "historical", "nocov", "binrw", "bayes", "oracle"):
        r, lp = res[m]
        print(f"{m:12} {r:8.4f} {lp:8.3f} {r / ref:11.3f}")
    half_rps = 0.5 * (res["oracle_a"][0] + res["oracle_b"][0])
    print(f"oracle Monte Carlo: RPS with half the futures {res['oracle_a'][0]:.5f} / {res['oracle_b'][0]:.5f} "
          f"vs {r_orc:.5f} with all (bias of the half runs {100 * (half_rps / r_orc - 1):+.2f}%; "
          f"the full run's is about half of that)")
    y = np.asarray(pts.y)
    print(f"RPSS vs uniform {1 - ref / res['uniform'][0]:.3f}, vs historical {1 - ref / res['historical'][0]:.3f}; "
          f"calibration ECE {calibration(np.asarray(pts.forecasts['binar1']), y)['ece']:.4f} "
          f"(oracle {calibration(orc, y)['ece']:.4f})")
    r_bay = res["bayes"][0]
    print(f"binar1 RPS / oracle RPS = {ref / r_orc:.3f}; historical / oracle = {res['historical'][0] / r_orc:.3f}; "
          f"bayes / oracle = {r_bay / r_orc:.3f} (the hidden state); binar1 / bayes = {ref / r_bay:.3f} "
          f"(model and estimation)")
    dh = np.asarray(pts.day) - np.asarray(pts.origin)
    per_h = {}
    for h in range(1, H + 1):
        sel = dh == h
        r = {m: float(rps(np.asarray(pts.forecasts[m])[sel], y[sel]).mean())
             for m in ("binar1", "historical", "bayes", "oracle")}
        per_h[h] = r
    print("per day ahead of the origin, RPS binar1 / historical / bayes / oracle (binar1/oracle, bayes/oracle): "
          + "; ".join(f"h{h} {r['binar1']:.4f}/{r['historical']:.4f}/{r['bayes']:.4f}/{r['oracle']:.4f} "
                      f"({r['binar1'] / r['oracle']:.3f}, {r['bayes'] / r['oracle']:.3f})" for h, r in per_h.items()))
    gaps = axis_gap_breakdown(c, pts, y)
    ms = _request_ms(frame, H, n)
    print(f"fit+forecast (with factors): {ms:.1f} ms per patient")
    print(f"calibration ECE without factors {calibration(np.asarray(pts.forecasts['nocov']), y)['ece']:.4f}")
    return {"rps": ref, "historical": res["historical"][0], "nocov": res["nocov"][0], "oracle": r_orc, "bayes": r_bay,
            "ms": ms,
            "per_h": per_h, "gaps": gaps}


def axis_gap_breakdown(c, pts, y) -> dict:
    """Where binar1 loses to the oracle: test points grouped by what the patient's truth holds."""
    from gutskin.axis.cohort import RUN_IN_DAYS

    index = {pid: i for i, pid in enumerate(c.patients)}
    day0 = np.datetime64(c.dates[0], "D")
    pat = np.array([index[p] for p in pts.patient])
    trig = c.truth["patients"]
    has = {f: np.array([any(t["factor"] == f for t in trig[p]["true_triggers"]) for p in pts.patient])
           for f in ("env.pollen", "env.dust", "env.pet", "life.sweat", "life.stress", "env.humidity")}
    food = np.array([any(t["factor"].startswith("food.") for t in trig[p]["true_triggers"]) for p in pts.patient])
    none = np.array([not trig[p]["true_triggers"] for p in pts.patient])
    # flare shocks: a shock starting between the origin and the forecast day (the oracle cannot
    # know it either), or one in progress at the origin (the oracle knows it, the diary does not)
    tape = c.noise.arrays
    rate = c.model.flare_rate
    starts_ = tape["shock_u"] < rate[:, None]
    frame_first = {}
    for r in c.rows:
        frame_first.setdefault(r.patient, r.date)
    off = np.array([(np.datetime64(frame_first[p], "D") - day0).astype(int) for p in pts.patient])
    o_day = np.asarray(pts.origin) + off
    f_day = np.asarray(pts.day) + off
    new_shock = np.array([starts_[i, RUN_IN_DAYS + a + 1: RUN_IN_DAYS + b + 1].any() for i, a, b in zip(pat, o_day, f_day)])
    in_prog = np.array([c.states[int(a)].exposure.shock_carry[i].any() for i, a in zip(pat, o_day)])
    groups = [("all", np.ones(y.size, bool)), ("no true trigger", none), ("a food trigger", food)]
    groups += [(f"{f} trigger", v) for f, v in has.items()]
    groups += [("new flare shock before the day", new_shock), ("shock in progress at the origin", in_prog & ~new_shock),
               ("no shock", ~new_shock & ~in_prog)]
    org = np.asarray(pts.origin)
    groups += [(f"origin after {lo}-{hi - 1} diary days" if hi < 10_000 else f"origin after {lo}+ diary days",
                (org >= lo) & (org < hi)) for lo, hi in ((0, 28), (28, 90), (90, 10_000))]
    steroid = np.array([c.states[int(a)].body.on_course[i] for i, a in zip(pat, o_day)])
    groups += [("steroid course on the origin day", steroid)]
    P = {m: np.asarray(pts.forecasts[m]) for m in ("binar1", "historical", "bayes", "oracle")}
    R = {m: rps(P[m], y) for m in P}
    out = {}
    print(f"{'where (test points)':38} {'n':>6} {'binar1':>8} {'bayes':>8} {'oracle':>8} {'b1/orc':>7} {'bay/orc':>7} "
          f"{'share of the binar1-oracle gap':>31}")
    total_gap = float((R["binar1"] - R["oracle"]).sum())
    for name, sel in groups:
        if not sel.any():
            continue
        b, o, z = float(R["binar1"][sel].mean()), float(R["oracle"][sel].mean()), float(R["bayes"][sel].mean())
        share = float((R["binar1"] - R["oracle"])[sel].sum()) / total_gap if total_gap else float("nan")
        out[name] = {"n": int(sel.sum()), "binar1": b, "bayes": z, "oracle": o, "share": share}
        print(f"{name:38} {int(sel.sum()):6d} {b:8.4f} {z:8.4f} {o:8.4f} {b / o:7.3f} {z / o:7.3f} {100 * share:30.1f}%")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--patients", type=int, default=None)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--stan-patients", type=int, default=None)
    ap.add_argument("--stan-draws", type=int, default=500)
    ap.add_argument("--oracle-sims", type=int, default=None)
    ap.add_argument("--axis-particles", type=int, default=None,
                    help="futures per origin of the axis cohort's oracle (default 1000; 200 with --quick)")
    ap.add_argument("--axis-bayes-particles", type=int, default=None,
                    help="particles of the axis cohort's diary-only limit (default 300; 100 with --quick)")
    a = ap.parse_args(argv)
    n = a.patients or (20 if a.quick else 100)
    n_stan = a.stan_patients if a.stan_patients is not None else (0 if a.quick else 3)
    sims = a.oracle_sims or (1000 if a.quick else 4000)
    H = 7

    print(f"# bench.forecast: {n} simulated patients x {a.days} days, block {H} (seed {a.seed})")
    cohort = simulate_cohort(n, a.days, seed=a.seed)
    t0 = time.perf_counter()
    pts = forward_chain(cohort.frame, H)
    t_chain = time.perf_counter() - t0
    ids, Y, _ = patient_series(cohort.frame)
    origins = sorted(set(pts.origin))
    pts.forecasts["binar1"] = pts.forecasts.pop("model")
    pts.forecasts["nocov"] = forward_chain(cohort.frame, H, covariates=False).forecasts["model"]

    # random-walk and known-parameter filters
    rw = fc.make_grid(phis=[1.0])
    rwf = per_origin_filter(Y, ids, lambda pid: rw, origins, H)
    truth = cohort.truth

    def known_grid(pid):
        t = truth[pid]
        return fc.make_grid([t.phi], [t.sigma], [t.omega], (t.level, 1.0))  # level still learned

    kf = per_origin_filter(Y, ids, known_grid, origins, H)
    kx = known_effects_forecasts(cohort, ids, Y, origins, H)
    # oracle
    t0 = time.perf_counter()
    orc = {}
    for pid in ids:
        t = truth[pid]
        ex = cohort.exposures[pid]
        for o in origins:
            if o >= len(cohort.latent[pid]) - 1:
                continue
            p = oracle_forecast(t, cohort.latent[pid][o], o, ex, ex["treat.tcs"][o], H, sims, seed=o)
            orc[(pid, o)] = (p * sims + 0.5) / (sims + 0.5 * (fc.M + 1))
    t_oracle = time.perf_counter() - t0
    # bayes: the true model and parameters, latent state inferred from the diary (particle filter)
    t0 = time.perf_counter()
    bay = {}
    tcs_col = {pid: g for pid, g in cohort.frame.groupby(cohort.frame["patient"].astype(str))}
    for k, pid in enumerate(ids):
        g = tcs_col[pid]
        d = (g["date"] - g["date"].min()).dt.days.to_numpy()
        tcs = np.full(Y.shape[1], np.nan)
        tcs[d] = g["treat.tcs"].to_numpy(float)
        res_b = bayes_forecasts(truth[pid], Y[k], tcs, cohort.exposures[pid], origins, H, min(sims, 2000), seed=k)
        for o, p in res_b.items():
            bay[(pid, o)] = p
    t_bayes = time.perf_counter() - t0
    for name, src in (("binrw", rwf), ("known", kf), ("knownx", kx), ("oracle", orc), ("bayes", bay)):
        pts.forecasts[name] = [src[(p, o)][d - o - 1] for p, o, d in zip(pts.patient, pts.origin, pts.day)]

    methods = ["binar1", "uniform", "historical", "nocov", "binrw", "known", "knownx", "bayes", "oracle"]
    res = table(pts, methods)
    ref = res["binar1"][0]
    print(f"{len(pts.y)} test points, {n} patients, {len(origins)} origins; chaining {t_chain:.1f} s, "
          f"oracle {t_oracle:.1f} s, bayes {t_bayes:.1f} s")
    print(f"{'method':12} {'RPS':>8} {'lpd':>8} {'RPS/binar1':>11}")
    for m in methods:
        print(f"{m:12} {res[m][0]:8.4f} {res[m][1]:8.3f} {res[m][0] / ref:11.3f}")
    print(f"RPSS vs uniform {1 - ref / res['uniform'][0]:.3f}, vs historical {1 - ref / res['historical'][0]:.3f}; "
          f"binar1 RPS / oracle RPS = {ref / res['oracle'][0]:.3f}")
    y = np.asarray(pts.y)
    hz = np.asarray(pts.horizon)
    print("per horizon RPS (binar1 / nocov / historical / bayes / oracle):",
          "; ".join(f"h{h} " + "/".join(f"{rps(np.asarray(pts.forecasts[m])[hz == h], y[hz == h]).mean():.4f}"
                                       for m in ("binar1", "nocov", "historical", "bayes", "oracle")) for h in range(1, H + 1)))
    org = np.asarray(pts.origin)
    for lo, hi in ((0, 28), (28, 90), (90, 10_000)):
        sel = (org >= lo) & (org < hi)
        if sel.any():
            r = table(pts, ["binar1", "historical", "bayes", "oracle"], sel)
            print(f"  training days {lo}-{min(hi, a.days)}: binar1/oracle {r['binar1'][0] / r['oracle'][0]:.3f}, "
                  f"binar1/bayes {r['binar1'][0] / r['bayes'][0]:.3f}, bayes/oracle {r['bayes'][0] / r['oracle'][0]:.3f}, "
                  f"binar1/historical {r['binar1'][0] / r['historical'][0]:.3f} (n={int(sel.sum())})")
    print(f"calibration ECE of P(itch<=j): binar1 {calibration(np.asarray(pts.forecasts['binar1']), y)['ece']:.4f}, "
          f"nocov {calibration(np.asarray(pts.forecasts['nocov']), y)['ece']:.4f}, "
          f"historical {calibration(np.asarray(pts.forecasts['historical']), y)['ece']:.4f}")

    # speed of fit + forecast on the full series, per patient (the request path)
    ms = _request_ms(cohort.frame, H, n)
    print(f"fit+forecast ({a.days} days, 7-day horizon with flare risk): {ms:.1f} ms per patient")

    mcmc_line = "MCMC comparator: skipped"
    ok_mcmc = None
    if n_stan > 0:
        try:
            import stan  # noqa: F401
        except ImportError:
            mcmc_line = "MCMC comparator: pystan is not installed (pip install pystan); skipped"
        else:
            chosen = ids[:n_stan]
            t0 = time.perf_counter()
            with _quiet():
                import stan as _stan

                _stan.build(STAN_FILE.read_text(), data={"N": 1, "M": 10, "N_obs": 1, "t_obs": [1], "y_obs": [1], "N_pred": 1})
            t_build = time.perf_counter() - t0
            st_fc, st_times = stan_forecasts(Y, ids, chosen, origins, H, 4, a.stan_draws, a.seed)
            sel = np.array([(p, o) in st_fc for p, o in zip(pts.patient, pts.origin)])
            pts.forecasts["mcmc"] = [
                st_fc[(p, o)][d - o - 1] if (p, o) in st_fc else np.full(fc.M + 1, 1 / (fc.M + 1))
                for p, o, d in zip(pts.patient, pts.origin, pts.day)
            ]
            r = table(pts, ["binar1", "historical", "mcmc", "oracle"], sel)
            # our per-fit time on the same series lengths
            t0 = time.perf_counter()
            n_fit = 0
            for pid in chosen:
                k = ids.index(pid)
                for o in origins:
                    fc.forecast_patient(
                        np.arange(o + 1).astype("datetime64[D]"), Y[k, : o + 1], H
                    ) if np.any(~np.isnan(Y[k, : o + 1])) else None
                    n_fit += 1
            ours_fit = (time.perf_counter() - t0) / max(n_fit, 1)
            mean_mcmc = float(np.mean(st_times))
            print(f"MCMC (pystan, BinRW, {len(st_times)} fits on {n_stan} patients, {int(sel.sum())} test points; "
                  f"compile {t_build:.0f} s once):")
            for m in ("binar1", "historical", "mcmc", "oracle"):
                print(f"  {m:12} RPS {r[m][0]:.4f} lpd {r[m][1]:.3f} RPS/binar1 {r[m][0] / r['binar1'][0]:.3f}")
            print(f"  time per fit+forecast: MCMC {mean_mcmc:.2f} s, binar1 {1e3 * ours_fit:.1f} ms "
                  f"-> speed ratio {mean_mcmc / ours_fit:,.0f}x")
            ok_mcmc = r["binar1"][0] < r["mcmc"][0]
            mcmc_line = f"target RPS better than MCMC (on its subset): {'MET' if ok_mcmc else 'NOT MET'}"

    axis = None
    try:
        import gutskin.axis.cohort  # noqa: F401
    except ImportError:
        print("(gutskin.axis.cohort not available: synthetic cohort only)")
    else:
        axis = axis_section(n, a.days, a.seed, H, a.axis_particles or (200 if a.quick else 1000),
                            a.axis_bayes_particles or (100 if a.quick else 300))

    print()
    print(f"target RPS better than historical: {'MET' if ref < res['historical'][0] else 'NOT MET'}")
    print(f"factors help (binar1 vs nocov): synthetic {res['binar1'][0] / res['nocov'][0]:.4f}"
          + (f", axis {axis['rps'] / axis['nocov']:.4f}" if axis is not None else ""))
    if axis is not None:
        print(f"target [axis] RPS better than historical: {'MET' if axis['rps'] < axis['historical'] else 'NOT MET'}")
    print(f"target within 3% of oracle: {'MET' if ref <= 1.03 * res['oracle'][0] else 'NOT MET'} "
          f"({100 * (ref / res['oracle'][0] - 1):.1f}% above)")
    if axis is not None:
        gap = axis["rps"] / axis["oracle"]
        print(f"target [axis] within 3% of oracle: {'MET' if gap <= 1.03 else 'NOT MET'} "
              f"({100 * (gap - 1):.1f}% above; per day ahead: "
              + ", ".join(f"h{h} {100 * (r['binar1'] / r['oracle'] - 1):.1f}%" for h, r in axis["per_h"].items()) + ")")
        if gap <= 1.03:
            print("*** BinAR1-X IS WITHIN 3% OF THE AXIS ORACLE ***")
        gb = axis["bayes"] / axis["oracle"]
        print(f"  [axis] achievable limit (bayes: true model and parameters, state from the diary) is "
              f"{100 * (gb - 1):.1f}% above the oracle -> the 3% target is "
              + ("reachable in principle, by a forecaster that knows the true parameters" if gb <= 1.03 else
                 "INFEASIBLE by the oracle's definition (it is given the hidden state): no model can meet it")
              + f"; binar1 is {100 * (axis['rps'] / axis['bayes'] - 1):.1f}% above that limit")
    gap_b = res["bayes"][0] / res["oracle"][0]
    print(f"achievable limit (bayes: true model and parameters, state from the diary only) is "
          f"{100 * (gap_b - 1):.1f}% above the oracle -> the 3% target is "
          + ("reachable in principle, by a forecaster that knows the true parameters" if gap_b <= 1.03 else
             "INFEASIBLE by the oracle's definition (it is given the hidden state): no model can meet it")
          + f"; binar1 is {100 * (ref / res['bayes'][0] - 1):.1f}% above that limit")
    print(f"  decomposition: binar1 -> knownx (effects and parameters estimated vs true) "
          f"{100 * (ref / res['knownx'][0] - 1):.1f}%; knownx -> bayes (plug-in future exposures, "
          f"learned level, non-reactive steroid) {100 * (res['knownx'][0] / res['bayes'][0] - 1):.1f}%; "
          f"bayes -> oracle (hidden state) {100 * (gap_b - 1):.1f}%")
    print(f"target fit+forecast <= 50 ms per patient: {'MET' if ms <= 50 else 'NOT MET'}")
    print(mcmc_line)


if __name__ == "__main__":
    main()
