"""The test suite's own clock helpers: tests must not fail because CI ran around midnight."""

from __future__ import annotations

import datetime as dt

from tests.conftest import earlier_today

TODAY = dt.date(2000, 1, 1)  # deliberately stale, as if imported before midnight


def test_module_today_is_re_read_before_each_test() -> None:
    assert TODAY == dt.date.today()


def test_earlier_today_stays_on_today_and_in_the_past() -> None:
    before = dt.datetime.now().replace(microsecond=0)
    for hours in (0, 1, 5, 23, 48):
        t = earlier_today(hours=hours)
        assert t.date() == dt.date.today() or t.date() == before.date()
        assert t <= dt.datetime.now()
    assert earlier_today(hours=48).time() == dt.time(0, 0)
