"""A child's POEM and RECAP answered by the child (self-report) and by the parent for the child
(proxy) are different raters, each version validated on its own (instruments.md): since migration
0017 the tables said "(parent-reported)" / "(self-reported)", but the trend charts (Trends, the
clinician's patient page, the visit report) drew both as ONE series, a line joining the parent's 14
to Mia's 4 (2026-12-07). Now each respondent is its own series ("POEM (parent)", "POEM (Mia)", and
"POEM (who answered not recorded)" only when there are such answers); an adult's chart keeps one
series. The chart data (trends JSON, the page's #trend-data) and the visit report's chart series
are checked; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

from sqlalchemy import select

from gutskin.clinic import accounts, questionnaires, reports, sharing
from gutskin.interop import charts
from gutskin.interop import report
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, QuestionnaireResponse
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()
PROXY_POEM = [2, 2, 2, 2, 2, 2, 2]  # 14, moderate
SELF_POEM = [1, 1, 0, 1, 1, 0, 0]  # 4, mild
RECAP = [1, 1, 1, 1, 1, 1, 1]  # 7


def day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def _mia_with_both(engine, people, *, not_recorded: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Mia (10): the parent's POEM 14 days 20 and 6 back, her own 4 days 13 and 1 back, RECAP by both;
    with ``not_recorded`` an answer from before 0017 (respondent NULL) 27 days back."""
    with transaction(engine) as s:
        mia = accounts.add_child_profile(s, people.owner, "Mia", birth_year=TODAY.year - 10).id
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
    with transaction(engine) as s:
        for n in (20, 6):
            questionnaires.submit(s, people.owner, mia, "poem", {"answers": PROXY_POEM}, day(n), respondent="proxy")
        for n in (13, 1):
            questionnaires.submit(s, people.owner, mia, "poem", {"answers": SELF_POEM}, day(n), respondent="self")
        questionnaires.submit(s, people.owner, mia, "recap", {"answers": RECAP}, day(6), respondent="proxy")
        questionnaires.submit(s, people.owner, mia, "recap", {"answers": [0] * 7}, day(1), respondent="self")
        if not_recorded:
            questionnaires.submit(s, people.owner, mia, "poem", {"answers": [3] * 7}, day(27), respondent="proxy")
    if not_recorded:
        with transaction(engine) as s:
            old = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == mia,
                                                                QuestionnaireResponse.answered_on == day(27))).one()
            old.respondent = None  # answered before migration 0017
    return mia


def _series(data: dict) -> list[tuple[object, str, list[tuple[str, float]]]]:  # type: ignore[type-arg]
    return [(s["respondent"], s["label"], [(p["date"], p["total"]) for p in s["points"]]) for s in data["poem_series"]]


def test_a_childs_poem_is_two_series_in_the_chart_data(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_both(engine, people)
    owner = bearer(client, "owner@example.org")
    data = client.get(f"/api/v1/me/trends?weeks=4&patient_id={mia}", headers=owner).json()
    assert _series(data) == [
        ("proxy", "POEM (parent)", [(day(20).isoformat(), 14), (day(6).isoformat(), 14)]),
        ("self", "POEM (Mia)", [(day(13).isoformat(), 4), (day(1).isoformat(), 4)]),
    ]  # no "not recorded" series: there is no such answer
    # the exported points say who answered too (the JSON of the scores)
    assert [(p["date"], p["respondent"]) for p in data["poem"]] == [
        (day(20).isoformat(), "proxy"), (day(13).isoformat(), "self"), (day(6).isoformat(), "proxy"), (day(1).isoformat(), "self")]
    assert data["by_respondent"] is True
    # each series keeps its own band (the points' POEM bands)
    assert [[p["band"] for p in s["points"]] for s in data["poem_series"]] == [["moderate", "moderate"], ["mild", "mild"]]
    # the clinician's API and page give the same data to the chart
    doc = bearer(client, "linked@clinic.example.org")
    assert client.get(f"/api/v1/patients/{mia}/trends?weeks=4", headers=doc).json()["poem_series"] == data["poem_series"]
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{mia}?weeks=4").text
    embedded = json.loads(html.unescape(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>',
                                                  page, re.S).group(1)))  # type: ignore[union-attr]
    assert _series(embedded) == _series(data)
    # the POEM list under the chart says who answered each
    items = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", page.split('<ul class="poem">', 1)[1].split("</ul>", 1)[0])]
    assert items == [f"{day(20).isoformat()}: 14 (moderate), answered by a parent for Mia",
                     f"{day(13).isoformat()}: 4 (mild), answered by Mia",
                     f"{day(6).isoformat()}: 14 (moderate), answered by a parent for Mia",
                     f"{day(1).isoformat()}: 4 (mild), answered by Mia"]


