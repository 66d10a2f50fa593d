"""The visit report use case: gather one patient's data (authorized, audited) for ``gutskin.interop.report``.

The owner or a linked clinician may read it; everyone else gets ``NotFound``. One audit row
(``export``/``visit_report``) plus the reads of the use cases it calls (insights).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gutskin.clinic import audit, zones
from gutskin.clinic.access import patient_for_read
from gutskin.clinic.actors import Actor
from gutskin.clinic.diary import _days
from gutskin.clinic.errors import InvalidInput
from gutskin.clinic.summary import patients_today, poem_band
from gutskin.store.models import DiaryDay, MicrobiomeSample, QuestionnaireResponse, User

CLI_INSIGHTS_WAIT = 180.0  # seconds the CLI waits for triggers and forecast
WEB_INSIGHTS_WAIT = 20.0  # the web download waits less; the report then says "still being computed"
ACTIVE_TREATMENT_DAYS = 14
MAX_WEEKS = 104


def _insights(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    from gutskin.clinic.insights import insights_for

    try:
        return insights_for(session, actor, patient_id)
    except Exception as exc:  # noqa: BLE001 - a failing model must not take the report down
        return {"status": "error", "reason": f"triggers and forecast could not be computed ({type(exc).__name__})"}


def settle_insights(data: dict[str, Any], wait: float) -> dict[str, Any]:
    """Wait up to ``wait`` s for the report's queued triggers and forecast; call after the transaction.

    :func:`report_data` only queues them (waiting inside the transaction would hold SQLite's
    write lock for as long); the report says "still being computed" if they are not ready.
    """
    from gutskin.clinic.insights import settle

    insights = data.get("insights") or {}
    if insights.get("status") == "computing":
        data = {**data, "insights": settle(data["patient_id"], insights, wait)}
    return data


def _microbiome(session: Session, patient_id: int) -> dict[str, Any] | None:
    """The newest sample (``clinic.microbiome.latest_sample_id``: collected, else uploaded, as the
    Trends line): diversity, the reference comparison statement, eczema-linked taxa, top taxa."""
    from gutskin.clinic.microbiome import latest_sample_id, sample_day
    from gutskin.clinic.zones import patient_zone

    pk = latest_sample_id(session, patient_id)
    s = session.get(MicrobiomeSample, pk) if pk is not None else None
    if s is None:
        return None
    rep = s.diversity or {}
    values = (rep.get("diversity") or {}).get("values") if isinstance(rep.get("diversity"), dict) else rep
    values = values if isinstance(values, dict) else {}
    diversity = {k: float(v) for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                 and k in ("shannon", "observed", "simpson", "inv_simpson", "pielou", "chao1", "faith_pd")}
    comparison = rep.get("reference_comparison") or {}
    pct = (comparison.get("percentiles") or {}).get("shannon") or {}
    cmp_reason = comparison.get("reason")
    prof = s.profile or {}
    samples = prof.get("samples") if isinstance(prof.get("samples"), dict) else {}
    feats = samples.get(s.sample_id) or next(iter(samples.values()), None) or prof.get("features") or {}
    feats = feats if isinstance(feats, dict) else {}
    nums = {str(k): float(v) for k, v in feats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    total = sum(nums.values()) or 1.0
    # the most abundant by the name the report prints, features of one name summed: mothur's F3D141 read
    # "unclassified Porphyromonadaceae 13%, unclassified Porphyromonadaceae 12%", two OTUs printed as if
    # a taxon were listed twice (2026-12-07); the report says how many features a name holds
    by_name: dict[str, list[float]] = {}
    for name, v in zip(_taxon_names(prof, list(nums)), nums.values()):
        by_name.setdefault(name, []).append(v)
    top = sorted(by_name.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:5]
    taxa = rep.get("taxa") if isinstance(rep.get("taxa"), list) else []
    found = sorted((t for t in taxa if isinstance(t, dict)), key=lambda t: t.get("status") != "found")
    linked = [f"{t.get('taxon') or t.get('id')}: {t.get('status')}" + _linked_finding(t) for t in found[:4]]
    reads = (rep.get("profile") or {}).get("reads") if isinstance(rep.get("profile"), dict) else None
    depth = comparison.get("depth") if comparison.get("comparable") else None
    # a table of features (mothur OTUs, sequence variants) compared as genera, the reference's unit
    # (reference_comparison.grouped_to, b8786f3): its values differ from the table's by more than
    # rarefaction; the report's note said they "can differ slightly" (2026-12-07)
    grouped = comparison.get("grouped_to") if comparison.get("comparable") else None
    features = (rep.get("profile") or {}).get("n_features_detected") if isinstance(rep.get("profile"), dict) else None
    return {"sample_id": s.sample_id, "collected_on": s.collected_on, "method": s.method, "diversity": diversity,
            "uploaded_on": sample_day(None, s.created_at, patient_zone(session, patient_id))[0],  # said when not collected
            # the comparison's rarefied depth when the sample has more reads (its Shannon differs from the line's)
            "rarefied_to": depth if isinstance(depth, int) and isinstance(reads, int) and reads > depth else None,
            "reads": reads if isinstance(reads, int) else None,
            "grouped_to": grouped if isinstance(grouped, str) else None,
            "features": features if isinstance(features, int) else None,
            "features_compared": comparison.get("features_compared") if grouped else None,
            "statement": pct.get("statement") or (f"Not compared with the reference: {cmp_reason}" if cmp_reason else None),
            "top_taxa": [(name, sum(vs) / total) for name, vs in top], "top_taxa_features": [len(vs) for _, vs in top],
            "linked_taxa": [x for x in linked if x.strip()], **_microbiome_history(session, patient_id)}


def _microbiome_history(session: Session, patient_id: int) -> dict[str, Any]:
    """Every sample, oldest collected first, with what may not be compared across them (the clinician
    page's list, ``clinic.microbiome.timeline``): the report named only the latest of an allergist's
    four samples (walk of 2026-12-06). Empty with one sample."""
    from gutskin.microbiome.compare import compare_reports

    rows = session.execute(
        select(MicrobiomeSample.id, MicrobiomeSample.sample_id, MicrobiomeSample.collected_on, MicrobiomeSample.diversity)
        .where(MicrobiomeSample.patient_id == patient_id).order_by(MicrobiomeSample.id)).all()
    if len(rows) < 2:
        return {"history": [], "history_caveats": []}
    rows = sorted(rows, key=lambda r: (r.collected_on is None, r.collected_on or dt.date.min, r.id))
    cmp = compare_reports([(r.sample_id, r.collected_on.isoformat() if r.collected_on else None,
                            r.diversity if isinstance(r.diversity, dict) else {}) for r in rows])
    return {"history": [{"sample_id": r.sample_id, "collected_on": r.collected_on, "method": c["method"],
                         "shannon": c["shannon"], "percentile_words": c["percentile_words"]}
                        for r, c in zip(rows, cmp["rows"])],
            "history_caveats": cmp["caveats"]}


def _taxon_names(prof: dict[str, Any], features: list[str]) -> list[str]:
    """The display names of ``features`` as the microbiome report names bacteria: the names the
    upload's parser read from each lineage (``parse_lineage``, kept as the profile's taxonomy) at the
    profile's rank, or the deepest rank they name, via ``Profile.labels_at`` ("Bacteroides",
    "unclassified Lachnospiraceae"); a feature without a stored taxonomy is parsed the same way.
    Until 2026-12-06 the visit report printed the lineage's last token, "g__Bacteroides"."""
    from gutskin.microbiome.errors import MicrobiomeInputError
    from gutskin.microbiome.io import parse_lineage
    from gutskin.microbiome.profile import RANKS, Profile

    labels: dict[str, str] = {}
    tax = prof.get("taxonomy")
    if isinstance(tax, dict) and tax and isinstance(prof.get("samples"), dict) and prof.get("kind"):
        try:
            profile = Profile.from_dict(prof)
            if profile.taxonomy is not None:
                rank = profile.rank if profile.rank in RANKS else max(
                    (RANKS.index(r) for f in features if isinstance(tax.get(f), dict)
                     for r, n in tax[f].items() if n and r in RANKS), default=None)
                if isinstance(rank, int):
                    rank = RANKS[rank]
                if rank is not None:
                    labels = {str(k): str(v) for k, v in profile.labels_at(rank).items()}
        except (MicrobiomeInputError, KeyError, TypeError, ValueError):
            labels = {}
    out = []
    for f in features:
        if f in labels:
            out.append(labels[f])
            continue
        named = [n for n in parse_lineage(f).values() if n]
        out.append(named[-1] if named else (f.split("|")[-1].split(";")[-1].strip() or f))
    return out


