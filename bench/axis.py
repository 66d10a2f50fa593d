"""Benchmark of the gut–skin simulator (``python -m bench.axis [--quick]``).

Figures, all measured in the same run:

1. The published Miyano 2022 protocol (settle 1000 weeks, then 24 weeks of one arm,
   dupilumab) for N virtual patients, vectorized (all patients at once), against the
   baseline of integrating patients one by one with scipy ``odeint`` exactly as the authors
   did (0.1-week grid, rtol 1e-8, atol 1e-6). The one-by-one baseline is timed on a subset
   of M patients (default 100; ``--baseline-patients N`` to change, equal to N for the full
   loop) and scaled to N linearly — the loop is embarrassingly serial, its cost is per
   patient. Targets: ratio ≥ 10×, vectorized time < 60 s for N = 1000.
2. Agreement: max |EASI difference| over every grid point of the subset (settle + arm).
3. A 500-patient × 365-day diary cohort (target < 30 s).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.axis", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run (100 patients, 5 baseline, 50x60 cohort)")
    ap.add_argument("--patients", type=int, default=None)
    ap.add_argument("--baseline-patients", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = ap.parse_args(argv)

    from gutskin.axis import protocol, skin
    from gutskin.axis.cohort import simulate_cohort

    n = args.patients or (100 if args.quick else 1000)
    m = args.baseline_patients or (5 if args.quick else 100)
    m = min(m, n)
    coh_n, coh_d = (50, 60) if args.quick else (500, 365)
    arm = "dupilumab"
    params = skin.sample_parameters(n, np.random.default_rng(args.seed))

    t0 = time.perf_counter()
    res = protocol.run_protocol(params, [arm])
    t_vec = time.perf_counter() - t0

    t0 = time.perf_counter()
    max_diff = 0.0
    for i in range(m):
        base, ref = skin.reference_protocol(params[i], {arm: skin.ARMS[arm]})
        max_diff = max(max_diff, abs(float(skin.easi(base)) - float(res.baseline_easi[i])),
                       float(np.max(np.abs(ref[arm] - res.easi[arm][i]))))
    t_ref_subset = time.perf_counter() - t0
    t_ref = t_ref_subset / m * n
    ratio = t_ref / t_vec

    t0 = time.perf_counter()
    coh = simulate_cohort(coh_n, coh_d, seed=args.seed)
    t_coh = time.perf_counter() - t0

    print(f"protocol (settle 1000 wk + 24 wk {arm}), {n} virtual patients")
    print(f"  vectorized (all patients at once)      {t_vec:8.2f} s   [target < 60 s for 1000]")
    print(f"  odeint one by one, {m} patients         {t_ref_subset:8.2f} s   ({t_ref_subset / m:.3f} s/patient)")
    print(f"  odeint one by one, scaled to {n}      {t_ref:8.2f} s")
    print(f"  speed-up ratio                          {ratio:8.1f} x   [target >= 10x]")
    print(f"  agreement: max |EASI diff| ({m} pts)    {max_diff:8.5f}     [target < 0.5]")
    print(f"  kept after EASI>=72 exclusion           {res.n_kept}/{res.n_sampled}")
    print(f"cohort {coh_n} patients x {coh_d} days      {t_coh:8.2f} s   [target < 30 s for 500x365]"
          f"   ({len(coh.rows)} diary rows)")
    out = {
        "patients": n, "baseline_patients": m, "vectorized_s": round(t_vec, 3),
        "odeint_subset_s": round(t_ref_subset, 3), "odeint_scaled_s": round(t_ref, 3),
        "ratio": round(ratio, 2), "max_easi_diff": max_diff, "cohort_patients": coh_n, "cohort_days": coh_d,
        "cohort_s": round(t_coh, 3),
    }
    if args.json:
        print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
