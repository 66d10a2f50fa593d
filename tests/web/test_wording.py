"""Small wording helpers of the pages (ordinal numbers, metric names, times)."""

from __future__ import annotations

import pytest

from gutskin.web.pages.common import TEMPLATES, local_time, ordinal


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                         (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"),
                                         (0.6, "1st"), (99.4, "99th")])
def test_ordinal(n, text) -> None:
    assert ordinal(n) == text


def test_metric_names_are_words() -> None:
    name = TEMPLATES.env.filters["metric_name"]
    assert name("inv_simpson").startswith("Inverse Simpson") and name("chao1").startswith("Estimated richness")
    assert name("brand_new_metric") == "brand new metric"


def test_local_time_names_the_zone_and_falls_back_to_utc() -> None:
    assert local_time("2026-07-01T08:30", "Europe/London") == "Wed 1 Jul 2026, 09:30 (Europe/London)"
    assert local_time("2026-07-01T08:30", "Not/AZone") == "Wed 1 Jul 2026, 08:30 (UTC)"
    assert local_time(None, "Europe/London") == ""
