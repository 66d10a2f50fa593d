"""The demo clinic that `make run` loads: idempotent, months of data, a linked panel."""

from __future__ import annotations

from sqlalchemy import func, select

from gutskin.clinic import summary
from gutskin.clinic.accounts import actor_for
from gutskin.clinic.demo import CLINICIAN, load_demo
from gutskin.store.db import transaction
from gutskin.store.models import DiaryDay, User


def test_demo_clinic(db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    lines = load_demo(db_url)
    assert any(CLINICIAN in line for line in lines)
    assert load_demo(db_url) == lines  # second start: nothing new
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 5
        assert s.scalar(select(func.count()).select_from(DiaryDay)) > 4 * 100
        clinician = s.scalar(select(User).where(User.email == CLINICIAN))
        panel = summary.panel(s, actor_for(clinician))
    assert len(panel) == 3
    assert sum(r["open_requests"] for r in panel) == 1
    assert all(r["days_since_last_entry"] is not None and r["days_since_last_entry"] <= 3 for r in panel)
    assert any(r["poem_band"] for r in panel)