def test_not_recorded_answers_are_their_own_series_and_an_adult_keeps_one(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_both(engine, people, not_recorded=True)
    with transaction(engine) as s:  # an imported diary POEM: who answered is not recorded either
        s.add(DiaryDay(patient_id=mia, day=day(24), poem=9))
    owner = bearer(client, "owner@example.org")
    data = client.get(f"/api/v1/me/trends?weeks=4&patient_id={mia}", headers=owner).json()
    assert [(r, label, len(points)) for r, label, points in _series(data)] == [
        ("proxy", "POEM (parent)", 2), ("self", "POEM (Mia)", 2), (None, "POEM (who answered not recorded)", 2)]
    assert _series(data)[2][2] == [(day(27).isoformat(), 21), (day(24).isoformat(), 9)]

    # the parent's own profile: self-reports and an answer from before 0017 are one rater, one series as before
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": SELF_POEM}, day(3))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": PROXY_POEM}, day(10))
        old = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == people.owner_pid,
                                                            QuestionnaireResponse.answered_on == day(10))).one()
        old.respondent = None
    own = client.get("/api/v1/me/trends?weeks=4", headers=owner).json()
    assert _series(own) == [("any", "POEM (0-28)", [(day(10).isoformat(), 14), (day(3).isoformat(), 4)])]
    assert own["by_respondent"] is False
    login_page(client, "owner@example.org")
    page = client.get("/trends?weeks=4").text
    assert "answered by" not in page.split('<ul class="poem">', 1)[1].split("</ul>", 1)[0]


def _lines(fig) -> dict[str, list[tuple[str, float]]]:  # type: ignore[no-untyped-def]
    """The drawn score lines by legend label: their (date, value) points, a break (NaN) kept as 'gap'."""
    import matplotlib.dates as mdates

    out = {}
    for line in fig.axes[0].get_lines():
        if line.get_label().startswith("_"):
            continue
        xs, ys = line.get_xdata(), line.get_ydata()
        out[line.get_label()] = [("gap" if y != y else (mdates.num2date(mdates.date2num(x)).date().isoformat(), float(y)))
                                 for x, y in zip(xs, ys, strict=True)]
    return out


def test_the_visit_report_draws_each_respondent_as_its_own_line(engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _mia_with_both(engine, people, not_recorded=True)
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, mia, 4)
    series = report.score_series(data)
    assert [(s["instrument"], s["respondent"], s["label"]) for s in series] == [
        ("poem", "proxy", "POEM (parent)"), ("poem", "self", "POEM (Mia)"), ("poem", None, "POEM (who answered not recorded)"),
        ("recap", "proxy", "RECAP (parent)"), ("recap", "self", "RECAP (Mia)")]
    fig = charts.scores_figure(data["start"], data["end"], series=series)
    lines = _lines(fig)
    iso = lambda n: day(n).isoformat()  # noqa: E731
    assert lines == {
        "POEM (parent)": [(iso(20), 14.0), (iso(6), 14.0)],
        "POEM (Mia)": [(iso(13), 4.0), (iso(1), 4.0)],
        "POEM (who answered not recorded)": [(iso(27), 21.0)],
        "RECAP (parent)": [(iso(6), 7.0)],
        "RECAP (Mia)": [(iso(1), 0.0)],
    }
    # the POEM severity bands stay under every series: five grey bands over the whole 0-28 axis
    spans = [p for p in fig.axes[0].patches]
    assert len(spans) == len(charts.POEM_BANDS)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [*lines, "RECAP 8+ = not controlled"]
    # the report's chart is this one (its text is drawn as paths, so the figure is what can be read),
    # with its glyph and marker references drawn out for WeasyPrint since 1ed6b63 (charts.flat_svg)
    import base64

    svg = charts.scores_chart(data["start"], data["end"], series=series)
    assert base64.b64encode(charts.flat_svg(svg).encode()).decode() in report.report_html(data)