def _linked_finding(t: dict[str, Any]) -> str:
    """What studies report of an eczema-linked taxon, as the microbiome page says it: reported (not
    a fact about this patient), with the evidence level, and for a diversity finding (Bacteroides)
    that it is diversity within the taxon, not its amount. The report read "Bacteroides: found,
    lower in eczema" -- the misreading the page was fixed for -- and "butyrate producers: found,
    lower in eczema" without "limited evidence" (wording review 2026-12-06)."""
    direction, evidence = t.get("direction"), t.get("evidence")
    if not direction:
        return ""
    level = f" ({evidence} evidence)" if evidence and evidence != direction else ""
    if direction == "inconsistent":
        return ", studies disagree on its link with eczema"
    if t.get("measure") == "diversity":
        return f", {direction} diversity within it (not amount) reported in eczema{level}"
    return f", reported {direction} in eczema{level}"


def _latest_other_raters(session: Session, patient_id: int, latest: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """On a child's profile, the newest POEM and RECAP of each respondent other than the latest
    score's ('self' the child, 'proxy' the parent, NULL not recorded), newest first: the two versions
    are different raters, so the report lists the newest of each (2026-12-07); one query."""
    qr = QuestionnaireResponse
    ranked = select(qr.id, func.row_number().over(
        partition_by=(qr.instrument, qr.respondent), order_by=(qr.answered_on.desc(), qr.id.desc())).label("n")
    ).where(qr.patient_id == patient_id, qr.instrument.in_(("poem", "recap"))).subquery()
    rows = session.scalars(select(qr).join(ranked, ranked.c.id == qr.id).where(ranked.c.n == 1)
                           .order_by(qr.answered_on.desc(), qr.id.desc())).all()
    return [{"instrument": q.instrument, "answered_on": q.answered_on, "total": q.total, "band": q.band,
             "author_role": q.author_role, "respondent": q.respondent}
            for q in rows if q.instrument in latest and q.respondent != latest[q.instrument].get("respondent")
            and q.answered_on <= latest[q.instrument]["answered_on"]]


def report_data(session: Session, actor: Actor, patient_id: int, weeks: int = 12, *,
                today: dt.date | None = None) -> dict[str, Any]:
    """Plain data of the visit report over the last ``weeks`` weeks (1-104).

    Triggers and forecast are queued, not awaited: pass the result through
    :func:`settle_insights` once the transaction has ended.
    """
    from gutskin.clinic.fhir import challenge_records
    from gutskin.diary.factors import known_factor

    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"weeks: expected a whole number of weeks 1-{MAX_WEEKS}")
    patient = patient_for_read(session, actor, patient_id)
    audit.record(session, actor, patient_id, "export", "visit_report", f"{weeks}w")
    today = today or dt.date.today()
    last_entry = session.scalar(select(func.max(DiaryDay.day)).where(DiaryDay.patient_id == patient_id))
    total_days = session.scalar(select(func.count()).select_from(DiaryDay).where(DiaryDay.patient_id == patient_id)) or 0
    # the patient's newest day when it is ahead of the reader's date (time zones), as on the pages:
    # an Auckland patient's today was left out of a report made on a server still in yesterday
    end = patients_today(session, patient_id, today)
    start = end - dt.timedelta(days=7 * weeks - 1)
    days = _days(session, patient_id, start, end, with_author=True)
    by = {d["date"]: d for d in days}
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    series = {
        "dates": [d.isoformat() for d in dates],
        "itch": [by.get(d.isoformat(), {}).get("itch") for d in dates],
        "sleep_loss": [by.get(d.isoformat(), {}).get("sleep_loss") for d in dates],
        "flare": [by.get(d.isoformat(), {}).get("flare") for d in dates],
    }
    # the period's answers, and the newest answer of each instrument of the whole record: it read
    # every answer of the record for both (261 rows for a 12-week report on 5 years of weekly
    # POEM; bench.pages_long_record, 2026-12-06)
    qrs = session.scalars(
        select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id,
                                            QuestionnaireResponse.answered_on >= start,
                                            QuestionnaireResponse.answered_on <= end)
        .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)
    ).all()
    trend = [{"instrument": q.instrument, "answered_on": q.answered_on, "total": q.total, "band": q.band,
              "respondent": q.respondent} for q in qrs]
    ranked = select(QuestionnaireResponse.id, func.row_number().over(
        partition_by=QuestionnaireResponse.instrument,
        order_by=(QuestionnaireResponse.answered_on.desc(), QuestionnaireResponse.id.desc())).label("n")
    ).where(QuestionnaireResponse.patient_id == patient_id).subquery()
    newest = session.scalars(select(QuestionnaireResponse).join(ranked, ranked.c.id == QuestionnaireResponse.id)
                             .where(ranked.c.n == 1).order_by(QuestionnaireResponse.instrument)).all()
    # diary POEM values without a questionnaire (e.g. imported from CSV) also belong on the trend
    answered = {(t["answered_on"], "poem") for t in trend}
    for d in days:
        day = dt.date.fromisoformat(d["date"])
        if d["poem"] is not None and (day, "poem") not in answered:
            trend.append({"instrument": "poem", "answered_on": day, "total": float(d["poem"]), "band": poem_band(d["poem"]),
                          "author_role": d["author_role"], "respondent": None})  # who answered: not recorded
    trend.sort(key=lambda t: (t["answered_on"], t["instrument"]))
    latest: dict[str, dict[str, Any]] = {}
    for q in newest:
        latest[q.instrument] = {"answered_on": q.answered_on, "total": q.total, "band": q.band, "author_role": q.author_role,
                                "respondent": q.respondent}
        if q.instrument == "scorad":  # a SCORAD recorded without itch and sleep has only its objective score
            from gutskin.clinic.assessments import objective_scorad

            latest["scorad"]["objective"], latest["scorad"]["objective_band"] = objective_scorad(q)
    # the newest diary POEM of the whole diary, not only of the period: a patient back after months
    # away had "No questionnaire answered yet" under Latest scores in a 12-week report, while the
    # 52-week report of the same day gave the POEM of the last entry (years-of-data walk, 2026-12-06)
    newest_poem = session.execute(
        select(DiaryDay.day, DiaryDay.poem, DiaryDay.author_role)
        .where(DiaryDay.patient_id == patient_id, DiaryDay.poem.is_not(None), DiaryDay.day <= end)
        .order_by(DiaryDay.day.desc()).limit(1)
    ).first()
    outside = ([{"instrument": "poem", "answered_on": newest_poem.day, "total": float(newest_poem.poem),
                 "band": poem_band(newest_poem.poem), "author_role": newest_poem.author_role}]
               if newest_poem is not None and newest_poem.day < start else [])
    for t in [*outside, *trend]:  # a diary POEM newer than the last questionnaire is the latest score (the report once said "none")
        if t["instrument"] not in latest or t["answered_on"] > latest[t["instrument"]]["answered_on"]:
            latest[t["instrument"]] = {"answered_on": t["answered_on"], "total": t["total"], "band": t["band"],
                                       "author_role": t.get("author_role")}
    # who at the clinic measured the latest EASI and SCORAD (name or e-mail, as the Sharing page names a
    # clinician): the PDF's footer said "patient-reported data" on a report holding them (2026-12-07).
    # None for one imported from another system (its clinician is no account here): "the clinic" alone
    clinic_ids = {q.author_user_id for q in newest if q.author_role == "clinician" and q.author_user_id is not None}
    names = ({u.id: u.display_name or u.email for u in session.scalars(select(User).where(User.id.in_(clinic_ids)))}
             if clinic_ids else {})
    for q in newest:
        if q.author_role == "clinician" and q.instrument in latest:
            latest[q.instrument]["recorded_by"] = names.get(q.author_user_id)  # type: ignore[arg-type]
    latest_other_raters = _latest_other_raters(session, patient_id, latest) if patient.relationship == "child" else []
    used: dict[str, list[dt.date]] = {}
    for d in days:
        for name, v in d["factors"].items():
            if name.startswith("treat.") and v and v > 0:
                used.setdefault(name, []).append(dt.date.fromisoformat(d["date"]))
    treatments = []
    for name, ds in used.items():
        f = known_factor(name)
        treatments.append({"name": name, "label": f.label or name, "days_used": len(ds), "last_used": max(ds),
                           "active": (end - max(ds)).days <= ACTIVE_TREATMENT_DAYS})  # on the patient's day
    treatments.sort(key=lambda t: (not t["active"], -t["days_used"], t["name"]))
    challenges = challenge_records(session, patient_id, end)  # phases on the patient's day, not the reader's
    for c in challenges:
        # a closed challenge's stored status "confirmed" means "outcome recorded", whatever the outcome: the
        # report printed "Egg supervised, confirmed" next to the outcome "refuted" (2026-12-06)
        if not c.get("phase"):
            c["phase"] = "closed" if c.get("status") in ("confirmed", "cancelled") else c.get("status")
        try:
            c["food_label"] = known_factor(str(c["food"])).label
        except ValueError:
            c["food_label"] = c["food"]
    logged = len(days)
    # days before the diary began (the profile's creation or its first entry, whichever is earlier)
    # were not missed, as on the trends pages (summary.trends' counted_from): a patient who joined
    # 10 days ago and logged all 10 read "logged on 10 of 84 days (12 %)" in the report while the
    # clinician's page said "10 days logged, 0 not logged" (clinician walk, 2026-12-06)
    first_ever = session.scalar(select(func.min(DiaryDay.day)).where(DiaryDay.patient_id == patient_id))
    from gutskin.clinic.fhir import patient_day

    # the profile's creation on the patient's date (its UTC date counted a day not logged in Auckland)
    created = patient_day(patient.created_at, zones.patient_zone(session, patient_id))
    first = min([created, *([first_ever] if first_ever else [])]) if created else start
    counted_from = max(first, start)
    # the report's last day is the patient's today: not logged *yet* is neither logged nor missed, as on
    # Trends since becddd9 (a report made at breakfast read "logged on 9 of 10 days (90 %)" for a diary
    # logged every day so far; 2026-12-07). Logged today, it counts as logged as before
    open_today = end.isoformat() not in by and counted_from <= end
    counted = max((end - counted_from).days + 1 - (1 if open_today else 0), 0)
    completeness = {
        "days_in_window": len(dates), "logged_days": logged,
        "counted_from": counted_from, "days_counted": counted,
        "open_today": end if open_today else None,
        "percent_logged": 100.0 * logged / counted if counted else 0.0,
        "itch_days": sum(1 for d in days if d["itch"] is not None),
        "sleep_days": sum(1 for d in days if d["sleep_loss"] is not None),
        "flare_days": sum(1 for d in days if d["flare"]),
        # days whose flare question was answered (yes or no): "0 flare day(s)" of a diary that never
        # answered it (a CSV or FHIR import, the API) read as "no flares" (2026-12-07)
        "flare_answered": sum(1 for d in days if d["flare"] is not None),
        "questionnaires": len(trend),  # scores in the period: questionnaires and POEM totals logged in the diary
        # of which the clinic's EASI and SCORAD: the report called them all "questionnaires and diary POEM"
        # (new clinic's walk, 2026-12-07)
        "assessments": sum(1 for t in trend if t["instrument"] in ("easi", "scorad")),
        "last_entry": last_entry, "logged_days_total": int(total_days),
    }
    insights = (_insights(session, actor, patient_id) if total_days
                else {"status": "not_enough_data", "reason": "no diary entries yet"})
    return {
        "patient_id": patient_id,
        "patient": {"name": patient.display_name or patient.external_id, "external_id": patient.external_id,
                    "birth_year": patient.birth_year,
                    # a child's POEM and RECAP are charted by who answered (interop.report, 2026-12-07)
                    "child": patient.relationship == "child"},
        "weeks": weeks, "start": start, "end": end, "generated_on": today,
        "series": series, "trend": trend, "latest_scores": latest, "latest_other_raters": latest_other_raters,
        "treatments": treatments,
        "challenges": challenges, "microbiome": _microbiome(session, patient_id),
        "completeness": completeness, "insights": insights,
    }


def render_pdf(data: dict[str, Any]) -> bytes:
    """PDF bytes of the report (``gutskin.interop.report``; two pages at most)."""
    from gutskin.interop.report import render_pdf as _render

    return _render(data)
