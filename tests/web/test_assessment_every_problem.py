"""The clinician's EASI and SCORAD forms say every problem of a refused Save at once (2026-12-07): they
refused one field per Save, so a form with three wrong fields took three round trips. Now a list at the top
names each problem and links to its field, each field is marked invalid and described by its own message
next to it, and everything typed is kept (GOV.UK's error summary pattern)."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import func, select

from gutskin.store.db import transaction
from gutskin.store.models import QuestionnaireResponse
from tests.safety.test_attacks import login_page
from tests.web.test_clinic_assessments import EASI_REGIONS, SCORAD, _born, _csrf, _easi_form, _today


def _control(page: str, name: str) -> str:
    m = re.search(r'<(?:input|select)[^>]*\bname="' + re.escape(name) + r'"[^>]*>', page)
    assert m, name
    return m.group(0)


def _summary(page: str, form: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="error-summary" id="' + form + r'-error" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert box, page[-3000:]
    return [(href, html.unescape(text)) for href, text in re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box.group(1))]


def _tied(page: str, name: str, field_id: str) -> str:
    """The field is invalid, described by a message element next to it; returns that message."""
    control = _control(page, name)
    assert f'id="{field_id}"' in control and 'aria-invalid="true"' in control, control
    described = re.search(r'aria-describedby="([^"]+)"', control)
    assert described, control
    msg = re.search(r'<span class="error-message" id="' + re.escape(described.group(1)) + r'">(.*?)</span>', page)
    assert msg, described.group(1)
    return html.unescape(msg.group(1))


def test_easi_says_every_problem_at_once(client, engine, people) -> None:
    today = _today(engine, people.owner_pid)
    _born(engine, people.owner_pid, today.year - 40)
    login_page(client, "linked@clinic.example.org")
    url = f"/clinic/patients/{people.owner_pid}"
    data = {**_easi_form(EASI_REGIONS), "regions.trunk.area_percent": "101", "regions.head_neck.erythema": "0.5",
            "regions.lower_limbs.excoriation": "", "assessed_on": (today + dt.timedelta(days=2)).isoformat(),
            "csrf_token": _csrf(client.get(url).text)}
    r = client.post(f"{url}/assessments/easi", data=data, follow_redirects=False)
    assert r.status_code == 422
    listed = _summary(r.text, "easi")
    assert [href for href, _ in listed] == ["easi-assessed_on", "easi-regions-head_neck-erythema",
                                            "easi-regions-trunk-area_percent", "easi-regions-lower_limbs-excoriation"]
    assert listed[0][1].startswith("Date of the visit: ") and "in the future" in listed[0][1]
    assert listed[1][1].startswith("Head and neck, erythema: ")
    assert listed[2][1].startswith("Trunk, area affected (%): must be a number from 0 to 100, not 101")
    assert listed[3][1] == "Lower limbs, excoriation: not graded (choose a grade)"
    for (href, text), name in zip(listed, ("assessed_on", "regions.head_neck.erythema", "regions.trunk.area_percent",
                                           "regions.lower_limbs.excoriation")):
        assert _tied(r.text, name, href) == text
    # the fields without a problem are not marked; what was typed is kept
    assert "aria-invalid" not in _control(r.text, "regions.upper_limbs.area_percent")
    assert 'value="101"' in _control(r.text, "regions.trunk.area_percent")
    kept = re.search(r'<select name="regions.lower_limbs.induration"[^>]*>.*?</select>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert '<option value="2" selected>' in kept
    assert '<details open><summary>Record EASI</summary>' in r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(QuestionnaireResponse)) == 0
    # put right, it is saved
    data.update({"regions.trunk.area_percent": "5", "regions.head_neck.erythema": "2", "regions.lower_limbs.excoriation": "2",
                 "assessed_on": today.isoformat(), "csrf_token": _csrf(client.get(url).text)})
    assert client.post(f"{url}/assessments/easi", data=data, follow_redirects=False).status_code == 303


def test_easi_age_problem_comes_with_the_others(client, engine, people) -> None:
    """The profile gives no birth year: the missing age is said with the grades' problems, not after them."""
    _born(engine, people.owner_pid, None)
    login_page(client, "linked@clinic.example.org")
    url = f"/clinic/patients/{people.owner_pid}"
    data = {**_easi_form(EASI_REGIONS), "regions.trunk.erythema": "", "csrf_token": _csrf(client.get(url).text)}
    r = client.post(f"{url}/assessments/easi", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert [href for href, _ in _summary(r.text, "easi")] == ["easi-regions-trunk-erythema", "easi-age_years"]
    assert _tied(r.text, "age_years", "easi-age_years").startswith("Age in years: the profile gives no birth year")


def test_scorad_says_every_problem_at_once(client, engine, people) -> None:
    login_page(client, "linked@clinic.example.org")
    url = f"/clinic/patients/{people.owner_pid}"
    data = {"extent_percent": "130", "itch": "11", "sleep_loss": "4", "csrf_token": _csrf(client.get(url).text),
            **{f"intensity.{k}": str(v) for k, v in SCORAD["intensity"].items() if k != "dryness"}}
    r = client.post(f"{url}/assessments/scorad", data=data, follow_redirects=False)
    assert r.status_code == 422
    listed = _summary(r.text, "scorad")
    assert listed == [("scorad-extent_percent", "Extent (%): must be a number from 0 to 100, not 130"),
                      ("scorad-intensity-dryness", "Dryness: not graded (choose a grade)"),
                      ("scorad-itch", "Itch, last 3 days: must be a number from 0 to 10, not 11")]
    for href, text in listed:
        name = href[len("scorad-"):].replace("-", ".")
        assert _tied(r.text, name, href) == text
    assert "aria-invalid" not in _control(r.text, "sleep_loss") and 'value="4"' in _control(r.text, "sleep_loss")
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(QuestionnaireResponse)) == 0


def test_a_stranger_clinician_learns_nothing_from_a_bad_form(client, engine, people) -> None:
    """Checked after the clinician may read the profile: an unlinked one gets 404, not the problems."""
    login_page(client, "unlinked@clinic.example.org")
    page = client.get("/clinic").text
    r = client.post(f"/clinic/patients/{people.owner_pid}/assessments/scorad",
                    data={"extent_percent": "130", "csrf_token": _csrf(page)}, follow_redirects=False)
    assert r.status_code == 404 and "error-summary" not in r.text
