"""SVG drawing for the charts: an <svg> root built with ElementTree (every label escaped,
well-formed XML by construction), a plot axis with its value scale, and layout helpers.

Geometry: a value v is drawn v / y_max of the plot height above the axis.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif"
INK, MUTED, GRID, AXIS = "#1f2328", "#59636e", "#d8dee4", "#57606a"
MARKER = "#cf222e"  # line rate / array limit
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#9c755f",
)
TEXT_PX, TITLE_PX = 13, 16
CHAR_W = 0.6  # average glyph width per font px, for layout only
MARGIN = 16
PLOT_H = 260


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def text_width(text: str, px: float = TEXT_PX) -> float:
    return len(text) * px * CHAR_W


def nice_scale(top: float, ticks: int = 5) -> tuple[float, list[float]]:
    """(y_max, tick values): a round step so that about `ticks` gridlines cover top."""
    top = max(top, 1e-9) * 1.08  # room for value labels above the tallest mark
    raw = top / ticks
    exponent = 10 ** math.floor(math.log10(raw))
    step = next(m * exponent for m in (1, 2, 2.5, 5, 10) if m * exponent >= raw)
    y_max = math.ceil(top / step - 1e-9) * step
    return y_max, [i * step for i in range(round(y_max / step) + 1)]


def tick_label(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:g}"


def value_label(value: float, y_max: float) -> str:
    """To the axis' resolution: 187 on a 250 axis, 93.9 on a 125 one, 61k past 10,000."""
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    return f"{value:,.{0 if y_max >= 200 else 1 if y_max >= 20 else 2}f}"


def num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class Svg:
    """An <svg> root with helpers for the few shapes the charts use."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "width": num(width),
                "height": num(height),
                "viewBox": f"0 0 {num(width)} {num(height)}",
                "role": "img",
                "font-family": FONT,
                "font-size": str(TEXT_PX),
            },
        )
        ET.SubElement(self.root, "title").text = title
        ET.SubElement(self.root, "rect", width="100%", height="100%", fill="#ffffff")

    def el(self, tag: str, parent: ET.Element | None = None, **attrs: object) -> ET.Element:
        return ET.SubElement(
            self.root if parent is None else parent,
            tag,
            {
                k.rstrip("_").replace("_", "-"): num(v) if isinstance(v, float) else str(v)
                for k, v in attrs.items()
            },
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        parent: ET.Element | None = None,
        **attrs: object,
    ) -> ET.Element:
        node = self.el("text", parent, x=float(x), y=float(y), **{"fill": INK, **attrs})
        node.text = text
        return node

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> ET.Element:
        return self.el("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attrs)

    def header(self, title: str, subtitle: str) -> float:
        """Title and subtitle at the top; returns the y below them."""
        self.text(MARGIN, MARGIN + TITLE_PX, title, font_size=TITLE_PX, font_weight="600")
        if subtitle:
            self.text(MARGIN, MARGIN + TITLE_PX + 20, subtitle, fill=MUTED, class_="subtitle")
        return MARGIN + TITLE_PX + (30 if subtitle else 12)

    def legend(self, y: float, entries: Sequence[tuple[str, str, str]], width: float) -> float:
        """Entries (label, colour, kind "box"|"dash"|"line") in rows; returns the y below."""
        x, row_h = MARGIN, 20
        group = self.el("g", class_="legend")
        for label, fill, kind in entries:
            w = 14 + 6 + text_width(label) + 22
            if x > MARGIN and x + w > width - MARGIN:
                x, y = MARGIN, y + row_h
            if kind == "box":
                self.el("rect", group, x=float(x), y=y + 2.0, width=12, height=12, fill=fill)
            else:
                dash = {"stroke-dasharray": "5 3"} if kind == "dash" else {}
                node = self.el("line", group, x1=float(x), y1=y + 8.0, x2=x + 14.0, y2=y + 8.0)
                node.attrib.update({"stroke": fill, "stroke-width": "2.5", **dash})
            self.text(x + 20, y + 13, label, group, class_="legend-label")
            x += w
        return y + row_h + 6

    def to_string(self) -> str:
        ET.indent(self.root)
        return ET.tostring(self.root, encoding="unicode") + "\n"


@dataclass
class Axis:
    """A plot box and its value scale: y_of(v) is where the value v is drawn."""

    x: float
    y: float
    width: float
    height: float
    y_max: float

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def y_of(self, value: float) -> float:
        return self.bottom - max(0.0, value) / self.y_max * self.height

    def draw(self, svg: Svg, ticks: list[float], unit: str, x_label: str = "") -> None:
        """Gridlines, tick labels, the unit above the value axis, the axis lines."""
        for tick in ticks:
            y = self.y_of(tick)
            svg.line(self.x, y, self.x + self.width, y, stroke=GRID, class_="grid")
            svg.text(
                self.x - 6,
                y + 4,
                tick_label(tick),
                fill=MUTED,
                text_anchor="end",
                class_="tick",
                data_value=num(tick),
            )
        svg.text(self.x - 6, self.y - 10, unit, fill=MUTED, text_anchor="end", class_="unit")
        svg.line(
            self.x,
            self.bottom,
            self.x + self.width,
            self.bottom,
            stroke=AXIS,
            stroke_width=1.5,
            class_="axis",
        )
        svg.line(self.x, self.y, self.x, self.bottom, stroke=AXIS, stroke_width=1.5, class_="axis")
        if x_label:
            svg.text(
                self.x + self.width / 2,
                self.bottom + 40,
                x_label,
                fill=MUTED,
                text_anchor="middle",
                class_="x-label",
            )


def sized(svg: Svg, width: float, height: float) -> str:
    """The SVG text, its canvas set to the size the drawing ended up."""
    svg.root.set("height", num(height))
    svg.root.set("viewBox", f"0 0 {num(width)} {num(height)}")
    return svg.to_string()
