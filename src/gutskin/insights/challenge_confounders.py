"""What else changed on a food challenge's observation-window days (pure; docs/challenges.md).

The verdict compares itch on the days after each dose with food-free days. Other things move itch
on the same days: a topical steroid stepped up (it hides a late reaction, or answers one), an
infection or a cold (itch and eczema rise by themselves), or an exposure the patient reacts to
anyway (pollen). The model does not adjust for them (reference §4: treatment use and exposures
confound day-to-day comparisons); these checks name them for the clinician who decides.

Rules (window days: the verdict's observation-window days; other days: its reference and
control days, all logged days; a factor not logged on a logged day counts as 0):

* a treatment (``treat.tcs``, ``treat.tci``, ``treat.antihistamine``) used more on window days,
  by at least ``STEP_UP`` (0.5 applications a day, or half of the days for a yes/no factor):
  a *step-up*, which can hide a reaction, so ``masks`` is True (the app then never calls the
  challenge ``no_reaction``);
* the same treatment used *less* on window days by at least ``STEP_UP`` (a step-down, e.g. the
  steroid stopped when the reintroduction began): eczema can flare when a treatment is reduced, so
  a rise may not be the food; named only (since 2026-12-07; before, only step-ups were named);
* any other ``treat.*`` factor but ``treat.emollient`` (``treat.dupilumab``, a custom
  ``treat.prednisolone``) first logged during the challenge -- used on none of the logged days of
  the ``history`` before the analysis starts, then used on one of its days: a *new treatment*
  (a systemic one lowers itch within days), which can hide a reaction, so ``masks`` is True
  (since 2026-12-07; before, a dupilumab course started on the first dose day went unnamed and the
  verdict read "no reaction");
* ``gut.antibiotic`` on any challenge day, or a diary or adherence note on a challenge day that
  names an illness (cold, flu, fever, infection, virus, sick, ill, covid, tonsillitis, cough):
  a possible infection;
* an exposure (``env.*`` but humidity and temperature, ``life.*``) higher on window days than on the other days by at least
  half of its standard deviation over all logged days and 1.5 times its mean there: it may
  explain a rise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from gutskin.diary.dates import day_words

TREATMENTS = {"treat.tcs": "topical steroid", "treat.tci": "topical calcineurin inhibitor",
              "treat.antihistamine": "antihistamine"}
STEP_UP = 0.5
ROUTINE = {"treat.emollient"}  # daily skin care, not a treatment change when it starts
WEATHER = {"env.humidity", "env.temperature"}  # weather, not an exposure: a warm week is not flagged
ILLNESS = re.compile(r"\b(colds?|flu|fever|feverish|infections?|infected|virus|viral|sick|ill|covid|"
                     r"tonsillitis|cough|coughing)\b", re.IGNORECASE)


@dataclass
class Confounders:
    """Reasons for the clinician, and whether one of them can hide a reaction."""

    reasons: list[str] = field(default_factory=list)
    masks: bool = False
    started: list[str] = field(default_factory=list)  # treatments first logged during the challenge


def _mean(values: Mapping[dt.date, float], days: Iterable[dt.date]) -> float:
    ds = list(days)
    return float(np.mean([values.get(d, 0.0) for d in ds])) if ds else 0.0


def _dates(days: Iterable[dt.date]) -> str:
    ds = sorted(days)
    return ", ".join(day_words(d) for d in ds[:4]) + (", …" if len(ds) > 4 else "")


def find_confounders(window: Iterable[dt.date], other: Iterable[dt.date],
                     factors: Mapping[str, Mapping[dt.date, float]], labels: Mapping[str, str],
                     notes: Mapping[dt.date, str], challenge_days: Iterable[dt.date]) -> Confounders:
    """Name what else changed on the window days (see the module docstring for the rules).

    ``window``/``other``: logged window days and logged reference and control days;
    ``factors``: name -> day -> value; ``labels``: name -> words; ``notes``: day -> text (diary
    and adherence notes); ``challenge_days``: the logged days from the first dose on."""
    win, oth = sorted(set(window)), sorted(set(other))
    out = Confounders()
    if not win or not oth:
        return out
    for name, words in TREATMENTS.items():
        vals = factors.get(name, {})
        a, b = _mean(vals, win), _mean(vals, oth)
        if a - b >= STEP_UP:
            out.masks = True
            out.reasons.append(f"{words} used more on the days after the doses than on the other days ({a:.1f} vs "
                               f"{b:.1f} a day): a step-up can hide a late reaction, or answer one; ask the patient")
        elif b - a >= STEP_UP:
            out.reasons.append(f"{words} used less on the days after the doses than on the other days ({a:.1f} vs "
                               f"{b:.1f} a day): eczema can flare when a treatment is reduced, so a rise on those "
                               "days may not be the food; ask the patient")
    analysed = [*win, *oth]
    first = min(analysed)
    for name, vals in sorted(factors.items()):
        if not name.startswith("treat.") or name in TREATMENTS or name in ROUTINE:
            continue
        used = sorted(d for d, v in vals.items() if v > 0)
        if not used or used[0] <= first or used[0] > max(analysed):
            continue  # never used, or in use from the first day analysed or before (an ongoing course)
        out.masks = True
        out.started.append(name)
        out.reasons.append(f"{labels.get(name, name)} was started during the challenge (first logged on "
                           f"{day_words(used[0])}, not in the days before): a new treatment lowers itch by "
                           "itself and can hide a late reaction; ask the patient")
    sick = {d for d in challenge_days if factors.get("gut.antibiotic", {}).get(d, 0) > 0}
    named = {d: m.group(0).lower() for d, t in notes.items() if d in set(challenge_days) and (m := ILLNESS.search(t or ""))}
    if sick or named:
        said = f" (the notes say '{next(iter(named.values()))}')" if named else ""
        out.reasons.append(f"a possible infection on {_dates(sick | set(named))}{said}: an infection raises itch and "
                           "eczema by itself, so a rise on those days may not be the food")
    for name, vals in sorted(factors.items()):
        if not name.startswith(("env.", "life.")) or name in WEATHER:
            continue
        everything = [vals.get(d, 0.0) for d in (*win, *oth)]
        sd = float(np.std(everything))
        a, b = _mean(vals, win), _mean(vals, oth)
        if sd > 0 and a - b >= 0.5 * sd and a >= 1.5 * b and a > 0:
            if all(v in (0.0, 1.0) for v in everything):  # a yes/no chip: days counted, not a mean of 0s and 1s
                # ("Sweating ... (0.286 vs 0 on average)" on the demo's egg verdict, 2026-12-07)
                na, nb = sum(vals.get(d, 0.0) > 0 for d in win), sum(vals.get(d, 0.0) > 0 for d in oth)
                out.reasons.append(f"{labels.get(name, name)} was logged on more of the days after the doses than of "
                                   f"the other days ({na} of {len(win)} vs {nb} of {len(oth)}): it may explain a rise "
                                   "in itch")
            else:
                out.reasons.append(f"{labels.get(name, name)} was higher on the days after the doses than on the other "
                                   f"days ({a:.3g} vs {b:.3g} on average): it may explain a rise in itch")
    return out


__all__ = ["Confounders", "find_confounders"]
