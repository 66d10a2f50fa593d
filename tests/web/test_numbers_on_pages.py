"""Numbers with units and signs on pages and in the visit report (2026-12-07, gutskin.diary.numbers):
the clinician's walk read "Pollen 1 grains/m³" and temperatures with a hyphen for minus. A unit agrees
with its number ("1 grain/m³", "1 day"), a negative number has a minus sign U+2212, a change keeps
its sign ("−4.0"), and machine formats (the CSV export) keep the hyphen-minus. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re

from hypothesis import given
from hypothesis import strategies as st

from gutskin.clinic import diary, reports
from gutskin.store.db import transaction
from tests.safety.test_attacks import login_page

MINUS = "\u2212"


def test_units_agree_with_their_number_and_negatives_have_a_minus_sign() -> None:
    from gutskin.diary.numbers import number, quantity, signed

    assert quantity(1, "grains/m³") == "1 grain/m³"
    assert quantity(1.0, "grains/m³") == "1 grain/m³"
    assert quantity(40, "grains/m³") == "40 grains/m³"
    assert quantity(0.5, "grains/m³") == "0.5 grains/m³"  # only exactly one is singular
    assert quantity(0, "days") == "0 days"
    assert quantity(1, "days") == "1 day"
    assert quantity(-3, "°C") == f"{MINUS}3 °C"
    assert quantity(-1, "°C") == f"{MINUS}1 °C"  # a symbol has no plural
    assert quantity(0.96, "days", 0) == "1 day"  # agrees with the number as shown
    assert number(-2.5) == f"{MINUS}2.5" and number(-0.04, 1) == "0"  # no "−0"
    assert signed(-4) == f"{MINUS}4.0" and signed(0.3) == "+0.3" and signed(-0.01) == "0.0"


@given(st.floats(min_value=-99999, max_value=99999, allow_nan=False).map(lambda x: round(x, 2)))
def test_a_displayed_number_has_no_hyphen_and_reads_back(x: float) -> None:
    from gutskin.diary.numbers import number, quantity, signed

    for text in (number(x), number(x, 2), signed(x, 2), quantity(x, "grains/m³")):
        assert "-" not in text, text
    assert float(number(x).replace(MINUS, "-")) == float(f"{x:g}")
    assert number(x).startswith(MINUS) == (float(f"{x:g}") < 0)


def _log(engine, people, days: dict[int, diary.DayInput]) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    with transaction(engine) as s:
        for ago, day in days.items():
            diary.put_day(s, people.owner, people.owner_pid, today - dt.timedelta(days=ago), day)


def test_pages_show_units_and_minus_signs(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    # one day with a pollen count of 1 and a frost; the itch 1 this week against 5 before: a fall of 4
    days = {1: diary.DayInput(itch=1, sleep_loss=2, factors={"env.pollen": 1.0, "env.temperature": -3.0})}
    days.update({k: diary.DayInput(itch=5) for k in range(10, 16)})
    _log(engine, people, days)

    login_page(client, "linked@clinic.example.org")
    page = client.get(f"/clinic/patients/{people.owner_pid}").text
    assert "Pollen 1 grain/m³" in page and "grains/m³" not in page, page
    assert f"Temperature {MINUS}3 °C" in page and "Temperature -3" not in page
    assert "sleep loss on 1 day," in page  # the chart's text alternative

    panel = client.get("/clinic").text
    row = re.search(rf'(?s)<tr><td><a href="/clinic/patients/{people.owner_pid}">.*?</tr>', panel)
    assert row, panel[:2000]
    cells = re.findall(r"(?s)<td[^>]*>(.*?)</td>", row.group(0))
    assert cells[3].strip() == f"{MINUS}4.0", cells  # the Change column

    # the patient's own CSV keeps machine numbers: a hyphen-minus
    login_page(client, "owner@example.org")
    csv = client.get("/data/diary.csv")
    assert csv.status_code == 200 and "env.temperature" in csv.text, csv.text[:500]
    assert "-3" in csv.text and MINUS not in csv.text


def test_the_report_says_one_day_and_one_score(engine, people) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    _log(engine, people, {1: diary.DayInput(itch=3, sleep_loss=2, poem=9, flare=True)})
    with transaction(engine) as s:
        data = reports.report_data(s, people.clinician, people.owner_pid, 12)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.render_pdf(data))).pages)
    text = " ".join(text.split())
    assert "sleep loss on 1 day;" in text and "1 flare day;" in text and "1 score (" in text, text