def test_an_adults_visit_report_keeps_one_line_per_instrument(engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, people.owner_pid)["code"])
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": SELF_POEM}, day(3))
        questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": PROXY_POEM}, day(10))
        old = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == people.owner_pid,
                                                            QuestionnaireResponse.answered_on == day(10))).one()
        old.respondent = None  # before 0017: still the adult's own answer, the same line
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 4)
    series = report.score_series(data)
    assert [(s["label"], [(d.isoformat(), t) for d, t in s["points"]]) for s in series] == [
        ("POEM", [(day(10).isoformat(), 14.0), (day(3).isoformat(), 4.0)])]
    assert _lines(charts.scores_figure(data["start"], data["end"], series=series)) == {
        "POEM": [(day(10).isoformat(), 14.0), (day(3).isoformat(), 4.0)]}


def test_the_clinic_page_and_the_report_say_who_answered_a_childs_scores(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The walk of the clinician's page and the visit report for Mia: the facts line said the parent
    "answers its questionnaires"; the Scores' "Answered by" read "the parent" beside "4 (self-reported)";
    the report's Latest scores gave only the newest POEM (Mia's 4), not the parent's 14 of 5 days before."""
    mia = _mia_with_both(engine, people, not_recorded=True)
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{mia}").text
    facts = re.sub(r"<[^>]+>", "", re.search(r'<p class="hint" id="patient-facts">(.*?)</p>', page, re.S).group(1))  # type: ignore[union-attr]
    assert "who answers its questionnaires" not in facts
    assert "a child's profile, kept by a parent (who logs its diary and enters its questionnaires; the Scores say " \
           "whether the child or the parent answered)" in facts
    table = page.split('aria-label="Scores"', 1)[1].split("</table>", 1)[0]
    rows = [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)] for tr in re.findall(r"<tr>(.*?)</tr>", table)]
    assert [(r[1], r[2], r[4]) for r in rows if r] == [
        ("POEM", "21", "not recorded (entered by the parent)"),
        ("POEM", "14 (parent-reported)", "the parent"),
        ("POEM", "4 (self-reported)", "Mia (entered by the parent)"),
        ("POEM", "14 (parent-reported)", "the parent"),
        ("RECAP", "7 (parent-reported)", "the parent"),
        ("POEM", "4 (self-reported)", "Mia (entered by the parent)"),
        ("RECAP", "0 (self-reported)", "Mia (entered by the parent)"),
    ]

    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, mia, 4)
    latest = report.report_html(data).split("<h2>Latest scores</h2>", 1)[1].split("</table>", 1)[0]
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
             for tr in re.findall(r"<tr>(.*?)</tr>", latest)]
    assert [(c[0], c[2], c[4]) for c in cells if c] == [
        ("POEM", "4 of 28 (self-reported)", "Mia (entered by the parent)"),
        ("POEM", "14 of 28 (parent-reported)", "the parent"),
        ("POEM", "21 of 28", "not recorded (entered by the parent)"),
        ("RECAP", "0 of 28 (self-reported)", "Mia (entered by the parent)"),
        ("RECAP", "7 of 28 (parent-reported)", "the parent"),
    ]
