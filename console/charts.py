"""Bar charts as server-side SVG: no script, no library; colours come from console.css.

Every text is escaped; each bar carries a <title> (its value on hover) and the
chart a title and description for screen readers. The report's tables hold the
same figures for those who would rather read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    """One set of bars: its name in the legend, a CSS class for its colour, the values."""

    name: str
    css_class: str
    values: Sequence[float]


def nice_maximum(value: float, steps: int = 4) -> int:
    """The top of a scale of `steps` whole, round steps (1, 1.5, 2 … 8 × 10ⁿ) above `value`."""
    if value <= 0:
        return steps
    raw = value / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * power
        if step >= raw and step == int(step):
            return int(step) * steps
    return math.ceil(raw) * steps


def _number(value: float) -> str:
    return f"{value:g}"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts, offset = [], x
    for item in series:
        parts.append(f'<rect class="chart__bar {escape(item.css_class)}" x="{offset:.1f}" '
                     f'y="{y - 10:.1f}" width="12" height="12"/>')
        parts.append(f'<text class="chart__legend" x="{offset + 17:.1f}" y="{y:.1f}">'
                     f'{escape(item.name)}</text>')
        offset += 30 + 7.5 * len(item.name)
    return parts


def grouped_bars(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    width: int = 1100,
    height: int = 300,
) -> Markup:
    """Vertical bars, one group per category (e.g. per day), one bar per series."""
    left, right, top, bottom = 44, 12, 34, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_maximum(max((v for s in series for v in s.values), default=0))
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, left, 16)
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line class="chart__grid" x1="{left}" x2="{width - right}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart__tick" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_number(value)}</text>')
    count = max(1, len(categories))
    group_w = plot_w / count
    bar_w = max(1.0, min(28.0, group_w * 0.8 / max(1, len(series))))
    label_every = max(1, math.ceil(count / 31))
    for index, category in enumerate(categories):
        group_x = left + group_w * index + (group_w - bar_w * len(series)) / 2
        for position, item in enumerate(series):
            value = item.values[index]
            bar_h = plot_h * value / peak
            x = group_x + bar_w * position
            y = top + plot_h - bar_h
            parts.append(
                f'<rect class="chart__bar {escape(item.css_class)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{bar_h:.1f}"><title>{escape(category)}: '
                f'{_number(value)} {escape(item.name.lower())}</title></rect>'
            )
        if index % label_every == 0:
            center = left + group_w * (index + 0.5)
            parts.append(f'<text class="chart__label" x="{center:.1f}" y="{height - bottom + 16}" '
                         f'text-anchor="middle">{escape(category)}</text>')
    parts.append(f'<line class="chart__axis" x1="{left}" x2="{width - right}" '
                 f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, float, str]],
    width: int = 560,
) -> Markup:
    """One horizontal bar per (label, value, css class): the label above, the value after."""
    row, top = 44, 6
    height = top * 2 + row * max(1, len(items))
    peak = max((value for _, value, _ in items), default=0) or 1
    plot_w = width - 60
    parts = _open(chart_id, title, description, width, height)
    for index, (label, value, css_class) in enumerate(items):
        y = top + row * index
        bar_w = plot_w * value / peak
        parts.append(f'<text class="chart__label" x="0" y="{y + 14}">{escape(label)}</text>')
        parts.append(
            f'<rect class="chart__bar {escape(css_class)}" x="0" y="{y + 20}" '
            f'width="{bar_w:.1f}" height="16"><title>{escape(label)}: '
            f'{_number(value)}</title></rect>'
        )
        parts.append(f'<text class="chart__value" x="{bar_w + 6:.1f}" '
                     f'y="{y + 33}">{_number(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
