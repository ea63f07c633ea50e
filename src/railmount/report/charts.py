"""The report's charts as SVG text: grouped bars in rows (bandwidth per link and phase),
bar panels side by side (training reads) and a line chart (fleet scaling).

Every mark carries a class and data-* attributes (series, value) so tests and readers
can find it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from railmount.report.svg import (
    GRID,
    INK,
    MARGIN,
    MARKER,
    MUTED,
    PLOT_H,
    SVG_NS,
    Axis,
    Svg,
    colour,
    nice_scale,
    num,
    sized,
    text_width,
    tick_label,
    value_label,
)

__all__ = [  # with what the report's modules and tests take from svg through here
    "MUTED",
    "SVG_NS",
    "BarGroup",
    "BarPanel",
    "Series",
    "bar_panels",
    "bar_rows",
    "colour",
    "line_chart",
    "nice_scale",
]

BAR_W, BAR_GAP, GROUP_PAD = 34, 4, 14
MAX_ROW_W = 1120  # plot width per row of bar groups; more groups wrap into further rows

# --------------------------------------------------------------------------- bars


@dataclass
class BarGroup:
    """Bars side by side for one thing (a link, an image size), one per series."""

    label: str  # under the group
    values: dict[str, float]  # series -> value; a missing series leaves a gap
    band: str = ""  # a second label under a run of groups (the host)
    marker: float | None = None  # a reference drawn across the group (the line rate)


@dataclass
class BarPanel:
    unit: str  # the value axis, e.g. "Mbit/s"
    groups: list[BarGroup]
    title: str = ""  # above the panel, when panels stand side by side
    series: list[str] = field(default_factory=list)  # order; default: as the groups name them


def _series(panel: BarPanel) -> list[str]:
    names = list(panel.series)
    for group in panel.groups:
        names += [s for s in group.values if s not in names]
    return names


def _group_w(n_series: int, label: str) -> float:
    bars = n_series * BAR_W + (n_series - 1) * BAR_GAP
    return max(bars + 2 * GROUP_PAD, text_width(label) + 12)


def _draw_groups(
    svg: Svg,
    axis: Axis,
    groups: list[BarGroup],
    series: list[str],
    colours: dict[str, str],
    panel_key: str,
) -> None:
    x = axis.x + 6
    band_start: dict[str, float] = {}
    band_end: dict[str, float] = {}
    for n, group in enumerate(groups):
        if n and group.band != groups[n - 1].band:
            x += GROUP_PAD
            sep = x - GROUP_PAD / 2
            svg.line(sep, axis.y, sep, axis.bottom + 34, stroke=GRID, class_="band-separator")
        width = _group_w(len(series), group.label)
        band_start.setdefault(group.band, x)
        bars_w = len(series) * BAR_W + (len(series) - 1) * BAR_GAP
        bx = x + (width - bars_w) / 2
        node = svg.el(
            "g",
            class_="bar-group",
            data_label=group.label,
            data_band=group.band,
            data_panel=panel_key,
        )
        for i, name in enumerate(series):
            if name not in group.values:
                continue
            value = group.values[name]
            x0 = bx + i * (BAR_W + BAR_GAP)
            top = axis.y_of(value)
            bar = svg.el(
                "rect",
                node,
                x=x0,
                y=top,
                width=float(BAR_W),
                height=axis.bottom - top,
                fill=colours[name],
                class_="bar",
                data_series=name,
                data_value=repr(value),
            )
            label = value_label(value, axis.y_max)
            ET.SubElement(bar, "title").text = f"{group.band} {group.label} {name}: {label}"
            if text_width(label, 11) <= BAR_W + BAR_GAP:
                # Inside the top of a tall bar, so it never meets the marker just above.
                inside = axis.bottom - top >= 22
                svg.text(
                    x0 + BAR_W / 2,
                    top + 14 if inside else top - 4,
                    label,
                    node,
                    font_size=11,
                    text_anchor="middle",
                    fill="#ffffff" if inside else INK,
                    class_="value",
                )
        if group.marker:
            y = axis.y_of(group.marker)
            svg.el(
                "line",
                node,
                x1=bx - 4,
                y1=y,
                x2=bx + bars_w + 4,
                y2=y,
                stroke=MARKER,
                stroke_width=2,
                stroke_dasharray="6 3",
                class_="marker",
                data_value=repr(group.marker),
            )
        svg.text(
            x + width / 2,
            axis.bottom + 17,
            group.label,
            node,
            text_anchor="middle",
            class_="group-label",
        )
        x += width
        band_end[group.band] = x
    for band, start in band_start.items():
        if band:
            svg.text(
                (start + band_end[band]) / 2,
                axis.bottom + 34,
                band,
                text_anchor="middle",
                font_weight="600",
                class_="band-label",
            )


def _rows(groups: list[BarGroup], n_series: int) -> list[list[BarGroup]]:
    """Whole bands per row, as many as fit MAX_ROW_W (at least one)."""
    bands: dict[str, list[BarGroup]] = {}
    for group in groups:
        bands.setdefault(group.band, []).append(group)
    rows: list[list[BarGroup]] = [[]]
    for band in bands.values():
        if rows[-1] and _row_width(rows[-1] + band, n_series) > MAX_ROW_W:
            rows.append([])
        rows[-1] += band
    return rows


def _row_width(groups: list[BarGroup], n_series: int) -> float:
    bands = len({g.band for g in groups})
    return sum(_group_w(n_series, g.label) for g in groups) + bands * GROUP_PAD + 12


def _left(ticks: list[float], unit: str) -> float:
    return MARGIN + max([text_width(tick_label(t)) for t in ticks] + [text_width(unit)]) + 10


def bar_rows(title: str, subtitle: str, panel: BarPanel, marker_label: str = "") -> str:
    """One value axis; groups wrap into rows that share it (bandwidth per host and link)."""
    series = _series(panel)
    colours = {name: colour(i) for i, name in enumerate(series)}
    top = [v for g in panel.groups for v in g.values.values()]
    top += [g.marker for g in panel.groups if g.marker]
    y_max, ticks = nice_scale(max(top, default=1.0))
    left = _left(ticks, panel.unit)
    rows = _rows(panel.groups, len(series))
    width = max(left + max(_row_width(r, len(series)) for r in rows) + MARGIN, 560)
    legend = [(s, colours[s], "box") for s in series]
    if marker_label and any(g.marker for g in panel.groups):
        legend.append((marker_label, MARKER, "dash"))
    row_h = 24 + PLOT_H + 42
    svg = Svg(width, 0, title)
    y = svg.legend(svg.header(title, subtitle), legend, width)
    if not panel.groups:
        svg.text(MARGIN, y + 16, "nothing measured in this run", fill=MUTED, class_="empty")
        y += 30
    for n, row in enumerate(rows if panel.groups else []):
        axis = Axis(left, y + 24 + n * row_h, _row_width(row, len(series)), PLOT_H, y_max)
        axis.draw(svg, ticks, panel.unit)
        _draw_groups(svg, axis, row, series, colours, f"row{n}")
    height = y + (len(rows) * row_h if panel.groups else 0) + MARGIN
    return sized(svg, width, height)


def bar_panels(title: str, subtitle: str, panels: list[BarPanel]) -> str:
    """Panels side by side, each with its own value axis (files/s next to MB/s)."""
    all_series: list[str] = []
    for panel in panels:
        all_series += [s for s in _series(panel) if s not in all_series]
    colours = {name: colour(i) for i, name in enumerate(all_series)}
    layout = []
    x = 0.0
    for panel in panels:
        series = _series(panel)
        y_max, ticks = nice_scale(
            max((v for g in panel.groups for v in g.values.values()), default=1.0)
        )
        left = x + _left(ticks, panel.unit)
        plot_w = _row_width(panel.groups, len(series))
        layout.append((panel, series, y_max, ticks, left, plot_w))
        x = left + plot_w + 24
    width = max(x + MARGIN, 480)
    svg = Svg(width, 0, title)
    y = svg.legend(svg.header(title, subtitle), [(s, colours[s], "box") for s in all_series], width)
    for n, (panel, series, y_max, ticks, left, plot_w) in enumerate(layout):
        svg.text(left, y + 14, panel.title, font_weight="600", class_="panel-title")
        axis = Axis(left, y + 44, plot_w, PLOT_H, y_max)
        axis.draw(svg, ticks, panel.unit)
        _draw_groups(svg, axis, panel.groups, series, colours, f"panel{n}")
    return sized(svg, width, y + 44 + PLOT_H + 30 + MARGIN)


# --------------------------------------------------------------------------- lines


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]  # (x, value)
    style: str = "line"  # "line" (solid with dots and value labels) or "dash"
    colour: str = ""


def line_chart(
    title: str,
    subtitle: str,
    unit: str,
    x_label: str,
    series: list[Series],
    limit: tuple[str, float] | None = None,
) -> str:
    """Values against a numeric x (hosts reading at once), with an optional limit line."""
    xs = sorted({x for s in series for x, _ in s.points})
    values = [v for s in series for _, v in s.points] + ([limit[1]] if limit else [])
    y_max, ticks = nice_scale(max(values, default=1.0))
    left = _left(ticks, unit)
    plot_w = max(120.0 * max(len(xs) - 1, 1), 640.0)
    width = left + plot_w + 40 + MARGIN
    entries = [(s.name, s.colour or colour(i), s.style) for i, s in enumerate(series)]
    if limit:
        entries.append((limit[0], MARKER, "dash"))
    svg = Svg(width, 0, title)
    y = svg.legend(svg.header(title, subtitle), entries, width)
    axis = Axis(left, y + 24, plot_w, PLOT_H, y_max)
    axis.draw(svg, ticks, unit, x_label)
    lo, hi = (xs[0], xs[-1]) if xs else (0.0, 1.0)

    def x_of(x: float) -> float:
        return axis.x + 20 + (plot_w - 40) * ((x - lo) / (hi - lo) if hi > lo else 0.5)

    for x in xs:
        svg.text(
            x_of(x),
            axis.bottom + 18,
            f"{x:g}",
            text_anchor="middle",
            class_="x-tick",
            data_value=f"{x:g}",
        )
    if limit:
        y_lim = axis.y_of(limit[1])
        svg.line(
            axis.x,
            y_lim,
            axis.x + plot_w,
            y_lim,
            stroke=MARKER,
            stroke_width=2,
            stroke_dasharray="6 3",
            class_="limit",
            data_value=repr(limit[1]),
        )
        svg.text(axis.x + 6, y_lim - 6, limit[0], fill=MARKER, class_="limit-label")
    for (name, stroke, style), s in zip(entries, series, strict=False):
        node = svg.el("g", class_="series", data_series=name)
        points = " ".join(f"{num(x_of(x))},{num(axis.y_of(v))}" for x, v in s.points)
        line = svg.el(
            "polyline",
            node,
            points=points,
            fill="none",
            stroke=stroke,
            stroke_width=2.5 if style == "line" else 2,
            class_="line",
        )
        if style == "dash":
            line.set("stroke-dasharray", "6 4")
        for x, v in s.points:
            svg.el(
                "circle",
                node,
                cx=x_of(x),
                cy=axis.y_of(v),
                r=4 if style == "line" else 3,
                fill=stroke,
                class_="point",
                data_x=f"{x:g}",
                data_value=repr(v),
            )
            if style == "line":
                # Below the point: the reference lines above it (line rates) stay clear.
                low = axis.bottom - axis.y_of(v) < 24
                svg.text(
                    x_of(x),
                    axis.y_of(v) + (-9 if low else 18),
                    value_label(v, axis.y_max),
                    node,
                    text_anchor="middle",
                    font_size=11,
                    class_="value",
                )
    return sized(svg, width, axis.bottom + 50 + MARGIN)
