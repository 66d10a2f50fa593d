"""A co-caregiver's severe POEM result sends them somewhere they can go (family walk, 2026-12-06).

Quinn helps keep Ivy's diary; only Ivy's managing parent requests appointments (a co-caregiver's
/appointments?patient= answers 404 like a stranger's). A severe POEM answered by Quinn said
"contact your clinic now: request an appointment", a link to that 404, at the moment it matters.
The page now names who can request one and says to call the clinic; the parent's page keeps the
link, and every link on both result pages opens for the one who reads it.
"""

from __future__ import annotations

import html
import re

from gutskin.clinic import accounts, caregivers
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _severe_poem(client, ivy: int, replacing: bool = False) -> str:  # type: ignore[no-untyped-def]
    """A severe POEM (28) answered on the page; ``replacing``: another caregiver answered today, so
    the page asks first (409, 6fcb9fe) and the answer is sent again with its confirmation."""
    page = client.get(f"/questionnaire/poem?patient={ivy}&respondent=proxy")  # the parent answers for Ivy
    assert page.status_code == 200
    data = {"csrf_token": _csrf(page.text), "respondent": "proxy", **{f"q{i}": "4" for i in range(7)}}
    r = client.post(f"/questionnaire/poem?patient={ivy}", data=data)
    if replacing:
        assert r.status_code == 409, r.status_code
        ok = re.search(r'name="replace_ok" value="(\d+)"', r.text).group(1)  # type: ignore[union-attr]
        r = client.post(f"/questionnaire/poem?patient={ivy}", data={**data, "replace_ok": ok})
    assert r.status_code == 200 and 'id="severe-guidance"' in r.text
    return r.text


def _links_open(client, text: str) -> None:  # type: ignore[no-untyped-def]
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    for href in {html.unescape(h) for h in re.findall(r'href="(/[^"]*)"', main)}:
        assert client.get(href).status_code == 200, href


def test_a_co_caregivers_severe_result_names_who_can_request_an_appointment(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        ivy = accounts.add_child_profile(s, people.owner, "Ivy", 2026).id
        code = caregivers.create_code(s, people.owner, ivy)["code"]
    with transaction(engine) as s:
        caregivers.redeem(s, people.stranger, code)

    login_page(client, "stranger@example.org")  # the co-caregiver
    text = _severe_poem(client, ivy)
    guidance = " ".join(html.unescape(text.split('id="severe-guidance"', 1)[1].split("</div>", 1)[0]).split())
    assert "/appointments" not in guidance
    assert "ask Owner, who manages Ivy's record, to request an urgent appointment" in guidance
    assert "contact Ivy's clinic now: call it if it cannot wait" in guidance
    _links_open(client, text)

    client.cookies.clear()
    login_page(client, "owner@example.org")  # the managing parent keeps the link
    text = _severe_poem(client, ivy, replacing=True)
    assert f'href="/appointments?patient={ivy}"' in text
    _links_open(client, text)
