"""Food-challenge verdicts on simulated challenges with a known answer; ratios against a naive baseline.

    .venv/bin/python -m bench.challenges            # 400 reactors + 400 non-reactors per cohort
    .venv/bin/python -m bench.challenges --quick    # smoke run (60 + 60)

Design (the issue's target case): a food-free baseline of 14 days, then 14 days of
reintroduction with 3 doses (days 0, 4 and 8, taken 07:00-10:00), observation window 48 h.

Cohorts:

* ``synthetic``: :func:`gutskin.insights.challenges.simulate_challenge` (the generative family
  of ``gutskin.insights.synthetic``: latent AR(1) itch on the logit scale, daily transient
  noise, binomial 0-10 itch, unrelated noisy days at 5 %, 8 % missing days);
* ``axis``: daily itch of virtual patients of the mechanistic simulator ``gutskin.axis``
  (its own triggers, flares, reactive steroid use and missing days: a no-reaction world);
  a reactor's reaction is added on the days it overlaps, on the logit scale of the day's itch
  (``y' = round(11 * expit(logit((y + 0.5) / 11) + effect) - 0.5)``).

Reactors react to each dose with probability 0.85; onset U(6, 30) h after the dose, duration
U(12, 36) h (ending by 48 h): late eczematous reactions 6-48 h, typically about 24 h (Breuer
2004). Effect on the logit scale U(1.0, 2.0) (about +2 to +4.5 itch points at mid-range
severity); a stratum of small reactions U(0.5, 1.0) and one with the plan's minimum 7-day
baseline are reported separately.

Figures: sensitivity = reaction_likely among decisive verdicts of reactors, specificity =
no_reaction among decisive verdicts of non-reactors, the share of inconclusive verdicts, and
the strict versions (inconclusive counted as a miss) and the false-positive rate over all
non-reactors. Targets (issue 7): sensitivity >= 0.8 and specificity >= 0.9 at 3 doses over 14
days. Baseline measured in the same run: what a diary app would do: a Welch t-test of itch on
observation-window days against the baseline days, as if days were independent (reaction if
p < 0.05 and the mean is higher, otherwise no reaction).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time

import numpy as np
from scipy import stats

from gutskin.insights.challenges import (
    SimulatedChallenge,
    evaluate_challenge,
    reaction_weights,
    simulate_challenge,
)

BASELINE_DAYS = 14
CHALLENGE_DAYS = 14
DOSE_DAYS = (0, 4, 8)


def naive_verdict(sim: SimulatedChallenge) -> str:
    win = {d for d, w in reaction_weights(sim.doses).items() if w >= 0.5}
    base = [v for d, v in zip(sim.days, sim.itch, strict=True) if d < sim.start and v is not None]
    obs = [v for d, v in zip(sim.days, sim.itch, strict=True) if d >= sim.start and d in win and v is not None]
    if len(base) < 2 or len(obs) < 2:
        return "no_reaction"
    t = stats.ttest_ind(obs, base, equal_var=False)
    return "reaction_likely" if np.isfinite(t.pvalue) and t.pvalue < 0.05 and np.mean(obs) > np.mean(base) else "no_reaction"


def axis_challenges(n: int, seed: int, reactors: bool, effect_range: tuple[float, float],
                    baseline_days: int = BASELINE_DAYS) -> list[SimulatedChallenge]:
    """Challenges on the itch of ``gutskin.axis`` virtual patients (their diaries are the no-reaction world)."""
    from gutskin.axis.cohort import simulate_cohort

    start = dt.date(2026, 3, 1)
    first = start - dt.timedelta(days=baseline_days)
    cohort = simulate_cohort(n, baseline_days + CHALLENGE_DAYS, seed=seed, start=first)
    series: dict[str, list[tuple[dt.date, float | None]]] = {}
    for r in cohort.rows:
        series.setdefault(r.patient, []).append((r.date, None if r.itch is None else float(r.itch)))
    rng = np.random.default_rng(seed + 7)
    out = []
    for pid in sorted(series):
        days = [d for d, _ in series[pid]]
        itch = [v for _, v in series[pid]]
        doses = [dt.datetime.combine(start + dt.timedelta(days=k), dt.time()) + dt.timedelta(hours=float(rng.uniform(7, 10)))
                 for k in DOSE_DAYS]
        eff = float(rng.uniform(*effect_range)) if reactors else 0.0
        bump: dict[dt.date, float] = {}
        if reactors:
            for t in doses:
                if rng.random() >= 0.85:
                    continue
                onset = rng.uniform(6, 30)
                dur = min(rng.uniform(12, 36), 48 - onset)
                a, b = t + dt.timedelta(hours=onset), t + dt.timedelta(hours=onset + dur)
                day = a.date()
                while dt.datetime.combine(day, dt.time()) < b:
                    bump[day] = bump.get(day, 0.0) + eff
                    day += dt.timedelta(days=1)
        new = []
        for d, v in zip(days, itch, strict=True):
            if v is None or d not in bump:
                new.append(v)
                continue
            p = (v + 0.5) / 11
            z = math.log(p / (1 - p)) + bump[d]
            new.append(float(min(10, max(0, round(11 / (1 + math.exp(-z)) - 0.5)))))
        out.append(SimulatedChallenge(days, new, start, doses, reactors, eff, sorted(bump)))
    return out


def synthetic_challenges(n: int, seed: int, reactors: bool, effect_range: tuple[float, float],
                         baseline_days: int = BASELINE_DAYS) -> list[SimulatedChallenge]:
    rng = np.random.default_rng(seed)
    return [simulate_challenge(rng, reactor=reactors, baseline_days=baseline_days, challenge_days=CHALLENGE_DAYS,
                               dose_days=DOSE_DAYS, effect_range=effect_range) for _ in range(n)]


def score(reactor_sims: list[SimulatedChallenge], null_sims: list[SimulatedChallenge]) -> dict[str, float]:
    t0 = time.perf_counter()
    r = [evaluate_challenge(s.days, s.itch, s.start, s.doses).verdict for s in reactor_sims]
    z = [evaluate_challenge(s.days, s.itch, s.start, s.doses).verdict for s in null_sims]
    secs = time.perf_counter() - t0
    tp, fn_ = r.count("reaction_likely"), r.count("no_reaction")
    tn, fp = z.count("no_reaction"), z.count("reaction_likely")
    inc = r.count("inconclusive") + z.count("inconclusive")
    nr = [naive_verdict(s) for s in reactor_sims]
    nz = [naive_verdict(s) for s in null_sims]
    return {
        "sensitivity": tp / max(tp + fn_, 1),
        "specificity": tn / max(tn + fp, 1),
        "inconclusive": inc / (len(r) + len(z)),
        "strict_sensitivity": tp / len(r),
        "strict_specificity": tn / len(z),
        "false_positive_rate": fp / len(z),
        "naive_sensitivity": nr.count("reaction_likely") / len(nr),
        "naive_specificity": nz.count("no_reaction") / len(nz),
        "naive_false_positive_rate": nz.count("reaction_likely") / len(nz),
        "ms_per_verdict": 1000 * secs / (len(r) + len(z)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--n", type=int, default=None, help="challenges per arm (reactors, non-reactors)")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    n = args.n or (60 if args.quick else 400)
    print(f"food challenges: {BASELINE_DAYS}-day baseline, {len(DOSE_DAYS)} doses over {CHALLENGE_DAYS} days, "
          f"{n} reactors + {n} non-reactors per cohort")
    rows = []
    cohorts = ["synthetic"]
    try:
        import gutskin.axis.cohort  # noqa: F401

        cohorts.append("axis")
    except ImportError:  # pragma: no cover - the simulator is another engineer's package
        print("(gutskin.axis not importable: axis cohort skipped)")
    for cohort in cohorts:
        make = synthetic_challenges if cohort == "synthetic" else axis_challenges
        for label, er, base in (("main U(1.0,2.0)", (1.0, 2.0), BASELINE_DAYS), ("small U(0.5,1.0)", (0.5, 1.0), BASELINE_DAYS),
                                ("main, 7-d base", (1.0, 2.0), 7)):
            if args.quick and label != "main U(1.0,2.0)":
                continue
            res = score(make(n, args.seed + 1, True, er, base), make(n, args.seed + 2, False, er, base))
            rows.append((cohort, label, res))
    head = (f"{'cohort':<10} {'reactions':<17} {'sens':>5} {'spec':>5} {'incl':>5} {'s.sens':>6} {'s.spec':>6} "
            f"{'FPR':>5} | {'naive sens':>10} {'spec':>5} {'FPR':>5} | {'FPR ratio':>9} {'ms':>5}")
    print(head)
    for cohort, label, r in rows:
        ratio = r["false_positive_rate"] / r["naive_false_positive_rate"] if r["naive_false_positive_rate"] else float("nan")
        print(f"{cohort:<10} {label:<17} {r['sensitivity']:5.2f} {r['specificity']:5.2f} {r['inconclusive']:5.2f} "
              f"{r['strict_sensitivity']:6.2f} {r['strict_specificity']:6.2f} {r['false_positive_rate']:5.3f} | "
              f"{r['naive_sensitivity']:10.2f} {r['naive_specificity']:5.2f} {r['naive_false_positive_rate']:5.3f} | "
              f"{ratio:9.2f} {r['ms_per_verdict']:5.1f}")
    main_rows = [r for _c, label, r in rows if label == "main U(1.0,2.0)"]
    ok = all(r["sensitivity"] >= 0.8 and r["specificity"] >= 0.9 for r in main_rows)
    print("targets (sensitivity >= 0.8, specificity >= 0.9 among decisive verdicts, main reactions): "
          + ("met" if ok else "NOT met"))


if __name__ == "__main__":
    main()
