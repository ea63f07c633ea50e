"""The SVG charts, read back with a real XML parser: bar heights, markers, labels, lines."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import pytest

from railmount.report import charts
from railmount.report.document import build

NS = {"s": charts.SVG_NS}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def chart(name: str, results: dict) -> ET.Element:
    found = [c for c in build(results).charts() if c.name == name]
    assert len(found) == 1, [c.name for c in build(results).charts()]
    return parse(found[0].svg)


def floats(el: ET.Element, *keys: str) -> list[float]:
    return [float(el.get(k, "nan")) for k in keys]


def axis_bottom(root: ET.Element) -> float:
    """y of the value axis' baseline: the horizontal axis line."""
    lines = [ln for ln in root.iter(f"{{{charts.SVG_NS}}}line") if ln.get("class") == "axis"]
    return next(float(ln.get("y1")) for ln in lines if ln.get("y1") == ln.get("y2"))


def ticks(root: ET.Element) -> dict[float, float]:
    """tick value -> y of its gridline."""
    return {
        float(t.get("data-value")): float(t.get("y")) - 4
        for t in root.iter(f"{{{charts.SVG_NS}}}text")
        if t.get("class") == "tick"
    }


def test_bandwidth_bars_proportional_and_line_rate_marker(lab_results):
    root = chart("bandwidth", lab_results)
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    bars = root.findall(".//s:rect[@class='bar']", NS)
    # 2 hosts x 2 links x 4 phases
    assert len(bars) == 16
    bottom = axis_bottom(root)
    grid = ticks(root)
    assert sorted(grid) == [0, 50, 100, 150, 200, 250]  # Mbit/s, 200 Mbit/s links
    per_unit = (grid[0] - grid[250]) / 250
    for bar in bars:
        y, height = floats(bar, "y", "height")
        assert y + height == pytest.approx(bottom, abs=0.1)  # standing on the axis
        assert height == pytest.approx(float(bar.get("data-value")) * per_unit, abs=0.1)
    # the "all" bar of dgx-1-2 em2 is its all-mounts rate in Mbit/s
    groups = root.findall(".//s:g[@class='bar-group']", NS)
    em2 = next(
        g for g in groups if g.get("data-band") == "dgx-1-2" and g.get("data-label") == "em2"
    )
    all_bar = next(b for b in em2.findall("s:rect", NS) if b.get("data-series") == "all")
    assert float(all_bar.get("data-value")) == pytest.approx(22638519.0 * 8 / 1e6)
    # line rate marker across each group at 200 Mbit/s
    markers = root.findall(".//s:line[@class='marker']", NS)
    assert len(markers) == 4
    for marker in markers:
        assert float(marker.get("y1")) == pytest.approx(grid[200], abs=0.1)


def test_bandwidth_labels_legend_and_units(lab_results):
    root = chart("bandwidth", lab_results)
    texts = {t.get("class"): [] for t in root.iter(f"{{{charts.SVG_NS}}}text")}
    for t in root.iter(f"{{{charts.SVG_NS}}}text"):
        texts[t.get("class")].append(t.text)
    assert texts["unit"] == ["Mbit/s"]
    assert texts["legend-label"] == ["single:nfs0", "link:em1", "link:em2", "all", "line rate"]
    assert texts["group-label"] == ["em1", "em2", "em1", "em2"]
    assert texts["band-label"] == ["dgx-1-1", "dgx-1-2"]
    assert "188" in texts["value"]
    assert root.find("s:title", NS).text == "Read bandwidth per link and phase"


def test_real_links_are_drawn_in_gbit(handmade_results):
    root = chart("bandwidth", handmade_results)
    assert {t.text for t in root.findall(".//s:text[@class='unit']", NS)} == {"Gbit/s"}
    markers = root.findall(".//s:line[@class='marker']", NS)
    assert {float(m.get("data-value")) for m in markers} == {100.0}  # 100 Gbit/s links


def test_many_hosts_wrap_into_rows(lab_results):
    for n in range(3, 9):
        lab_results["hosts"][f"dgx-1-{n}"] = copy.deepcopy(lab_results["hosts"]["dgx-1-2"])
    root = chart("bandwidth", lab_results)
    assert float(root.get("width")) <= charts.MAX_ROW_W + 200
    units = root.findall(".//s:text[@class='unit']", NS)
    assert len(units) >= 3  # one value axis per row
    assert len(root.findall(".//s:text[@class='band-label']", NS)) == 8


def test_fleet_line_chart_points_limit_and_line_rates(handmade_results):
    root = chart("fleet", handmade_results)
    grid = ticks(root)
    top = max(grid)
    per_unit = (grid[0] - grid[top]) / top
    series = {g.get("data-series"): g for g in root.findall(".//s:g[@class='series']", NS)}
    assert set(series) == {"aggregate read, measured", "sum of the hosts' line rates"}
    measured = series["aggregate read, measured"].findall("s:circle", NS)
    assert [c.get("data-x") for c in measured] == ["1", "2", "3"]
    assert [float(c.get("data-value")) for c in measured] == [23.1, 45.6, 58.7]  # GB/s
    for point in measured:
        assert grid[0] - float(point.get("cy")) == pytest.approx(
            float(point.get("data-value")) * per_unit, abs=0.1
        )
    xs = [float(c.get("cx")) for c in measured]
    assert xs == sorted(xs) and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    lines = series["sum of the hosts' line rates"].findall("s:circle", NS)
    assert [float(c.get("data-value")) for c in lines] == [25.0, 50.0, 75.0]
    limit = root.find(".//s:line[@class='limit']", NS)
    assert float(limit.get("y1")) == pytest.approx(grid[0] - 60 * per_unit, abs=0.1)
    assert root.find(".//s:text[@class='limit-label']", NS).text == "array limit 60.0 GB/s"
    assert [t.text for t in root.findall(".//s:text[@class='unit']", NS)] == ["GB/s"]
    assert root.find(".//s:text[@class='x-label']", NS).text == "hosts reading at once"


def test_workload_panels_have_their_own_axes(handmade_results):
    root = chart("workload-dgx-a1", handmade_results)
    units = [t.text for t in root.findall(".//s:text[@class='unit']", NS)]
    assert units == ["files/s", "MB/s"]
    groups = root.findall(".//s:g[@class='bar-group']", NS)
    files = [g for g in groups if g.get("data-panel") == "panel0"]
    links = [g for g in groups if g.get("data-panel") == "panel1"]
    assert [g.get("data-label") for g in files] == ["150KB", "1MB"]
    values = {
        (g.get("data-label"), b.get("data-series")): float(b.get("data-value"))
        for g in links
        for b in g.findall("s:rect", NS)
    }
    assert values[("1MB", "enp41s0f0")] == pytest.approx(8100.0)
    heights = [float(b.get("height")) for g in files for b in g.findall("s:rect", NS)]
    assert heights[0] / heights[1] == pytest.approx(61000 / 16200, rel=1e-3)


def test_labels_are_escaped_xml():
    svg = charts.bar_rows(
        "a <b> & c",
        "",
        charts.BarPanel("x", [charts.BarGroup("<em1>", {"s&1": 3.0}, 'h"1', 4.0)]),
        marker_label="line rate",
    )
    root = parse(svg)
    assert root.find("s:title", NS).text == "a <b> & c"
    assert root.find(".//s:text[@class='group-label']", NS).text == "<em1>"


def test_nice_scale():
    assert charts.nice_scale(200) == (250, [0, 50, 100, 150, 200, 250])
    y_max, ticks_ = charts.nice_scale(58.7)
    assert y_max >= 58.7 * 1.08 and ticks_[-1] == y_max
