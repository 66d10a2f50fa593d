"""Two caregivers answer the same child's POEM on one day (family walk, 2026-12-06).

One answer per instrument and day is kept (a reload or double click is a correction). But when
Ivy's co-caregiver had answered POEM (21, severe) and the parent then answered it too, the
parent's answer silently replaced the co-caregiver's: their week's account was gone, nobody was
told, and the access log read "You changed a questionnaire". Now an answer of that day by another
account is replaced only after the person is told whose it is and scores again (page: 409 with the
answers kept; API: 409, then ``?replace=<id>``); one's own answer is still simply replaced.
"""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from gutskin.clinic import accounts, caregivers
from gutskin.store.db import transaction
from gutskin.store.models import QuestionnaireResponse
from tests.conftest import bearer
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _poems(engine, pid: int) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(r.total, r.author_role) for r in s.scalars(select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == pid, QuestionnaireResponse.instrument == "poem"))]


def _answer(client, ivy: int, value: str, extra: dict | None = None):  # type: ignore[no-untyped-def]
    page = client.get(f"/questionnaire/poem?patient={ivy}&respondent=proxy")  # the parent answers for Ivy
    return client.post(f"/questionnaire/poem?patient={ivy}",
                       data={"csrf_token": _csrf(page.text), "respondent": "proxy", **{f"q{i}": value for i in range(7)},
                             **(extra or {})})


def test_the_other_caregivers_poem_of_the_day_is_replaced_only_when_asked(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ivy = accounts.add_child_profile(s, people.owner, "Ivy", 2026).id
        code = caregivers.create_code(s, people.owner, ivy)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)

    login_page(client, "stranger@example.org")  # the co-caregiver answers first
    assert _answer(client, ivy, "3").status_code == 200
    assert _poems(engine, ivy) == [(21, "co_caregiver")]

    client.cookies.clear()
    login_page(client, "owner@example.org")
    asked = _answer(client, ivy, "1")
    text = html.unescape(asked.text)
    assert asked.status_code == 409 and "Another caregiver already answered POEM for" in text and "(score 21)" in text
    assert len(re.findall(r'value="1" checked', asked.text)) == 7  # the parent's answers are kept on the form
    assert _poems(engine, ivy) == [(21, "co_caregiver")]  # nothing replaced yet
    replace_ok = re.search(r'name="replace_ok" value="(\d+)"', asked.text).group(1)  # type: ignore[union-attr]
    done = _answer(client, ivy, "1", {"replace_ok": replace_ok})
    assert done.status_code == 200 and "Score <strong>7</strong>" in done.text
    assert _poems(engine, ivy) == [(7, "caregiver")]
    assert _answer(client, ivy, "2").status_code == 200  # one's own answer of the day: replaced as before
    assert _poems(engine, ivy) == [(14, "caregiver")]

    b = bearer(client, "stranger@example.org")  # the API asks the same way
    body = {"answers": [0] * 7, "respondent": "proxy"}
    refused = client.post(f"/api/v1/me/questionnaires/poem?patient_id={ivy}", json=body, headers=b)
    assert refused.status_code == 409 and "The child's parent already answered POEM" in refused.json()["detail"]
    with transaction(engine) as s:
        row_id = s.scalar(select(QuestionnaireResponse.id).where(QuestionnaireResponse.patient_id == ivy))
    ok = client.post(f"/api/v1/me/questionnaires/poem?patient_id={ivy}&replace={row_id}", json=body, headers=b)
    assert ok.status_code == 201 and _poems(engine, ivy) == [(0, "co_caregiver")]
