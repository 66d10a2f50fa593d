"""FHIR bundle validation of a years-long diary: one entry per shape vs every entry.

``gutskin.interop.fhir.validate_bundle`` hands the R4B models one entry of each shape
(:func:`gutskin.interop.fhir.one_per_shape`); entries of one shape are valid or invalid together
(docs/interop.md). This bench builds the bundle of an N-day diary (8 observations a day and
more) and times both ways in the same run: ``Bundle.model_validate`` of the whole bundle (the
baseline, what the export did before 2026-12-06) and ``validate_bundle``. The ratio is the
figure; the equivalence is tested in tests/interop/test_fhir_long_history.py.

    python -m bench.fhir_validate [--quick] [--days N] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time


def diary_record(days: int, start: dt.date = dt.date(2023, 1, 1)) -> dict:
    """A diary of ``days`` consecutive days with scores, notes and four factors, and a stool sample
    every 90 days (JSON record form)."""
    out = []
    for k in range(days):
        d = start + dt.timedelta(days=k)
        out.append({"date": d.isoformat(), "itch": k % 11, "sleep_loss": (k * 3) % 11, "flare": k % 9 == 0,
                    "poscorad": round((k % 70) * 1.3, 1) if k % 7 == 0 else None,
                    "poem": k % 29 if k % 7 == 3 else None,
                    "notes": f"day {k}" if k % 30 == 0 else None, "author_role": "patient",
                    "factors": {"food.egg": float(k % 2), "env.pollen": (k % 40) / 4,
                                "gut.bristol": float(1 + k % 7), "treat.emollient": float(k % 3)}})
    return {"patient": {"external_id": "bench-long", "share_identity": False}, "days": out, "questionnaires": [],
            "microbiome": stool_samples(days, start)}


def stool_samples(days: int, start: dt.date) -> list[dict]:
    """A stool test every 90 days (2026-12-07: the bundle carries microbiome results), each with the
    report of docs/examples/stool-genus.csv: a Specimen and ~8 laboratory Observations per sample."""
    from pathlib import Path

    from gutskin.microbiome import read_profile, sample_report

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "stool-genus.csv"
    report = sample_report(read_profile(str(example), method="16S"), None, "adult")
    return [{"id": k + 1, "collected_on": start + dt.timedelta(days=d), "reported_on": start + dt.timedelta(days=d + 3),
             "method": "16S", "report": report} for k, d in enumerate(range(0, days, 90))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one year, 2 repeats")
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    a = ap.parse_args(argv)
    days = a.days or (365 if a.quick else 4 * 365)
    repeat = a.repeat or (2 if a.quick else 3)

    from fhir.resources.R4B.bundle import Bundle

    from gutskin.interop.fhir import build_bundle, one_per_shape, validate_bundle

    bundle = build_bundle(diary_record(days))
    n = len(bundle["entry"])
    shapes = len(one_per_shape(bundle["entry"]))
    Bundle.model_validate(build_bundle(diary_record(3)))  # the models' schema build is not timed

    def best(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    every = best(lambda: Bundle.model_validate(bundle))
    ours = best(lambda: validate_bundle(bundle))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    samples = sum(1 for e in bundle["entry"] if e["resource"]["resourceType"] == "Specimen")
    print(f"bundle of a {days}-day diary with {samples} stool samples: {n:,} entries, {shapes} shapes")
    print(f"every entry (Bundle.model_validate, baseline): {every * 1000:8.0f} ms")
    print(f"one entry per shape (validate_bundle):         {ours * 1000:8.0f} ms  "
          f"({every / ours:.1f}x faster than the baseline)")


if __name__ == "__main__":
    main()
