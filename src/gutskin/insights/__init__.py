"""gutskin.insights: personal triggers, itch forecasts and forecast scoring (pure science).

Public functions for pages, API and CLI (all return plain data; see docs/insights.md):

* :func:`gutskin.insights.triggers.patient_trigger_report` -- one patient's triggers grouped by
  verdict, each with a plain-language ``sentence``, ``probability``, ``effect``, ``lag_days``,
  exposed/unexposed day counts;
* :func:`gutskin.insights.triggers.find_triggers` / ``trigger_records`` -- every patient and
  factor of a diary frame (``trigger_records`` is the CLI contract);
* :func:`gutskin.insights.forecast.forecast_patient` -> ``PatientForecast`` (``to_dict()``):
  per day the probabilities of itch 0-10, mean, median, 50/80/95 % bands, P(itch >= 7), and the
  flare risk over the horizon;
* :func:`gutskin.insights.forecast.forecast_records` -- the CLI contract for a diary frame;
* :func:`gutskin.insights.evaluation.evaluate_forecast` -- forward-chaining scores;
* :func:`patient_insights` -- triggers, itch forecast and sleep-loss forecast of one patient in
  one call.
"""

from __future__ import annotations

from typing import Any

MIN_SLEEP_SCORES = 14  # logged sleep-loss scores before a sleep forecast is shown


def patient_insights(frame, patient: str, *, horizon: int = 7, cohort=None) -> dict[str, Any]:
    """Triggers report and forecast of one patient of a diary frame, as plain data.

    ``frame``: a diary frame (``gutskin.diary.csvio.read_diary_frame``; the store can build the
    same columns). ``cohort``: optional diary frame of other patients to pool trigger effects
    with. Returns ``{"patient", "triggers": patient_trigger_report(...),
    "forecast": PatientForecast.to_dict(), "sleep_forecast": the same for sleep loss (0-10, same
    model and factors) or None below MIN_SLEEP_SCORES logged sleep-loss scores}``.
    """
    from gutskin.insights.evaluation import factor_names
    from gutskin.insights.forecast import forecast_patient
    from gutskin.insights.triggers import patient_trigger_report

    one = frame[frame["patient"].astype(str) == str(patient)]
    if len(one) == 0:
        raise ValueError(f"no diary rows for patient {patient!r}")
    factors = one[factor_names(one)]
    sleep = None
    if "sleep_loss" in one.columns and one["sleep_loss"].notna().sum() >= MIN_SLEEP_SCORES:
        sleep = forecast_patient(one["date"], one["sleep_loss"], horizon, patient=str(patient), factors=factors).to_dict()
    return {
        "patient": str(patient),
        "triggers": patient_trigger_report(frame, patient, cohort=cohort),
        "forecast": forecast_patient(one["date"], one["itch"], horizon, patient=str(patient), factors=factors).to_dict(),
        "sleep_forecast": sleep,
    }

