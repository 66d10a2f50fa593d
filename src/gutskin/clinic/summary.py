"""What patients and clinicians see: trends for charts, and the clinician's panel ranked by need.

Need ranking (documented choice, see docs/web.md): worsening = mean itch of the last 7 days
minus the mean of the 28 days before (the panel shows both means and their difference to one
decimal, the difference taken from the shown means); need score = 2·max(worsening, 0) + POEM band rank
(0 clear … 4 very severe; a child's profile: the worse of the newest self-report and the newest
parent's report, each shown with who answered, never compared, 2026-12-07) + itch severity rank of the last 7 days (0 < 4, 1 moderate, 2 severe
≥ 7, 3 very severe ≥ 9) + min(days since last entry / 7, 3) (never logged: days since sharing
began) + per open appointment request 2
(routine), 3 (soon) or 6 (urgent).
"""

from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from gutskin.clinic import audit, zones
from gutskin.clinic.access import patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.appointments import open_request_counts
from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.sharing import linked_patients
from gutskin.diary.factors import FactorKind, known_factor
from gutskin.instruments.respondents import series_by_respondent
from gutskin.store.models import Consent, DiaryDay, Factor, FactorValue, Patient, QuestionnaireResponse

POEM_BANDS = ("clear/almost clear", "mild", "moderate", "severe", "very severe")
TREND_WEEKS = (4, 12, 52)
"""The windows of the Trends chart; the API refuses others (:func:`check_trend_weeks`), the pages show 12."""


def check_trend_weeks(weeks: int) -> int:
    """``weeks`` when it is one of :data:`TREND_WEEKS`, else ``InvalidInput`` naming it: the API
    answered ``weeks=208`` (a patient with four years asking for all of them) with 12 weeks and
    no word (the years-of-data walk, 2026-12-06)."""
    if weeks not in TREND_WEEKS:
        raise InvalidInput(f"weeks: expected one of {', '.join(map(str, TREND_WEEKS))}, got {weeks}; "
                           "days further back: the diary with start and end")
    return weeks


def poem_band(total: float | None) -> str | None:
    """POEM band of a stored total (Charman 2013, the default band set of ``gutskin.instruments``)."""
    if total is None:
        return None
    t = round(total)
    return POEM_BANDS[0 if t <= 2 else 1 if t <= 7 else 2 if t <= 16 else 3 if t <= 24 else 4]


def _mean(xs: list[int]) -> float | None:
    return statistics.fmean(xs) if xs else None


