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
* :func:`gutskin.insights.forecast.what_if` -- the coming week with and without a 0/1 factor;
* :func:`patient_insights` -- triggers, itch forecast, sleep-loss forecast and the what-if of
  each likely trigger or protective factor of one patient in one call.
"""

from __future__ import annotations

from typing import Any

MIN_SLEEP_SCORES = 14  # logged sleep-loss scores before a sleep forecast is shown
MAX_WHAT_IF = 4  # factors compared with and without (the most probable first)


def patient_insights(frame, patient: str, *, horizon: int = 7, cohort=None) -> dict[str, Any]:
    """Triggers report and forecast of one patient of a diary frame, as plain data.

    ``frame``: a diary frame (``gutskin.diary.csvio.read_diary_frame``; the store can build the
    same columns). ``cohort``: optional diary frame of other patients to pool trigger effects
    with. Returns ``{"patient", "triggers": patient_trigger_report(...),
    "forecast": PatientForecast.to_dict(), "sleep_forecast": the same for sleep loss (0-10, same
    model and factors) or None below MIN_SLEEP_SCORES logged sleep-loss scores, "what_if": up
    to MAX_WHAT_IF likely triggers and protective 0/1 factors (not treatments), each
    ``{"factor", "label", "verdict", "with", "without", "sentence"}`` with the week's flare risk
    and mean itch with the factor every day and on no day (:func:`forecast.what_if`)}``.
    """
    from gutskin.insights.evaluation import factor_names
    from gutskin.insights.forecast import forecast_patient, what_if
    from gutskin.insights.together import always_with
    from gutskin.insights.triggers import _label, patient_trigger_report
    from gutskin.insights.wording import risk_percent

    one = frame[frame["patient"].astype(str) == str(patient)]
    if len(one) == 0:
        raise ValueError(f"no diary rows for patient {patient!r}")
    factors = one[factor_names(one)]
    sleep = None
    if "sleep_loss" in one.columns and one["sleep_loss"].notna().sum() >= MIN_SLEEP_SCORES:
        sleep = forecast_patient(one["date"], one["sleep_loss"], horizon, patient=str(patient), factors=factors).to_dict()
    report = patient_trigger_report(frame, patient, cohort=cohort)
    forecast = forecast_patient(one["date"], one["itch"], horizon, patient=str(patient), factors=factors).to_dict()
    candidates = {x["factor"]: x for x in report["triggers"] + report["protective"] if not x.get("is_treatment")}
    ranked = sorted(candidates.values(), key=lambda x: -max(x["probability"] or 0, x["probability_protective"] or 0))
    names = [x["factor"] for x in ranked]
    # factors logged on exactly the same days (or the other days) move together in the what-if,
    # and a group is shown once (messy-diaries walk, 2026-12-06: "Dairy every day" and "Cake every
    # day" each showed about half of the pair's one effect)
    together: dict[str, dict[str, tuple[float, float]]] = {}
    yes_no = {n for n in names if factors[n].dropna().isin((0.0, 1.0)).all()}  # doses get no what-if
    names = [n for n in names if n in yes_no] + [n for n in names if n not in yes_no]
    for name in list(names):
        if name in names:
            together[name] = always_with(factors, name)
            names = [n for n in names if n == name or n not in together[name]]
    scenarios = what_if(one["date"], one["itch"], factors, names, horizon, together=together) if names else []
    scenarios = sorted(scenarios, key=lambda r: names.index(r["factor"]))[:MAX_WHAT_IF]
    for r in scenarios:
        item = candidates[r["factor"]]
        r["label"], r["verdict"] = item["label"], item["verdict"]
        same = [_label(p) for p, v in together.get(r["factor"], {}).items() if v[0] > v[1]]
        also = f" (and {', '.join(same)}, always logged with it)" if same else ""
        without = " or ".join([item["label"].lower()] + [s.lower() for s in same])
        # the average itch too: for most patients a bad day is rare either way ("under 1%; with no
        # dairy: under 1%" read as "dairy changes nothing" under "Dairy: likely makes your itch worse").
        # On its scale: "average itch 5.0" was a number without a unit on a phone (phone walk, 2026-12-07)
        r["sentence"] = (
            f"{item['label']}{also} every day of the next {horizon} days: chance of a bad day "
            f"{risk_percent(r['with']['flare_risk'])}, average itch {r['with']['mean_itch']:.1f} out of 10; "
            f"with no {without}: {risk_percent(r['without']['flare_risk'])}, "
            f"average itch {r['without']['mean_itch']:.1f} out of 10."
        )
    return {
        "patient": str(patient),
        "triggers": report,
        "forecast": forecast,
        "sleep_forecast": sleep,
        "what_if": scenarios,
    }

