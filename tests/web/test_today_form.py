"""The diary form refuses bad values with a message naming the field, and stores nothing."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import bearer
from tests.safety.test_attacks import login_page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # named as the form labels them (the API's field paths, sleep_loss or factors.food.dairy, until session 8),
        # in the form's words since 2026-12-06 (web/pages/form_words.say: 'must be ..., not ...')
        ("itch", "abc", "Could not save: Worst itch: must be a whole number from 0 to 10, not 'abc'"),
        ("sleep_loss", "1.5", "Could not save: Sleep loss: must be a whole number from 0 to 10, not '1.5'"),
        ("itch", "11", "Could not save: Worst itch: must be a whole number from 0 to 10, not 11"),
        ("f:food.dairy", "lots", "Could not save: Dairy: must be a number, not 'lots'"),
        ("f:life.stress", "15", "Could not save: Stress: must be from 0 to 10, not 15"),
        ("f:food.kiwi", "x", "Could not save: Kiwi: must be a number, not 'x'"),
        ("custom_name", "!!!", "Could not save: Add your own factor: use letters or digits, e.g. tomato"),
        ("custom_name", "x" * 300, "Could not save: Add your own factor: at most 75 characters, this one has 300"),
        ("custom_value", "many", "Could not save: Add your own factor: must be a number, not 'many'"),
    ],
)
def test_bad_values_are_named_and_nothing_is_saved(client, people, field, value, message) -> None:
    login_page(client, "owner@example.org")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/today").text).group(1)
    data = {"csrf_token": csrf, "date": "2026-11-20", "itch": "4", "custom_name": "kiwi", field: value}
    r = client.post("/today", data=data, follow_redirects=False)
    assert r.status_code == 422, r.text
    shown = html.unescape(r.text)
    assert 'id="save-error"' in shown and message in shown  # the diary form again, with the reason
    assert 'class="card diary"' in shown and 'value="2026-11-20"' in shown
    if field != "itch":
        assert 'name="itch" id="itch" min="0" max="10" step="1" value="4"' in shown  # what was typed is kept
    diary = client.get("/api/v1/me/diary", headers=bearer(client, "owner@example.org")).json()
    assert isinstance(diary, list) and all(d["date"] != "2026-11-20" for d in diary)


class _BrowserForm:
    """What a browser submits for the diary form: named inputs, checked boxes only."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.data: dict[str, str] = {}
        form = html.split('class="card diary"', 1)[1].split("</form>", 1)[0]
        outer = self

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
                a = dict(attrs)
                if tag != "input" or "name" not in a:
                    return
                if a.get("type") == "checkbox" and "checked" not in a:
                    return
                outer.data[a["name"]] = a.get("value") or ""

        P().feed(form)