def trends(session: Session, actor: Actor, patient_id: int, weeks: int = 12, today: dt.date | None = None,
           *, strict: bool = False) -> dict[str, object]:
    """Chart data over the last ``weeks`` weeks: itch, sleep loss, flares, POEM with band, factor days, logged/missing days.

    ``weeks`` other than :data:`TREND_WEEKS`: 12 for a page's hand-edited ``?weeks=``, ``InvalidInput``
    with ``strict`` (the API), after the patient is authorized (a stranger gets ``NotFound`` first)."""
    patient = patient_for_read(session, actor, patient_id)
    if weeks not in TREND_WEEKS:
        weeks = check_trend_weeks(weeks) if strict else 12
    audit.record(session, actor, patient_id, "read", "trends", f"{weeks}w")
    today = patients_today(session, patient_id, today or dt.date.today())  # a clinician behind in time sees the patient's today too
    start = today - dt.timedelta(days=7 * weeks - 1)
    days = session.scalars(
        select(DiaryDay).where(DiaryDay.patient_id == patient_id, DiaryDay.day >= start, DiaryDay.day <= today).order_by(DiaryDay.day)
    ).all()
    by_day = {d.day: d for d in days}
    factor_days: dict[str, list[str]] = {}
    for d, name, v in session.execute(
        select(FactorValue.day, Factor.name, FactorValue.value)
        .join(Factor, Factor.id == FactorValue.factor_id)
        .where(FactorValue.patient_id == patient_id, FactorValue.day >= start, FactorValue.day <= today)
    ):
        # days *with* a factor are exposures (foods, dust, applications, pollen); a measurement
        # such as humidity or stress is logged every day and has no "days with it"
        if v and v > 0 and known_factor(name).kind is not FactorKind.scale:
            factor_days.setdefault(name, []).append(d.isoformat())
    poems = session.execute(
        select(QuestionnaireResponse.answered_on, QuestionnaireResponse.total, QuestionnaireResponse.band,
               QuestionnaireResponse.respondent).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument == "poem",
            QuestionnaireResponse.answered_on >= start,
        )
    ).all()
    poem_points = {a: (t, b, r) for a, t, b, r in poems}
    for d in days:  # a diary POEM without its questionnaire (imported, API): who answered is not recorded
        if d.poem is not None and d.day not in poem_points:
            poem_points[d.day] = (float(d.poem), poem_band(d.poem), None)
    poem = [{"date": k.isoformat(), "total": v[0], "band": v[1], "respondent": v[2]} for k, v in sorted(poem_points.items())]
    # a child's POEM answered by the child and by the parent are two raters (two validated versions,
    # not interchangeable): one series each on the chart, never one line (2026-12-07, docs/web.md)
    child = patient.relationship == "child"
    poem_series = series_by_respondent("poem", poem, (patient.display_name or patient.external_id) if child else None)
    if not child:
        for one in poem_series:
            one["label"] = "POEM (0-28)"  # an adult's chart as before
    dates = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
    logged = sum(1 for x in dates if x in by_day)
    # days before the profile existed were not "missed" (unless something was logged then, e.g. imported);
    # the first logged day of the whole diary counts, not of this window: unlogged days at the start of
    # the window were missed (the page said "11 not logged" where the visit report said 70 of 84)
    first_ever = session.scalar(select(func.min(DiaryDay.day)).where(DiaryDay.patient_id == patient_id))
    # the newest entry up to today, for a window with nothing in it: a patient back after months away
    # read "Nothing logged in the last 12 weeks yet", as if the diary had never started
    last_entry = session.scalar(select(func.max(DiaryDay.day)).where(DiaryDay.patient_id == patient_id,
                                                                     DiaryDay.day <= today))
    first = min([patient.created_at.date(), *([first_ever] if first_ever else [])]) if patient.created_at else start
    # today is still open: not logged *yet* is not missed (the calendar marked it "missing" at breakfast,
    # new-user walk 2026-12-07); a day logged today counts as logged as before
    open_today = today not in by_day
    expected = sum(1 for x in dates if x >= first and not (open_today and x == today))
    return {
        "patient_id": patient_id,
        "patient_name": patient.display_name or patient.external_id,
        "weeks": weeks,
        "dates": [x.isoformat() for x in dates],
        "itch": [by_day[x].itch if x in by_day else None for x in dates],
        "sleep_loss": [by_day[x].sleep_loss if x in by_day else None for x in dates],
        "flare": [bool(by_day[x].flare) if x in by_day and by_day[x].flare is not None else None for x in dates],
        "logged": [x in by_day for x in dates],
        # days before the diary started (the profile's creation or the first entry, whichever is earlier)
        # are not missed: the calendar shows them apart, matching missing_days
        "counted_from": max(first, start).isoformat(),
        "logged_days": logged,
        "last_entry": last_entry.isoformat() if last_entry else None,
        "missing_days": max(expected - logged, 0),
        "open_today": today.isoformat() if open_today else None,
        "poem": poem,
        "poem_series": poem_series,
        "by_respondent": child,  # a child's profile: POEM is listed and charted by who answered
        "factor_days": dict(sorted(factor_days.items())),
        "factor_labels": {name: known_factor(name).label for name in sorted(factor_days)},
    }


REQUEST_WEIGHT = {"routine": 2.0, "soon": 3.0, "urgent": 6.0}  # need points per open request
ITCH_SEVERITY = ((9.0, 3), (7.0, 2), (4.0, 1))  # peak-pruritus NRS bands: >= 9 very severe, 7-8 severe, 4-6 moderate


