"""Who may answer each patient-completed instrument: the person themselves ('self') or a parent
or caregiver for them ('proxy'), from the reference's "Completed by" column (instruments.md,
Overview; docs/instruments.md, "Who answered", 2026-12-07).

POEM and RECAP have a self-report and a caregiver (proxy) version with different wording, scored
the same way but not interchangeable. CDLQI is completed by the child (helped if needed), DLQI by
the person (16 and over), ADCT by the patient (12 and over): self-report only. No instrument here
is proxy-only.
"""

from __future__ import annotations

import datetime as dt

#: instrument -> the respondents it has a validated version for
RESPONDENTS: dict[str, tuple[str, ...]] = {
    "poem": ("self", "proxy"),
    "recap": ("self", "proxy"),
    "cdlqi": ("self",),
    "dlqi": ("self",),
    "adct": ("self",),
}

#: the youngest age (whole years) at which gutskin takes a self-report: CDLQI's lower bound (4), the
#: youngest self-completed instrument of the reference (under 4, HOME uses IDQoL, a parent's report)
YOUNGEST_SELF_REPORT = 4

_WHO = {"cdlqi": "the child (ages 4-16, helped if needed)", "dlqi": "the person (ages 16 and over)",
        "adct": "the patient (ages 12 and over)"}


def allowed(instrument: str) -> tuple[str, ...]:
    """The respondents ``instrument`` has a version for (both when it is not one of gutskin's)."""
    return RESPONDENTS.get(instrument, ("self", "proxy"))


def self_only(instrument: str) -> bool:
    return allowed(instrument) == ("self",)


def respondent_problem(instrument: str, respondent: str, birth_year: int | None, on: dt.date) -> str | None:
    """Why ``respondent`` cannot answer ``instrument`` for a person born in ``birth_year`` on ``on``,
    or None. A self-report is refused only for a profile certainly younger than
    :data:`YOUNGEST_SELF_REPORT` (a profile stores its birth year only, as in
    :func:`gutskin.instruments.ages.age_problem`)."""
    if respondent not in allowed(instrument):
        if respondent == "proxy":
            return (f"{instrument.upper()} is a self-report, completed by {_WHO.get(instrument, 'the person')}; "
                    "it has no version for a parent or caregiver to answer for them: choose 'self'")
        return f"{instrument.upper()} is answered by a parent or caregiver only: choose 'proxy'"
    if respondent == "self" and birth_year is not None and on.year - birth_year < YOUNGEST_SELF_REPORT:
        oldest = on.year - birth_year
        age = " or ".join(str(a) for a in sorted({max(oldest - 1, 0), oldest}))
        return (f"this profile, born in {birth_year}, is {age} on {on.isoformat()}: too young to answer "
                f"{instrument.upper()} themselves (self-reports from age {YOUNGEST_SELF_REPORT}); "
                "a parent or caregiver answers it for them: choose 'proxy'")
    return None


#: the order of a child's score series on a chart: the parent's version, the child's, then answers
#: whose respondent was not recorded (before 2026-12-07, an API call without it, a diary POEM)
SERIES_ORDER: tuple[str | None, ...] = ("proxy", "self", None)
ONE_SERIES = "any"
"""The ``respondent`` of the one series of an adult's own profile: every answer is theirs (or not
recorded, before 0017), one rater, so one line as before 2026-12-07."""


def series_label(instrument: str, respondent: str | None, child_name: str | None) -> str:
    """A chart series' name: 'POEM (parent)', 'POEM (Mia)', 'POEM (who answered not recorded)' on a
    child's profile (``child_name``); 'POEM' on one's own (``child_name`` None)."""
    name = instrument.upper()
    if child_name is None or respondent == ONE_SERIES:
        return name
    if respondent == "proxy":
        return f"{name} (parent)"
    if respondent == "self":
        return f"{name} ({child_name})"
    return f"{name} (who answered not recorded)"


def series_by_respondent(instrument: str, points: list[dict[str, object]],
                         child_name: str | None) -> list[dict[str, object]]:
    """``points`` (dicts with a ``respondent``, in date order) as chart series of one rater each:
    ``[{"respondent", "label", "points"}]``. POEM and RECAP have a self-report and a proxy version,
    validated apart and not interchangeable (instruments.md), so on a child's profile (``child_name``)
    the parent's answers, the child's and those not recorded are three series (only those present, in
    :data:`SERIES_ORDER`), never one line joined across raters. One's own profile (``child_name``
    None): one series, respondent :data:`ONE_SERIES`, as before 2026-12-07. No points: no series."""
    if not points:
        return []
    if child_name is None:
        return [{"respondent": ONE_SERIES, "label": series_label(instrument, ONE_SERIES, None), "points": list(points)}]
    out = []
    for r in SERIES_ORDER:
        mine = [p for p in points if p.get("respondent") == r]
        if mine:
            out.append({"respondent": r, "label": series_label(instrument, r, child_name), "points": mine})
    return out
