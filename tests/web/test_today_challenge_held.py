"""The diary page says a challenge step is held when the day just saved holds it (2026-12-07).

e278057 holds the next dose of a food challenge when a day in a dose's observation window records a
flare (a late reaction) and alerts the clinic; but a patient who logged the flare on the diary page
read only "Saved." there: the hold and what to do were on the *Challenge* page alone. The page after
the save now shows the held step's words with a link to the Challenge page; a day without a
worsening shows no such line."""

from __future__ import annotations

import html
import re

from tests.challenges.test_late_reaction_alerts import TODAY, _after_step_one
from tests.safety.test_attacks import login_page


def _save(client, **fields: str) -> str:  # type: ignore[no-untyped-def]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/today").text).group(1)
    r = client.post("/today", data={"csrf_token": csrf, "date": TODAY.isoformat(), "flare_recorded": "1", **fields})
    assert r.status_code == 200 and 'id="saved-msg"' in r.text, r.text[:500]
    return html.unescape(r.text)


def _held_lines(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'(?s)<p class="warning challenge-held"[^>]*>(.*?)</p>', page)]


def test_a_flare_saved_on_the_diary_page_says_the_next_step_is_held(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    _after_step_one(engine, people.clinician, people.owner, people.owner_pid)
    login_page(client, "owner@example.org")
    assert _held_lines(_save(client, itch="3")) == []  # no flare, no rise: step 2 goes on as planned

    page = _save(client, itch="3", flare="1")
    [line] = _held_lines(page)
    assert "Step 2 (1/2 cooked egg) is on hold" in line and "your clinic has been alerted" in line, line
    assert 'href="/challenges">Open Challenge</a>' in page


def test_a_save_without_a_challenge_reads_no_steps(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    """The check is not a read of challenge steps for someone with none running (no audit row per diary save)."""
    from sqlalchemy import func, select

    from gutskin.store.db import transaction
    from gutskin.store.models import AuditEvent

    login_page(client, "owner@example.org")
    assert _held_lines(_save(client, itch="8", flare="1")) == []
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "challenge_steps")) == 0