def itch_severity_rank(mean_itch: float | None) -> int:
    """0 none/mild (< 4), 1 moderate, 2 severe, 3 very severe: the NRS bands of Yosipovitch et
    al. 2019 (Br J Dermatol 181:761, peak pruritus NRS in atopic dermatitis), applied to a weekly mean."""
    if mean_itch is None:
        return 0
    return next((rank for edge, rank in ITCH_SEVERITY if mean_itch >= edge), 0)


def patients_today(session: Session, patient_id: int, viewer_today: dt.date) -> dt.date:
    """The latest day to show of a patient, seen from a viewer's date. The profile's zone known
    (0013): today there, or the patient's newest entry when it is the day after (the diary takes
    a day ahead). Not known: the patient's own newest entry when it is up to two days ahead (a
    patient in Auckland is a day ahead of a clinician in Los Angeles; time zones span 26 hours),
    else the viewer's date -- which put a Los Angeles patient's evening on the server's tomorrow."""
    zone = zones.patient_zone(session, patient_id)
    own = zones.today_in(zone) if zone is not None else None
    last = session.scalar(
        select(func.max(DiaryDay.day)).where(DiaryDay.patient_id == patient_id,
                                             DiaryDay.day <= (own or viewer_today) + dt.timedelta(days=1 if own else 2))
    )
    return _shown_today(viewer_today, own, last)


def _shown_today(viewer_today: dt.date, own: dt.date | None, near: dt.date | None) -> dt.date:
    """:func:`patients_today` from the patient's today in their zone (``own``, None: not known)
    and their newest entry up to two days after the viewer's date (``near``)."""
    if own is not None:
        return max(own, near) if near is not None and near <= own + dt.timedelta(days=1) else own
    return max(viewer_today, near) if near else viewer_today


