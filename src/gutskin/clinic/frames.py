"""Diary frames built from the store, with the columns of ``gutskin.diary.csvio.read_diary_frame``.

The science packages take frames; this is where stored days become one (no audit here: the
calling use case authorizes and audits).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutskin.diary.csvio import CORE_COLUMNS
from gutskin.store.models import DiaryDay, Factor, FactorValue, Patient


def diary_frame(session: Session, patient_ids: list[int], since: dt.date | None = None):  # -> pandas.DataFrame
    """The patients' days (from ``since`` on, if given) with their factor values."""
    import pandas as pd

    if not patient_ids:
        return pd.DataFrame(columns=list(CORE_COLUMNS))
    ext = dict(session.execute(select(Patient.id, Patient.external_id).where(Patient.id.in_(patient_ids))).all())
    records: dict[tuple[int, object], dict[str, object]] = {}
    days = select(DiaryDay).where(DiaryDay.patient_id.in_(patient_ids))
    values = (select(FactorValue.patient_id, FactorValue.day, Factor.name, FactorValue.value)
              .join(Factor, Factor.id == FactorValue.factor_id).where(FactorValue.patient_id.in_(patient_ids)))
    if since is not None:
        days, values = days.where(DiaryDay.day >= since), values.where(FactorValue.day >= since)
    for d in session.scalars(days.order_by(DiaryDay.patient_id, DiaryDay.day)):
        records[(d.patient_id, d.day)] = {"patient": ext[d.patient_id], "date": d.day, "itch": d.itch,
                                          "sleep_loss": d.sleep_loss, "poscorad": d.poscorad, "poem": d.poem,
                                          "flare": d.flare}
    names: dict[str, None] = {}
    for pid, day, name, value in session.execute(values):
        rec = records.get((pid, day))
        if rec is not None:
            rec[name] = value
            names.setdefault(name, None)
    columns = [*CORE_COLUMNS, *sorted(names)]
    frame = pd.DataFrame.from_records(list(records.values()), columns=columns)
    frame["patient"] = frame["patient"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"])
    for col in columns[2:]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame.sort_values(["patient", "date"], kind="stable").reset_index(drop=True)
