"""Odd answers through the API and the CLI (instrument walk, 2026-12-07): a questionnaire dated
after the week it asks about or before the person was born, a key given twice in the API body,
and CLI input Python's json cannot turn into values (a 5,000-digit number, arrays nested 100,000
deep). Each is refused with one message naming the field, and nothing is stored."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from gutskin.cli import app
from tests.conftest import bearer

ANSWERS = [4, 2, 0, 1, 3, 2, 4]  # POEM 16


def _nothing_stored(client, headers, pid_query: str = "") -> None:
    assert client.get(f"/api/v1/me/questionnaires{pid_query}", headers=headers).json() == []


def test_a_poem_dated_in_the_future_is_refused_and_puts_nothing_on_the_diary(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    later = dt.date.today() + dt.timedelta(days=30)  # worked out when the test runs
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": ANSWERS, "answered_on": later.isoformat()},
                    headers=owner)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"answered_on: {later.isoformat()} is in the future")
    _nothing_stored(client, owner)
    # the POEM total went on the future diary day, which the diary itself refuses to log
    days = client.get(f"/api/v1/me/diary?start={later.isoformat()}&end={later.isoformat()}", headers=owner).json()
    assert days == []
    # a day of the past week is still answered
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    r = client.post("/api/v1/me/questionnaires/poem", json={"answers": ANSWERS, "answered_on": past}, headers=owner)
    assert r.status_code == 201 and (r.json()["total"], r.json()["answered_on"]) == (16, past)


def test_a_questionnaire_dated_before_the_birth_year_is_refused(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    child = client.post("/api/v1/me/children", json={"display_name": "Mia", "birth_year": 2019}, headers=owner).json()
    q = f"?patient_id={child['patient_id']}"
    r = client.post(f"/api/v1/me/questionnaires/poem{q}", json={"answers": ANSWERS, "answered_on": "2018-06-01"},
                    headers=owner)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "answered_on: 2018-06-01 is before this profile's birth year 2019"
    _nothing_stored(client, owner, q)
    r = client.post(f"/api/v1/me/questionnaires/poem{q}", json={"answers": ANSWERS, "answered_on": "2019-06-01",
                                                                 "respondent": "proxy"},
                    headers=owner)
    assert r.status_code == 201, r.text


def test_an_api_body_giving_answers_twice_is_refused_as_the_cli_refuses_it(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    body = '{"answers": [4, 4, 4, 4, 4, 4, 4], "answers": [0, 0, 0, 0, 0, 0, 0]}'
    r = client.post("/api/v1/me/questionnaires/poem", content=body.encode(),
                    headers={**owner, "content-type": "application/json"})
    assert r.status_code == 422, r.text  # was 201 with total 0: the second list silently won
    assert r.json()["detail"] == "answers: the key appears twice in one JSON object; keep one"
    _nothing_stored(client, owner)
    # twice inside a nested object as well (the CLI's rule, any depth)
    body = '{"answers": [4, 2, 0, 1, 3, 2, 4], "answered_on": "2026-11-20", "answered_on": "2026-11-21"}'
    r = client.post("/api/v1/me/questionnaires/poem", content=body.encode(),
                    headers={**owner, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"].startswith("answered_on: the key appears twice")
    _nothing_stored(client, owner)


def test_cli_input_json_cannot_hold_is_one_line_naming_the_input() -> None:
    runner = CliRunner()
    huge = '{"answers": [1, 2, 0, 0, 1, 3, ' + "9" * 5000 + "]}"
    deep = '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}"
    for text, words in ((huge, "has too many digits"), (deep, "nested too deeply")):
        r = runner.invoke(app, ["score", "poem", "--input", "-"], input=text)
        assert r.exit_code == 2, (r.exit_code, r.output[-300:])  # was a traceback (exit 1)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: input: ") and words in lines[0], lines
    # the same payload with a sane number is scored
    r = runner.invoke(app, ["score", "poem", "--input", "-"], input=json.dumps({"answers": ANSWERS}))
    assert r.exit_code == 0 and json.loads(r.stdout)["total"] == 16


def test_a_clinicians_scorad_giving_a_key_twice_is_refused(client, people) -> None:
    url = f"/api/v1/patients/{people.owner_pid}/assessments/scorad"
    linked = bearer(client, "linked@clinic.example.org")
    signs = '{"erythema": 2, "oedema_papulation": 1, "oozing_crusting": 1, "excoriation": 2, "lichenification": 0, "dryness": 1}'
    body = '{"extent_percent": 30, "extent_percent": 90, "intensity": ' + signs + ', "itch": 6, "sleep_loss": 4}'
    r = client.post(url, content=body.encode(), headers={**linked, "content-type": "application/json"})
    assert r.status_code == 422, r.text  # was 201 with the second extent (SCORAD 52.5 instead of 40.5)
    assert r.json()["detail"] == "extent_percent: the key appears twice in one JSON object; keep one"
    assert client.get(f"/api/v1/patients/{people.owner_pid}/assessments", headers=linked).json() == []
    # the same examination given once is recorded (the worked example: 40.5)
    r = client.post(url, content=body.replace('"extent_percent": 90, ', "").encode(),
                    headers={**linked, "content-type": "application/json"})
    assert r.status_code == 201 and r.json()["total"] == 40.5, r.text
