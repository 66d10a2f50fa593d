"""read_diary_frame holds a large diary column by column (found 2026-12-07).

A research export of 5,000 patients x 180 days (900,000 rows, 31 MB) peaked at 0.9 GB in
``read_diary_frame`` for a 130 MB frame: it kept a dict per row before building the frame
(about 880 bytes per row of 11 columns). ``gutskin triggers``/``forecast``/``evaluate`` read
every diary through it. Now one float array per column: about 240 bytes per row at the peak.
"""

from __future__ import annotations

import datetime as dt
import random
import tracemalloc

import numpy as np

from gutskin.diary.csvio import read_diary_frame

FACTORS = ("food.dairy", "env.pollen", "life.stress", "treat.tcs")


def _write_diary(path, patients: int, days: int, seed: int = 7) -> list[list[str]]:
    rnd = random.Random(seed)
    start = dt.date(2026, 1, 1)
    rows = []
    for p in range(patients):
        for d in range(days):
            itch = "" if rnd.random() < 0.1 else str(rnd.randint(0, 10))
            rows.append([f"p{p:04d}", (start + dt.timedelta(d)).isoformat(), itch, str(rnd.randint(0, 10)),
                         str(rnd.randint(0, 1)), str(rnd.randint(0, 1)), "" if rnd.random() < 0.2 else
                         f"{rnd.uniform(0, 80):.1f}", str(rnd.randint(0, 10)), str(rnd.randint(0, 1))])
    rnd.shuffle(rows)  # not sorted: the frame sorts by patient and date
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("patient,date,itch,sleep_loss,flare," + ",".join(FACTORS) + "\n")
        for r in rows:
            fh.write(",".join(r) + "\n")
    return rows


def test_large_diary_frame_peak_memory_per_row(tmp_path):
    path = tmp_path / "cohort.csv"
    rows = _write_diary(path, patients=30, days=200)
    read_diary_frame(tmp_path / "cohort.csv")  # imports and caches warmed outside the measurement
    tracemalloc.start()
    try:
        frame = read_diary_frame(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(frame) == len(rows) == 6000
    # 11 columns of 8 bytes are 88 bytes a row; a dict per row cost ~880
    assert peak / len(frame) < 450, f"{peak / len(frame):.0f} bytes per row at the peak"

    # and the frame is still the diary, cell for cell
    by_key = {(r[0], r[1]): r for r in rows}
    assert list(frame.columns) == ["patient", "date", "itch", "sleep_loss", "poscorad", "poem", "flare", *FACTORS]
    assert frame["patient"].tolist() == sorted(frame["patient"].tolist())
    for i in range(0, len(frame), 97):
        rec = frame.iloc[i]
        raw = by_key[(rec["patient"], rec["date"].date().isoformat())]
        cells = dict(zip(["itch", "sleep_loss", "flare", *FACTORS], raw[2:]))
        for col, text in cells.items():
            got = rec[col]
            assert (np.isnan(got) if text == "" else got == float(text)), (col, text, got)
        assert np.isnan(rec["poscorad"]) and np.isnan(rec["poem"])
