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


def _text(x: float, y: float, text: str, *, anchor: str = "start", color: str = INK,
          size: float = FONT, weight: str = "normal") -> str:  # fmt: skip
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
    left, right, top, bottom = 24.0, 24.0, 10.0, 12.0
    pw, ph = width - left - right, height - top - bottom
    n = len(values)
    y_max = y_max or 1.0

    inset = 10.0  # keeps the first and last value labels off the axis labels

    def x(i: int) -> float:
        return left + (pw / 2 if n == 1 else inset + (pw - 2 * inset) * i / (n - 1))

    def y(v: float) -> float:
        return top + ph * (1 - max(0.0, min(v, y_max)) / y_max)

    out = _open(width, height, title)
    for v, label in y_ticks:
        out.append(f'<line x1="{_n(left)}" y1="{_n(y(v))}" x2="{_n(left + pw)}" '
                   f'y2="{_n(y(v))}" stroke="{GRID}" stroke-width="0.6"/>')  # fmt: skip
        out.append(_text(left - 3, y(v) + 2.5, label, anchor="end", color=MUTED, size=6.5))
    if reference is not None:
        rv, rlabel = reference
        out.append(f'<line x1="{_n(left)}" y1="{_n(y(rv))}" x2="{_n(left + pw)}" '
                   f'y2="{_n(y(rv))}" stroke="{BREACHED}" stroke-width="0.8" '
                   f'stroke-dasharray="3 2"/>')  # fmt: skip
        out.append(_text(left + pw + 3, y(rv) + 2.5, rlabel, color=BREACHED, size=6.5))
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_n(x(i))},{_n(y(v))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{LINE}" '
                       f'stroke-width="1.6" stroke-linejoin="round"/>')  # fmt: skip
    shown = _thin(value_labels, 8)
    for i, v in enumerate(values):
        if v is None:
            continue
        last = i == n - 1
        out.append(f'<circle cx="{_n(x(i))}" cy="{_n(y(v))}" r="{"2.4" if last else "1.7"}" '
                   f'fill="{LINE}"/>')  # fmt: skip
        if shown[i]:
            out.append(_text(x(i), y(v) - 4, shown[i], anchor="middle", size=7,
                             weight="bold" if last else "normal"))  # fmt: skip
    for i, label in enumerate(_thin(x_labels, 8)):
        if label:
            out.append(_text(x(i), height - 2, label, anchor="middle", color=MUTED, size=7))
    out.append("</svg>")
    return "".join(out)


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
    lx = 0.0
    for color, label in ((LINE, legend[0]), (SECOND, legend[1])):
        out.append(f'<rect x="{_n(lx)}" y="1" width="6" height="6" fill="{color}"/>')
        out.append(_text(lx + 8, 6.5, label, size=6.5))
        lx += 12 + 4.2 * len(label)
    thin = (_thin(value_labels[0], 8), _thin(value_labels[1], 8))
    widest = max((_width(v, 6) for v in [*value_labels[0], *value_labels[1]]), default=0.0)
    if widest > bar + 1:  # labels of neighbouring bars would overlap: the table has the values
        thin = ([""] * len(first), [""] * len(first))
    out.append(f'<line x1="{_n(left)}" y1="{_n(top + ph)}" x2="{_n(left + pw)}" '
               f'y2="{_n(top + ph)}" stroke="{GRID}" stroke-width="0.6"/>')  # fmt: skip
    for i in range(len(first)):
        cx = left + slot * (i + 0.5)
        for j, (v, color) in enumerate(((first[i], LINE), (second[i], SECOND))):
            h = ph * v / peak
            bx = cx - bar if j == 0 else cx
            out.append(f'<rect x="{_n(bx)}" y="{_n(top + ph - h)}" width="{_n(bar - 0.6)}" '
                       f'height="{_n(h)}" fill="{color}"/>')  # fmt: skip
            if thin[j][i]:
                out.append(_text(bx + bar / 2, top + ph - h - 2, thin[j][i], anchor="middle",
                                 size=6, color=MUTED))  # fmt: skip
    for i, label in enumerate(_thin(x_labels, 8)):
        if label:
            out.append(_text(left + slot * (i + 0.5), height - 2, label, anchor="middle",
                             color=MUTED, size=7))  # fmt: skip
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
    lx = 0.0
    for color, label in ((MET, legend[0]), (BREACHED, legend[1])):
        out.append(f'<rect x="{_n(lx)}" y="1" width="6" height="6" fill="{color}"/>')
        out.append(_text(lx + 8, 6.5, label, size=6.5))
        lx += 12 + 4.2 * len(label)
    for i, (label, met, breached) in enumerate(rows):
        y = top + row_h * i
        short = label if len(label) <= 12 else label[:11] + "…"
        out.append(_text(label_w - 3, y + 8.5, short, anchor="end", size=7))
        wm, wb = pw * met / peak, pw * breached / peak
        out.append(f'<rect x="{_n(label_w)}" y="{_n(y + 1.5)}" width="{_n(wm)}" height="9" '
                   f'fill="{MET}"/>')  # fmt: skip
        out.append(f'<rect x="{_n(label_w + wm)}" y="{_n(y + 1.5)}" width="{_n(wb)}" '
                   f'height="9" fill="{BREACHED}"/>')  # fmt: skip
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
