"""Reports from a results JSON: terminal summary, Markdown, HTML and the PNG chart."""

from __future__ import annotations

import argparse
import copy
import json
import re
import struct
import zlib
from pathlib import Path

import pytest

from railmount.validation import report
from railmount.validation.report import (
    LINE_RATE,
    PLOT_H,
    bandwidth_chart,
    format_summary,
    phase_colour,
    suite_of,
    write_reports,
)

SAMPLE = Path(__file__).parent / "data" / "results-sample.json"


@pytest.fixture
def results() -> dict:
    return json.loads(SAMPLE.read_text())


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, RGB rows) of an 8-bit RGB PNG whose scanlines all use filter 0."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour_type, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == height * stride
    assert all(raw[y * stride] == 0 for y in range(height))
    return width, height, [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, int, int]:
    return tuple(rows[y][3 * x : 3 * x + 3])


def runs(row: bytes, colour: tuple[int, int, int]) -> list[tuple[int, int]]:
    """[start, end) column ranges of `colour` in one scanline."""
    out, start = [], None
    for x in range(len(row) // 3 + 1):
        hit = x < len(row) // 3 and tuple(row[3 * x : 3 * x + 3]) == colour
        if hit and start is None:
            start = x
        elif not hit and start is not None:
            out.append((start, x))
            start = None
    return out


def test_suite_from_nodeid():
    assert suite_of("validate/test_links.py::test_port_up[dgx-1-1/em1]") == "links"
    assert suite_of("validate/test_bandwidth.py::test_no_read_errors[dgx-1-2]") == "bandwidth"
    assert suite_of("test_faults.py::test_x") == "faults"


def test_summary_counts_failures_and_verdict(results):
    text = format_summary(results)
    lines = text.splitlines()
    assert lines[-1] == "railmount validate: 125 passed, 1 failed, 4 skipped"
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    # host x suite rows: host only on its first row
    assert re.search(r"^dgx-1-2\s+links\s+13\s+1\s+2$", text, re.M)
    assert re.search(r"^\s+routes\s+20\s+0\s+0$", text, re.M)
    assert re.search(r"^dgx-1-1\s+links\s+14\s+0\s+2$", text, re.M)
    # per-link bandwidth: MB/s, Mbit/s, line rate, % of line
    assert re.search(r"^\s+em2\s+22\.64\s+181\.1\s+200\.0\s+90\.6%$", text, re.M)
    assert re.search(
        r"^\s+link:em2\s+nfs1,nfs3\s+0\.0\s+181\.7\s+181\.7\s+177\.0\s+0\s+8\.02$", text, re.M
    )
    # failures: the message (AssertionError: stripped) and the test
    assert "FAILURES (1)" in text
    assert "  1. dgx-1-2 em2 state: expected up, actual down" in lines
    assert "     validate/test_links.py::test_port_up[dgx-1-2/em2]" in lines
    assert "AssertionError" not in text


def test_summary_counts_from_checks_without_summary(results):
    del results["summary"]
    assert format_summary(results).splitlines()[-1] == (
        "railmount validate: 125 passed, 1 failed, 4 skipped"
    )


def test_markdown_tables(results, tmp_path):
    md = write_reports(results, tmp_path)["markdown"].read_text()
    assert "- Result: **1 failed**, 125 passed, 4 skipped" in md
    assert "| **dgx-1-2** | **links** | **13** | **1** | **2** |" in md
    # per-link, all mounts (dgx-1-1 then dgx-1-2)
    assert "| Port | Read MB/s | Read Mbit/s | Line rate Mbit/s | % of line rate |" in md
    assert "| em1 | 23.48 | 187.8 | 200.0 | 93.9% |" in md
    assert "| em2 | 22.64 | 181.1 | 200.0 | 90.6% |" in md
    assert "| total | 46.87 | 374.9 |  |  |" in md
    # per phase and link
    assert "| link:em2 | nfs1,nfs3 | em2 | 22.71 | 181.7 | 90.8% |" in md
    assert "| link:em2 | nfs1,nfs3 | em1 | 0.00 | 0.0 | 0.0% |" in md
    assert "| all | 374.9 | 365.3 | 0 | 8.01 |" in md
    # sizing, fed yes/no per workload x image size
    assert "| VGG16 | 150KB | 140 | 46.87 | 0.34x | no |" in md
    assert md.count("| no |") == 20 and "| yes |" not in md
    # checks grouped by suite, failure with expected/actual
    assert "#### links: 13 passed, 1 failed, 2 skipped" in md
    assert "| **test_port_up** | **em2** | **state** | **failed** | **up** | **down** |" in md
    assert "| test_port_mtu | em1 | mtu | passed | 9000 | 9000 |" in md
    assert (
        "- **dgx-1-2** em2 state: expected up, actual down "
        "`validate/test_links.py::test_port_up[dgx-1-2/em2]`"
    ) in md
    assert "![Read bandwidth per host, link and phase against line rate](bandwidth.png)" in md
    # suites in report order within each host
    first = md.index("## dgx-1-1")
    order = [md.index(f"#### {s}:", first) for s in ("links", "routes", "mounts", "bandwidth")]
    assert order == sorted(order)


def test_html_self_contained(results, tmp_path):
    page = write_reports(results, tmp_path)["html"].read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert '<img src="bandwidth.png"' in page
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    assert '<tr class="failed"><td class="l">test_port_up</td><td class="l">em2</td>' in page
    assert "em2 state: expected up, actual down" in page
    assert '<td class="r">93.9%</td>' in page


def test_write_reports_files(results, tmp_path):
    paths = write_reports(results, tmp_path / "out")
    assert set(paths) == {"json", "markdown", "html", "png"}
    assert [p.name for p in paths.values()] == [
        "results.json",
        "report.md",
        "report.html",
        "bandwidth.png",
    ]
    assert json.loads(paths["json"].read_text()) == results


def test_png_has_bars_at_measured_heights(results, tmp_path):
    data = write_reports(results, tmp_path)["png"].read_bytes()
    width, height, rows = decode_png(data)
    ihdr = struct.unpack(">II", data[16:24])
    assert ihdr == (width, height) and 800 <= width <= 1600 and 400 <= height <= 900

    all_colour = phase_colour(3)  # phases: single:nfs0, link:em1, link:em2, all
    count = sum(len(runs(row, all_colour)) for row in rows)
    assert count > 500
    # the lowest scanline with the "all" bars shows one bar per host/link
    bottom = max(y for y, row in enumerate(rows) if runs(row, all_colour))
    bars = runs(rows[bottom], all_colour)
    assert len(bars) == 4
    assert all(end - start == report.BAR_W for start, end in bars)
    # bar height (left edge column, clear of the value label) is proportional to the rate
    measured = [
        bw["phases"][3]["links"][port] * 8 / 1e6
        for bw in (h["bandwidth"] for h in results["hosts"].values())
        for port in ("em1", "em2")
    ]
    y_max = 250  # 200 Mbit/s line rate, gridlines every 50
    for (x, _), mbit in zip(bars, measured, strict=True):
        column = [pixel(rows, x, y) for y in range(bottom, -1, -1)]  # upwards from the axis
        bar = next(i for i, c in enumerate(column) if c != all_colour)
        assert bar == round(mbit / y_max * PLOT_H), (x, mbit)
        # the line rate is the lighter bar behind, up to 200 Mbit/s
        ghost = next(i for i, c in enumerate(column[bar:]) if c != LINE_RATE)
        assert bar + ghost == round(200 / y_max * PLOT_H)
    # legend swatch per phase
    for i in range(4):
        assert any(runs(row, phase_colour(i)) for row in rows[:120])


def test_chart_without_bandwidth(results):
    for data in results["hosts"].values():
        data.pop("bandwidth")
        data.pop("sizing")
    width, height, rows = decode_png(bandwidth_chart(results))
    assert (width, height) == (640, 120)
    assert not any(runs(row, phase_colour(0)) for row in rows)
    text = format_summary(results)
    assert "PORT" not in text and text.endswith("1 failed, 4 skipped\n")


def test_many_hosts_stack_into_panels(results):
    for n in range(3, 9):
        results["hosts"][f"dgx-1-{n}"] = copy.deepcopy(results["hosts"]["dgx-1-2"])
    width, height, _ = decode_png(bandwidth_chart(results))
    assert width <= report.MAX_PANEL_W + 200
    assert height > 4 * PLOT_H


def test_faults_rendered_generically(results, tmp_path):
    results["hosts"]["dgx-1-1"]["faults"] = [
        {"fault": "link-down", "port": "em1", "recovered_s": 3.5, "ok": True},
        {"fault": "vip-failover", "vip": "nfs2", "ok": False},
    ]
    md = write_reports(results, tmp_path)["markdown"].read_text()
    assert "### Faults" in md
    assert "| fault | port | recovered_s | ok | vip |" in md
    assert "| link-down | em1 | 3.5 | yes |  |" in md
    assert "| vip-failover |  |  | no | nfs2 |" in md
    text = format_summary(results)
    assert re.search(r"^\s+vip-failover\s+no\s+nfs2$", text, re.M)


def test_failure_without_message_uses_checks(results):
    entry = next(c for c in results["hosts"]["dgx-1-2"]["checks"] if c["outcome"] == "failed")
    entry["message"] = ""
    assert (
        "  1. dgx-1-2 em2 state: expected up, actual down" in format_summary(results).splitlines()
    )


def test_cli(results, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    report.add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(SAMPLE), "--out", str(tmp_path / "r")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "railmount validate: 125 passed, 1 failed, 4 skipped" in out
    assert (tmp_path / "r" / "report.html").is_file()
    assert (tmp_path / "r" / "bandwidth.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_rejects_non_results(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "results"}')
    parser = argparse.ArgumentParser()
    report.add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(bad)])
    with pytest.raises(SystemExit, match="not a railmount results file"):
        args.func(args)