def test_saving_a_day_without_changes_keeps_it_exactly(client, people) -> None:
    """Opening an imported day and pressing Save changed pollen 0.9 to 1, emollient 2 to 1,
    dropped humidity and every explicit 0, and stored itch 0 for a day with no itch."""
    owner = bearer(client, "owner@example.org")
    day = {"itch": None, "sleep_loss": 3, "factors": {"env.pollen": 0.9, "treat.emollient": 2, "env.humidity": 55,
                                                      "env.temperature": -4.5, "food.dairy": 0, "food.egg": 1,
                                                      "life.stress": 6}}
    assert client.put("/api/v1/me/diary/2026-11-20", json=day, headers=owner).status_code == 200
    before = client.get("/api/v1/me/diary", headers=owner).json()
    login_page(client, "owner@example.org")
    form = _BrowserForm(client.get("/today?date=2026-11-20").text).data
    assert form.get("itch_unset") == "1" and "f:food.dairy" not in form and form["r:food.dairy"] == "1"
    r = client.post("/today", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = client.get("/api/v1/me/diary", headers=owner).json()
    assert after[0]["factors"] == before[0]["factors"] == {k: float(v) for k, v in day["factors"].items()}
    assert after[0]["itch"] is None and after[0]["sleep_loss"] == 3
    # unticking a recorded chip records "not today" (0); moving the slider records the score
    form = _BrowserForm(client.get("/today?date=2026-11-20").text).data
    form.pop("f:food.egg")
    form.pop("itch_unset")
    form["itch"] = "0"
    client.post("/today", data=form, follow_redirects=False)
    last = client.get("/api/v1/me/diary", headers=owner).json()[0]
    assert last["factors"]["food.egg"] == 0.0 and last["itch"] == 0


def test_a_future_day_is_not_offered_for_logging(client, people) -> None:
    login_page(client, "owner@example.org")
    r = client.get("/today?date=2999-01-01", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/today"


def test_a_refused_save_keeps_everything_for_the_next_save(client, people) -> None:
    """After an error the form came back without the day's recorded zeros and without the field
    that was wrong: the next save wiped them. An unrecorded flare became "no flare" on a save."""
    owner = bearer(client, "owner@example.org")
    day = {"itch": 5, "factors": {"food.dairy": 0, "env.dust": 0, "env.temperature": 23.0, "life.stress": 3.5}}
    assert client.put("/api/v1/me/diary/2026-11-21", json=day, headers=owner).status_code == 200
    before = client.get("/api/v1/me/diary", headers=owner).json()[0]
    login_page(client, "owner@example.org")
    form = _BrowserForm(client.get("/today?date=2026-11-21").text).data
    assert "flare_recorded" not in form and form["f:life.stress"] == "3.5"
    bad = dict(form, **{"f:env.temperature": "abc", "custom_name": "Café latte!"})
    r = client.post("/today", data=bad)
    assert r.status_code == 422
    again = _BrowserForm(r.text).data
    assert again["f:env.temperature"] == "23" and again["custom_name"] == "Café latte!"
    assert again["r:food.dairy"] == again["r:env.dust"] == "1"
    ok = client.post("/today", data=again, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    after = client.get("/api/v1/me/diary", headers=owner).json()[0]
    assert after["factors"] == {**before["factors"], "food.cafe_latte": 1.0}
    assert after["flare"] is None and after["itch"] == 5


def test_a_new_day_saved_on_the_page_without_the_flare_box_records_no_flare(client, people) -> None:
    """The diary page's 'Flare today' box left unticked on a new day stored 'not recorded', so a diary
    kept on the page recorded flares only on flare days: the visit report read '1 flare day(s) among
    the 1 logged days that recorded flares' for a week with one flare (new-user walk, 2026-12-07)."""
    owner = bearer(client, "owner@example.org")
    login_page(client, "owner@example.org")
    for day, flare in (("2026-11-17", False), ("2026-11-18", True)):
        form = _BrowserForm(client.get(f"/today?date={day}").text).data
        assert form.get("flare_recorded") == "1"  # a new day: the box asks the question
        form.pop("itch_unset", None)
        form["itch"] = "7" if flare else "2"
        if flare:
            form["flare"] = "1"
        assert client.post("/today", data=form, follow_redirects=False).status_code == 303
    stored = {d["date"]: d["flare"] for d in client.get("/api/v1/me/diary", headers=owner).json()}
    assert stored == {"2026-11-17": False, "2026-11-18": True}
    # a day stored without a flare answer (the API, an import) keeps it unrecorded when saved unchanged
    assert client.put("/api/v1/me/diary/2026-11-16", json={"itch": 3}, headers=owner).status_code == 200
    form = _BrowserForm(client.get("/today?date=2026-11-16").text).data
    assert "flare_recorded" not in form
    assert client.post("/today", data=form, follow_redirects=False).status_code == 303
    day = [d for d in client.get("/api/v1/me/diary", headers=owner).json() if d["date"] == "2026-11-16"][0]
    assert day["flare"] is None and day["itch"] == 3
