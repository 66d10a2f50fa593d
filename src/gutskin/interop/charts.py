"""Black-and-white vector charts (SVG strings) for the visit report, drawn with matplotlib.

Readable when printed without colour: black lines with distinct dash styles and markers,
flare days as grey bars, severity bands as grey levels with their names written on them.
No pyplot (no global state, thread-safe in the web process).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

POEM_BANDS = ((0, 2, "clear/almost clear"), (3, 7, "mild"), (8, 16, "moderate"), (17, 24, "severe"),
              (25, 28, "very severe"))  # Charman 2013, the default band set of gutskin.instruments
RECAP_CONTROLLED_BELOW = 8  # RECAP >= 8: not controlled (Dutch caregiver validation, docs/instruments.md)
GREYS = ("#ffffff", "#f0f0f0", "#dcdcdc", "#c4c4c4", "#aaaaaa")

WIDTH_IN = 7.0


def _figure(height: float, width: float = WIDTH_IN):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained")
    return fig


def _svg(fig) -> str:  # type: ignore[no-untyped-def]
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "gutskin", "font.size": 8}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _dates(values: Sequence[Any]) -> list[dt.date]:
    return [v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10]) for v in values]


LONG_SPAN_DAYS = 180  # a longer period is ticked by month ("Jan 2025", "Apr", ...), a shorter one by week


def _year_on_change(fmt: str):  # type: ignore[no-untyped-def]
    """A tick formatter that writes ``fmt`` and adds the year to the first tick and to the first
    tick of each new year ("29 Dec 2025", "05 Jan 2026", "12 Jan"): a period over a year boundary,
    or the 52- and 104-week reports, read "24 Feb ... 26 Jan ... 20 Apr" with no year, so a reader
    could not tell which February (the years-of-data walk, 2026-12-06)."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import Formatter

    class YearOnChange(Formatter):
        def __call__(self, x, pos=None):  # type: ignore[no-untyped-def]
            return mdates.num2date(x).strftime(fmt + " %Y")

        def format_ticks(self, values):  # type: ignore[no-untyped-def]
            out, year = [], None
            for v in values:
                d = mdates.num2date(v)
                out.append(d.strftime(fmt if d.year == year else fmt + " %Y"))
                year = d.year
            return out

    return YearOnChange()


