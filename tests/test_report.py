"""Rendering: the terminal summary, Markdown and HTML of one document, and the CLI."""

from __future__ import annotations

import argparse
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest
from conftest import LAB_RESULTS

from railmount.report import add_report_parser, format_summary, write_reports
from railmount.report.blocks import Table
from railmount.report.terminal import WIDTH, text_table

# --------------------------------------------------------------------------- terminal


def test_terminal_counts_bandwidth_failures_verdict(lab_results):
    text = format_summary(lab_results)
    lines = text.splitlines()
    assert lines[-1] == "railmount validate: 125 passed, 1 failed, 4 skipped"
    assert all(len(line) <= WIDTH for line in lines), max(lines, key=len)
    # host x suite rows: host only on its first row
    assert re.search(r"^dgx-1-2\s+links\s+13\s+1\s+2$", text, re.M)
    assert re.search(r"^\s+routes\s+20\s+0\s+0$", text, re.M)
    # per link, all mounts: MB/s, Mbit/s, line rate, % of line
    assert re.search(r"^\s+em2\s+22\.64\s+181\.1\s+200\.0\s+90\.6%$", text, re.M)
    # phases x links, % of line rate in each cell; fio and errors
    assert re.search(
        r"^\s+link:em2\s+0\.0 \(0\.0%\)\s+181\.7 \(90\.8%\)\s+181\.7\s+177\.0\s+0$", text, re.M
    )
    assert "one mount: 187.0 Mbit/s; through all mounts together: 369.2 Mbit/s" in text
    assert "feeds none of 10 workload x image size (closest: VGG16 150KB" in text
    # failures last, above the verdict: the sentence and the test
    tail = lines[lines.index("Failures (1)") :]
    assert tail[1:3] == [
        "  1. dgx-1-2 em2 state: expected up, actual down",
        "     validate/test_links.py::test_port_up[dgx-1-2/em2]",
    ]
    assert "AssertionError" not in text
    assert "test_port_mtu" not in text  # check tables are for the files


def test_terminal_new_sections_condensed(handmade_results):
    text = format_summary(handmade_results)
    lines = text.splitlines()
    assert all(len(line) <= WIDTH for line in lines), max(lines, key=len)
    flat = " ".join(line.strip() for line in lines)
    assert "The array feeds 2 hosts at full link rate" in flat
    assert re.search(r"^\s+3\s+58,700\s+75,000\s+78\.3%\s+17,911\s+20,483\s+0\.87$", text, re.M)
    assert re.search(r"^\s+AlexNet\s+1MB\s+8,000\s+3$", text, re.M)
    assert (
        "Llama-3 8B: 105 GB per host written in 40 s at 2.6 GB/s; keeps the 5 % budget for "
        "intervals of 13 min or longer; restore 38 s at 2.8 GB/s; every byte verified." in flat
    )
    assert "read back DIFFERENT from what was written" in flat
    assert re.search(
        r"^\s+1MB\s+1\.0 MB\s+100,000\s+32\s+16,200\s+16,200\s+3\.1\s+11\.2$", text, re.M
    )
    # faults: the verdict columns only
    assert re.search(r"^\s+switch-down leaf2\s+0\s+0\s+3\.1\s+1\.9\s+21\.5\s+no$", text, re.M)
    assert "still on" not in text
    # a host with nothing to show at the terminal prints no empty heading
    assert "(session)" not in lines


def test_wide_table_folds_with_key_columns():
    table = Table(["Key", *[f"column {i}" for i in range(12)]], [["k", *["x" * 9] * 12]])
    lines = text_table(table, "  ")
    assert all(len(line) <= WIDTH for line in lines)
    parts = [line for line in lines if line.lstrip().startswith("Key")]
    assert len(parts) == 2
    assert sum(line.count("column") for line in parts) == 12


# --------------------------------------------------------------------------- Markdown


def test_markdown_tables(lab_results, tmp_path):
    md = write_reports(lab_results, tmp_path)["markdown"].read_text()
    assert "- Result: **1 failed**, 125 passed, 4 skipped" in md
    assert "| **dgx-1-2** | **links** | **13** | **1** | **2** |" in md
    assert "| Port | Read MB/s | Read Mbit/s | Line rate Mbit/s | % of line rate |" in md
    assert "|---|---:|---:|---:|---:|" in md
    assert "| em1 | 23.48 | 187.8 | 200.0 | 93.9% |" in md
    assert "| total | 46.87 | 374.9 | 400.0 |  |" in md
    assert "| link:em2 | nfs1,nfs3 | 0.0 (0.0%) | 181.7 (90.8%) | 181.7 | 177.0 | 0 | 8.02 |" in md
    assert "| VGG16 | 150KB | 140 | 46.87 | 0.34x | no |" in md
    assert md.count("| no |") == 20 and "| yes |" not in md
    assert "#### links: 13 passed, 1 failed, 2 skipped" in md
    assert "| **test_port_up** | **em2** | **state** | **failed** | **up** | **down** |" in md
    assert "| test_port_mtu | em1 | mtu | passed | 9000 | 9000 |" in md
    assert (
        "- **dgx-1-2** em2 state: expected up, actual down "
        "`validate/test_links.py::test_port_up[dgx-1-2/em2]`"
    ) in md
    assert "![Read bandwidth per host, link and phase against line rate](bandwidth.svg)" in md
    assert "identical sha256 2cca9b6ba6d2336f..." in md
    first = md.index("## dgx-1-1")
    order = [md.index(f"#### {s}:", first) for s in ("links", "routes", "mounts", "bandwidth")]
    assert order == sorted(order)
    assert "\n\n\n" not in md


