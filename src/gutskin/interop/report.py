"""The visit report: at most two A4 pages, readable in black and white, from plain data.

:func:`report_html` builds the page (charts are vector SVG from :mod:`gutskin.interop.charts`),
:func:`render_pdf` turns it into PDF bytes with WeasyPrint (no browser). If the full report
would run past two pages it is rendered again in compact form (fewer table rows, shorter
charts) so the page limit always holds. Input: see ``gutskin.clinic.reports.report_data``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from html import escape
from typing import Any

from gutskin.diary.numbers import quantity

MAX_PAGES = 2

CSS = """
@page { size: A4; margin: 11mm 12mm 12mm 12mm;
        @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 7pt;
                        font-family: "DejaVu Sans", sans-serif; white-space: nowrap; }
        @bottom-left { content: FOOTER; font-size: 7pt; font-family: "DejaVu Sans", sans-serif; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 8.3pt; color: #000; line-height: 1.25; }
h1 { font-size: 13pt; margin: 0 0 1mm 0; }
h2 { font-size: 9.5pt; margin: 2.6mm 0 1mm 0; border-bottom: 0.6pt solid #000; padding-bottom: 0.4mm; }
p { margin: 0.6mm 0; }
.meta { font-size: 8pt; }
.note { font-size: 7.5pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 0.6mm 0; }
tr { break-inside: avoid; }  /* a row never starts on one page and ends on the next */
th, td { border-bottom: 0.4pt solid #999; padding: 0.5mm 1.2mm; text-align: left; vertical-align: top; }
th { font-weight: bold; border-bottom: 0.8pt solid #000; }
td.n, th.n { text-align: right; }
.who { white-space: nowrap; }
img.chart { width: 100%; display: block; }
.cols { display: flex; gap: 5mm; }
.cols > div { flex: 1; }
.empty { border: 0.8pt solid #000; padding: 3mm; font-size: 10pt; margin-top: 4mm; }
"""


def _css_string(text: str) -> str:
    """``text`` as a CSS string inside the page's ``<style>``: quotes and backslashes escaped, and ``<``
    and ``>`` as CSS escapes, so that a clinician's name can neither end the string nor the element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return '"' + out.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


def clinic_words(data: dict[str, Any]) -> tuple[str, str] | None:
    """(the instruments, who measured them) of the report's scores recorded by a clinician: ("EASI and
    SCORAD", "the clinic (Dr Linked)"). The clinician by name or e-mail (``recorded_by``, as the Sharing
    page names a clinician), "the clinic" alone for one imported from another system; None when the
    report holds no such score."""
    rows = [(k, v) for k, v in sorted((data.get("latest_scores") or {}).items()) if v.get("author_role") == "clinician"]
    if not rows:
        return None
    names = list(dict.fromkeys(str(v["recorded_by"]) for _, v in rows if v.get("recorded_by")))
    who = "the clinic" + (f" ({', '.join(names)})" if names else "")
    instruments = [k.upper() for k, _ in rows]
    return " and ".join(instruments), who


def footer_words(data: dict[str, Any]) -> str:
    """The footer on every page: what is reported by the patient (or, on a child's profile, the parent
    or the child) and what a clinician measured, by whom. It said "patient-reported data, not a
    diagnosis" also under the clinic's EASI and SCORAD (2026-12-07)."""
    child = bool((data.get("patient") or {}).get("child"))
    reported = "reported by the parent or the child" if child else "patient-reported"
    clinic = clinic_words(data)
    if clinic is None:
        return f"gutskin visit report: {'data ' + reported if child else reported + ' data'}, not a diagnosis"
    return (f"gutskin visit report: diary and questionnaires {reported}; {clinic[0]} measured by {clinic[1]}; "
            "not a diagnosis")


def _img(svg: str) -> str:
    """The chart as an image, its glyph and marker references drawn out (``charts.flat_svg``: the same
    drawing, drawn by WeasyPrint in about half the time; 2026-12-07)."""
    from gutskin.interop.charts import flat_svg

    return f'<img class="chart" src="data:image/svg+xml;base64,{base64.b64encode(flat_svg(svg).encode()).decode()}" alt="">'


def _third_person(sentence: str) -> str:
    """The insights' sentences speak to the patient ("likely makes your itch worse"); a visit
    report is about the patient, for the clinic: "the patient's itch"."""
    return sentence.replace("your itch", "the patient's itch").replace("(you have", "(the patient has")


def _fmt(v: Any, digits: int = 1) -> str:
    """A number for the report: at most ``digits`` decimals, a negative with "−" (U+2212, not a
    hyphen: gutskin.diary.numbers, 2026-12-07); anything else as text."""
    from gutskin.diary.numbers import number

    if v is None:
        return "–"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return number(v, digits if isinstance(v, float) else None)
    return escape(str(v))


def _days_between(first: Any, last: Any) -> int | None:
    try:
        return (dt.date.fromisoformat(str(last)[:10]) - dt.date.fromisoformat(str(first)[:10])).days
    except ValueError:
        return None


def _date(v: Any) -> str:
    if v is None or v == "":
        return "–"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%d %b %Y")
    try:
        return dt.date.fromisoformat(str(v)[:10]).strftime("%d %b %Y")
    except ValueError:
        return escape(str(v))


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    h = "".join(f'<th class="n">{c}</th>' if i in numeric else f"<th>{c}</th>" for i, c in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _has_data(data: dict[str, Any]) -> bool:
    s = data.get("series") or {}
    return bool(data.get("completeness", {}).get("logged_days_total") or data.get("latest_scores")
                or any(v is not None for v in (s.get("itch") or [])))


#: who answered, logged or recorded (``author_role``, ``recorded_by_role``), in the clinic's words: a
#: child's profile is answered by the parent. One table for the report, the clinician's patient page
#: and the challenge page (a Jinja global, ``author_words``); a co-caregiver is never named to the clinic
AUTHOR_WORDS = {"patient": "the patient", "caregiver": "the parent", "co_caregiver": "another caregiver",
                "clinician": "the clinic"}


def respondent_words(respondent: str | None, author_role: str | None = None) -> str:
    """Who answered a questionnaire (``respondent``, 0017) in the clinic's words, for "POEM 12
    (parent-reported)": 'self' self-reported, 'proxy' parent-reported (the managing parent entered
    it) or caregiver-reported (another caregiver); "" when not recorded (answers before 2026-12-07,
    the clinic's own EASI and SCORAD) and for a person's answer on their own account (``author_role``
    'patient': self-reported goes without saying). The self-report and proxy versions' scores are not
    interchangeable, so the report and the clinician's page say which."""
    if respondent == "self" and author_role != "patient":
        return "self-reported"
    if respondent == "proxy":
        return "caregiver-reported" if author_role == "co_caregiver" else "parent-reported"
    return ""


def answered_by_words(author_role: str | None, respondent: str | None = None, child_name: str | None = None) -> str:
    """The "Answered by" cell: who entered the answers (:data:`AUTHOR_WORDS`), except on a child's
    profile (``child_name``) for answers a parent's account entered: the child's own (``respondent``
    'self') read "Mia (entered by the parent)", and those whose respondent is not recorded "not
    recorded (entered by the parent)". Until 2026-12-07 both read "the parent", so a row said
    "4 (self-reported) | the parent", as if the parent had answered (the walk of the clinician's page
    and the report for a child with both kinds of answers)."""
    who = AUTHOR_WORDS.get(author_role or "", "not recorded")
    if child_name and author_role in ("caregiver", "co_caregiver"):
        if respondent == "self":
            return f"{child_name} (entered by {who})"
        if respondent is None:  # before 0017, or an API call without it: the parent entered it, who answered is not known
            return f"not recorded (entered by {who})"
    return who


def _of_scale(value: Any, scale: str) -> str:
    """A total with its scale's maximum, "18.1 of 72" (``registry.SCALE_MAX``): the PDF gave EASI and
    SCORAD totals with no range (2026-12-07); the number alone for a scale not listed or no value."""
    from gutskin.instruments.registry import SCALE_MAX

    top = SCALE_MAX.get(scale)
    return _fmt(value) + (f" of {top}" if top is not None and value is not None else "")


def _total_and_band(v: dict[str, Any], instrument: str = "") -> list[str]:
    """A score's total (of its scale's maximum) and band; a SCORAD recorded without itch and sleep has
    no total, only its objective SCORAD (Kunz et al. 1997), which is shown then, named as such."""
    if v.get("total") is None and v.get("objective") is not None:
        return [f"objective {_of_scale(v['objective'], 'objective_scorad')}", escape(v.get("objective_band") or "–")]
    who = respondent_words(v.get("respondent"), v.get("author_role"))
    shown = f' <span class="who">({who})</span>' if who and v.get("total") is not None else ""
    return [_of_scale(v.get("total"), instrument) + shown, escape(v.get("band") or "–")]


def _section_scores(data: dict[str, Any]) -> str:
    latest = data.get("latest_scores") or {}
    if not latest:
        return "<p>No questionnaire answered yet.</p>"
    p = data.get("patient") or {}
    child = str(p.get("name") or p.get("external_id") or "the child") if p.get("child") else None
    # a child's POEM and RECAP: the newest answer of each respondent (the child's, the parent's), one
    # row each, since the two versions are different raters (latest_other_raters, 2026-12-07)
    others: dict[str, list[dict[str, Any]]] = {}
    for o in data.get("latest_other_raters") or []:
        others.setdefault(o["instrument"], []).append(o)
    rows = [[escape(k.upper()), _date(v.get("answered_on")), *_total_and_band(v, k),
             escape(answered_by_words(v.get("author_role"), v.get("respondent"), child)
                    + (f" ({v['recorded_by']})" if v.get("recorded_by") and v.get("author_role") == "clinician" else ""))]
            for k, latest_v in sorted(latest.items()) for v in (latest_v, *others.get(k, []))]
    # an EASI or SCORAD recorded by the clinician at a visit is not "answered": the date column is
    # "Date" and the row reads "the clinic", as on the clinician's Scores table; the last column says
    # "or recorded" when such a row is listed (the PDF read "Answered" over it until 2026-12-06)
    recorded = any(v.get("author_role") == "clinician" for v in latest.values())
    return _table(["Instrument", "Date", "Total", "Band", "Answered or recorded by" if recorded else "Answered by"],
                  rows, {2})


UNSCORED_DAYS = 7
"""More days than this between the last itch score and the report, while the diary goes on, and the
forecast says it (the insights page's rule, gutskin.web.pages.insights.UNSCORED_DAYS)."""


def _section_insights(data: dict[str, Any], compact: bool) -> str:
    ins = data.get("insights") or {}
    status = ins.get("status")
    if status != "ready":
        reason = ins.get("reason") or {"computing": "still being computed; download the report again in a minute",
                                       None: "not available"}.get(status, "not available")
        return f"<h2>Triggers and 7-day forecast</h2><p>Not shown: {escape(str(reason))}.</p>"
    from gutskin.insights.wording import risk_percent

    out = ["<h2>Triggers (personal, from the diary)</h2>"]
    trig = ins.get("triggers") or {}
    rows = []
    limit = 4 if compact else 7
    for verdict, items in (("likely trigger", trig.get("triggers") or []), ("likely protective", trig.get("protective") or [])):
        for t in items[:limit]:
            prob = t.get("probability") if verdict == "likely trigger" else t.get("probability_protective")
            rows.append([escape(t.get("label") or t.get("factor", "")), verdict,
                         _fmt(t.get("effect"), 2), _fmt(t.get("lag_days"), 0),
                         "–" if prob is None else risk_percent(float(prob)),
                         f"{_fmt(t.get('exposed_days'), 0)} / {_fmt(t.get('unexposed_days'), 0)}",
                         escape(_third_person(t.get("sentence") or ""))])
    if rows:
        # the effect's scale: a bare "1.7" read as a percent or a risk (wording review 2026-12-06)
        out.append(_table(["Factor", "Verdict", "Itch effect (points, 0–10 scale)", "Lag (d)", "Probability",
                           "Days with / without", "Evidence"],
                          rows, {2, 3, 4}))
    else:
        out.append("<p>No likely trigger or protective factor so far.</p>")
    n_none = len(trig.get("no_evidence") or [])
    n_few = len(trig.get("not_enough_data") or [])
    out.append(f'<p class="note">{quantity(n_none, "factors")} with no evidence of an effect; {n_few} with too few days to judge. '
               "Treatments are used because of bad days, so their association with itch may not be causal.</p>")
    fc = ins.get("forecast") or {}
    days = fc.get("days") or []
    if days:
        from gutskin.interop.charts import forecast_chart

        out.append("<h2>7-day itch forecast</h2>")
        gap = _days_between(fc.get("origin"), data.get("generated_on"))
        old = gap is not None and gap > 1  # the forecast's first day is already past: say so (the page does too)
        if old:
            out.append(f'<p class="note"><b>The last diary entry is {gap} days before this report:</b> the forecast is for '
                       "the days after it, not the coming week, and says nothing about the patient now.</p>")
        else:  # a recent last row without an itch score for weeks: the forecast is the diary's usual itch (the page says so)
            unscored = _days_between(ins.get("last_itch_day"), data.get("generated_on"))
            if unscored is not None and unscored > UNSCORED_DAYS:
                out.append(f'<p class="note"><b>The last itch score is {unscored} days before this report</b> '
                           f"({_date(ins.get('last_itch_day'))}): with no score since, the forecast shows the usual itch "
                           "of this diary, not how the patient is now.</p>")
        # "in the next 7 days" right after that note contradicted it (the page says "in those 7 days")
        within = f"the {len(days)} days after it" if old else f"the next {len(days)} days"
        out.append(f"<p>Chance of at least one day with itch {fc.get('flare_threshold', 7)}+ in {within}: "
                   f"<b>{risk_percent(float(fc.get('flare_risk', 0)))}</b> (from the last diary day, "
                   f"{_date(fc.get('origin'))}; {fc.get('n_observed', 0)} itch scores used).</p>")
        rows = [[_date(d["date"]), _fmt(d.get("median")), f"{d['bands']['80'][0]}–{d['bands']['80'][1]}",
                 risk_percent(float(d.get('p_severe', 0)))] for d in days]
        if compact:
            out.append(_table(["Day", "Median itch", "80 % range", f"P(itch {fc.get('flare_threshold', 7)}+)"], rows, {1, 3}))
        else:
            out.append('<div class="cols"><div>' + _img(forecast_chart(days, int(fc.get("flare_threshold", 7))))
                       + '<p class="note">Dot: median; thick bar: 50 % range; thin bar: 80 % range.</p></div><div>'
                       + _table(["Day", "Median", "80 % range", f"P(itch {fc.get('flare_threshold', 7)}+)"], rows, {1, 3})
                       + "</div></div>")
    sl = ins.get("sleep_forecast") or {}
    nights = sl.get("days") or []
    if nights:
        lo, hi = min(int(d["median"]) for d in nights), max(int(d["median"]) for d in nights)
        sgap = _days_between(sl.get("origin"), data.get("generated_on"))
        when = (f"the {len(nights)} nights after the last entry" if sgap is not None and sgap > 1
                else f"next {len(nights)} nights")
        out.append(f"<p>Sleep loss, {when}: chance of at least one bad night "
                   f"({sl.get('flare_threshold', 7)}+ of 10) <b>{risk_percent(float(sl.get('flare_risk', 0)))}</b>; "
                   f"median {lo}{'' if lo == hi else f'–{hi}'} ({sl.get('n_observed', 0)} sleep-loss scores used).</p>")
        unscored = _days_between(ins.get("last_sleep_day"), data.get("generated_on"))
        if not (sgap is not None and sgap > 1) and unscored is not None and unscored > UNSCORED_DAYS:
            out.append(f'<p class="note">The last sleep-loss score is {unscored} days before this report '
                       f"({_date(ins.get('last_sleep_day'))}): with no score since, this line shows the usual nights "
                       "of this diary, not how the patient sleeps now.</p>")
    return "".join(out)


def _section_challenges(data: dict[str, Any], compact: bool = False) -> str:
    ch = data.get("challenges") or []
    if not ch:
        return "<p>No food challenge recorded.</p>"
    # a running challenge shows its phase, its diary verdict as "so far", and no decision date (the
    # date of an interim verdict was printed under "Decided", as if the clinician had decided)
    rows = [[escape(str(c.get("food_label") or c.get("food") or "")),
             escape(", ".join(str(x) for x in (c.get("kind"), c.get("phase") or c.get("status")) if x) or "–"),
             escape(str(c.get("verdict") or "–") + (" so far" if c.get("verdict") and c.get("interim") else "")),
             f"<b>{escape(str(c['outcome']))}</b>" if c.get("outcome") else "–",
             _date(c.get("decided_on")), escape(str(c.get("summary") or ""))]
            for c in ch[: 4 if compact else 8]]
    # "Verdict": an immediate reaction in clinic decides it too, not only the diary (Details say which)
    return _table(["Food", "Challenge", "Verdict", "Clinician outcome", "Decided", "Details"], rows)


def _section_treatments(data: dict[str, Any]) -> str:
    tr = data.get("treatments") or []
    if not tr:
        return "<p>No treatment logged in this period.</p>"
    rows = [[escape(t["label"]), "in use" if t["active"] else "not in the last 14 days", f"{t['days_used']}",
             _date(t["last_used"])] for t in tr]
    return _table(["Treatment", "Status", "Days used", "Last used"], rows, {2})


#: Diversity metrics in words (the microbiome page's names, shortened); other keys lose their underscores.
#: "simpson" is the Gini–Simpson 1 − Σp² (microbiome.diversity): a bare "Simpson 0.64" reads as Simpson's
#: D = Σp², the dominance, where a high value means low diversity (a clinician's first read, 2026-12-07)
METRIC_WORDS = {"observed": "observed features", "shannon": "Shannon (natural log)", "simpson": "Simpson diversity (1 − D)",
                "inv_simpson": "inverse Simpson", "pielou": "Pielou evenness", "chao1": "Chao1", "faith_pd": "Faith's PD"}


def _section_microbiome(data: dict[str, Any]) -> str:
    m = data.get("microbiome")
    if not m:
        return ""
    div = ", ".join(f"{escape(METRIC_WORDS.get(k, str(k).replace('_', ' ')))} {_fmt(v, 2)}"
                    for k, v in (m.get("diversity") or {}).items())
    from gutskin.microbiome.report import abundance_percent  # the page's figure ("0 %" for 0.004 % until 2026-12-06)

    counts = list(m.get("top_taxa_features") or [])
    taxa = ", ".join(f"{escape(t)} {abundance_percent(min(max(float(a), 0.0), 1.0))}"
                     + (f" ({counts[i]} features)" if i < len(counts) and counts[i] > 1 else "")
                     for i, (t, a) in enumerate(m.get("top_taxa") or []))
    return ("<h2>Gut microbiome (latest sample)</h2>"
            f"<p>Sample {escape(str(m.get('sample_id') or ''))}, "
            # the latest is the newest collected, else uploaded (clinic.microbiome.sample_day): say which day
            + (f"collected {_date(m.get('collected_on'))}, " if m.get("collected_on") or not m.get("uploaded_on")
               else f"uploaded {_date(m.get('uploaded_on'))} (collection date not given), ")
            + f"method {escape(str(m.get('method') or 'unknown'))}. Diversity: {div or '–'}.</p>"
            + (f"<p>{escape(str(m['statement']))}</p>" if m.get("statement") else "")
            + _comparison_note(m)
            + (f"<p>Most abundant: {taxa}.</p>" if taxa else "")
            + (f"<p>Eczema-linked taxa: {escape('; '.join(m['linked_taxa']))}.</p>" if m.get("linked_taxa") else "")
            + _microbiome_history(m))


def _comparison_note(m: dict[str, Any]) -> str:
    """How the diversity line differs from the values the reference comparison used. A table of features
    (mothur OTUs, sequence variants) with a taxonomy is compared as genera, the reference's unit
    (``grouped_to``): its values then differ from the line's by far more than rarefaction (mothur's
    12 OTUs, Shannon 2.38, are 1.59 as genera), and the note said they "can differ slightly" (2026-12-07,
    as the microbiome page has said since b8786f3). A genus table cut down to the reference's depth
    keeps the rarefaction note."""
    reads, depth = m.get("reads"), m.get("rarefied_to")
    cut = f", cut down at random to {depth} reads, the reference's depth" if depth and reads else ""
    if m.get("grouped_to"):
        rank, n = str(m["grouped_to"]), m.get("features_compared")
        ranks = {"genus": "genera"}.get(rank, rank + "s") if n != 1 else rank
        counted = f" ({n} {escape(ranks)})" if isinstance(n, int) else ""
        what = ", ".join(x for x in (quantity(m["features"], "features") if isinstance(m.get("features"), int) else "",
                                     f"{reads} reads" if reads else "") if x)
        return (f"<p class='note'>Diversity above is of the sample as the file names it{f' ({what})' if what else ''}; "
                f"the comparison counts them by {escape(rank)}, as the reference does{counted}{cut}, so its values "
                "differ from these.</p>")
    if cut:
        return (f"<p class='note'>Diversity above is of the whole sample ({reads} reads); the comparison uses it "
                f"cut down at random to {depth} reads, the reference's depth, so its values can differ slightly.</p>")
    return ""


def _microbiome_history(m: dict[str, Any]) -> str:
    """All samples in one line, oldest first, and what may not be compared across them (2026-12-06:
    the report named only the latest of four)."""
    hist = m.get("history") or []
    if len(hist) < 2:
        return ""
    items = "; ".join(
        f"{_date(h.get('collected_on')) if h.get('collected_on') else 'date not stated'} "
        f"{escape(str(h.get('sample_id') or ''))} ({escape(str(h.get('method') or 'unknown'))}): Shannon "
        f"{_fmt(h.get('shannon'), 2) if isinstance(h.get('shannon'), (int, float)) else '–'}, "
        f"{escape(str(h.get('percentile_words') or ''))}" for h in hist)
    caveats = " ".join(escape(str(c)) for c in (m.get("history_caveats") or []))
    return (f"<p>All {len(hist)} samples, oldest first: {items}.</p>"
            + (f"<p class='note'>{caveats}</p>" if caveats else ""))


def _flare_words(c: dict[str, Any]) -> str:
    """The period's flare days, and how many logged days answered the flare question when not all
    did (2026-12-07: "0 flare day(s)" was printed for a diary that never recorded flares)."""
    flares, logged = c.get("flare_days", 0), c.get("logged_days", 0)
    answered = c.get("flare_answered", logged)  # report data made before the count: as before
    if logged and not answered:
        return "flares not recorded"
    if answered < logged:
        return f"{quantity(flares, 'flare days')} among the {quantity(answered, 'logged days')} that recorded flares"
    return quantity(flares, "flare days")


def _days_counted(c: dict[str, Any]) -> int:
    """The days the diary could have been logged in the period (from when it began, if later)."""
    n = c.get("days_counted")
    return int(n) if isinstance(n, int) else int(c.get("days_in_window", 0))


def _since(c: dict[str, Any], start: Any) -> str:
    """" since the diary began on 26 Nov 2026" when that is inside the period, else ""."""
    began = c.get("counted_from")
    return f" since the diary began on {_date(began)}" if isinstance(began, dt.date) and began > start else ""


def _logged_words(c: dict[str, Any], start: Any) -> str:
    """"Diary logged on <b>9 of 9</b> days since ... (100 %), today (07 Dec 2026) not logged yet, so not
    counted": the report's last day, the patient's today, not logged yet is neither logged nor missed
    (``open_today``), as on Trends; it was counted as a missed day (2026-12-07). A diary that began
    today and has nothing yet says so instead of "0 of 0 days"."""
    today = c.get("open_today")
    logged, counted = c.get("logged_days", 0), _days_counted(c)
    if today and not counted and not logged:
        return f"Diary not logged yet: it began today ({_date(today)}), which is not over"
    words = (f"Diary logged on <b>{logged} of {counted}</b> days{_since(c, start)} "
             f"({c.get('percent_logged', 0):.0f} %)")
    return words + (f", today ({_date(today)}) not logged yet, so not counted" if today else "")


def score_series(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The POEM and RECAP series of the report's chart (``charts.scores_figure``'s ``series``), points
    as (date, total): one per instrument on one's own profile; on a child's (``patient.child``) one
    per respondent, "POEM (parent)", "POEM (Mia)", "POEM (who answered not recorded)" (only those
    present), since the self-report and the parent's version are different raters, validated apart
    (instruments.md), and were drawn as one line until 2026-12-07."""
    from gutskin.instruments.respondents import series_by_respondent

    p = data.get("patient") or {}
    child = (p.get("name") or p.get("external_id") or "the child") if p.get("child") else None
    out = []
    for instrument in ("poem", "recap"):
        points = [q for q in data.get("trend") or [] if q["instrument"] == instrument and q["total"] is not None]
        for one in series_by_respondent(instrument, points, child):
            out.append({"instrument": instrument, "respondent": one["respondent"], "label": one["label"],
                        "points": [(q["answered_on"], q["total"]) for q in one["points"]]})
    return out


def _scores_words(c: dict[str, Any]) -> str:
    """The period's scores and where they came from: a clinic's SCORAD was counted as one of the
    "questionnaires and diary POEM" (new clinic's walk, 2026-12-07)."""
    n, clinic = int(c.get("questionnaires", 0)), int(c.get("assessments", 0))
    if not clinic:
        return f"{quantity(n, 'scores')} (questionnaires and diary POEM)"
    if clinic == n:
        return f"{quantity(n, 'scores')} (EASI or SCORAD recorded by the clinic)"
    return (f"{quantity(n, 'scores')} ({n - clinic} from questionnaires and diary POEM, {clinic} EASI or SCORAD "
            "recorded by the clinic)")


SHORTENED_WORDS = ("Shortened to two pages: the end of this report did not fit and is left out; the patient's "
                   "page in gutskin shows all of it.")
"""Said at the top of a report cut to :data:`MAX_PAGES` pages (2026-12-07: the pages after the second were
dropped with no word, and the footer still counted them: "page 2 of 3")."""


def report_html(data: dict[str, Any], compact: bool = False, shortened: bool = False) -> str:
    """The report as one HTML page (WeasyPrint input); ``shortened``: it will be cut to
    :data:`MAX_PAGES` pages, which its top says and its page numbers count."""
    from gutskin.interop.charts import itch_sleep_chart, scores_chart

    p = data.get("patient") or {}
    start, end = data["start"], data["end"]
    c = data.get("completeness") or {}
    css = CSS.replace("FOOTER", _css_string(footer_words(data)))  # on every page (an @page margin box)
    if shortened:
        css = css.replace('" of " counter(pages)', f'" of {MAX_PAGES}"')
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Visit report</title><style>{css}</style></head><body>",
             f"<h1>Visit report: {escape(str(p.get('name') or p.get('external_id') or ''))}</h1>",
             f"<p class='meta'>Patient identifier {escape(str(p.get('external_id') or ''))}"
             + (f", born {p['birth_year']}" if p.get("birth_year") else "")
             + f". Period: {_date(start)} to {_date(end)} ({data.get('weeks')} weeks). "
             f"Generated {_date(data.get('generated_on'))}.</p>"]
    if shortened:
        parts.append(f"<p class='meta' id='shortened'><b>{escape(SHORTENED_WORDS)}</b></p>")
    if not _has_data(data):
        parts.append("<div class='empty'><b>No data yet.</b> This patient has not logged any diary day or answered "
                     "any questionnaire, so there are no charts, scores, triggers or forecast to show.</div>")
        parts.append("<h2>Treatments in use</h2><p>None logged.</p>")
        parts.append("<h2>Food challenges</h2>" + _section_challenges(data))
        parts.append(_section_microbiome(data))
        parts.append("</body></html>")
        return "".join(parts)
    parts.append(
        "<h2>Data completeness</h2>"
        f"<p>{_logged_words(c, start)}; itch scored on {c.get('itch_days', 0)}, sleep loss on {quantity(c.get('sleep_days', 0), 'days')}; "
        f"{_flare_words(c)}; {_scores_words(c)} in the period; "
        f"last entry {_date(c.get('last_entry'))}.</p>")
    s = data["series"]
    parts.append("<h2>Itch and sleep loss (daily, 0–10), flare days shaded</h2>")
    if any(v is not None for v in s["itch"]) or any(v is not None for v in s["sleep_loss"]):
        parts.append(_img(itch_sleep_chart(s["dates"], s["itch"], s["sleep_loss"], s["flare"])))
    else:
        parts.append("<p>No itch or sleep scores in this period.</p>")
    parts.append("<h2>POEM and RECAP (weekly, 0–28) over POEM severity bands</h2>")
    series = score_series(data)
    if series:
        parts.append(_img(scores_chart(start, end, series=series)))
    else:
        parts.append("<p>No POEM or RECAP in this period.</p>")
    parts.append("<div class='cols'><div><h2>Latest scores</h2>" + _section_scores(data)
                 + "</div><div><h2>Treatments in use</h2>" + _section_treatments(data) + "</div></div>")
    parts.append(_section_insights(data, compact))
    parts.append("<h2>Food challenges</h2>" + _section_challenges(data, compact))
    parts.append(_section_microbiome(data))
    parts.append("</body></html>")
    return "".join(parts)


def data_urls_only() -> Any:
    """A WeasyPrint URL fetcher that loads ``data:`` URLs (the report's own charts) and nothing
    else: no file, no network. Every text in the report is escaped, so no other URL should ever
    appear; this keeps it so if one ever did (a file read or a request from the server)."""
    from weasyprint.urls import URLFetcher  # WeasyPrint 70 (pinned)

    return URLFetcher(allowed_protocols={"data"})


def render_html_pdf(html: str) -> Any:
    """WeasyPrint's rendered document of ``html``, with :func:`data_urls_only`."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=data_urls_only()).render()


PDF_CACHE_SIZE = 16
"""Visit report PDFs kept per process (~0.1-0.2 MB each), newest used first."""
PDF_CACHE_SECONDS = 600.0
"""How long a kept PDF may be served again: a report's data stays in memory no longer than this."""
_pdf_cache: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()
_pdf_cache_lock = threading.Lock()


def _data_key(data: dict[str, Any]) -> bytes | None:
    """The report data's fingerprint: SHA-256 of its pickle. Pickling writes every value (dates, floats
    to the bit, nested insights), so different data never share a key; equal data built in another
    order may miss, which only costs a render. None when something in it cannot be pickled."""
    try:
        return hashlib.sha256(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)).digest()
    except Exception:  # noqa: BLE001 - not cached then, rendered as before
        return None


def clear_pdf_cache() -> None:
    with _pdf_cache_lock:
        _pdf_cache.clear()


def render_pdf(data: dict[str, Any]) -> bytes:
    """PDF bytes of the report, at most :data:`MAX_PAGES` pages.

    The PDF is a function of ``data`` alone, so the same data within :data:`PDF_CACHE_SECONDS` gets
    the same bytes back without a render (the report downloaded again, by the clinician or the
    patient: ~0.8 s of CPU each, ``bench.visit_report``, 2026-12-07). The key is the data itself
    (:func:`_data_key`), gathered after authorization by ``clinic.reports.report_data``: a diary day
    logged, a score, an outcome, the insights ready, the next day all change it, so no write has to
    invalidate anything; ``tests/interop/test_report_pdf_cache.py``."""
    key = _data_key(data)
    now = time.monotonic()
    if key is not None:
        with _pdf_cache_lock:
            hit = _pdf_cache.get(key)
            if hit is not None and now - hit[0] <= PDF_CACHE_SECONDS:
                _pdf_cache.move_to_end(key)
                return hit[1]
    pdf = _render_pdf(data)
    if key is not None:
        with _pdf_cache_lock:
            _pdf_cache[key] = (now, pdf)
            _pdf_cache.move_to_end(key)
            for old in [k for k, (t, _) in _pdf_cache.items() if now - t > PDF_CACHE_SECONDS]:
                del _pdf_cache[old]
            while len(_pdf_cache) > PDF_CACHE_SIZE:
                _pdf_cache.popitem(last=False)
    return pdf


def _render_pdf(data: dict[str, Any]) -> bytes:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    doc = render_html_pdf(report_html(data))
    if len(doc.pages) > MAX_PAGES:
        doc = render_html_pdf(report_html(data, compact=True))
    if len(doc.pages) > MAX_PAGES:  # last resort: keep the first two pages (charts, scores, triggers come first)
        doc = render_html_pdf(report_html(data, compact=True, shortened=True))
        doc = doc.copy(doc.pages[:MAX_PAGES])
    return doc.write_pdf()


def warm_up() -> None:
    """Render a small made-up report once, so the first real one of the process does not pay for
    loading WeasyPrint, matplotlib and the fonts of both (``gutskin serve`` calls it in a background
    thread at start-up, ``gutskin.web.warmup``). The first visit report of a freshly started server
    took 1.3 s more CPU than the next ones (2.5-5 s on a loaded 2-core machine; ``bench.visit_report``,
    2026-12-07): imports ~0.8 s, the first chart's fonts and the first layout's font set-up the rest.
    Nobody's data: two weeks of invented scores, its own PDF thrown away."""
    start = dt.date(2026, 1, 5)
    dates = [start + dt.timedelta(days=i) for i in range(14)]
    itch = [(3 * i) % 11 if i % 5 else None for i in range(14)]
    data: dict[str, Any] = {
        "patient_id": 0, "patient": {"name": "Warm-up", "external_id": "p-warm-up", "birth_year": 2000, "child": False},
        "weeks": 2, "start": dates[0], "end": dates[-1], "generated_on": dates[-1],
        "series": {"dates": [d.isoformat() for d in dates], "itch": itch,
                   "sleep_loss": [None if v is None else max(0, v - 2) for v in itch],
                   "flare": [bool(v and v >= 8) for v in itch]},
        "trend": [{"instrument": "poem", "answered_on": d, "total": 9.0 + i, "band": "moderate", "respondent": None}
                  for i, d in enumerate(dates[::7])],
        "latest_scores": {"poem": {"answered_on": dates[-1], "total": 10.0, "band": "moderate", "author_role": "patient"}},
        "latest_other_raters": [], "treatments": [], "challenges": [], "microbiome": None,
        "completeness": {"days_in_window": 14, "logged_days": 11, "counted_from": dates[0], "days_counted": 14,
                         "percent_logged": 78.6, "itch_days": 11, "sleep_days": 11, "flare_days": 2,
                         "flare_answered": 11, "questionnaires": 2, "assessments": 0, "last_entry": dates[-1],
                         "logged_days_total": 11},
        "insights": {"status": "not_enough_data", "reason": "warm-up"},
    }
    render_pdf(data)
