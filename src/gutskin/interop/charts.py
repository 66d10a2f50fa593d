"""Black-and-white vector charts (SVG strings) for the visit report, drawn with matplotlib.

Readable when printed without colour: black lines with distinct dash styles and markers,
flare days as grey bars, severity bands as grey levels with their names written on them.
No pyplot (no global state, thread-safe in the web process).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
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


_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TRANSFORM = re.compile(r"(translate|scale|matrix)\s*\(([^)]*)\)")
_OPACITY = ("opacity", "fill-opacity", "stroke-opacity")
_prefixes_lock = threading.Lock()
_prefixes_set = False

Matrix = tuple[float, float, float, float, float, float]  # SVG's (a b c d e f)


def _matrix(transform: str | None) -> Matrix | None:
    """An SVG ``transform`` of translate, scale and matrix steps as one matrix; None for anything else."""
    m: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if not transform:
        return m
    if _TRANSFORM.sub("", transform).strip(" ,\n"):
        return None
    for name, args in _TRANSFORM.findall(transform):
        v = [float(x) for x in _NUMBER.findall(args)]
        if name == "translate" and len(v) in (1, 2):
            step: Matrix = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) == 2 else 0.0)
        elif name == "scale" and len(v) in (1, 2):
            step = (v[0], 0.0, 0.0, v[-1], 0.0, 0.0)
        elif name == "matrix" and len(v) == 6:
            step = (v[0], v[1], v[2], v[3], v[4], v[5])
        else:
            return None
        m = _times(m, step)
    return m


def _times(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e, b * t + d * u + f)


def _outline(d: str) -> tuple[list[str], list[tuple[float, float]]] | None:
    """A path's ``d`` of absolute M, L, Q, C and Z commands (matplotlib writes no other) as its
    commands and points; None for any other path (relative commands, arcs)."""
    tokens = re.findall(r"[A-Za-z]|" + _NUMBER.pattern, d)
    cmds: list[str] = []
    points: list[tuple[float, float]] = []
    pending: list[float] = []
    for t in tokens:
        if t.isalpha():
            if t not in "MLQCZz" or pending:
                return None
            cmds.append(t)
        else:
            pending.append(float(t))
            if len(pending) == 2:
                points.append((pending[0], pending[1]))
                cmds.append("")
                pending = []
    return None if pending else (cmds, points)


def _moved(outline: tuple[list[str], list[tuple[float, float]]], m: Matrix) -> str:
    a, b, c, d, e, f = m
    pts = iter(outline[1])
    out = []
    for cmd in outline[0]:
        if cmd:
            out.append(cmd)
        else:
            x, y = next(pts)
            out.append(f"{round(a * x + c * y + e, 3)!r} {round(b * x + d * y + f, 3)!r}")
    return " ".join(out)


def _style(text: str | None) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (p.split(":", 1) for p in (text or "").split(";") if ":" in p)}


def _one_paint(style: dict[str, str]) -> bool:
    """Whether shapes of this style look the same drawn one by one or as one path: a single opaque
    colour (fill and stroke the same, or one of them none) and no dashes. Drawn one by one, a marker
    with a white fill covers the edge of the marker before it where they overlap; as one path it does
    not, so such markers stay apart."""
    fill, stroke = style.get("fill", "#000000"), style.get("stroke", "none")
    if any(style.get(k, "1") not in ("1", "1.0") for k in _OPACITY) or style.get("stroke-dasharray", "none") != "none":
        return False
    names = {"black": "#000000", "white": "#ffffff"}
    return fill == "none" or stroke == "none" or names.get(fill, fill) == names.get(stroke, stroke)


def flat_svg(svg: str) -> str:
    """The same drawing as matplotlib's ``svg`` with its ``<use>`` references drawn out, for WeasyPrint.

    A chart's text is drawn as paths (``svg.fonttype: path``): one ``<use>`` of a glyph outline per
    character, and one ``<use>`` per data marker. WeasyPrint resolves, copies and styles every
    ``<use>`` on its own, which made drawing the three charts ~0.3 s of a ~0.8 s visit report
    (``bench.visit_report``, 2026-12-07). Here each reference becomes its outline moved into place
    (coordinates to 0.001 of the user unit: under 0.001 pt, far below a printer's dot), and the consecutive outlines
    of one text, or of markers painted in one opaque colour, one path: filled or stroked in one
    colour, the union of shapes looks the same however it is cut (nonzero fill; the glyphs of one
    font wind alike). Markers with a fill other than their edge (a white circle with a black edge)
    stay one path each, as their overlaps would differ. A reference this does not understand (a
    clip path on it, a rotation of a stroked outline ...) is left as it was. The charts' own SVG is
    unchanged (tests count its markers); ``tests/interop/test_report_chart_speed.py`` draws both
    versions and compares the pixels."""
    import xml.etree.ElementTree as ET

    global _prefixes_set
    with _prefixes_lock:  # ElementTree's prefix table is global; two threads changing it at once can fail
        if not _prefixes_set:
            ET.register_namespace("", _SVG_NS)
            ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
            _prefixes_set = True
    root = ET.fromstring(svg)
    path_tag, use_tag = f"{{{_SVG_NS}}}path", f"{{{_SVG_NS}}}use"
    refs = {p.get("id"): p for p in root.iter(path_tag) if p.get("id")}
    outlines: dict[str, tuple[list[str], list[tuple[float, float]]] | None] = {}
    drawn_out: set[str] = set()

    def walk(el: ET.Element, inherited: dict[str, str]) -> None:
        here = {**inherited, **_style(el.get("style"))}
        kids = list(el)
        if not any(k.tag == use_tag for k in kids):
            for k in kids:
                walk(k, here)
            return
        for k in kids:
            el.remove(k)
        last: tuple[tuple[str, ...], ET.Element] | None = None
        for k in kids:
            flat = _flat_use(k, here) if k.tag == use_tag else None
            if flat is None:
                el.append(k)
                last = None
                if k.tag != use_tag:
                    walk(k, here)
                continue
            d, style, merge = flat
            key = tuple(sorted(style.items()))
            if merge and last is not None and last[0] == key:
                last[1].set("d", last[1].get("d", "") + " " + d)
                continue
            p = ET.SubElement(el, path_tag, {"d": d})
            if style:
                p.set("style", "; ".join(f"{n}: {v}" for n, v in key))
            last = (key, p) if merge else None

    def _flat_use(use: ET.Element, inherited: dict[str, str]) -> tuple[str, dict[str, str], bool] | None:
        rid = (use.get(_XLINK_HREF) or "").lstrip("#")
        ref = refs.get(rid)
        if ref is None or set(use.keys()) - {_XLINK_HREF, "transform", "x", "y", "style"} \
                or set(ref.keys()) - {"id", "d", "transform", "style"}:
            return None
        m_use, m_ref = _matrix(use.get("transform")), _matrix(ref.get("transform"))
        if m_use is None or m_ref is None:
            return None
        try:
            at: Matrix = (1.0, 0.0, 0.0, 1.0, float(use.get("x", 0)), float(use.get("y", 0)))
        except ValueError:
            return None
        m = _times(_times(m_use, at), m_ref)
        # the outline's own style wins over the use's, which wins over the groups' around it
        style = {**_style(use.get("style")), **_style(ref.get("style"))}
        paint = {**inherited, **style}
        if paint.get("stroke", "none") != "none" and m[:4] != (1.0, 0.0, 0.0, 1.0):
            return None  # a stroke's width would change with the outline's scale
        if rid not in outlines:
            outlines[rid] = _outline(ref.get("d") or "")
        outline = outlines[rid]
        if outline is None:
            return None
        drawn_out.add(rid)
        return _moved(outline, m), style, _one_paint(paint)

    walk(root, {})
    still = {(u.get(_XLINK_HREF) or "").lstrip("#") for u in root.iter(use_tag)}
    for defs in root.iter(f"{{{_SVG_NS}}}defs"):
        for p in [p for p in defs if p.tag == path_tag and p.get("id") in drawn_out - still]:
            defs.remove(p)
    for parent in root.iter():
        for defs in [k for k in parent if k.tag == f"{{{_SVG_NS}}}defs" and not len(k)]:
            parent.remove(defs)
    return ET.tostring(root, encoding="unicode")
