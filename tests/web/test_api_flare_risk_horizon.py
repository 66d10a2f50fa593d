"""The API's flare risk carries its horizon: /api/v1/me/insights and the clinician's
/api/v1/patients/{id}/insights give forecast.horizon_days (and sleep_forecast's) next to
flare_risk, the number of days after forecast.origin the chance is over. Found in the wording
review of 2026-12-06: the JSON behind the page gave "flare_risk": 0.161 with no horizon (the page
says "in the next week", the PDF "in the next 7 days"); an app built on the API had to count the
days list and guess."""

from __future__ import annotations

import datetime as dt

from tests.conftest import bearer


def test_the_flare_risk_says_over_how_many_days(client, people) -> None:
    owner = bearer(client, "owner@example.org")
    start = dt.date.today() - dt.timedelta(days=29)
    for i in range(30):
        day = (start + dt.timedelta(days=i)).isoformat()
        r = client.put(f"/api/v1/me/diary/{day}", json={"itch": 2 + 5 * (i % 3 == 0), "sleep_loss": 1 + (i % 4)},
                       headers=owner)
        assert r.status_code == 200, r.text
    mine = client.get("/api/v1/me/insights?wait=20", headers=owner).json()
    assert mine["status"] == "ready", mine
    theirs = client.get(f"/api/v1/patients/{people.owner_pid}/insights?wait=20",
                        headers=bearer(client, "linked@clinic.example.org")).json()
    for body in (mine, theirs):
        for key in ("forecast", "sleep_forecast"):
            f = body[key]
            assert f["horizon_days"] == len(f["days"]) == 7, (key, f.keys())
            first, last = (dt.date.fromisoformat(f["days"][i]["date"]) for i in (0, -1))
            origin = dt.date.fromisoformat(f["origin"])
            assert (first - origin).days == 1 and (last - origin).days == f["horizon_days"]
            assert 0.0 <= f["flare_risk"] <= 1.0
