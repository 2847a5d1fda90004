"""The report's charts as self-contained SVG text: no network, no JavaScript, vector in PDF.

Written by hand rather than with a plotting library: the charts are simple, a plotting
library would add seconds of import time to every report and its output is not byte-stable
between versions, which makes reports hard to compare and test.

Colours are Okabe-Ito blue (dark) and orange (light), so they differ in lightness when
printed in grey and are safe for colour-blind readers; every series also has its own marker
shape (filled circle for perceptions, open diamond for expectations). All texts arrive
already translated and formatted; this module only escapes and places them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILION = "#D55E00"
GREY = "#6b6b6b"
LIGHT = "#d9d9d9"
BAND = "#a6cee3"
FONT = "Helvetica, Arial, 'Libertinus Serif', sans-serif"
WIDTH = 560
ROW = 20
Format = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    """One row of a diverging bar chart; ``mean`` None shows ``note`` instead of a bar."""

    label: str
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Pair:
    """One row of a dot chart: expectation and perception (or minimum, desired, perception)."""

    label: str
    expectation: float | None
    perception: float | None
    minimum: float | None = None


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float


class _Svg:
    def __init__(self, height: float, title: str) -> None:
        self.height = height
        self.parts = [f"<title>{escape(title)}</title>"]

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, content: str, anchor: str = "start", size: float = 11, **style: str) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in style.items())
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: str = GREY, width: float = 1, dash: str = ""
    ) -> None:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width}"{dashed}/>'
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str = "none", opacity: float = 1) -> None:
        self.add(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}" '
            f'stroke="{stroke}" fill-opacity="{opacity}"/>'
        )

    def marker(self, shape: str, x: float, y: float, r: float = 4.5) -> None:
        """circle: filled blue (perception); diamond: open orange (expectation/desired);
        square: open grey (minimum); triangle: filled vermilion (below the zone)."""
        if shape == "circle":
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{BLUE}"/>')
        elif shape == "diamond":
            points = f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}"
            self.add(f'<polygon points="{points}" fill="white" stroke="{ORANGE}" stroke-width="2"/>')
        elif shape == "square":
            self.add(
                f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="white" '
                f'stroke="{GREY}" stroke-width="1.5"/>'
            )
        else:
            points = f"{x - r - 1:.1f},{y - r:.1f} {x + r + 1:.1f},{y - r:.1f} {x:.1f},{y + r + 1:.1f}"
            self.add(f'<polygon points="{points}" fill="{VERMILION}"/>')

    def legend(self, y: float, entries: Sequence[tuple[str, str]], x: float = 0) -> None:
        for shape, label in entries:
            self.marker(shape, x + 6, y - 4)
            self.text(x + 16, y, label, size=10)
            x += 30 + _text_width(label, 10)

    def render(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {self.height:.0f}" '
            f'width="{WIDTH}" height="{self.height:.0f}" font-family="{escape(FONT)}" fill="#222">'
            + "".join(self.parts)
            + "</svg>"
        )


def _text_width(text: str, size: float) -> float:
    """A generous estimate; the fonts differ between browsers and the PDF."""
    return len(text) * size * 0.54


def shorten(text: str, size: float, room: float) -> str:
    """Cut a label to fit ``room`` pixels, with an ellipsis."""
    if _text_width(text, size) <= room:
        return text
    keep = max(int(room / (size * 0.54)) - 1, 1)
    return text[:keep].rstrip() + "…"


def ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    # Up to the first tick at or above high: a scale that stops short clips the data.
    last = math.ceil(high / step - 1e-9) * step
    values = []
    value = first
    while value <= last + step * 1e-6:
        values.append(round(value, 10))
        value += step
    return values


class _Axis:
    """A linear scale from data values to x (or y) pixels."""

    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _finite(*values: float | None) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def gap_bars(
    groups: Sequence[tuple[str, Sequence[Bar]]],
    *,
    title: str,
    sign_note: str,
    fmt: Format,
    value_fmt: Format,
    legend: tuple[str, str],
    label_room: float = 150,
) -> str:
    """Diverging bars around zero with their 95% interval, in groups with a heading each
    (an empty heading for a single group). Negative bars orange, positive blue; ``legend``
    names the two colours (falls short, meets or exceeds) under the sign note."""
    values = _finite(*(v for _, bars in groups for b in bars for v in (b.mean, b.low, b.high)), 0.0)
    pad = max((max(values) - min(values)) * 0.06, 0.1)
    scale_ticks = ticks(min(values) - pad, max(values) + pad)
    low, high = scale_ticks[0], scale_ticks[-1]
    rows = sum(len(bars) + (1 if heading else 0) for heading, bars in groups)
    top = 44
    svg = _Svg(top + rows * ROW + 24, title)
    svg.text(0, 12, sign_note, size=10, fill=GREY)
    x_legend = 0.0
    for colour, label in zip((ORANGE, BLUE), legend, strict=True):
        svg.rect(x_legend, 20, 10, 10, colour)
        svg.text(x_legend + 14, 29, label, size=10)
        x_legend += 30 + _text_width(label, 10)
    x = _Axis(low, high, label_room + 10, WIDTH - 12)
    bottom = top + rows * ROW
    for value in scale_ticks:
        svg.line(x(value), top - 4, x(value), bottom, colour=LIGHT, width=0.6)
        svg.text(x(value), bottom + 14, fmt(value), anchor="middle", size=10)
    y = top
    for heading, bars in groups:
        if heading:
            svg.text(0, y + 14, shorten(heading, 11, WIDTH - 20), size=11, font_weight="bold")
            y += ROW
        for bar in bars:
            svg.text(label_room, y + 14, shorten(bar.label, 11, label_room - 8), anchor="end")
            if bar.mean is None or not math.isfinite(bar.mean):
                svg.text(label_room + 14, y + 14, bar.note, size=10, font_style="italic", fill=GREY)
            else:
                colour = ORANGE if bar.mean < 0 else BLUE
                svg.rect(min(x(0), x(bar.mean)), y + 4, abs(x(bar.mean) - x(0)), ROW - 8, colour)
                if bar.low is not None and bar.high is not None and math.isfinite(bar.low) and math.isfinite(bar.high):
                    middle = y + ROW / 2
                    svg.line(x(bar.low), middle, x(bar.high), middle, colour="#222", width=1.2)
                    for end in (bar.low, bar.high):
                        svg.line(x(end), middle - 4, x(end), middle + 4, colour="#222", width=1.2)
                value_x = x(bar.high if bar.high is not None and math.isfinite(bar.high) else bar.mean)
                if bar.mean < 0:
                    value_x = x(bar.low if bar.low is not None and math.isfinite(bar.low) else bar.mean)
                anchor = "end" if bar.mean < 0 else "start"
                svg.text(value_x + (-4 if bar.mean < 0 else 4), y + 14, value_fmt(bar.mean), anchor=anchor, size=10)
            y += ROW
    svg.line(x(0), top - 4, x(0), bottom, colour="#222", width=1.2)
    return svg.render()


def dot_pairs(
    groups: Sequence[tuple[str, Sequence[Pair]]],
    *,
    title: str,
    scale: tuple[int, int],
    legend: Sequence[tuple[str, str]],
    fmt: Format,
    label_room: float = 290,
    band: bool = True,
) -> str:
    """Expectation (open diamond) and perception (filled circle) per row, joined by a line;
    with ``minimum`` given, the band from minimum to desired level is the zone of tolerance
    and a perception below it is a vermilion triangle. ``band`` False: ``minimum`` is a
    third series of its own (an open grey square), with no band and no triangle."""
    rows = sum(len(pairs) + 1 for _, pairs in groups)
    top = 24
    svg = _Svg(top + rows * ROW + 24, title)
    svg.legend(12, legend)
    # Zoomed to the whole points around the data, so small differences stay visible.
    values = _finite(*(v for _, pairs in groups for p in pairs for v in (p.expectation, p.perception, p.minimum)))
    low = max(scale[0], math.floor(min(values, default=scale[0])))
    high = min(scale[1], math.ceil(max(values, default=scale[1])))
    low, high = (low, high) if high > low else scale
    x = _Axis(low, high, label_room + 14, WIDTH - 12)
    bottom = top + rows * ROW
    for value in range(low, high + 1):
        svg.line(x(value), top, x(value), bottom, colour=LIGHT, width=0.6)
        svg.text(x(value), bottom + 14, fmt(value), anchor="middle", size=10)
    y = top
    for heading, pairs in groups:
        svg.text(0, y + 14, shorten(heading, 11, WIDTH - 20), size=11, font_weight="bold")
        y += ROW
        for pair in pairs:
            middle = y + ROW / 2
            svg.text(label_room, y + 14, shorten(pair.label, 10, label_room - 6), anchor="end", size=10)
            e, p, m = pair.expectation, pair.perception, pair.minimum
            if not band:
                if m is not None and math.isfinite(m):
                    svg.marker("square", x(m), middle, 3.5)
                m = None
            elif m is not None and e is not None and math.isfinite(m) and math.isfinite(e):
                svg.rect(x(min(m, e)), middle - 5, abs(x(e) - x(m)), 10, BAND, opacity=0.8)
                svg.marker("square", x(m), middle, 3.5)
            if e is not None and p is not None and math.isfinite(e) and math.isfinite(p) and m is None:
                svg.line(x(e), middle, x(p), middle, colour=GREY, width=2)
            if e is not None and math.isfinite(e):
                svg.marker("diamond", x(e), middle)
            if p is not None and math.isfinite(p):
                below = m is not None and math.isfinite(m) and p < m
                svg.marker("triangle" if below else "circle", x(p), middle)
            y += ROW
    return svg.render()


def profile(
    names: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    title: str,
    scale: tuple[int, int],
    fmt: Format,
) -> str:
    """Each series (marker shape, legend label, one value per dimension) as a line across
    the dimensions: the five dimensions as a profile."""
    height = 250
    top, bottom, left = 28, height - 40, 34
    svg = _Svg(height, title)
    svg.legend(12, [(shape, label) for shape, label, _ in series])
    y = _Axis(scale[0], scale[1], bottom, top)
    step = (WIDTH - left - 20) / max(len(names), 1)
    for value in range(scale[0], scale[1] + 1):
        svg.line(left, y(value), WIDTH - 10, y(value), colour=LIGHT, width=0.6)
        svg.text(left - 6, y(value) + 4, fmt(value), anchor="end", size=10)
    xs = [left + step * (i + 0.5) for i in range(len(names))]
    for x, name in zip(xs, names, strict=True):
        for k, word in enumerate(_wrap(name, step - 6, 10)[:2]):
            svg.text(x, bottom + 16 + 12 * k, word, anchor="middle", size=10)
    for shape, _, values in series:
        colour = BLUE if shape == "circle" else ORANGE if shape == "diamond" else GREY
        points = [(x, y(v)) for x, v in zip(xs, values, strict=True) if v is not None and math.isfinite(v)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            dash = ' stroke-dasharray="5 3"' if shape != "circle" else ""
            svg.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for px, py in points:
            svg.marker(shape, px, py)
    return svg.render()


def _wrap(text: str, room: float, size: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(lines[-1] + " " + word, size) <= room:
            lines[-1] += " " + word
        else:
            lines.append(shorten(word, size, room))
    return lines or [""]


def share_bars(rows: Sequence[tuple[str, float | None]], *, title: str, fmt: Format, label_room: float = 170) -> str:
    """Horizontal bars of shares between 0 and 1 (the importance weights), labelled in %."""
    top = 8
    svg = _Svg(top + len(rows) * ROW + 26, title)
    values = _finite(*(v for _, v in rows))
    high = max([*values, 0.01]) * 1.15
    x = _Axis(0, high, label_room + 10, WIDTH - 50)
    bottom = top + len(rows) * ROW
    for tick in ticks(0, high, 5):
        if tick <= high:
            svg.line(x(tick), top, x(tick), bottom, colour=LIGHT, width=0.6)
            svg.text(x(tick), bottom + 14, fmt(tick * 100), anchor="middle", size=10)
    for i, (label, value) in enumerate(rows):
        y = top + i * ROW
        svg.text(label_room, y + 14, shorten(label, 11, label_room - 8), anchor="end")
        if value is not None and math.isfinite(value):
            svg.rect(x(0), y + 4, x(value) - x(0), ROW - 8, BLUE)
            svg.text(x(value) + 4, y + 14, fmt(value * 100), size=10)
    svg.line(x(0), top, x(0), bottom, colour="#222")
    return svg.render()


def quadrant_grid(
    points: Sequence[Point],
    *,
    title: str,
    axes: tuple[str, str],
    quadrants: tuple[str, str, str, str],
    x_fmt: Format,
    y_fmt: Format,
) -> str:
    """The importance-performance grid: performance across, importance up, split at the
    means. ``quadrants`` in the order top-left, top-right, bottom-left, bottom-right."""
    height = 360
    left, right, top, bottom = 48, WIDTH - 16, 16, height - 40
    svg = _Svg(height, title)
    xs, ys = [p.x for p in points], [p.y for p in points]
    x_mean, y_mean = sum(xs) / len(xs), sum(ys) / len(ys)

    def padded(values: list[float], centre: float) -> tuple[float, float]:
        reach = max(max(values) - centre, centre - min(values), 1e-6) * 1.25
        return centre - reach, centre + reach

    x = _Axis(*padded(xs, x_mean), left, right)
    y = _Axis(*padded(ys, y_mean), bottom, top)
    svg.rect(left, top, x(x_mean) - left, y(y_mean) - top, "#fbe3c0")  # concentrate here: orange tint
    svg.rect(left, top, right - left, bottom - top, "none", stroke=GREY)
    for value in ticks(x.low, x.high, 5):
        if x.low <= value <= x.high:
            svg.text(x(value), bottom + 14, x_fmt(value), anchor="middle", size=10)
    for value in ticks(y.low, y.high, 5):
        if y.low <= value <= y.high:
            svg.text(left - 5, y(value) + 4, y_fmt(value), anchor="end", size=10)
    svg.line(x(x_mean), top, x(x_mean), bottom, dash="4 3")
    svg.line(left, y(y_mean), right, y(y_mean), dash="4 3")
    svg.text((left + right) / 2, height - 6, axes[0], anchor="middle", size=10)
    svg.add(
        f'<text x="12" y="{(top + bottom) / 2:.1f}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 12 {(top + bottom) / 2:.1f})">{escape(axes[1])}</text>'
    )
    corners: tuple[tuple[float, float, str], ...] = ((left + 6, top + 14, "start"), (right - 6, top + 14, "end"))
    corners += ((left + 6, bottom - 8, "start"), (right - 6, bottom - 8, "end"))
    for (cx, cy, anchor), label in zip(corners, quadrants, strict=True):
        svg.text(cx, cy, label, anchor=anchor, size=10, font_weight="bold", fill=GREY)
    placed: list[tuple[float, float]] = []
    for point in sorted(points, key=lambda p: -p.y):
        px, py = x(point.x), y(point.y)
        svg.marker("circle", px, py, 4)
        ly = py + 4
        while any(abs(ly - oy) < 11 and abs(px - ox) < 90 for ox, oy in placed):
            ly += 11  # nudge down past labels already placed near it
        placed.append((px, ly))
        anchor, dx = ("end", -7) if px > (left + right) / 2 else ("start", 7)
        svg.text(px + dx, ly, shorten(point.label, 10, 120), anchor=anchor, size=10)
    return svg.render()


def counts_by_day(days: Sequence[tuple[str, int]], *, title: str, axis: str) -> str:
    """Vertical bars of a count per day (completed responses), the days labelled below:
    the first, the last and a few between, so long waves stay readable."""
    top, bottom, left = 10, 120, 40
    svg = _Svg(bottom + 40, title)
    high = max([n for _, n in days] + [1]) * 1.1
    y = _Axis(0, high, bottom, top)
    for tick in ticks(0, high, 4):
        if tick <= high and float(tick).is_integer():
            svg.line(left, y(tick), WIDTH - 10, y(tick), colour=LIGHT, width=0.6)
            svg.text(left - 4, y(tick) + 4, str(int(tick)), anchor="end", size=10)
    width = (WIDTH - 10 - left) / max(len(days), 1)
    every = max(1, math.ceil(len(days) / 6))
    for i, (day, n) in enumerate(days):
        x = left + i * width
        svg.rect(x + width * 0.1, y(n), width * 0.8, bottom - y(n), BLUE)
        if i % every == 0 or i == len(days) - 1:
            svg.text(x + width / 2, bottom + 14, day, anchor="middle", size=10)
    svg.line(left, bottom, WIDTH - 10, bottom, colour="#222")
    svg.text(left, bottom + 32, axis, size=10, fill=GREY)
    return svg.render()


#: The gaps model's colours per level, with a light tint to fill a label so its dark text
#: reads on every level; the level is always written out too, never said by colour alone.
#: Okabe-Ito bluish green, orange and vermilion; grey for a gap that was not measured.
LEVEL_COLOURS = {
    "small": ("#009E73", "#d4efe6"),
    "medium": (ORANGE, "#fbe3c0"),
    "large": (VERMILION, "#f6cdb3"),
    None: (GREY, "#eeeeee"),
}


@dataclass(frozen=True)
class GapMark:
    """One gap of the gaps model as the picture shows it: ``label`` ("Gap 3 · 35"),
    ``level_text`` (the level in words), ``level`` (small, medium, large or None: not
    measured) for the colour, and ``href``, the anchor of its evidence."""

    number: int
    label: str
    level_text: str
    level: str | None
    href: str


@dataclass(frozen=True)
class ModelTexts:
    """The words of the gaps model's picture, already translated."""

    customer: str
    organisation: str
    expected: str
    perceived: str
    delivery: str
    communication: str
    standards: str
    management: str
    legend: tuple[tuple[str | None, str], ...]
    note: str