def _date_axis(ax, start: dt.date, end: dt.date) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.dates as mdates

    ax.set_xlim(start - dt.timedelta(days=0.6), end + dt.timedelta(days=0.6))
    span = (end - start).days
    if span > LONG_SPAN_DAYS:
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, round(span / 240))))
        fmt = "%b"
    else:
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=0, interval=max(1, span // 60)) if span > 20
                                   else mdates.DayLocator(interval=max(1, span // 10)))
        fmt = "%d %b"
    # the period line above the charts gives the year of a period within one calendar year
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt) if start.year == end.year else _year_on_change(fmt))
    ax.tick_params(axis="x", labelsize=7)


MARKERS_UP_TO_DAYS = 120
"""A longer daily chart draws its lines without a marker on every day: at 104 weeks the 7-inch
chart has 0.01 inch a day, the markers were an unreadable band, and their ~1,500 SVG elements
made the PDF take 7 s to draw (large-record walk, 2026-12-06). A day whose neighbours are both
missing still gets its marker (a line needs two points; it would not be drawn at all)."""


def _flare_runs(ds: Sequence[dt.date], flare: Sequence[bool | None]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive flare days as (first, last): one grey bar each, not one per day."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d, f in zip(ds, flare, strict=True):
        if not f:
            continue
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _lone(y: Any) -> Any:
    """The values with a missing value (NaN) on both sides, or at an end next to one: drawn as markers."""
    import numpy as np

    ok = ~np.isnan(y)
    before = np.concatenate(([False], ok[:-1]))
    after = np.concatenate((ok[1:], [False]))
    return np.where(ok & ~before & ~after, y, np.nan)


def itch_sleep_chart(dates: Sequence[Any], itch: Sequence[int | None], sleep_loss: Sequence[int | None],
                     flare: Sequence[bool | None]) -> str:
    """Daily itch (solid, dots) and sleep loss (dashed, crosses) NRS 0-10, flare days as grey bars
    (one per run of days). Over :data:`MARKERS_UP_TO_DAYS` days the lines carry markers only on
    days standing alone."""
    import numpy as np

    ds = _dates(dates)
    fig = _figure(2.1)
    ax = fig.add_subplot()
    for first, last in _flare_runs(ds, flare):
        ax.axvspan(first - dt.timedelta(days=0.5), last + dt.timedelta(days=0.5), color="#bdbdbd", lw=0, zorder=0)
    y1 = np.array([np.nan if v is None else v for v in itch], dtype=float)
    y2 = np.array([np.nan if v is None else v for v in sleep_loss], dtype=float)
    if len(ds) <= MARKERS_UP_TO_DAYS:
        ax.plot(ds, y1, color="black", lw=1.4, marker="o", ms=2.2, label="Itch NRS (0-10)")
        ax.plot(ds, y2, color="black", lw=1.0, ls=(0, (4, 2)), marker="x", ms=2.6, label="Sleep loss NRS (0-10)")
    else:
        from matplotlib.lines import Line2D

        ax.plot(ds, y1, color="black", lw=1.0)
        ax.plot(ds, y2, color="black", lw=0.8, ls=(0, (4, 2)))
        ax.plot(ds, _lone(y1), color="black", lw=0, marker="o", ms=2.2)
        ax.plot(ds, _lone(y2), color="black", lw=0, marker="x", ms=2.6)
        # legend entries as on the short chart (line with its marker)
        ax.add_line(Line2D([], [], color="black", lw=1.4, marker="o", ms=2.2, label="Itch NRS (0-10)"))
        ax.add_line(Line2D([], [], color="black", lw=1.0, ls=(0, (4, 2)), marker="x", ms=2.6, label="Sleep loss NRS (0-10)"))
    ax.bar([ds[0]], [0], color="#bdbdbd", label="Flare day")  # legend entry for the grey bars
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks([0, 2, 4, 6, 8, 10])
    ax.grid(axis="y", color="#e0e0e0", lw=0.5)
    ax.set_ylabel("NRS", fontsize=8)
    if ds:
        _date_axis(ax, ds[0], ds[-1])
    ax.legend(loc="upper left", fontsize=7, ncol=3, frameon=False, bbox_to_anchor=(0, 1.18))
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return _svg(fig)


SCORE_GAP_DAYS = 28
"""Weekly scores more than this many days apart are not joined by a line: after a 5-month gap the
POEM line ran straight across it, as if scores had been logged in between (years-of-data walk)."""


def _with_breaks(points: Sequence[tuple[Any, float]]) -> tuple[list[dt.date], list[float]]:
    """The points in date order, with a break (NaN) between two more than :data:`SCORE_GAP_DAYS` apart."""
    xs: list[dt.date] = []
    ys: list[float] = []
    for d, t in sorted((_dates([d])[0], float(t)) for d, t in points):
        if xs and (d - xs[-1]).days > SCORE_GAP_DAYS:
            xs.append(xs[-1] + (d - xs[-1]) / 2)
            ys.append(float("nan"))
        xs.append(d)
        ys.append(t)
    return xs, ys


#: how a score series is drawn, by (instrument, respondent): black and white, told apart by marker
#: shape (POEM circles, RECAP squares), fill and dash. An adult's one series per instrument
#: (respondent "any") keeps the look it had before 2026-12-07; on a child's profile the parent's
#: version, the child's own and the not-recorded answers are separate series (docs/interop.md).
SERIES_STYLES: dict[tuple[str, str | None], dict[str, Any]] = {
    ("poem", "any"): {"color": "black", "lw": 1.2, "marker": "o", "ms": 4, "mfc": "white"},
    ("poem", "proxy"): {"color": "black", "lw": 1.2, "marker": "o", "ms": 4, "mfc": "white"},
    ("poem", "self"): {"color": "black", "lw": 1.2, "ls": (0, (1, 1.2)), "marker": "o", "ms": 4, "mfc": "black"},
    ("poem", None): {"color": "#707070", "lw": 0.9, "marker": "o", "ms": 3.5, "mfc": "#b0b0b0"},
    ("recap", "any"): {"color": "black", "lw": 1.0, "ls": (0, (4, 2)), "marker": "s", "ms": 3.5, "mfc": "black"},
    ("recap", "proxy"): {"color": "black", "lw": 1.0, "ls": (0, (4, 2)), "marker": "s", "ms": 3.5, "mfc": "white"},
    ("recap", "self"): {"color": "black", "lw": 1.0, "ls": (0, (4, 1.5, 1, 1.5)), "marker": "s", "ms": 3.5, "mfc": "black"},
    ("recap", None): {"color": "#707070", "lw": 0.9, "ls": (0, (4, 2)), "marker": "s", "ms": 3, "mfc": "#b0b0b0"},
}


def score_series(poem: Sequence[tuple[Any, float]], recap: Sequence[tuple[Any, float]]) -> list[dict[str, Any]]:
    """One series per instrument (an adult's own profile): the input of :func:`scores_figure`'s ``series``."""
    return [{"instrument": i, "respondent": "any", "label": i.upper(), "points": list(pts)}
            for i, pts in (("poem", poem), ("recap", recap)) if pts]


def scores_chart(start: dt.date, end: dt.date, poem: Sequence[tuple[Any, float]] = (),
                 recap: Sequence[tuple[Any, float]] = (), *, series: Sequence[dict[str, Any]] | None = None) -> str:
    """POEM (circles) and RECAP (squares) totals 0-28 over POEM severity bands; see :func:`scores_figure`."""
    return _svg(scores_figure(start, end, poem, recap, series=series))


def scores_figure(start: dt.date, end: dt.date, poem: Sequence[tuple[Any, float]] = (),  # type: ignore[no-untyped-def]
                  recap: Sequence[tuple[Any, float]] = (), *, series: Sequence[dict[str, Any]] | None = None):
    """The figure of :func:`scores_chart`: ``series`` (dicts with ``instrument``, ``respondent``,
    ``label`` and ``points`` as (date, total)), by default one POEM and one RECAP series from
    ``poem`` and ``recap``. Each series is its own line, never joined to another (a child's answers
    and the parent's for the child are different raters), broken over a gap of more than
    :data:`SCORE_GAP_DAYS`. The grey POEM severity bands and the RECAP "not controlled" line lie
    under every series alike: each instrument's bands apply to both of its versions."""
    fig = _figure(1.9)
    ax = fig.add_subplot()
    for (lo, hi, name), grey in zip(POEM_BANDS, GREYS, strict=True):
        ax.axhspan(lo - 0.5, hi + 0.5, color=grey, lw=0, zorder=0)
        ax.text(1.005, (lo + hi) / 2, name, transform=ax.get_yaxis_transform(), fontsize=6.5, va="center")
    ax.axhline(RECAP_CONTROLLED_BELOW - 0.5, color="black", lw=0.6, ls=":")
    for one in score_series(poem, recap) if series is None else series:
        if not one["points"]:
            continue
        x, y = _with_breaks(one["points"])
        style = SERIES_STYLES.get((one["instrument"], one["respondent"]), SERIES_STYLES[(one["instrument"], "any")])
        ax.plot(x, y, label=one["label"], **style)
    ax.set_ylim(-0.5, 28.5)
    ax.set_yticks([0, 7, 14, 21, 28])
    ax.set_ylabel("score (0-28)", fontsize=8)
    _date_axis(ax, start, end)
    handles, labels = ax.get_legend_handles_labels()
    labels = labels + ["RECAP 8+ = not controlled"]
    from matplotlib.lines import Line2D

    handles = handles + [Line2D([], [], color="black", lw=0.6, ls=":")]
    # an adult's 3 entries on one row as before; a child's series by respondent on two rows
    rows = 1 if len(labels) <= 3 else 2
    ax.legend(handles, labels, loc="upper left", fontsize=7, ncol=3 if rows == 1 else -(-len(labels) // 2), frameon=False,
              bbox_to_anchor=(0, 1.22 + 0.13 * (rows - 1)))
    for s in ("top",):
        ax.spines[s].set_visible(False)
    return fig


def forecast_chart(days: Sequence[dict[str, Any]], threshold: int = 7) -> str:
    """7-day itch forecast: median (dots), 50 % and 80 % bands (thick and thin bars), the flare line."""
    fig = _figure(1.5, 3.4)
    ax = fig.add_subplot()
    ds = _dates([d["date"] for d in days])
    for d, day in zip(ds, days, strict=True):
        lo80, hi80 = day["bands"]["80"]
        lo50, hi50 = day["bands"]["50"]
        ax.plot([d, d], [lo80, hi80], color="black", lw=0.8)
        ax.plot([d, d], [lo50, hi50], color="black", lw=4, solid_capstyle="butt", alpha=0.45)
        ax.plot([d], [day["median"]], marker="o", color="black", ms=3.5)
    ax.axhline(threshold - 0.5, color="black", lw=0.6, ls=":")
    ax.text(1.005, threshold - 0.5, f"itch {threshold}+", transform=ax.get_yaxis_transform(), fontsize=6.5, va="center")
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks([0, 5, 10])
    ax.set_ylabel("itch", fontsize=8)
    if ds:
        _date_axis(ax, ds[0], ds[-1])
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return _svg(fig)
