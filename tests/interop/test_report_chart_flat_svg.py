"""The visit report embeds its charts with their glyph and marker references drawn out
(charts.flat_svg, 2026-12-07): WeasyPrint spent ~0.3 s of a ~0.8 s report resolving one <use> per
character and per marker. The drawing must stay the same: each chart and its flat version are put
on a PDF page by WeasyPrint and rasterised (pdfium, 288 dpi), and every pixel that differs must be
explained by the other picture within one pixel (anti-aliasing of an outline drawn as one path
instead of many: pdfium draws a lone rectangle glyph stem without it); the ink (pixels darker than mid-grey) is the same to
0.5 %. Markers with a white fill and a black edge stay one path each (overlapping, their order
shows)."""

from __future__ import annotations

import base64
import datetime as dt
import re

import numpy as np
import pypdfium2 as pdfium
from scipy.ndimage import maximum_filter, minimum_filter
from weasyprint import HTML

from gutskin.interop import charts


def _pixels(svg: str) -> np.ndarray:
    src = base64.b64encode(svg.encode()).decode()
    pdf = HTML(string=f'<html><body style="margin:0"><img style="width:100%" src="data:image/svg+xml;base64,{src}">'
                      "</body></html>").write_pdf()
    return np.asarray(pdfium.PdfDocument(pdf)[0].render(scale=4).to_pil().convert("L"), dtype=int)


def _same_drawing(svg: str) -> str:
    flat = charts.flat_svg(svg)
    a, b = _pixels(svg), _pixels(flat)
    unexplained = (np.abs(a - b) > 64) & ~((a >= minimum_filter(b, 3) - 64) & (a <= maximum_filter(b, 3) + 64))
    assert not unexplained.any(), np.argwhere(unexplained)[:10]
    ink_a, ink_b = int((a < 128).sum()), int((b < 128).sum())
    assert ink_a > 1000 and abs(ink_a - ink_b) <= 0.005 * ink_a, (ink_a, ink_b)
    assert "<use" not in flat and flat.count("<path") < svg.count("<path") + svg.count("<use")
    return flat


def _days(n: int) -> list[dt.date]:
    start = dt.date(2026, 9, 14)
    return [start + dt.timedelta(days=i) for i in range(n)]


def test_daily_chart_is_drawn_the_same_with_a_tenth_of_the_elements() -> None:
    ds = _days(84)
    itch = [None if i % 9 == 4 else (i * 7) % 11 for i in range(84)]
    sleep = [None if i % 6 == 1 else (i * 3) % 8 for i in range(84)]
    svg = charts.itch_sleep_chart(ds, itch, sleep, [i % 13 < 3 for i in range(84)])
    flat = _same_drawing(svg)
    # one path per text and per line's markers where there was one <use> per character and per day
    assert svg.count("<use") > 250 and flat.count("<path") < 0.5 * (svg.count("<path") + svg.count("<use"))


def test_childs_scores_and_forecast_are_drawn_the_same() -> None:
    ds = _days(84)
    series = [{"instrument": "poem", "respondent": r, "label": f"POEM ({r})",
               "points": [(d, float((i * 5 + k) % 29)) for i, d in enumerate(ds[k::7])]}
              for k, r in ((0, "proxy"), (3, "self"), (5, None))]
    series.append({"instrument": "recap", "respondent": "proxy", "label": "RECAP (parent)",
                   "points": [(d, float((i * 3) % 20)) for i, d in enumerate(ds[1::14])]})
    svg = charts.scores_chart(ds[0], ds[-1], series=series)
    flat = _same_drawing(svg)
    # the parent's POEM and RECAP: white circles and squares with a black edge, one path per score as before
    white = len(re.findall(r'<path d="[^"]*"[^>]*style="fill: #ffffff; stroke: #000000[;"]', flat))
    assert white >= len(series[0]["points"]) + len(series[3]["points"]), white
    days = [{"date": d.isoformat(), "median": 3 + i % 4, "p_severe": 0.1 * i,
             "bands": {"50": [2 + i % 3, 5 + i % 3], "80": [1, 8]}} for i, d in enumerate(ds[:7])]
    _same_drawing(charts.forecast_chart(days, 7))


def test_a_long_period_with_overlapping_markers_is_drawn_the_same() -> None:
    ds = _days(728)  # 104 weeks: weekly white circles overlap, lone daily markers are closer than their size
    itch = [(i % 11) if i % 2 == 0 and i % 40 < 20 else ((i * 3) % 11 if i % 40 >= 20 else None) for i in range(728)]
    svg = charts.itch_sleep_chart(ds, itch, [None] * 728, [i % 50 == 0 for i in range(728)])
    _same_drawing(svg)
    poem = [(d, float((i * 5) % 29)) for i, d in enumerate(ds[::7])]
    _same_drawing(charts.scores_chart(ds[0], ds[-1], poem, [(d, float(i % 20)) for i, d in enumerate(ds[3::7])]))