def _panel_facts(session: Session, actor: Actor, ids: list[int], viewer_today: dt.date) -> dict[int, dict[str, object]]:
    """What the panel needs of each patient, in a fixed number of queries whatever the number of
    patients (it was five per patient): the newest day up to two days ahead (the patient's
    today, :func:`patients_today`) and the newest day at all, each one index probe; the last
    35 days' itch; the latest POEM (questionnaire, else a POEM logged in the diary); when
    sharing began for patients who never logged."""
    if not ids:
        return {}
    facts: dict[int, dict[str, object]] = {pid: {"recent": []} for pid in ids}
    last_near = (select(func.max(DiaryDay.day))
                 .where(DiaryDay.patient_id == Patient.id, DiaryDay.day <= viewer_today + dt.timedelta(days=2))
                 .scalar_subquery())
    last_any = select(func.max(DiaryDay.day)).where(DiaryDay.patient_id == Patient.id).scalar_subquery()
    for pid, near, last, zone in session.execute(
            select(Patient.id, last_near, last_any, Patient.time_zone).where(Patient.id.in_(ids))):
        f = facts[pid]
        # the patient's today: in their profile's zone when known (a Los Angeles patient's evening
        # entry is today's, not "1 day ago" on the server's UTC tomorrow), else from the viewer's date
        own = zones.today_in(zone) if zones.known(zone) is not None else None
        f["today"] = _shown_today(viewer_today, own, near)
        f["last"] = last
        f["poem_by"] = {}  # respondent ('self', 'proxy', None: not recorded) -> (total, band, day, id)
    # every patient's today lies in [viewer_today - 2, viewer_today + 2] (dates on Earth span at most
    # two days): one range covers all windows
    for pid, d, itch in session.execute(
        select(DiaryDay.patient_id, DiaryDay.day, DiaryDay.itch).where(
            DiaryDay.patient_id.in_(ids), DiaryDay.day > viewer_today - dt.timedelta(days=37),
            DiaryDay.day <= viewer_today + dt.timedelta(days=2))
    ):
        today = facts[pid]["today"]
        if today - dt.timedelta(days=35) < d <= today:  # type: ignore[operator]
            facts[pid]["recent"].append((d, itch))  # type: ignore[union-attr]
    # the newest POEM questionnaire of each respondent of every patient, in one query (2026-12-07): a
    # child's POEM answered by the child and by the parent are two raters, ranked apart (_poem_reports)
    qr = QuestionnaireResponse
    ranked = (select(qr.id, func.row_number().over(partition_by=(qr.patient_id, qr.respondent),
                                                   order_by=(qr.answered_on.desc(), qr.id.desc())).label("n"))
              .where(qr.patient_id.in_(ids), qr.instrument == "poem").subquery())
    for pid, respondent, total, band, on, qid in session.execute(
            select(qr.patient_id, qr.respondent, qr.total, qr.band, qr.answered_on, qr.id)
            .join(ranked, ranked.c.id == qr.id).where(ranked.c.n == 1)):
        facts[pid]["poem_by"][respondent] = (total, band, on, qid)  # type: ignore[index]
    # the newest POEM logged in the diary without a questionnaire that day (imported, or written
    # through the API; a questionnaire's total is also kept in the diary, and is that questionnaire)
    # of every patient, in one query: who answered it is not recorded. It is the latest score when it
    # is newer than the last questionnaire: the panel took any questionnaire, however old, over it, so
    # a POEM answered in the app years ago outranked the imported diary's POEMs since (the
    # years-of-data walk, 2026-12-06)
    inner, asked = aliased(DiaryDay), aliased(QuestionnaireResponse)
    answered_that_day = (select(asked.id).where(asked.patient_id == inner.patient_id, asked.instrument == "poem",
                                                asked.answered_on == inner.day).exists())
    newest = (select(func.max(inner.day)).where(inner.patient_id == DiaryDay.patient_id, inner.poem.is_not(None),
                                                ~answered_that_day).scalar_subquery())
    for pid, on, dp in session.execute(select(DiaryDay.patient_id, DiaryDay.day, DiaryDay.poem).where(
            DiaryDay.patient_id.in_(ids), DiaryDay.poem.is_not(None), DiaryDay.day == newest)):
        by = facts[pid]["poem_by"]
        row = by.get(None)  # type: ignore[union-attr]
        if row is None or on > row[2]:  # type: ignore[index,operator]
            by[None] = (float(dp), poem_band(dp), on, 0)  # type: ignore[index]
    never = [pid for pid, f in facts.items() if f["last"] is None]
    if never:
        facts_shared = session.execute(
            select(Consent.patient_id, func.min(Consent.created_at)).where(
                Consent.patient_id.in_(never), Consent.clinician_user_id == actor.user_id, Consent.revoked_at.is_(None),
                Consent.clinician_user_id.is_not(None))
            .group_by(Consent.patient_id))
        for pid, shared in facts_shared:
            facts[pid]["shared"] = shared
    return facts


#: how the panel says who answered a child's POEM (the chart's series read 'POEM (parent)', 'POEM (Mia)')
POEM_WHO = {"proxy": "parent", None: "who answered not recorded"}


def _poem_reports(by: dict[str | None, tuple], child_name: str | None,  # type: ignore[type-arg]
                  today: dt.date) -> tuple[tuple | None, list[dict[str, object]]]:  # type: ignore[type-arg]
    """The POEM the panel ranks a patient on, and (a child's profile) the reports it shows.

    ``by``: the newest POEM of each respondent, (total, band, day, id). An adult's own profile has
    one rater: the newest, as before, and no list. A child's POEM answered by the child ('self') and
    by the parent ('proxy') are two raters with two validated versions, not interchangeable
    (2026-12-07): the panel ranked the newest whoever answered it, so a child's newer 'mild' hid the
    parent's 'severe' of a few days before. Now the newest of each is shown with who answered it,
    the parent's first, and the need score takes the worse band of the two (ties: the newer); one is
    never compared with or subtracted from the other."""
    if not by:
        return None, []
    if child_name is None:
        return max(by.values(), key=lambda r: (r[2], r[3])), []

    def rank(band: object) -> int:
        return POEM_BANDS.index(band) if band in POEM_BANDS else 0

    order = {"proxy": 0, "self": 1, None: 2}
    reports = [{"respondent": who, "who": child_name if who == "self" else POEM_WHO.get(who, POEM_WHO[None]),
                "poem": r[0], "poem_band": r[1], "poem_on": r[2].isoformat(),
                "poem_days_ago": max((today - r[2]).days, 0)}
               for who, r in sorted(by.items(), key=lambda kv: order.get(kv[0], 3))]
    return max(by.values(), key=lambda r: (rank(r[1]), r[2], r[3])), reports