def gaps_model(gaps: Sequence[GapMark], texts: ModelTexts, *, title: str) -> str:
    """The gaps model (Parasuraman, Zeithaml & Berry 1985): the customer above a line
    (expected and perceived service, gap 5 between them), the organisation below it
    (service delivery, communication to customers, service standards, management's
    perception of the customers' expectations; gaps 1 to 4 between them). Each gap is a
    label with its size and level, framed and tinted by level, and a link to ``href``."""
    mark = {g.number: g for g in gaps}
    svg = _Svg(450, title)
    left, right, comm_left, comm_right = 150.0, 330.0, 425.0, 555.0
    centre = (left + right) / 2
    box_height = 36.0
    top = {"expected": 24.0, "perceived": 100.0, "delivery": 194.0, "standards": 274.0, "management": 354.0}
    line_y = 166.0

    def box(x1: float, x2: float, y: float, words: str, bold: bool = False) -> None:
        svg.add(
            f'<rect x="{x1:.1f}" y="{y:.1f}" width="{x2 - x1:.1f}" height="{box_height:.1f}" rx="4" '
            f'fill="white" stroke="#222" stroke-width="1.2"/>'
        )
        lines = _wrap(words, x2 - x1 - 12, 10)[:2]
        first = y + box_height / 2 + 4 - 6 * (len(lines) - 1)
        for k, text in enumerate(lines):
            svg.text((x1 + x2) / 2, first + 12 * k, text, anchor="middle", size=10)

    def arrow(points: Sequence[tuple[float, float]], colour: str = GREY) -> None:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        svg.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.2"/>')
        (x1, y1), (x2, y2) = points[-2], points[-1]
        angle = math.atan2(y2 - y1, x2 - x1)
        tips = [(x2 - 7 * math.cos(angle + s), y2 - 7 * math.sin(angle + s)) for s in (0.45, -0.45)]
        head = " ".join(f"{x:.1f},{y:.1f}" for x, y in [(x2, y2), *tips])
        svg.add(f'<polygon points="{head}" fill="{colour}"/>')

    def badge(number: int, x: float, y: float) -> None:
        gap = mark.get(number)
        if gap is None:
            return
        stroke, fill = LEVEL_COLOURS.get(gap.level, LEVEL_COLOURS[None])
        width = max(_text_width(gap.label, 10), _text_width(gap.level_text, 10)) + 16
        svg.add(f'<a href="{escape(gap.href)}">')
        svg.add(
            f'<rect x="{x - width / 2:.1f}" y="{y - 16:.1f}" width="{width:.1f}" height="32" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2.5"/>'
        )
        svg.text(x, y - 3, gap.label, anchor="middle", size=10, font_weight="bold")
        svg.text(x, y + 10, gap.level_text, anchor="middle", size=10)
        svg.add("</a>")

    # the two sides of the line
    svg.text(comm_right, 14, texts.customer, anchor="end", size=11, font_weight="bold", fill=GREY)
    svg.line(0, line_y, WIDTH, line_y, colour=GREY, width=1, dash="6 4")
    svg.text(comm_right, line_y + 16, texts.organisation, anchor="end", size=11, font_weight="bold", fill=GREY)
    # the flows of the model: delivery is perceived, communication shapes expectations
    arrow([(centre - 40, top["delivery"]), (centre - 40, top["perceived"] + box_height)])
    comm_x = comm_left + 20
    arrow([(comm_x, top["delivery"]), (comm_x, top["expected"] + box_height / 2), (right, top["expected"] + 18)])
    box(left, right, top["expected"], texts.expected)
    box(left, right, top["perceived"], texts.perceived)
    box(left, right, top["delivery"], texts.delivery)
    box(comm_left, comm_right, top["delivery"], texts.communication)
    box(left, right, top["standards"], texts.standards)
    box(left, right, top["management"], texts.management)
    # the gaps: 5 between expected and perceived, 3 and 2 down the organisation's column,
    # 4 between delivery and communication, 1 from expected service to management's picture
    svg.line(centre, top["expected"] + box_height, centre, top["perceived"], colour="#222", dash="3 3")
    svg.line(centre, top["delivery"] + box_height, centre, top["standards"], colour="#222", dash="3 3")
    svg.line(centre, top["standards"] + box_height, centre, top["management"], colour="#222", dash="3 3")
    middle_delivery = top["delivery"] + box_height / 2
    svg.line(right, middle_delivery, comm_left, middle_delivery, colour="#222", dash="3 3")
    gap1_x = 62.0
    svg.add(
        f'<polyline points="{left:.1f},{top["expected"] + 18:.1f} {gap1_x:.1f},{top["expected"] + 18:.1f} '
        f'{gap1_x:.1f},{top["management"] + 18:.1f} {left:.1f},{top["management"] + 18:.1f}" fill="none" '
        f'stroke="#222" stroke-width="1" stroke-dasharray="3 3"/>'
    )
    places = {
        1: (gap1_x, (top["expected"] + top["management"]) / 2 + 18),
        2: (centre, (top["standards"] + box_height + top["management"]) / 2),
        3: (centre, (top["delivery"] + box_height + top["standards"]) / 2),
        4: ((right + comm_left) / 2, middle_delivery),
        5: (centre, (top["expected"] + box_height + top["perceived"]) / 2),
    }
    for number, (x, y) in places.items():  # in the gaps' order, as a reader tabs through the links
        badge(number, x, y)
    # the legend: each level's colour with its name, and how to read the sizes
    x = 0.0
    y = 420.0
    for level, words in texts.legend:
        stroke, fill = LEVEL_COLOURS.get(level, LEVEL_COLOURS[None])
        svg.add(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="14" height="12" rx="3" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="2"/>'
        )
        svg.text(x + 19, y, words, size=10)
        x += 34 + _text_width(words, 10)
    for k, words in enumerate(_wrap(texts.note, WIDTH - 4, 10)[:2]):
        svg.text(0, y + 18 + 12 * k, words, size=10, fill=GREY)
    return svg.render()
