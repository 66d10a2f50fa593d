"""A patient who has not logged anything yet counts as silent since they shared their record
with the clinician, not as three weeks silent: linked a minute ago, they no longer outrank a
patient with moderate eczema; silent for three weeks since linking, they rise as before."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gutskin.clinic import diary, sharing, summary
from gutskin.store.db import transaction
from gutskin.store.models import Consent


def test_a_never_logged_patient_rises_from_the_day_they_shared(engine, people) -> None:
    today = dt.date.today()
    with transaction(engine) as s:  # the owner (linked): moderate itch this week
        for k in range(7):
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=k), diary.DayInput(itch=5, poem=10))
        code = sharing.create_invite(s, people.stranger, people.stranger_pid)["code"]
    with transaction(engine) as s:  # the stranger shares now and has logged nothing
        sharing.accept_invite(s, people.clinician, code)
    with transaction(engine) as s:
        rows = {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}
    new, ill = rows[people.stranger_pid], rows[people.owner_pid]
    assert new["days_since_last_entry"] is None and new["need"] == 0.0  # was 3.0
    assert ill["need"] > new["need"]
    with transaction(engine) as s:  # three weeks after sharing, still nothing logged
        c = s.scalars(select(Consent).where(Consent.patient_id == people.stranger_pid)).one()
        c.created_at -= dt.timedelta(days=21)
    with transaction(engine) as s:
        assert {r["patient_id"]: r for r in summary.panel(s, people.clinician, today=today)}[people.stranger_pid]["need"] == 3.0
