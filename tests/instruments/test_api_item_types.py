"""The questionnaire API accepts and rejects items as the instruments do (docs/instruments.md):
an item is a JSON integer in range, null (unanswered) or, where the instrument's rule allows it,
a list of the options ticked. ``true``, ``"3"`` and ``3.0`` are not answers."""

from __future__ import annotations

import pytest

from tests.conftest import bearer


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("poem", [1, True, 0, 0, 1, 3, 4], "answers[1]: expected an integer 0-4 or null, got true"),
        ("poem", [1, 2, "3", 0, 1, 3, 4], "answers[2]: expected an integer 0-4 or null, got '3'"),
        ("recap", [1, 2, 0, 0, 1, 3, 4.0], "answers[6]: expected an integer 0-4 or null, got 4.0"),
        ("dlqi", [1, 2, 0, 0, 1, 3, 1, 1, False, 1], "answers[8]: expected an integer 0-3 or null, got false"),
        ("adct", [1, 2, 0, [0, 1], 1, 3], "answers[3]: expected an integer 0-4 or null, got a list"),
        ("poem", [1, 2, 0, 0, 1, 3, 5], "answers[6]: expected an integer 0-4 or null, got 5"),
    ],
)
def test_an_item_that_is_not_an_answer_is_refused_naming_it(client, people, instrument, answers, message) -> None:
    owner = bearer(client, "owner@example.org")
    r = client.post(f"/api/v1/me/questionnaires/{instrument}", json={"answers": answers}, headers=owner)
    assert r.status_code == 422, r.text
    assert message in r.text
    assert client.get("/api/v1/me/questionnaires", headers=owner).json() == []  # nothing stored


def test_ticked_options_and_unanswered_items_score_as_the_instruments_say(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    # POEM: two options ticked for item 2 -> the highest (3); one unanswered item scores 0
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [1, [2, 3], 0, None, 1, 3, 4]}, headers=owner)
    assert r.status_code == 201, r.text
    assert (r.json()["total"], r.json()["band"], r.json()["missing"]) == (12, "moderate", 1)
    # two unanswered: not scored, never 0
    r = client.post("/api/v1/me/questionnaires/recap", json={"answers": [1, None, 0, None, 1, 3, 4]}, headers=owner)
    assert r.status_code == 201 and r.json()["total"] is None and r.json()["band"] is None


@pytest.mark.parametrize(
    "body",
    [{"itch": True}, {"itch": "4"}, {"sleep_loss": 3.0}, {"poem": "7"}, {"poem": 7.0}, {"poscorad": "12.5"},
     {"poscorad": False}, {"flare": "yes"}, {"flare": 1}, {"factors": {"food.egg": True}}, {"factors": {"env.pollen": "12"}}],
)
def test_a_diary_day_takes_json_numbers_and_booleans_only(client, people, body) -> None:
    """The diary's scores are integers (itch and sleep NRS 0-10, POEM 0-28), PO-SCORAD a number,
    flare true/false, factors numbers, as in the CSV format, where "3.0" is refused: the API
    turned true into itch 1, "4" into 4 and "yes" into a flare."""
    owner = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/diary/2026-11-20", json=body, headers=owner)
    assert r.status_code == 422, r.text
    field = next(iter(body))
    assert field in r.json()["detail"]
    assert client.get("/api/v1/me/diary?start=2026-11-20&end=2026-11-20", headers=owner).json() == []


def test_a_diary_day_with_proper_json_is_stored(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    body = {"itch": 4, "sleep_loss": 0, "poem": 7, "poscorad": 12, "flare": False, "factors": {"env.pollen": 12.5, "food.egg": 1}}
    r = client.put("/api/v1/me/diary/2026-11-20", json=body, headers=owner)
    assert r.status_code == 200, r.text
    day = r.json()
    assert (day["itch"], day["sleep_loss"], day["poem"], day["poscorad"], day["flare"]) == (4, 0, 7, 12.0, False)
    assert day["factors"] == {"env.pollen": 12.5, "food.egg": 1.0}


def test_a_poem_replaced_by_one_not_scored_leaves_no_total_on_the_diary_day(client, people) -> None:
    """Answering the day's POEM again replaces it; when the new answer is not scored (two items
    unanswered) the diary day kept the replaced total (28), so the CSV export and the insights
    still said 28 while the day's only POEM answer had no score."""
    owner = bearer(client, "owner@example.org")
    day = "2026-11-20"
    diary = f"/api/v1/me/diary?start={day}&end={day}"
    assert client.post("/api/v1/me/questionnaires/poem", json={"answers": [4] * 7, "answered_on": day},
                       headers=owner).json()["total"] == 28
    assert [d["poem"] for d in client.get(diary, headers=owner).json()] == [28]
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": [None, None, 0, 0, 0, 0, 0], "answered_on": day},
                    headers=owner)
    assert r.status_code == 201 and r.json()["total"] is None
    assert [d["poem"] for d in client.get(diary, headers=owner).json()] == [None]
    # scored again: back on the day
    client.post("/api/v1/me/questionnaires/poem", json={"answers": [1] * 7, "answered_on": day}, headers=owner)
    assert [d["poem"] for d in client.get(diary, headers=owner).json()] == [7]


def test_a_factor_name_with_a_trailing_newline_is_not_a_factor(client, people) -> None:
    """`group.name` is matched whole: the pattern's "$" also matched before a final newline, so
    "food.egg\\n" was stored as a factor of its own, exported as a quoted header cell that the
    reader strips back to food.egg (a different factor on re-import)."""
    from gutskin.diary.csvio import diary_csv_text, DiaryRow
    from gutskin.diary.factors import parse_factor_name
    import datetime as dt

    with pytest.raises(ValueError, match=r"factor name 'food.egg\\n': expected 'group.name'"):
        parse_factor_name("food.egg\n")
    with pytest.raises(ValueError, match=r"factor name 'food.egg\\n'"):
        diary_csv_text([DiaryRow("p1", dt.date(2026, 11, 20))], ["food.egg\n"])
    owner = bearer(client, "owner@example.org")
    r = client.put("/api/v1/me/diary/2026-11-20", json={"factors": {"food.egg\n": 1}}, headers=owner)
    assert r.status_code == 422 and "factors.food.egg" in r.json()["detail"], r.text
