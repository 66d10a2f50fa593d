"""Trigger finding on simulated cohorts with known truth; ratios against a naive baseline.

    .venv/bin/python -m bench.triggers            # 300 patients x 180 days + 10,000 patient-years
    .venv/bin/python -m bench.triggers --quick    # smoke run

Cohorts come from ``gutskin.insights.synthetic`` (latent AR(1) itch, habitual foods, seasonal
pollen, stress, reactive steroid use; known triggers, effects and lags). The baseline measured in
the same run is what apps do today: per patient and factor, a Welch t-test of itch on exposed vs
unexposed days at each lag 0-3 (best lag, Bonferroni x4), Benjamini-Hochberg at 10 % over the
patient's factors, "trigger" if significant with a positive difference.

Figures: precision and recall of ``likely_trigger``; lag accuracy of true positives; share of
patients in whom a treatment (treat.*) is called a trigger (no treatment is a trigger in the
simulation: the steroid is used *because of* bad days and helps); recall by true effect size;
throughput in patient-years per second (analysis from a loaded frame; CSV parsing is reported
separately). Targets (issue 6): precision >= 0.85, recall >= 0.6, treatment <= 5 %,
10,000 patient-years <= 60 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from gutskin.insights.synthetic import simulate_cohort
from gutskin.insights.triggers import estimate_all, find_triggers


def naive_calls(frame: pd.DataFrame, factors: list[str], alpha: float = 0.10) -> set[tuple[str, str]]:
    calls: set[tuple[str, str]] = set()
    for pid, g in frame.groupby("patient", sort=False):
        g = g.set_index("date").asfreq("D")
        pvals, signs = {}, {}
        for f in factors:
            best_p, best_d = 1.0, 0.0
            for lag in range(4):
                x = g[f].shift(lag)
                y = g["itch"]
                ok = x.notna() & y.notna()
                exp = (x[ok] > x[ok].median()) if x[ok].nunique() > 2 else (x[ok] > 0)
                a, b = y[ok][exp], y[ok][~exp]
                if len(a) < 3 or len(b) < 3:
                    continue
                t = stats.ttest_ind(a, b, equal_var=False)
                if np.isfinite(t.pvalue) and t.pvalue < best_p:
                    best_p, best_d = float(t.pvalue), float(a.mean() - b.mean())
            pvals[f], signs[f] = min(1.0, 4 * best_p), best_d
        names = sorted(pvals, key=pvals.get)
        m = len(names)
        k_max = 0
        for i, f in enumerate(names, 1):
            if pvals[f] <= alpha * i / m:
                k_max = i
        for f in names[:k_max]:
            if signs[f] > 0:
                calls.add((str(pid), f))
    return calls


def score(calls: set[tuple[str, str]], cohort, lags: dict | None = None) -> dict[str, float]:
    truth = {
        (pid, f): e for pid, t in cohort.truth.items() for f, e in t.effects.items() if e["effect_logit"] > 0
    }
    tp = [c for c in calls if c in truth]
    fp = [c for c in calls if c not in truth]
    treat_patients = {p for p, f in calls if f.startswith("treat.")}
    out = {
        "precision": len(tp) / len(calls) if calls else float("nan"),
        "recall": len(tp) / len(truth) if truth else float("nan"),
        "called": len(calls),
        "true_triggers": len(truth),
        "false_positives": len(fp),
        "treatment_called_trigger": len(treat_patients) / len(cohort.truth),
    }
    if lags is not None and tp:
        out["lag_accuracy"] = float(np.mean([lags[c] == truth[c]["lag"] for c in tp]))
    bins = [(0, 1.0), (1.0, 1.5), (1.5, 10)]
    for lo, hi in bins:
        sel = [k for k, e in truth.items() if lo <= e["effect_itch"] < hi]
        if sel:
            out[f"recall_effect_{lo:g}-{hi:g}"] = sum(k in calls for k in sel) / len(sel)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--patients", type=int, default=None)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--patient-years", type=float, default=None)
    a = ap.parse_args(argv)
    n = a.patients or (60 if a.quick else 300)
    years = a.patient_years or (500 if a.quick else 10_000)

    print(f"# bench.triggers: {n} simulated patients x {a.days} days (seed {a.seed})")
    cohort = simulate_cohort(n, a.days, seed=a.seed)
    factors = [c for c in cohort.frame.columns if "." in c]

    t0 = time.perf_counter()
    res = find_triggers(cohort.frame)
    t_ours = time.perf_counter() - t0
    ours = {(r.patient, r.factor) for r in res if r.verdict == "likely_trigger"}
    lags = {(r.patient, r.factor): r.lag_days for r in res}
    res_np = find_triggers(cohort.frame, pool=False)
    unpooled = {(r.patient, r.factor) for r in res_np if r.verdict == "likely_trigger"}
    t0 = time.perf_counter()
    naive = naive_calls(cohort.frame, factors)
    t_naive = time.perf_counter() - t0

    s_ours, s_np, s_naive = score(ours, cohort, lags), score(unpooled, cohort), score(naive, cohort)
    keys = ["precision", "recall", "lag_accuracy", "treatment_called_trigger", "called", "false_positives"]
    keys += [k for k in s_ours if k.startswith("recall_effect")]
    print(f"{'figure':32} {'gutskin':>9} {'unpooled':>9} {'naive':>9} {'ratio':>7}")
    for k in keys:
        v, u, b = s_ours.get(k, float("nan")), s_np.get(k, float("nan")), s_naive.get(k, float("nan"))
        ratio = v / b if b not in (0, 0.0) and np.isfinite(b) else float("nan")
        print(f"{k:32} {v:9.3f} {u:9.3f} {b:9.3f} {ratio:7.2f}")
    print(f"true triggers in cohort: {s_ours['true_triggers']}; verdict counts: "
          + ", ".join(f"{v}={sum(r.verdict == v for r in res)}" for v in
                      ("likely_trigger", "likely_protective", "no_evidence", "not_enough_data")))
    print(f"analysis time: gutskin {t_ours:.2f} s, naive {t_naive:.2f} s (ratio {t_ours / t_naive:.2f})")

    # throughput: replicate the cohort (renamed patients) up to the requested patient-years
    per_patient_years = a.days / 365.25
    copies = int(np.ceil(years / (n * per_patient_years)))
    frames = []
    for c in range(copies):
        f = cohort.frame.copy()
        f["patient"] = f["patient"] + f"_{c}"
        frames.append(f)
    big = pd.concat(frames, ignore_index=True)
    n_big = n * copies
    t0 = time.perf_counter()
    out = find_triggers(big)
    dt_big = time.perf_counter() - t0
    py = n_big * per_patient_years
    assert len(out) == n_big * len(factors)
    t0 = time.perf_counter()
    estimate_all(cohort.frame)
    t_est = time.perf_counter() - t0
    print(f"throughput: {py:,.0f} patient-years ({n_big} patients, {len(big):,} rows) in {dt_big:.1f} s "
          f"= {py / dt_big:,.0f} patient-years/s; 10,000 patient-years would take {1e4 / (py / dt_big):.1f} s "
          f"(per-patient regressions alone: {1e3 * t_est / n:.2f} ms/patient)")

    # CSV parsing (the CLI path) measured on the cohort itself
    import os
    import tempfile

    from gutskin.diary.csvio import read_diary_frame
    from gutskin.insights.synthetic import write_diary

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "diary.csv")
        write_diary(cohort, p)
        t0 = time.perf_counter()
        read_diary_frame(p)
        t_csv = time.perf_counter() - t0
    print(f"CSV read (read_diary_frame): {n * per_patient_years / t_csv:,.0f} patient-years/s "
          f"(ratio to analysis: {(n * per_patient_years / t_csv) / (py / dt_big):.2f})")

    targets = [
        ("precision >= 0.85", s_ours["precision"] >= 0.85),
        ("recall >= 0.6", s_ours["recall"] >= 0.6),
        ("treatment called trigger <= 5%", s_ours["treatment_called_trigger"] <= 0.05),
        ("10,000 patient-years <= 60 s", 1e4 / (py / dt_big) <= 60),
    ]
    for name, ok in targets:
        print(f"target {name}: {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
