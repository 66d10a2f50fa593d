"""The picture of `gutskin simulate plot` names EASI's scale on its arm panel's y axis, as the
simulator page's chart does (49bc3ed): 'EASI, 0–72 scale (median, IQR)'; it read 'EASI (median,
IQR)' (found on 2026-12-06 checking the other EASI charts after the simulator page's)."""

from __future__ import annotations

import re

from gutskin.axis.plots import plot_trajectories, trajectories


def test_the_arm_panel_names_the_easi_scale(tmp_path) -> None:
    data = trajectories(["placebo"], patients=1, weeks=1, days=3)
    out = plot_trajectories(data, tmp_path / "fig.svg")
    texts = re.findall(r"<!-- (.*?) -->", open(out, encoding="utf-8").read())  # matplotlib names each text drawn
    assert "EASI, 0–72 scale (median, IQR)" in texts, texts
    assert "EASI (median, IQR)" not in texts
