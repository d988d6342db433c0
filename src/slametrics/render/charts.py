"""Small inline SVG charts for the report: pure, deterministic, every text escaped, no scripts.

The `title` is the chart's accessible name; the page prints the visible caption itself, so that a
long translated caption can wrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

MET = "#2e7d32"
BREACHED = "#c62828"
LINE = "#1f5fa8"
SECOND = "#8aa9cf"
GRID = "#d7dce2"
INK = "#333"
MUTED = "#6b7280"
FONT = 8.0


def _n(x: float) -> str:
    """Coordinates with fixed decimals, so the same data gives byte-identical SVG."""
    return f"{x:.1f}"


def _t(text: str) -> str:
    return escape(str(text), quote=True)


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_t(title)}" class="chart">',
        f"<title>{_t(title)}</title>",
    ]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    color: str = INK,
    size: float = FONT,
    weight: str = "normal",
) -> str:
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{color}" '
        f'font-size="{_n(size)}"{bold}>{_t(text)}</text>'
    )


def _width(text: str, size: float) -> float:
    """A rough text width: enough to keep labels apart without measuring fonts."""
    return len(text) * size * 0.56


def _thin(labels: Sequence[str], room: int) -> list[str]:
    """Keep every k-th x label (and the last) when there are more periods than room."""
    if len(labels) <= room:
        return list(labels)
    step = -(-len(labels) // room)
    last = len(labels) - 1
    return [s if (last - i) % step == 0 else "" for i, s in enumerate(labels)]


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """A colour swatch and its label per item, left to right along the chart's top."""
    out = []
    lx = 0.0
    for color, label in items:
        out.append(f'<rect x="{_n(lx)}" y="1" width="6" height="6" fill="{color}"/>')
        out.append(_text(lx + 8, 6.5, label, size=6.5))
        lx += 12 + 4.2 * len(label)
    return out


def line_chart(
    values: Sequence[float | None],
    x_labels: Sequence[str],
    *,
    title: str,
    value_labels: Sequence[str],
    y_max: float = 1.0,
    y_ticks: Sequence[tuple[float, str]] = (),
    reference: tuple[float, str] | None = None,
    width: int = 180,
    height: int = 84,
) -> str:
    """A line over the periods (gaps where a value is None) with a dashed reference line.

    `value_labels` are the already formatted values, shown above each point; `y_ticks` are
    (value, formatted label) pairs for the grid; `reference` is (value, label), e.g. the
    contract's minimum.
    """
    plot = _Plot(width, height, len(values), y_max or 1.0)
    out = _open(width, height, title)
    for v, label in y_ticks:
        out.append(plot.rule(v, f'stroke="{GRID}" stroke-width="0.6"'))
        out.append(
            _text(plot.left - 3, plot.y(v) + 2.5, label, anchor="end", color=MUTED, size=6.5)
        )
    if reference is not None:
        rv, rlabel = reference
        out.append(plot.rule(rv, f'stroke="{BREACHED}" stroke-width="0.8" stroke-dasharray="3 2"'))
        out.append(
            _text(plot.left + plot.pw + 3, plot.y(rv) + 2.5, rlabel, color=BREACHED, size=6.5)
        )
    for seg in _segments(plot, values):
        if len(seg) > 1:
            out.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{LINE}" '
                f'stroke-width="1.6" stroke-linejoin="round"/>'
            )
    avoid = reference[0] if reference is not None else None
    out += _points(plot, values, _thin(value_labels, 8), avoid)
    for i, label in enumerate(_thin(x_labels, 8)):
        if label:
            out.append(_text(plot.x(i), height - 2, label, anchor="middle", color=MUTED, size=7))
    out.append("</svg>")
    return "".join(out)


class _Plot:
    """The plotting area of a line chart: where a period and a value go."""

    left, right, top, bottom = 24.0, 24.0, 10.0, 12.0
    inset = 10.0  # keeps the first and last value labels off the axis labels

    def __init__(self, width: int, height: int, n: int, y_max: float) -> None:
        self.pw = width - self.left - self.right
        self.ph = height - self.top - self.bottom
        self.n = n
        self.y_max = y_max

    def x(self, i: int) -> float:
        if self.n == 1:
            return self.left + self.pw / 2
        return self.left + (self.inset + (self.pw - 2 * self.inset) * i / (self.n - 1))

    def y(self, v: float) -> float:
        return self.top + self.ph * (1 - max(0.0, min(v, self.y_max)) / self.y_max)

    def rule(self, v: float, style: str) -> str:
        """A horizontal line across the plot at value `v`."""
        y = _n(self.y(v))
        return (
            f'<line x1="{_n(self.left)}" y1="{y}" x2="{_n(self.left + self.pw)}" y2="{y}" {style}/>'
        )


def _segments(plot: _Plot, values: Sequence[float | None]) -> list[list[str]]:
    """The line's runs of points between missing values, as SVG coordinates."""
    segments: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            segments.append([])
        else:
            segments[-1].append(f"{_n(plot.x(i))},{_n(plot.y(v))}")
    return [seg for seg in segments if seg]


def _points(
    plot: _Plot, values: Sequence[float | None], labels: Sequence[str], avoid: float | None
) -> list[str]:
    """A dot per value (the last one larger) with its label above, or below where the label
    above would sit on the reference line at value `avoid` (a struck-through label reads badly)."""
    out = []
    for i, v in enumerate(values):
        if v is None:
            continue
        last = i == plot.n - 1
        x, y = plot.x(i), plot.y(v)
        out.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{"2.4" if last else "1.7"}" fill="{LINE}"/>'
        )
        if labels[i]:
            weight = "bold" if last else "normal"
            base = _label_baseline(plot, y, None if avoid is None else plot.y(avoid))
            out.append(_halo(_text(x, base, labels[i], anchor="middle", size=7, weight=weight)))
    return out