def panel(session: Session, actor: Actor, today: dt.date | None = None) -> list[dict[str, object]]:
    """Linked patients ranked by need (see module docstring)."""
    viewer_today = today or dt.date.today()
    patients = linked_patients(session, actor)
    ids = [p.id for p in patients]
    opens = open_request_counts(session, ids, actor.user_id)  # the requests addressed to this clinician (0012)
    audit.record_reads(session, actor, ids, "panel_summary")
    facts = _panel_facts(session, actor, ids, viewer_today)
    out = []
    for p in patients:
        f = facts[p.id]
        today = f["today"]  # type: ignore[assignment]
        recent = f["recent"]
        last7 = [i for d, i in recent if i is not None and d > today - dt.timedelta(days=7)]  # type: ignore[union-attr]
        prev28 = [i for d, i in recent if i is not None and d <= today - dt.timedelta(days=7)]  # type: ignore[union-attr]
        m7, m28 = _mean(last7), _mean(prev28)
        shown7 = None if m7 is None else round(m7, 1)
        shown28 = None if m28 is None else round(m28, 1)
        # the change is the difference of the means as shown (one decimal): taken from the
        # unrounded means, a shown 2.9 vs 2.7 read "+0.1". The need score keeps the finer difference.
        worsening = None if shown7 is None or shown28 is None else round(shown7 - shown28, 1)
        trend = None if m7 is None or m28 is None else round(m7 - m28, 2)
        last = f["last"]
        since = None if last is None else max((today - last).days, 0)  # type: ignore[operator]
        # a child's POEM: the newest of each respondent, ranked on the worse band (_poem_reports)
        poem_row, poem_reports = _poem_reports(f["poem_by"], (p.display_name or p.external_id)  # type: ignore[arg-type]
                                               if p.relationship == "child" else None, today)
        band = poem_row[1] if poem_row else None
        band_rank = POEM_BANDS.index(band) if band in POEM_BANDS else 0
        requests = opens.get(p.id, {})
        severity = itch_severity_rank(m7)
        silent = since
        if silent is None:  # never logged: silent since sharing began (a patient linked today has missed nothing)
            shared = f.get("shared")
            silent = max((viewer_today - shared.date()).days, 0) if shared else 21
        need = (
            2 * max(trend or 0.0, 0.0)
            + band_rank
            + severity
            + min(silent / 7.0, 3.0)
            + sum(REQUEST_WEIGHT.get(u, 2.0) * n for u, n in requests.items())
        )
        out.append(
            {
                "patient_id": p.id,
                "external_id": p.external_id,
                "name": p.display_name or p.external_id,
                "itch_last7": shown7,
                "itch_prev28": shown28,
                "worsening": worsening,
                "poem": poem_row[0] if poem_row else None,
                "poem_band": band,
                # when it was answered or logged: a POEM asks about one week, and the panel gave a
                # 5-month-old one with no date, as if it were the patient's state now
                "poem_on": poem_row[2].isoformat() if poem_row else None,
                "poem_days_ago": max((today - poem_row[2]).days, 0) if poem_row else None,  # type: ignore[operator]
                # a child's profile: the newest POEM of each respondent, labelled ('parent', the child's
                # name), shown side by side, never compared (empty for an adult's own profile)
                "poem_reports": poem_reports,
                "days_since_last_entry": since,
                "open_requests": sum(requests.values()),
                "urgent_requests": requests.get("urgent", 0),
                # no entry in the last 7 days is not "mild": the band is unknown (the silence adds its own need)
                "itch_severity": None if m7 is None else ["none or mild", "moderate", "severe", "very severe"][severity],
                "need": round(need, 2),
            }
        )
    out.sort(key=lambda r: (-float(r["need"]), r["patient_id"]))  # type: ignore[arg-type]
    return out


def owner_patient(session: Session, patient_id: int) -> Patient | None:
    return session.get(Patient, patient_id)
