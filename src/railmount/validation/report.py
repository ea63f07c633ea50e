"""Reports from a validation results JSON: terminal summary, Markdown, HTML and a PNG chart.

`format_summary(results)` is the terminal view; `write_reports(results, out_dir)` writes
results.json, report.md, report.html and bandwidth.png. The chart is drawn here with a
built-in bitmap font and encoded with zlib + struct: no plotting dependency.

Units: MB/s is 10^6 bytes/s (as in the sizing table), Mbit/s is 10^6 bits/s.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import struct
import textwrap
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUITE_ORDER = ("links", "routes", "mounts", "bandwidth", "faults")
OUTCOMES = ("passed", "failed", "skipped")
KNOWN_HOST_KEYS = ("checks", "bandwidth", "sizing")
PNG_NAME = "bandwidth.png"
WIDTH = 100  # terminal columns


# --------------------------------------------------------------------------- model helpers


def suite_of(nodeid: str) -> str:
    """ "validate/test_links.py::test_port_up[h/em1]" -> "links"."""
    module = nodeid.split("::", 1)[0]
    return Path(module).stem.removeprefix("test_")


def _test_name(nodeid: str) -> str:
    """Function name without module or parameters: "test_port_up"."""
    name = nodeid.split("::")[-1]
    return name.split("[", 1)[0]


def _suite_key(suite: str) -> tuple[int, str]:
    order = SUITE_ORDER.index(suite) if suite in SUITE_ORDER else len(SUITE_ORDER)
    return order, suite


def _checks(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("checks") or [])


def suite_counts(results: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """host -> suite -> {"passed": n, "failed": n, "skipped": n}, suites in report order."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for host, data in results.get("hosts", {}).items():
        per_suite: dict[str, dict[str, int]] = {}
        for entry in _checks(data):
            row = per_suite.setdefault(suite_of(entry["test"]), dict.fromkeys(OUTCOMES, 0))
            row[entry["outcome"]] = row.get(entry["outcome"], 0) + 1
        counts[host] = {s: per_suite[s] for s in sorted(per_suite, key=_suite_key)}
    return counts


def totals(results: dict[str, Any]) -> dict[str, int]:
    """The run's summary; counted from the checks when the JSON has none."""
    summary = results.get("summary")
    if summary:
        return {k: int(summary.get(k, 0)) for k in OUTCOMES}
    out = dict.fromkeys(OUTCOMES, 0)
    for per_suite in suite_counts(results).values():
        for row in per_suite.values():
            for k in OUTCOMES:
                out[k] += row[k]
    return out


def verdict_line(results: dict[str, Any]) -> str:
    t = totals(results)
    return f"railmount validate: {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped"


def clean_message(message: str) -> str:
    for prefix in ("AssertionError: ", "Failed: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def failures(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (host, entry)
        for host, data in results.get("hosts", {}).items()
        for entry in _checks(data)
        if entry["outcome"] == "failed"
    ]


def failure_text(host: str, entry: dict[str, Any]) -> str:
    """The failure as one sentence: the assertion message, else the failing checks."""
    message = clean_message(entry.get("message") or "")
    if not message:
        bad = [c for c in entry.get("checks", []) if not c.get("passed")]
        message = "; ".join(
            f"{c['item']} {c.get('what', '')}".strip()
            + f": expected {c['expected']}, actual {c['actual']}"
            for c in bad
        )
        message = message or "failed (no message recorded)"
        message = f"{host} {message}"
    return message


def _mbit(bytes_per_s: float | None) -> str:
    return "-" if bytes_per_s is None else f"{bytes_per_s * 8 / 1e6:.1f}"


def _mbyte(bytes_per_s: float | None) -> str:
    return "-" if bytes_per_s is None else f"{bytes_per_s / 1e6:.2f}"


def _pct(value: float | None, rate: float | None) -> str:
    return "-" if value is None or not rate else f"{100 * value / rate:.1f}%"


def _ports(bandwidth: dict[str, Any]) -> list[str]:
    ports = list(bandwidth.get("links", {}))
    for phase in bandwidth.get("phases", []):
        ports += [p for p in phase.get("links", {}) if p not in ports]
    return ports


def _line_rate(bandwidth: dict[str, Any], port: str) -> float | None:
    return bandwidth.get("links", {}).get(port, {}).get("line_rate_bytes_per_s")