LABEL_UP, LABEL_DOWN = 4.0, 8.5  # baseline above / below the dot
LABEL_ASCENT, LABEL_DESCENT = 5.6, 1.6  # a 7-unit label's extent above and below its baseline


def _label_baseline(plot: _Plot, y: float, rule: float | None) -> float:
    """Where a point's label goes: above the dot unless the reference line crosses it there,
    then below it when the plot has room; the halo keeps it readable where neither is clear."""
    above = y - LABEL_UP
    if rule is None or not (above - LABEL_ASCENT - 0.6 <= rule <= above + LABEL_DESCENT + 0.6):
        return above
    below = y + LABEL_DOWN
    clear = not (below - LABEL_ASCENT - 0.6 <= rule <= below + LABEL_DESCENT + 0.6)
    fits = below + LABEL_DESCENT <= plot.top + plot.ph + 2.0  # above the period labels
    return below if clear and fits else above


def _halo(text_element: str) -> str:
    """A text with a white outline painted under its letters, so that a line under it breaks."""
    return text_element.replace(
        "<text ", '<text stroke="#fff" stroke-width="2" paint-order="stroke" ', 1
    )


def pair_bars(
    first: Sequence[int],
    second: Sequence[int],
    x_labels: Sequence[str],
    *,
    title: str,
    legend: tuple[str, str],
    value_labels: tuple[Sequence[str], Sequence[str]],
    width: int = 180,
    height: int = 84,
) -> str:
    """Two bars per period side by side (e.g. created and resolved), with a legend."""
    left, right, top, bottom = 6.0, 6.0, 18.0, 12.0
    pw, ph = width - left - right, height - top - bottom
    n = max(len(first), 1)
    peak = max([*first, *second, 1])
    slot = pw / n
    bar = min(slot * 0.36, 14.0)
    out = _open(width, height, title)
    out += _legend(((LINE, legend[0]), (SECOND, legend[1])))
    thin = (_thin(value_labels[0], 8), _thin(value_labels[1], 8))
    widest = max((_width(v, 6) for v in [*value_labels[0], *value_labels[1]]), default=0.0)
    if widest > bar + 1:  # labels of neighbouring bars would overlap: the table has the values
        thin = ([""] * len(first), [""] * len(first))
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(top + ph)}" x2="{_n(left + pw)}" '
        f'y2="{_n(top + ph)}" stroke="{GRID}" stroke-width="0.6"/>'
    )
    for i in range(len(first)):
        cx = left + slot * (i + 0.5)
        for j, (v, color) in enumerate(((first[i], LINE), (second[i], SECOND))):
            h = ph * v / peak
            bx = cx - bar if j == 0 else cx
            out.append(
                f'<rect x="{_n(bx)}" y="{_n(top + ph - h)}" width="{_n(bar - 0.6)}" '
                f'height="{_n(h)}" fill="{color}"/>'
            )
            if thin[j][i]:
                y = top + ph - h - 2
                out.append(_text(bx + bar / 2, y, thin[j][i], anchor="middle", size=6, color=MUTED))
    for i, label in enumerate(_thin(x_labels, 8)):
        if label:
            x = left + slot * (i + 0.5)
            out.append(_text(x, height - 2, label, anchor="middle", color=MUTED, size=7))
    out.append("</svg>")
    return "".join(out)


def met_breached_bars(
    rows: Sequence[tuple[str, int, int]],
    *,
    title: str,
    legend: tuple[str, str],
    count_labels: Sequence[tuple[str, str]],
    width: int = 200,
) -> str:
    """One horizontal bar per row (e.g. priority): the met part green, the breached part red.

    Bars share one scale (the largest row), so volumes compare across rows as well as shares.
    """
    label_w, top, row_h = 44.0, 12.0, 13.0
    height = int(top + row_h * max(len(rows), 1) + 2)
    counts = [f"{cm} / {cb}" for cm, cb in count_labels]
    pw = width - label_w - 6.0 - max((_width(c, 6.5) for c in counts), default=0.0)
    peak = max([m + b for _, m, b in rows] + [1])
    out = _open(width, height, title)
    out += _legend(((MET, legend[0]), (BREACHED, legend[1])))
    for i, (label, met, breached) in enumerate(rows):
        y = top + row_h * i
        short = label if len(label) <= 12 else label[:11] + "…"
        out.append(_text(label_w - 3, y + 8.5, short, anchor="end", size=7))
        wm, wb = pw * met / peak, pw * breached / peak
        out.append(
            f'<rect x="{_n(label_w)}" y="{_n(y + 1.5)}" width="{_n(wm)}" height="9" fill="{MET}"/>'
        )
        out.append(
            f'<rect x="{_n(label_w + wm)}" y="{_n(y + 1.5)}" width="{_n(wb)}" '
            f'height="9" fill="{BREACHED}"/>'
        )
        out.append(_text(label_w + wm + wb + 3, y + 8.5, counts[i], size=6.5, color=MUTED))
    out.append("</svg>")
    return "".join(out)


def sparkline(values: Sequence[float | None], *, y_max: float | None = None) -> str:
    """Unicode block sparkline for Markdown (`▁▃▅█`); `·` where a value is missing."""
    blocks = "▁▂▃▄▅▆▇█"
    known = [v for v in values if v is not None]
    if not known:
        return ""
    top = y_max if y_max is not None else max(known)
    low = 0.0 if y_max is not None else min(known)
    span = (top - low) or 1.0
    out = []
    for v in values:
        if v is None:
            out.append("·")
            continue
        k = int(round((min(max(v, low), top) - low) / span * (len(blocks) - 1)))
        out.append(blocks[k])
    return "".join(out)