def test_markdown_new_sections(handmade_results, tmp_path):
    paths = write_reports(handmade_results, tmp_path)
    md = paths["markdown"].read_text()
    assert "## Fleet: all hosts reading at once" in md
    assert "![Aggregate read rate" in md and "](fleet.svg)" in md
    assert "Hosts fed per model x image size (50 % of the array for training):" in md
    assert "| ResNet-50 | 150KB | 430 | 68 |" in md
    assert "| dgx-a3 | 17,911 | 9,135 | 8,777 | 71.6% |" in md  # per host, 3 hosts at once
    assert "| 150KB | 3 | 171,000 | 25,650 | 9.8 |" in md
    assert "### Training reads (one file per sample)" in md
    assert "| 150KB | 150 kB | 400,000 | 32 | 61,000 | 9,150 | 1.9 | 6.4 |" in md
    assert "](workload-dgx-a1.svg)" in md
    assert "| AlexNet | 1MB | 8,000 | 16,200 | 2.02x | yes | file-per-sample reads |" in md
    assert "**FAILED:** Llama-3 8B: 105 GB per host written in 50 s at 2.1 GB/s" in md
    assert "| **switch-down leaf2** | **0** |" in md  # a fault that did not return
    assert "| link-down enp41s0f0 | 0 | 0 | 38 | 4 | 185,000 | 2.4 | nfs0 |" in md
    assert "| **enp170s0f0** | **8,875** | **71,000** |" in md  # the failing link
    assert "read, all mounts (bandwidth.link_rate)" in md  # the check's id
    for name in ("bandwidth", "fleet", "workload-dgx-a1", "workload-dgx-a3"):
        svg = paths[f"svg:{name}"]
        assert svg.name == f"{name}.svg" and f"]({svg.name})" in md
        ET.fromstring(svg.read_text())


def test_markdown_escapes_table_cells(lab_results, tmp_path):
    entry = lab_results["hosts"]["dgx-1-1"]["checks"][0]
    entry["checks"][0]["actual"] = "a|b"
    md = write_reports(lab_results, tmp_path)["markdown"].read_text()
    assert "a\\|b" in md


# --------------------------------------------------------------------------- HTML


def test_html_self_contained_and_escaped(lab_results, tmp_path):
    lab_results["hosts"]["dgx-1-2"]["checks"][0]["checks"][0]["actual"] = (
        "<script>alert(1)</script>"
    )
    page = write_reports(lab_results, tmp_path)["html"].read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "<link" not in page and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and page.count("<svg") == 1
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert '<tr class="failed"><td class="l">test_port_up</td><td class="l">em2</td>' in page
    assert '<li class="failure"><strong>dgx-1-2</strong> em2 state: expected up' in page
    assert '<td class="r">93.9%</td>' in page
    assert '<td class="l passed">passed</td>' in page
    assert '<p class="verdict bad">Result: 1 failed, 125 passed, 4 skipped</p>' in page


def test_html_inline_charts_and_verdicts(handmade_results, tmp_path):
    page = write_reports(handmade_results, tmp_path)["html"].read_text()
    assert page.count("<svg") == 5  # bandwidth, fleet, one workload chart per host
    assert '<p class="bad">3 hosts at once: 315 GB written at 7.3 GB/s' in page
    assert '<p class="good">Llama-3 8B: 105 GB per host written in 40 s' in page
    assert '<section id="host-dgx-a1">' in page


def test_write_reports_files(lab_results, tmp_path):
    paths = write_reports(lab_results, tmp_path / "out")
    assert [(k, p.name) for k, p in paths.items()] == [
        ("json", "results.json"),
        ("markdown", "report.md"),
        ("html", "report.html"),
        ("svg:bandwidth", "bandwidth.svg"),
    ]
    assert json.loads(paths["json"].read_text()) == lab_results
    assert not (tmp_path / "out" / "bandwidth.png").exists()


def test_templates_are_package_data():
    templates = resources.files("railmount.report") / "templates"
    names = {p.name for p in templates.iterdir()}
    assert {"report.html.j2", "report.md.j2", "report.css"} <= names


# --------------------------------------------------------------------------- CLI


def test_cli(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(LAB_RESULTS), "--out", str(tmp_path / "r")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "railmount validate: 125 passed, 1 failed, 4 skipped" in out
    assert (tmp_path / "r" / "report.html").is_file()
    assert (tmp_path / "r" / "bandwidth.svg").read_text().startswith("<svg")


def test_cli_rejects_non_results(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "results"}')
    parser = argparse.ArgumentParser()
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(bad)])
    with pytest.raises(SystemExit, match="not a railmount results file"):
        args.func(args)
