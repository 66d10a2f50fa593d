"""Who answered a questionnaire on a child's profile (2026-12-07, migration 0017): the child
themselves (a self-report: a 10-year-old filling in POEM on the parent's phone) or the parent for the
child (a proxy report, the instrument's caregiver version). Before, every answer on a child's profile
was stored as the caregiver's with nothing saying which, and the POEM form always asked the proxy
wording. Now ``respondent`` ('self' | 'proxy') is recorded: one's own profile 'self'; a child's
profile the choice for POEM and RECAP (self-report and proxy versions; the page always asks, an
API call without it is stored as not recorded), 'self' for the
self-report-only CDLQI, DLQI and ADCT ('proxy' refused naming the field), 'self' refused for a child
certainly under 4. The API takes and returns ``respondent``, the form asks "Who is answering?" and
words the questions of that version, the clinician's page and the visit report say "(parent-reported)"
or "(self-reported)", and the FHIR QuestionnaireResponse's ``source`` is the Patient or the
RelatedPerson, read back by the import. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from gutskin.clinic import accounts, caregivers, questionnaires, reports, sharing
from gutskin.clinic.errors import InvalidInput
from gutskin.store.db import transaction
from gutskin.store.models import QuestionnaireResponse
from tests.conftest import bearer
from tests.safety.test_attacks import login_page

TODAY = dt.date.today()
POEM = [1, 2, 0, 0, 1, 3, 4]  # 11
CDLQI = [1] * 10


def _stored(engine, pid: int) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {q.instrument: q.respondent for q in s.scalars(select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == pid))}


def _child(engine, people, name: str = "Mia", age: int = 10) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return accounts.add_child_profile(s, people.owner, name, birth_year=TODAY.year - age).id


def test_the_service_records_who_answered_and_refuses_a_proxy_self_report(engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _child(engine, people)
    ivy = _child(engine, people, "Ivy", age=1)
    with transaction(engine) as s:  # one's own profile: the person answers ('self', the default)
        out = questionnaires.submit(s, people.owner, people.owner_pid, "poem", {"answers": POEM})
        assert out["respondent"] == "self"
    with transaction(engine) as s, pytest.raises(InvalidInput, match=r"^respondent: 'proxy' is for a child's profile"):
        questionnaires.submit(s, people.owner, people.owner_pid, "recap", {"answers": POEM}, respondent="proxy")
    # a child's profile: POEM has a self-report and a proxy version; without the choice nothing is
    # guessed (not recorded, as before 0017), and the answer is replaced by the chosen one below
    with transaction(engine) as s:
        assert questionnaires.submit(s, people.owner, mia, "poem", {"answers": POEM})["respondent"] is None
    assert _stored(engine, mia) == {"poem": None}
    with transaction(engine) as s, pytest.raises(InvalidInput, match=r"^respondent: expected 'self'"):
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": POEM}, respondent="parent")
    with transaction(engine) as s:
        assert questionnaires.submit(s, people.owner, mia, "poem", {"answers": POEM}, respondent="self")["respondent"] == "self"
        assert questionnaires.submit(s, people.owner, mia, "recap", {"answers": POEM}, respondent="proxy")["respondent"] == "proxy"
        # CDLQI is completed by the child: 'self' without asking
        assert questionnaires.submit(s, people.owner, mia, "cdlqi", {"answers": CDLQI})["respondent"] == "self"
    with transaction(engine) as s, pytest.raises(InvalidInput, match=r"^respondent: CDLQI is a self-report, completed by the child"):
        questionnaires.submit(s, people.owner, mia, "cdlqi", {"answers": CDLQI}, TODAY - dt.timedelta(days=1), respondent="proxy")
    # a one-year-old does not answer POEM themselves (ages.py's birth-year rule: certainly under 4)
    with transaction(engine) as s, pytest.raises(InvalidInput, match=r"^respondent: this profile, born in .*too young to answer POEM"):
        questionnaires.submit(s, people.owner, ivy, "poem", {"answers": POEM}, respondent="self")
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, ivy, "poem", {"answers": POEM}, respondent="proxy")
    assert _stored(engine, people.owner_pid) == {"poem": "self"}
    assert _stored(engine, mia) == {"poem": "self", "recap": "proxy", "cdlqi": "self"}
    assert _stored(engine, ivy) == {"poem": "proxy"}
    with transaction(engine) as s:  # the history says it too (the API's and the clinic's)
        assert {(r["instrument"], r["respondent"]) for r in questionnaires.history(s, people.owner, mia)} == {
            ("poem", "self"), ("recap", "proxy"), ("cdlqi", "self")}


def test_the_api_takes_and_returns_respondent(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _child(engine, people)
    owner = bearer(client, "owner@example.org")
    url = f"/api/v1/me/questionnaires/poem?patient_id={mia}"
    r = client.post(url, json={"answers": POEM}, headers=owner)  # a client written before 0017 keeps working
    assert r.status_code == 201 and r.json()["respondent"] is None, r.text
    r = client.post(url, json={"answers": POEM, "respondent": "proxy"}, headers=owner)
    assert r.status_code == 201 and r.json()["respondent"] == "proxy" and r.json()["total"] == 11
    r = client.post(f"/api/v1/me/questionnaires/cdlqi?patient_id={mia}", json={"answers": CDLQI, "respondent": "proxy"},
                    headers=owner)
    assert r.status_code == 422 and "respondent: CDLQI is a self-report" in r.json()["detail"]
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": POEM}, headers=owner)  # own profile: self
    assert r.status_code == 201 and r.json()["respondent"] == "self"
    got = client.get(f"/api/v1/me/questionnaires?patient_id={mia}", headers=owner).json()
    assert [(q["instrument"], q["respondent"]) for q in got] == [("poem", "proxy")]
    assert _stored(engine, mia) == {"poem": "proxy"}
    archive = client.get("/api/v1/me/export.json", headers=owner).json()  # the person's archive says it, and what it means
    assert "proxy (a parent or caregiver answering for the child)" in archive["legend"]["respondent"]
    assert {p["name"]: [q["respondent"] for q in p["questionnaires"]] for p in archive["patients"]} == {
        "Owner": ["self"], "Mia": ["proxy"]}


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_the_form_asks_who_is_answering_and_words_that_version(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    mia = _child(engine, people)
    login_page(client, "owner@example.org")
    first = html.unescape(client.get(f"/questionnaire/poem?patient={mia}").text)
    assert "Who is answering?" in first and 'name="respondent" value="self"' in first and 'value="proxy"' in first
    assert "I am answering for Mia" in first and 'name="q0"' not in first  # no questions before the choice
    proxy = html.unescape(client.get(f"/questionnaire/poem?patient={mia}&respondent=proxy").text)
    assert "has your child's skin been" in proxy and 'name="respondent" value="proxy"' in proxy and 'name="q0"' in proxy
    assert "You are answering for Mia (the parent's version)" in re.sub(r"<[^>]+>", "", proxy)
    own = html.unescape(client.get(f"/questionnaire/poem?patient={mia}&respondent=self").text)
    assert "has your skin been" in own and "your child" not in own and 'name="respondent" value="self"' in own
    csrf = _csrf(first)
    answers = {f"q{i}": str(a) for i, a in enumerate(POEM)}
    r = client.post(f"/questionnaire/poem?patient={mia}", data={"csrf_token": csrf, **answers})  # no choice: asked
    assert r.status_code == 422 and "Who is answering?" in html.unescape(r.text) and _stored(engine, mia) == {}
    r = client.post(f"/questionnaire/poem?patient={mia}", data={"csrf_token": csrf, **answers, "respondent": "self"})
    assert r.status_code == 200 and "Score <strong>11</strong>" in r.text
    assert _stored(engine, mia) == {"poem": "self"}
    r = client.post(f"/questionnaire/poem?patient={mia}", data={"csrf_token": csrf, **answers, "respondent": "proxy"})
    assert r.status_code == 200 and _stored(engine, mia) == {"poem": "proxy"}  # the day's answer, corrected
    # one's own profile: no question, the person answers
    assert "Who is answering?" not in client.get("/questionnaire/poem").text
    assert client.post("/questionnaire/poem", data={"csrf_token": csrf, **answers}).status_code == 200
    assert _stored(engine, people.owner_pid) == {"poem": "self"}


def test_a_self_report_of_a_toddler_is_asked_again(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    ivy = _child(engine, people, "Ivy", age=1)
    login_page(client, "owner@example.org")
    csrf = _csrf(client.get(f"/questionnaire/poem?patient={ivy}").text)
    r = client.post(f"/questionnaire/poem?patient={ivy}",
                    data={"csrf_token": csrf, **{f"q{i}": "1" for i in range(7)}, "respondent": "self"})
    text = html.unescape(r.text)
    assert r.status_code == 422 and "too young to answer POEM themselves" in text and 'name="respondent" value="proxy"' in text
    assert 'aria-describedby="questionnaire-error"' in text and _stored(engine, ivy) == {}


def test_the_clinic_page_the_report_and_fhir_say_who_answered(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    import io

    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import export_bundle, import_bundle

    mia = _child(engine, people)
    with transaction(engine) as s:
        sharing.accept_invite(s, people.clinician, sharing.create_invite(s, people.owner, mia)["code"])
        code = caregivers.create_code(s, people.owner, mia)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)  # the other parent keeps Mia's diary too
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": POEM}, TODAY - dt.timedelta(days=3), respondent="proxy")
        questionnaires.submit(s, people.owner, mia, "cdlqi", {"answers": CDLQI}, TODAY - dt.timedelta(days=2))
        questionnaires.submit(s, people.stranger, mia, "recap", {"answers": [2] * 7}, TODAY - dt.timedelta(days=2),
                              respondent="proxy")
        questionnaires.submit(s, people.owner, mia, "poem", {"answers": [0] * 7}, TODAY - dt.timedelta(days=10),
                              respondent="self")
        old = s.scalars(select(QuestionnaireResponse).where(QuestionnaireResponse.answered_on == TODAY - dt.timedelta(days=10))).one()
        old.respondent = None  # answered before 0017: not recorded
    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{mia}").text
    table = page.split('aria-label="Scores"', 1)[1].split("</table>", 1)[0]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<td class="score">(.*?)</td>', table)]
    assert cells == ["0", "11 (parent-reported)", "10 (self-reported)", "14 (caregiver-reported)"], cells

    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, mia, 12)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.render_pdf(data))).pages).split())
    assert "POEM" in text and "11 of 28 (parent-reported)" in text and "10 of 30 (self-reported)" in text, text[:3000]

    with transaction(engine) as s:
        bundle = export_bundle(s, people.owner, mia)
    entries = [e for e in bundle["entry"]]
    urls = {e["resource"]["resourceType"]: e["fullUrl"] for e in entries if e["resource"]["resourceType"] == "Patient"}
    related = {e["fullUrl"]: e["resource"] for e in entries if e["resource"]["resourceType"] == "RelatedPerson"}
    parent = next(u for u, r in related.items() if any(c.get("code") == "PRN" for rel in r["relationship"]
                                                         for c in rel.get("coding") or []))
    other = next(u for u in related if u != parent)
    qrs = {(e["resource"]["questionnaire"].split("|")[0].rsplit("/", 1)[1], e["resource"]["authored"]): e["resource"]
           for e in entries if e["resource"]["resourceType"] == "QuestionnaireResponse"}
    day = lambda n: (TODAY - dt.timedelta(days=n)).isoformat()  # noqa: E731
    assert qrs[("poem", day(3))]["source"] == {"reference": parent} == qrs[("poem", day(3))]["author"]
    assert qrs[("cdlqi", day(2))]["source"] == {"reference": urls["Patient"]}  # Mia answered, on her parent's phone
    assert qrs[("cdlqi", day(2))]["author"] == {"reference": parent}
    assert qrs[("recap", day(2))]["source"] == {"reference": other} == qrs[("recap", day(2))]["author"]
    assert "source" not in qrs[("poem", day(10))] and qrs[("poem", day(10))]["author"] == {"reference": parent}

    import_bundle(engine, SYSTEM, bundle, patient_ref="p-mia-copy")  # the round trip keeps who answered
    with transaction(engine) as s:
        from gutskin.store.models import Patient

        copy = s.scalars(select(Patient).where(Patient.external_id == "p-mia-copy")).one().id
        got = {(q.instrument, q.answered_on.isoformat(), q.author_role, q.respondent) for q in s.scalars(
            select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == copy))}
    assert got == {("poem", day(3), "caregiver", "proxy"), ("cdlqi", day(2), "caregiver", "self"),
                   ("recap", day(2), "co_caregiver", "proxy"), ("poem", day(10), "caregiver", None)}


def test_the_import_refuses_a_proxy_cdlqi(engine, people) -> None:  # type: ignore[no-untyped-def]
    from gutskin.clinic.actors import SYSTEM
    from gutskin.clinic.fhir import export_bundle, import_bundle

    mia = _child(engine, people)
    with transaction(engine) as s:
        questionnaires.submit(s, people.owner, mia, "cdlqi", {"answers": CDLQI}, TODAY - dt.timedelta(days=2))
        bundle = export_bundle(s, people.owner, mia)
    qr = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    qr["source"] = qr["author"]  # the parent's RelatedPerson said to have answered the child's CDLQI
    with pytest.raises(InvalidInput, match=r"source\.reference: a RelatedPerson answered CDLQI, a self-report"):
        import_bundle(engine, SYSTEM, bundle, patient_ref="p-mia-copy")