def _extra_tables(data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Host keys beyond checks/bandwidth/sizing (e.g. "faults") holding lists of flat dicts."""
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    for key, value in data.items():
        if key in KNOWN_HOST_KEYS or not isinstance(value, list) or not value:
            continue
        rows = [v for v in value if isinstance(v, dict)]
        headers: list[str] = []
        for row in rows:
            headers += [k for k in row if k not in headers]
        out[key] = (headers, [[_cell(row.get(k)) for k in headers] for row in rows])
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _sizing_line(rows: list[dict[str, Any]]) -> str:
    fed = [f"{r['workload']} {r['image_size']}" for r in rows if r.get("fed")]
    if fed:
        return f"feeds {len(fed)} of {len(rows)} workload x image size: {', '.join(fed)}"
    best = max(rows, key=lambda r: r.get("headroom", 0))
    return (
        f"feeds none of {len(rows)} workload x image size (closest: {best['workload']} "
        f"{best['image_size']} needs {best['required_bytes_per_s'] / 1e6:g} MB/s, "
        f"{best['headroom']:.2f}x)"
    )


# --------------------------------------------------------------------------- terminal


def _text_table(
    headers: list[str], rows: list[list[str]], align: str = "", indent: str = ""
) -> list[str]:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [
            c.rjust(w) if align[i : i + 1] == "r" else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _phase_rows_wide(bandwidth: dict[str, Any], ports: list[str]) -> list[list[str]]:
    rows = []
    for phase in bandwidth.get("phases", []):
        links = phase.get("links", {})
        rows.append(
            [
                phase["name"],
                ",".join(phase.get("mounts", [])),
                *[_mbit(links.get(p)) for p in ports],
                _mbit(sum(links.values())),
                _mbit(phase.get("fio_bytes_per_s")),
                str(phase.get("errors", 0)),
                f"{phase.get('window_s', 0):.2f}",
            ]
        )
    return rows


def _all_mounts_rows(bandwidth: dict[str, Any]) -> list[list[str]]:
    """Per port and total: MB/s, Mbit/s, line rate, share of line rate (all-mounts phase)."""
    links = bandwidth.get("links", {})
    rows = []
    for port in _ports(bandwidth):
        rate = _line_rate(bandwidth, port)
        read = links.get(port, {}).get("read_bytes_per_s")
        rows.append([port, _mbyte(read), _mbit(read), _mbit(rate), _pct(read, rate)])
    all_mounts = bandwidth.get("all_mounts_bytes_per_s")
    rows.append(["total", _mbyte(all_mounts), _mbit(all_mounts), "", ""])
    return rows


def _bandwidth_lines(bandwidth: dict[str, Any]) -> list[str]:
    ports = _ports(bandwidth)
    lines = ["  read, all mounts together:"]
    rows = _all_mounts_rows(bandwidth)
    lines += _text_table(
        ["PORT", "MB/s", "Mbit/s", "LINE Mbit/s", "% OF LINE"], rows, "lrrrr", "    "
    )
    lines.append("  phases (read Mbit/s per port over the phase window):")
    headers = ["PHASE", "MOUNTS", *ports, "TOTAL", "FIO", "ERRORS", "WINDOW s"]
    wide = _text_table(
        headers, _phase_rows_wide(bandwidth, ports), "ll" + "r" * (len(ports) + 4), "    "
    )
    if max(len(line) for line in wide) <= WIDTH:
        return lines + wide
    long_rows = [
        [
            phase["name"],
            port,
            _mbit(phase.get("links", {}).get(port)),
            _pct(phase.get("links", {}).get(port), _line_rate(bandwidth, port)),
        ]
        for phase in bandwidth.get("phases", [])
        for port in ports
    ]
    return lines + _text_table(["PHASE", "PORT", "Mbit/s", "% OF LINE"], long_rows, "llrr", "    ")


def format_summary(results: dict[str, Any]) -> str:
    """Terminal view: counts per host x suite, bandwidth per host, failures, verdict."""
    out = [
        f"railmount validate - {results.get('inventory', '?')}, started "
        f"{results.get('started', '?')}, {results.get('duration_s', 0):.1f} s",
        "",
    ]
    rows = []
    for host, per_suite in suite_counts(results).items():
        for i, (suite, c) in enumerate(per_suite.items()):
            rows.append([host if i == 0 else "", suite, *[str(c[k]) for k in OUTCOMES]])
    out += _text_table(["HOST", "SUITE", "PASSED", "FAILED", "SKIPPED"], rows, "llrrr")
    for host, data in results.get("hosts", {}).items():
        bandwidth = data.get("bandwidth")
        extras = _extra_tables(data)
        if not bandwidth and not extras:
            continue
        out += ["", f"{host}"]
        if bandwidth:
            out += _bandwidth_lines(bandwidth)
            single = bandwidth.get("single_mount_bytes_per_s")
            out.append(
                f"  one mount: {_mbit(single)} Mbit/s; all mounts: "
                f"{_mbit(bandwidth.get('all_mounts_bytes_per_s'))} Mbit/s"
            )
        if data.get("sizing"):
            out += textwrap.wrap(
                f"sizing: {_sizing_line(data['sizing'])}",
                WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        for key, (headers, table) in extras.items():
            out.append(f"  {key}:")
            out += _text_table([h.upper() for h in headers], table, "", "    ")
    found = failures(results)
    out += ["", f"FAILURES ({len(found)})" if found else "FAILURES: none"]
    for n, (host, entry) in enumerate(found, 1):
        lead = f"  {n}. "
        out += textwrap.wrap(
            failure_text(host, entry), WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead)
        )
        out.append(" " * len(lead) + entry["test"])
    out += ["", verdict_line(results)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- documents


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Bullets:
    items: list[list[tuple[str, str]]]  # runs of (style, text); style "", "b" or "code"


@dataclass
class Image:
    src: str
    alt: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    align: str = ""  # "l"/"r" per column
    failed: set[int] = field(default_factory=set)  # row indices shown as failures


Block = Heading | Para | Bullets | Image | Table


def _check_rows(entries: list[dict[str, Any]]) -> tuple[list[list[str]], set[int]]:
    """One row per test: the failing checks for failures, else the test's last check."""
    rows, failed = [], set()
    for entry in entries:
        checks = entry.get("checks") or []
        bad = [c for c in checks if not c.get("passed")]
        shown = bad if entry["outcome"] == "failed" and bad else checks[-1:]
        item = "; ".join(dict.fromkeys(str(c.get("item", "")) for c in shown))
        what = "; ".join(dict.fromkeys(str(c.get("what", "")) for c in shown))
        expected = "; ".join(str(c.get("expected", "")) for c in shown)
        actual = "; ".join(str(c.get("actual", "")) for c in shown)
        if not shown:
            param = entry["test"].split("[", 1)[1].rstrip("]") if "[" in entry["test"] else ""
            item = param.split("/", 1)[-1]
        if entry["outcome"] == "failed":
            failed.add(len(rows))
            if not bad:  # failed outside an expect(): the message is all there is
                expected, actual = "", clean_message(entry.get("message", ""))
        rows.append([_test_name(entry["test"]), item, what, entry["outcome"], expected, actual])
    return rows, failed


def _bandwidth_blocks(bandwidth: dict[str, Any]) -> list[Block]:
    ports = _ports(bandwidth)
    all_mounts = bandwidth.get("all_mounts_bytes_per_s")
    rows = _all_mounts_rows(bandwidth)
    blocks: list[Block] = [
        Heading(3, "Bandwidth"),
        Para(
            f"Read through one mount: {_mbit(bandwidth.get('single_mount_bytes_per_s'))} "
            f"Mbit/s; through all mounts together: {_mbit(all_mounts)} Mbit/s "
            f"({_mbyte(all_mounts)} MB/s). Per link, all mounts together:"
        ),
        Table(
            ["Port", "Read MB/s", "Read Mbit/s", "Line rate Mbit/s", "% of line rate"],
            rows,
            "lrrrr",
        ),
        Heading(4, "Per phase and link"),
    ]
    rows, failed = [], set()
    for phase in bandwidth.get("phases", []):
        if phase.get("errors"):
            failed.update(range(len(rows), len(rows) + len(ports)))
        for port in ports:
            read = phase.get("links", {}).get(port)
            rate = _line_rate(bandwidth, port)
            rows.append(
                [
                    phase["name"],
                    ",".join(phase.get("mounts", [])),
                    port,
                    _mbyte(read),
                    _mbit(read),
                    _pct(read, rate),
                ]
            )
    blocks.append(
        Table(
            ["Phase", "Mounts read", "Port", "Read MB/s", "Read Mbit/s", "% of line rate"],
            rows,
            "lllrrr",
            failed,
        )
    )
    rows, failed = [], set()
    for i, phase in enumerate(bandwidth.get("phases", [])):
        if phase.get("errors"):
            failed.add(i)
        rows.append(
            [
                phase["name"],
                _mbit(sum(phase.get("links", {}).values())),
                _mbit(phase.get("fio_bytes_per_s")),
                str(phase.get("errors", 0)),
                f"{phase.get('window_s', 0):.2f}",
            ]
        )
    blocks.append(
        Table(
            ["Phase", "Links total Mbit/s", "fio Mbit/s", "fio errors", "Window s"],
            rows,
            "lrrrr",
            failed,
        )
    )
    sums = bandwidth.get("checksums") or {}
    if sums:
        distinct = set(sums.values())
        if len(distinct) == 1 and "" not in distinct:
            blocks.append(
                Para(
                    f"Test files read back through all {len(sums)} mounts: "
                    f"identical sha256 {next(iter(distinct))[:16]}..."
                )
            )
        else:
            blocks.append(Para("Test files read back through each mount (sha256 DIFFER):"))
            blocks.append(
                Table(["Mount", "sha256"], [[m, s or "(unreadable)"] for m, s in sums.items()])
            )
    return blocks


def _sizing_blocks(rows: list[dict[str, Any]]) -> list[Block]:
    table = [
        [
            str(r["workload"]),
            str(r["image_size"]),
            f"{r['required_bytes_per_s'] / 1e6:g}",
            _mbyte(r["measured_bytes_per_s"]),
            f"{r['headroom']:.2f}x",
            "yes" if r["fed"] else "no",
        ]
        for r in rows
    ]
    return [
        Heading(3, "Sizing"),
        Para(
            "Read rate one 8-GPU server needs per training workload (reference "
            f"architecture), against the measured all-mounts rate: {_sizing_line(rows)}."
        ),
        Table(
            ["Workload", "Image size", "Needs MB/s", "Measured MB/s", "Headroom", "Fed"],
            table,
            "llrrrl",
        ),
    ]


def document(results: dict[str, Any], png: str | None = PNG_NAME) -> list[Block]:
    """The report as blocks; rendered to Markdown and HTML alike."""
    t = totals(results)
    blocks: list[Block] = [
        Heading(1, "railmount validation report"),
        Bullets(
            [
                [("", "Inventory: "), ("code", str(results.get("inventory", "?")))],
                [("", f"Started: {results.get('started', '?')}")],
                [("", f"Duration: {results.get('duration_s', 0):.1f} s")],
                [
                    ("", "Result: "),
                    ("b", f"{t['failed']} failed"),
                    ("", f", {t['passed']} passed, {t['skipped']} skipped"),
                ],
            ]
        ),
        Heading(2, "Summary"),
    ]
    rows = [
        [host, suite, *[str(c[k]) for k in OUTCOMES]]
        for host, per_suite in suite_counts(results).items()
        for suite, c in per_suite.items()
    ]
    blocks.append(
        Table(
            ["Host", "Suite", "Passed", "Failed", "Skipped"],
            rows,
            "llrrr",
            {i for i, r in enumerate(rows) if r[3] != "0"},
        )
    )
    found = failures(results)
    blocks.append(Heading(2, f"Failures ({len(found)})"))
    if found:
        items = []
        for host, entry in found:
            text = failure_text(host, entry)
            if text.startswith(host + " "):
                text = text[len(host) :]
            items.append([("b", host), ("", text + " "), ("code", entry["test"])])
        blocks.append(Bullets(items))
    else:
        blocks.append(Para("None."))
    if png:
        blocks += [
            Heading(2, "Read bandwidth per link"),
            Para(
                "Measured read rate per host and link in each phase (one mount alone, "
                "each link's mounts alone, all mounts together); grey bars are the "
                "link's line rate."
            ),
            Image(png, "Read bandwidth per host, link and phase against line rate"),
        ]
    for host, data in results.get("hosts", {}).items():
        blocks.append(Heading(2, host))
        if data.get("bandwidth"):
            blocks += _bandwidth_blocks(data["bandwidth"])
        if data.get("sizing"):
            blocks += _sizing_blocks(data["sizing"])
        for key, (headers, table) in _extra_tables(data).items():
            blocks += [Heading(3, key.capitalize()), Table(headers, table)]
        blocks.append(Heading(3, "Checks"))
        by_suite: dict[str, list[dict[str, Any]]] = {}
        for entry in _checks(data):
            by_suite.setdefault(suite_of(entry["test"]), []).append(entry)
        for suite in sorted(by_suite, key=_suite_key):
            entries = by_suite[suite]
            n = {k: sum(e["outcome"] == k for e in entries) for k in OUTCOMES}
            blocks.append(
                Heading(
                    4,
                    f"{suite}: {n['passed']} passed, {n['failed']} failed, {n['skipped']} skipped",
                )
            )
            table, failed = _check_rows(entries)
            blocks.append(
                Table(["Test", "Item", "Check", "Outcome", "Expected", "Actual"], table, "", failed)
            )
    return blocks


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_runs(runs: list[tuple[str, str]]) -> str:
    out = []
    for style, text in runs:
        if style == "b":
            out.append(f"**{text}**")
        elif style == "code":
            out.append(f"`{text}`")
        else:
            out.append(text)
    return "".join(out)


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {_md_runs(item)}" for item in block.items] + [""]
        elif isinstance(block, Image):
            out += [f"![{block.alt}]({block.src})", ""]
        else:
            align = [block.align[i : i + 1] or "l" for i in range(len(block.headers))]
            out.append("| " + " | ".join(block.headers) + " |")
            out.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
            for i, row in enumerate(block.rows):
                cells = [_md_cell(c) for c in row]
                if i in block.failed:
                    cells = [f"**{c}**" if c else c for c in cells]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out)


CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       max-width: 1180px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
h4 { font-size: 1em; margin: 1.2em 0 .4em; color: #444; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; }
th { background: #f3f5f7; text-align: left; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #ffebe9; color: #82071e; font-weight: 600; }
td.passed { color: #1a7f37; } td.skipped { color: #8a6d00; } td.failed { color: #cf222e; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f5f7;
       padding: 1px 4px; border-radius: 3px; }
li { margin: .25em 0; }
img { max-width: 100%; border: 1px solid #d0d7de; }
""".strip()


def _html_runs(runs: list[tuple[str, str]]) -> str:
    tags = {"b": "strong", "code": "code"}
    return "".join(
        f"<{tags[s]}>{html.escape(t)}</{tags[s]}>" if s in tags else html.escape(t) for s, t in runs
    )


def to_html(blocks: list[Block], title: str = "railmount validation report") -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            out.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{_html_runs(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Image):
            out.append(
                f'<p><img src="{html.escape(block.src)}" alt="{html.escape(block.alt)}"></p>'
            )
        else:
            align = [block.align[i : i + 1] or "l" for i in range(len(block.headers))]
            out.append("<table>")
            out.append(
                "<tr>"
                + "".join(
                    f'<th class="{a}">{html.escape(h)}</th>'
                    for h, a in zip(block.headers, align, strict=True)
                )
                + "</tr>"
            )
            for i, row in enumerate(block.rows):
                cls = ' class="failed"' if i in block.failed else ""
                cells = []
                for c, a in zip(row, align, strict=True):
                    classes = " ".join(x for x in (a, c if c in OUTCOMES else "") if x)
                    cells.append(f'<td class="{classes}">{html.escape(c)}</td>')
                out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
            out.append("</table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- PNG chart

# 5x7 glyphs (plus two descender rows for g j p q y), one hex byte per row, bit 4 = left.
_GLYPHS_SRC = {
    "0": "0E11131519110E",
    "1": "040C040404040E",
    "2": "0E11010204081F",
    "3": "1F02040201110E",
    "4": "02060A121F0202",
    "5": "1F101E0101110E",
    "6": "0608101E11110E",
    "7": "1F010204080808",
    "8": "0E11110E11110E",
    "9": "0E11110F01020C",
    "A": "0E11111F111111",
    "B": "1E11111E11111E",
    "C": "0E11101010110E",
    "D": "1C12111111121C",
    "E": "1F10101E10101F",
    "F": "1F10101E101010",
    "G": "0E11101711110F",
    "H": "1111111F111111",
    "I": "0E04040404040E",
    "J": "0702020202120C",
    "K": "11121418141211",
    "L": "1010101010101F",
    "M": "111B1515111111",
    "N": "11111915131111",
    "O": "0E11111111110E",
    "P": "1E11111E101010",
    "Q": "0E11111115120D",
    "R": "1E11111E141211",
    "S": "0F10100E01011E",
    "T": "1F040404040404",
    "U": "1111111111110E",
    "V": "11111111110A04",
    "W": "1111111515150A",
    "X": "11110A040A1111",
    "Y": "11110A04040404",
    "Z": "1F01020408101F",
    "a": "00000E010F110F",
    "b": "1010161911111E",
    "c": "00000E1010110E",
    "d": "01010D1311110F",
    "e": "00000E111F100E",
    "f": "0609081C080808",
    "g": "00000F1111110F010E",
    "h": "10101619111111",
    "i": "04000C0404040E",
    "j": "02000602020202120C",
    "k": "10101214181412",
    "l": "0C04040404040E",
    "m": "00001A15151111",
    "n": "00001619111111",
    "o": "00000E1111110E",
    "p": "00001E1111111E1010",
    "q": "00000F1111110F0101",
    "r": "00001619101010",
    "s": "00000F100E011E",
    "t": "08081C08080906",
    "u": "0000111111130D",
    "v": "00001111110A04",
    "w": "0000111115150A",
    "x": "0000110A040A11",
    "y": "0000111111110F010E",
    "z": "00001F0204081F",
    " ": "00000000000000",
    "-": "0000000E000000",
    "/": "01020204080810",
    ":": "000C0C000C0C00",
    ".": "00000000000C0C",
    "%": "18190204081303",
    "(": "02040808080402",
    ")": "08040202020408",
    ",": "00000000000C0408",
    "_": "0000000000001F",
    "+": "0004041F040400",
    "=": "00001F001F0000",
    ">": "08040201020408",
    "<": "02040810080402",
    "[": "0E08080808080E",
    "]": "0E02020202020E",
    "?": "0E110102040004",
    "#": "0A0A1F0A1F0A0A",
    "'": "04040800000000",
}
GLYPHS: dict[str, tuple[int, ...]] = {
    ch: tuple(bytes.fromhex(src)) for ch, src in _GLYPHS_SRC.items()
}
GLYPH_W, GLYPH_H, CELL_H = 5, 7, 9

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
INK: Colour = (36, 41, 47)
MUTED: Colour = (101, 109, 118)
GRID: Colour = (222, 226, 230)
AXIS: Colour = (87, 96, 106)
LINE_RATE: Colour = (214, 219, 224)  # the lighter bar behind each measured bar
PHASE_COLOURS: tuple[Colour, ...] = (
    (78, 121, 167),  # blue
    (242, 142, 43),  # orange
    (89, 161, 79),  # green
    (176, 122, 161),  # purple
    (225, 87, 89),  # red
    (118, 183, 178),  # teal
    (237, 201, 72),  # yellow
    (156, 117, 95),  # brown
)


class Canvas:
    """An RGB raster with rectangles and bitmap text; `png()` encodes it."""

    def __init__(self, width: int, height: int, background: Colour = WHITE) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        """Fill [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1:
            return
        run = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(run)] = run

    def dashed_hline(
        self,
        x0: int,
        x1: int,
        y: int,
        colour: Colour,
        dash: int = 6,
        gap: int = 4,
        thickness: int = 2,
    ) -> None:
        for x in range(x0, x1, dash + gap):
            self.rect(x, y, min(x + dash, x1), y + thickness, colour)

    @staticmethod
    def text_width(text: str, scale: int = 1) -> int:
        return max(0, len(text) * (GLYPH_W + 1) * scale - scale)

    def text(self, x: int, y: int, text: str, colour: Colour, scale: int = 1) -> None:
        """Draw with the top of capitals at y."""
        for ch in text:
            rows = GLYPHS.get(ch, GLYPHS["?"])
            for r, bits in enumerate(rows):
                for c in range(GLYPH_W):
                    if bits & (0x10 >> c):
                        self.rect(
                            x + c * scale,
                            y + r * scale,
                            x + (c + 1) * scale,
                            y + (r + 1) * scale,
                            colour,
                        )
            x += (GLYPH_W + 1) * scale

    def png(self) -> bytes:
        return encode_png(self.width, self.height, bytes(self.pixels))


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """8-bit RGB, no interlace, filter type 0 on every scanline."""
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _nice_step(raw: float) -> float:
    exponent = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * exponent >= raw:
            return m * exponent
    return 10 * exponent


@dataclass
class _Group:
    host: str
    port: str
    line_rate: float | None  # Mbit/s
    values: dict[str, float]  # phase -> Mbit/s


def _chart_groups(results: dict[str, Any]) -> tuple[list[_Group], list[str]]:
    groups: list[_Group] = []
    phases: list[str] = []
    for host, data in results.get("hosts", {}).items():
        bandwidth = data.get("bandwidth")
        if not bandwidth:
            continue
        for phase in bandwidth.get("phases", []):
            if phase["name"] not in phases:
                phases.append(phase["name"])
        for port in _ports(bandwidth):
            rate = _line_rate(bandwidth, port)
            values = {
                p["name"]: p["links"][port] * 8 / 1e6
                for p in bandwidth.get("phases", [])
                if port in p.get("links", {})
            }
            groups.append(_Group(host, port, rate * 8 / 1e6 if rate else None, values))
    return groups, phases


def phase_colour(index: int) -> Colour:
    return PHASE_COLOURS[index % len(PHASE_COLOURS)]


MAX_PANEL_W = 1400  # plot width per row of hosts; more hosts stack into further rows
BAR_W, BAR_GAP, GROUP_PAD, HOST_GAP, PLOT_H = 44, 8, 18, 28, 340


def _panels(groups: list[_Group], group_w: int) -> list[list[_Group]]:
    """Whole hosts per panel, as many as fit MAX_PANEL_W (at least one)."""
    by_host: dict[str, list[_Group]] = {}
    for group in groups:
        by_host.setdefault(group.host, []).append(group)
    panels: list[list[_Group]] = [[]]
    for host_groups in by_host.values():
        current = panels[-1]
        hosts = len({g.host for g in current})
        width = (len(current) + len(host_groups)) * group_w + hosts * HOST_GAP
        if current and width > MAX_PANEL_W:
            panels.append([])
        panels[-1] += host_groups
    return panels


def _panel_width(groups: list[_Group], group_w: int) -> int:
    return len(groups) * group_w + (len({g.host for g in groups}) - 1) * HOST_GAP + 16


def bandwidth_chart(results: dict[str, Any]) -> bytes:
    """Grouped bars: one group per host/link, one bar per phase, line rate as a grey bar."""
    groups, phases = _chart_groups(results)
    s = 2  # text scale
    line_h = CELL_H * s
    title = "Read bandwidth per link and phase"
    subtitle = (
        f"{results.get('inventory', '')}  {results.get('started', '')}  "
        f"Mbit/s over each phase's window"
    ).strip()
    if not groups:
        canvas = Canvas(640, 120)
        canvas.text(24, 24, title, INK, 3)
        canvas.text(24, 72, "no bandwidth measured in this run", MUTED, s)
        return canvas.png()

    group_w = len(phases) * BAR_W + (len(phases) - 1) * BAR_GAP + 2 * GROUP_PAD
    group_w = max(group_w, max(Canvas.text_width(g.port, s) for g in groups) + 12)
    panels = _panels(groups, group_w)

    top_value = max(
        [v for g in groups for v in g.values.values()]
        + [g.line_rate for g in groups if g.line_rate]
        + [1.0]
    )
    step = _nice_step(top_value * 1.08 / 5)
    y_max = math.ceil(top_value * 1.08 / step) * step
    ticks = [i * step for i in range(round(y_max / step) + 1)]
    tick_labels = [f"{t:g}" for t in ticks]

    margin = 24
    plot_x0 = margin + max(Canvas.text_width(t, s) for t in tick_labels) + 10
    plot_w = max(_panel_width(panel, group_w) for panel in panels)

    # Legend entries: phases, then the line rate.
    legend = [(name, phase_colour(i)) for i, name in enumerate(phases)]
    legend.append(("line rate", LINE_RATE))
    swatch = 7 * s
    entry_w = [swatch + 8 + Canvas.text_width(name, s) + 24 for name, _ in legend]
    width = max(
        plot_x0 + plot_w + margin,
        margin * 2 + Canvas.text_width(title, 3),
        margin * 2 + Canvas.text_width(subtitle, s),
    )
    legend_rows: list[list[int]] = [[]]
    used = 0
    for i, w in enumerate(entry_w):
        if legend_rows[-1] and used + w > width - 2 * margin:
            legend_rows.append([])
            used = 0
        legend_rows[-1].append(i)
        used += w

    title_y = margin
    subtitle_y = title_y + 7 * 3 + 12
    legend_y = subtitle_y + line_h + 10
    first_panel_y = legend_y + len(legend_rows) * (line_h + 6) + 8
    panel_h = line_h + 16 + PLOT_H + 8 + line_h + 8 + line_h + 16
    height = first_panel_y + len(panels) * panel_h + margin - 16

    canvas = Canvas(width, height)
    canvas.text(margin, title_y, title, INK, 3)
    canvas.text(margin, subtitle_y, subtitle, MUTED, s)
    for r, row in enumerate(legend_rows):
        x = margin
        y = legend_y + r * (line_h + 6)
        for i in row:
            name, colour = legend[i]
            canvas.rect(x, y, x + swatch, y + swatch, colour)
            canvas.text(x + swatch + 8, y, name, INK, s)
            x += entry_w[i]
    for n, panel in enumerate(panels):
        unit_y = first_panel_y + n * panel_h
        canvas.text(margin, unit_y, "Mbit/s", MUTED, s)
        _draw_panel(
            canvas,
            panel,
            phases,
            plot_x0,
            unit_y + line_h + 16,
            _panel_width(panel, group_w),
            group_w,
            y_max,
            ticks,
            tick_labels,
        )
    return canvas.png()


def _draw_panel(
    canvas: Canvas,
    groups: list[_Group],
    phases: list[str],
    plot_x0: int,
    plot_y0: int,
    plot_w: int,
    group_w: int,
    y_max: float,
    ticks: list[float],
    tick_labels: list[str],
) -> None:
    s = 2
    line_h = CELL_H * s
    axis_y = plot_y0 + PLOT_H

    def y_of(value: float) -> int:
        return axis_y - round(value / y_max * PLOT_H)

    for tick, label in zip(ticks, tick_labels, strict=True):
        y = y_of(tick)
        canvas.rect(plot_x0, y, plot_x0 + plot_w, y + 1, GRID)
        canvas.text(
            plot_x0 - 8 - Canvas.text_width(label, s), y - (GLYPH_H * s) // 2, label, MUTED, s
        )

    x = plot_x0 + 8
    host_spans: dict[str, list[int]] = {}
    bars_w = len(phases) * BAR_W + (len(phases) - 1) * BAR_GAP
    for n, group in enumerate(groups):
        if n and group.host != groups[n - 1].host:
            x += HOST_GAP
            sep = x - HOST_GAP // 2
            canvas.rect(sep, plot_y0, sep + 1, axis_y + 8 + line_h, GRID)
        span = host_spans.setdefault(group.host, [x, x])
        bx = x + (group_w - bars_w) // 2
        for i, name in enumerate(phases):
            x0 = bx + i * (BAR_W + BAR_GAP)
            x1 = x0 + BAR_W
            if group.line_rate:
                canvas.rect(x0, y_of(group.line_rate), x1, axis_y, LINE_RATE)
            if name not in group.values:
                continue
            value = group.values[name]
            top = min(y_of(value), axis_y - 1) if value > 0 else axis_y
            canvas.rect(x0, top, x1, axis_y, phase_colour(i))
            label = f"{value:.0f}"
            for scale in (s, 1):
                tw = Canvas.text_width(label, scale)
                if tw <= BAR_W - 4:
                    break
            else:
                continue
            tx = x0 + (BAR_W - tw) // 2
            if axis_y - top >= GLYPH_H * scale + 10:
                canvas.text(tx, top + 5, label, WHITE, scale)
            else:
                canvas.text(tx, top - GLYPH_H * scale - 4, label, INK, scale)
        port_x = x + (group_w - Canvas.text_width(group.port, s)) // 2
        canvas.text(port_x, axis_y + 8, group.port, INK, s)
        span[1] = x + group_w
        x += group_w
    canvas.rect(plot_x0, axis_y, plot_x0 + plot_w, axis_y + 2, AXIS)
    canvas.rect(plot_x0 - 2, plot_y0, plot_x0, axis_y + 2, AXIS)
    for host, (hx0, hx1) in host_spans.items():
        hx = (hx0 + hx1 - Canvas.text_width(host, s)) // 2
        canvas.text(hx, axis_y + 8 + line_h + 8, host, INK, s)


# --------------------------------------------------------------------------- files and CLI


def write_reports(results: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """results.json, report.md, report.html and bandwidth.png in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "results.json",
        "markdown": out_dir / "report.md",
        "html": out_dir / "report.html",
        "png": out_dir / PNG_NAME,
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["png"].write_bytes(bandwidth_chart(results))
    blocks = document(results, PNG_NAME)
    paths["markdown"].write_text(to_markdown(blocks))
    paths["html"].write_text(to_html(blocks))
    return paths


def load_results(path: Path) -> dict[str, Any]:
    try:
        results = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise SystemExit(f"railmount report: {path}: not JSON: {err}") from err
    if not isinstance(results, dict) or not isinstance(results.get("hosts"), dict):
        raise SystemExit(f"railmount report: {path}: not a railmount results file (no hosts)")
    return results


def cmd_report(args: argparse.Namespace) -> int:
    results = load_results(args.results)
    out = Path(args.out) if args.out else Path(args.results).parent
    paths = write_reports(results, out)
    print(format_summary(results), end="")
    print("reports: " + ", ".join(str(p) for p in paths.values()))
    return 0


def add_report_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser(
        "report",
        help="summarise a validation results JSON and write Markdown, HTML and a bandwidth chart",
    )
    report.add_argument(
        "results",
        metavar="RESULTS_JSON",
        help="results file written by `railmount validate` / --railmount-json",
    )
    report.add_argument(
        "--out", metavar="DIR", help="directory for the reports (default: beside RESULTS_JSON)"
    )
    report.set_defaults(func=cmd_report)
