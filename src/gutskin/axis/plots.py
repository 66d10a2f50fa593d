"""Trajectories as plain data (for Chart.js and JSON) and as pictures (matplotlib, Agg).

* :func:`arm_curves` — EASI by week per arm (median, quartiles, EASI-75) from a trial run.
* :func:`patient_series` — one virtual patient's daily barrier, Th2, gut diversity, Tregs,
  EASI, itch and steroid use from a cohort run.
* :func:`trajectories` — both at once, from sizes and a seed (what a web page calls).
* :func:`plot_trajectories` — write that data as a PNG or SVG figure.

All numbers are plain Python floats/lists, ready for ``json.dumps``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

import numpy as np

from gutskin.axis.protocol import NO_PATIENTS_LEFT, ProtocolResult, simulate_trial


def _l(a) -> list[float]:
    return [round(float(v), 4) for v in np.asarray(a, dtype=float)]


def arm_curves(result: ProtocolResult) -> dict:
    """{"weeks": [0..W], "arms": {arm: {"median", "q25", "q75", "easi75_percent", "patients"}}}."""
    wk = result.weekly_index()
    out: dict = {"weeks": list(range(len(wk))), "arms": {}}
    for arm in result.arms:
        e = result.easi[arm][result.kept][:, wk]
        if e.shape[0] == 0:  # no patient left after the exclusion: null, never NaN (not JSON), and said so
            none = [None] * len(wk)
            out["arms"][arm] = {"median": none, "q25": none, "q75": none,
                                "easi75_percent": _l(result.easi75(arm)[wk]), "patients": 0,
                                "note": NO_PATIENTS_LEFT}
            continue
        q = np.percentile(e, [25, 50, 75], axis=0)
        out["arms"][arm] = {
            "median": _l(q[1]), "q25": _l(q[0]), "q75": _l(q[2]),
            "easi75_percent": _l(result.easi75(arm)[wk]), "patients": result.n_kept,
        }
    return out


def patient_series(cohort, index: int = 0) -> dict:
    """One virtual patient's daily model values from a :class:`gutskin.axis.cohort.Cohort`."""
    tr = cohort.trajectories
    if not 0 <= index < len(cohort.patients):
        raise ValueError(f"patient index {index} out of range 0..{len(cohort.patients) - 1}")
    return {
        "patient": cohort.patients[index],
        "dates": [d.isoformat() for d in cohort.dates],
        "barrier": _l(tr["barrier"][index]),
        "th2": _l(tr["th2"][index]),
        "shannon": _l(tr["shannon"][index]),
        "treg_ratio": _l(tr["treg_ratio"][index]),
        "easi": _l(tr["easi"][index]),
        "itch": _l(np.clip(tr["itch_latent"][index], 0, 10)),
        "tcs": _l(tr["tcs"][index]),
        "true_triggers": cohort.truth["patients"][cohort.patients[index]]["true_triggers"],
    }


def trajectories(arms: Sequence[str] = ("placebo", "dupilumab"), *, patients: int = 100, weeks: int = 24,
                 days: int = 180, seed: int = 0, start: dt.date = dt.date(2025, 1, 1)) -> dict:
    """Arm curves and one virtual patient's course, as plain data (see module docstring)."""
    from gutskin.axis.cohort import simulate_cohort

    if patients < 1 or weeks < 1 or days < 1:
        raise ValueError("patients, weeks and days must be at least 1")
    res = simulate_trial(list(arms), patients, weeks=weeks, seed=seed)
    coh = simulate_cohort(1, days, seed=seed, start=start)
    return {
        "arm_curves": arm_curves(res),
        "patient": patient_series(coh, 0),
        "note": "skin model: Miyano 2022 (published); gut arm and gut-skin coupling: project assumptions",
    }


def plot_trajectories(data: dict, path: str | os.PathLike[str]) -> str:
    """Write the figure (format from the extension: .png or .svg); return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".png", ".svg"):
        raise ValueError(f"output must end in .png or .svg, got {path!r}")
    fig = plt.figure(figsize=(13, 7), constrained_layout=True)
    gs = fig.add_gridspec(4, 2)
    ax = fig.add_subplot(gs[:, 0])
    ac = data["arm_curves"]
    for arm, c in ac["arms"].items():
        label = f"{arm} ({c['note']})" if c.get("note") else f"{arm} (n={c['patients']})"
        line = ax.plot(ac["weeks"], np.asarray(c["median"], dtype=float), label=label)[0]  # null: a gap
        ax.fill_between(ac["weeks"], np.asarray(c["q25"], dtype=float), np.asarray(c["q75"], dtype=float),
                        color=line.get_color(), alpha=0.15)
    ax.set_xlabel("week")
    ax.set_ylabel("EASI, 0–72 scale (median, IQR)")
    ax.set_title("Miyano 2022 QSP model: EASI by arm")
    ax.legend(fontsize=8)
    p = data["patient"]
    days = np.arange(len(p["dates"]))
    panels = [("barrier", "barrier integrity s"), ("th2", "Th2 cells"), ("shannon", "gut Shannon diversity"),
              ("itch", "itch (latent, 0-10)")]
    for k, (key, label) in enumerate(panels):
        a = fig.add_subplot(gs[k, 1])
        a.plot(days, p[key], lw=1)
        a.set_ylabel(label, fontsize=8)
        if key == "itch":
            tcs = np.asarray(p["tcs"]) > 0
            a.scatter(days[tcs], np.asarray(p["itch"])[tcs], s=4, color="tab:red", label="steroid day")
            a.legend(fontsize=7, loc="upper right")
            a.set_xlabel(f"day from {p['dates'][0] if p['dates'] else ''}")
        if k == 0:
            a.set_title(f"virtual patient {p['patient']} (gut arm and coupling: assumptions)", fontsize=9)
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
