"""One host's part of the report: bandwidth, sizing, training reads, checkpoint, faults,
other measurements and the checks. Each section appears only when its data is there."""

from __future__ import annotations

import json
import re
from typing import Any

from railmount.report import charts
from railmount.report import units as u
from railmount.report.blocks import Block, Chart, Heading, Table, para
from railmount.report.model import (
    OUTCOMES,
    Bandwidth,
    Checkpoint,
    Host,
    SizingRow,
    TestEntry,
    WorkloadIO,
    clean_message,
    suite_key,
)

SOURCES = {"workload_io": "file-per-sample reads", "bandwidth": "big-block reads"}
# Fault figures' columns; the terminal keeps the verdict-bearing ones.
FAULT_HEADERS = {
    "fault": "Fault",
    "read_errors": "Errors",
    "mismatches": "Mismatches",
    "reads_ok": "Intact passes",
    "mounts_ok": "Mounts intact",
    "pre_rate_mbit": "Before Mbit/s",
    "stall_s": "Stall s",
    "stalled_mount": "Stalled mount",
    "resume_s": "Resume s",
    "recovery_s": "Full rate s",
    "returned": "Returned",
    "return_detail": "Detail",
}
FAULT_DETAIL = ("reads_ok", "mounts_ok", "pre_rate_mbit", "stalled_mount", "return_detail")


def host_blocks(host: Host) -> list[Block]:
    blocks: list[Block] = [Heading(2, host.name)]
    if host.bandwidth:
        blocks += bandwidth_blocks(host.bandwidth, failed_items(host, "bandwidth"))
    if host.sizing:
        blocks += sizing_blocks(host.sizing)
    if host.workload_io:
        blocks += workload_blocks(host.name, host.workload_io)
    if host.checkpoint:
        blocks += checkpoint_blocks(host.checkpoint)
    if host.faults:
        blocks += fault_blocks(host.faults)
    for key, rows in host.extras.items():
        headers, table = flat_table(rows)
        blocks += [Heading(3, key.replace("_", " ").capitalize()), Table(headers, table)]
    if host.checks:
        blocks += check_blocks(host.checks)
    return blocks


def failed_items(host: Host, suite: str) -> set[str]:
    """Items (ports, mounts) named by a failing check of the suite: drawn as failures."""
    return {
        c.item
        for entry in host.checks
        if entry.suite == suite and entry.outcome == "failed"
        for c in entry.checks
        if not c.passed
    }


# --------------------------------------------------------------------------- bandwidth


def bandwidth_blocks(bw: Bandwidth, failed_ports: set[str] = frozenset()) -> list[Block]:
    """The all-mounts rate per link (a port with a failing check highlighted), the phases."""
    ports = bw.ports
    rows = []
    for port in ports:
        read, line = bw.read.get(port), bw.line_rate.get(port)
        rows.append([port, u.mbyte(read), u.mbit(read), u.mbit(line), u.pct(read, line)])
    total = bw.all_mounts_bytes_per_s
    rows.append(["total", u.mbyte(total), u.mbit(total), u.mbit(bw.line_rate_total), ""])
    blocks: list[Block] = [
        Heading(3, "Bandwidth"),
        para(
            f"Read through one mount: {u.mbit(bw.single_mount_bytes_per_s)} Mbit/s; through "
            f"all mounts together: {u.mbit(total)} Mbit/s ({u.mbyte(total)} MB/s)."
        ),
        para("Per link, all mounts together:"),
        Table(
            ["Port", "Read MB/s", "Read Mbit/s", "Line rate Mbit/s", "% of line rate"],
            rows,
            "lrrrr",
            {i for i, port in enumerate(ports) if port in failed_ports},
        ),
        para(
            "Per phase: read Mbit/s on each link over the phase window (% of its line rate), "
            "the sum over the links, and fio's own rate and errors:"
        ),
        phase_table(bw, ports),
    ]
    sums = bw.checksums
    distinct = set(sums.values())
    if len(distinct) == 1 and "" not in distinct:
        blocks.append(
            para(
                f"Test files read back through all {len(sums)} mounts: identical sha256 "
                f"{next(iter(distinct))[:16]}...",
                terminal=False,
            )
        )
    elif sums:
        blocks.append(para("Test files read back through each mount: sha256 DIFFER", "bad"))
        blocks.append(
            Table(["Mount", "sha256"], [[m, s or "(unreadable)"] for m, s in sums.items()])
        )
    return blocks


def phase_table(bw: Bandwidth, ports: list[str]) -> Table:
    """Phases x links: what each phase read on each link, against the link's line rate."""
    rows, failed = [], set()
    for i, phase in enumerate(bw.phases):
        cells = []
        for port in ports:
            read = phase.links.get(port)
            share = u.pct(read, bw.line_rate.get(port))
            cells.append(u.mbit(read) + ("" if share == u.NONE else f" ({share})"))
        if phase.errors:
            failed.add(i)
        rows.append(
            [
                phase.name,
                ",".join(phase.mounts),
                *cells,
                u.mbit(sum(phase.links.values())),
                u.mbit(phase.fio_bytes_per_s),
                str(phase.errors),
                u.seconds(phase.window_s),
            ]
        )
    headers = ["Phase", "Mounts read", *[f"{p} Mbit/s" for p in ports]]
    headers += ["Total Mbit/s", "fio Mbit/s", "fio errors", "Window s"]
    # The terminal leaves out the mounts (the plan's) and the window to keep one line.
    window = len(headers) - 1
    return Table(
        headers, rows, "ll" + "r" * (len(ports) + 4), failed, detail_columns=frozenset({1, window})
    )


# --------------------------------------------------------------------------- sizing


def sizing_line(rows: list[SizingRow]) -> str:
    """One line: what is fed, naming the shorter of the fed and the unfed lists."""
    fed = [f"{r.workload} {r.image_size}" for r in rows if r.fed]
    unfed = [f"{r.workload} {r.image_size}" for r in rows if not r.fed]
    if not unfed:
        tight = min(rows, key=lambda r: r.headroom or 0)
        return (
            f"feeds all {len(rows)} workload x image size (tightest: {tight.workload} "
            f"{tight.image_size}, {u.ratio(tight.headroom)})"
        )
    if fed and len(unfed) < len(fed):
        return f"feeds {len(fed)} of {len(rows)} workload x image size, all but {', '.join(unfed)}"
    if fed:
        return f"feeds {len(fed)} of {len(rows)} workload x image size: {', '.join(fed)}"
    best = max(rows, key=lambda r: r.headroom or 0)
    return (
        f"feeds none of {len(rows)} workload x image size (closest: {best.workload} "
        f"{best.image_size} needs {u.mbyte_whole(best.required_bytes_per_s)} MB/s, "
        f"{u.ratio(best.headroom)})"
    )


def sizing_blocks(rows: list[SizingRow]) -> list[Block]:
    sourced = any(r.source for r in rows)
    table = []
    for r in rows:
        row = [
            r.workload,
            r.image_size,
            u.mbyte_whole(r.required_bytes_per_s),
            u.mbyte(r.measured_bytes_per_s),
            u.ratio(r.headroom),
            "yes" if r.fed else "no",
        ]
        if sourced:
            row.append(SOURCES.get(r.source, r.source or u.NONE))
        table.append(row)
    headers = ["Workload", "Image size", "Needs MB/s", "Measured MB/s", "Headroom", "Fed"]
    measured = (
        "the file-per-sample read rate of that image size where it was measured, else the "
        "big-block all-mounts rate"
        if sourced
        else "the measured all-mounts rate"
    )
    return [
        Heading(3, "Sizing"),
        para(
            "Read rate one 8-GPU server needs per training workload (reference architecture), "
            f"against {measured}.",
            terminal=False,
        ),
        para(f"This host {sizing_line(rows)}."),
        Table(headers + (["Measured by"] if sourced else []), table, "llrrrll", terminal=False),
    ]


# --------------------------------------------------------------------------- training reads


def workload_blocks(host: str, sizes: dict[str, WorkloadIO]) -> list[Block]:
    ports: list[str] = []
    for io in sizes.values():
        ports += [p for p in io.links if p not in ports]
    rows = [
        [
            size,
            u.size(io.file_bytes),
            u.number(io.files),
            u.number(io.readers),
            u.number(io.files_per_s),
            u.mbyte(io.read_bytes_per_s),
            u.number(io.p50_latency_ms, 1),
            u.number(io.p99_latency_ms, 1),
        ]
        for size, io in sizes.items()
    ]
    split = [
        [
            size,
            *[u.mbyte(io.links.get(p)) for p in ports],
            u.mbyte(io.read_bytes_per_s),
            u.pct(
                min(_known(io.links.values()), default=None),
                max(_known(io.links.values()), default=None),
            ),
        ]
        for size, io in sizes.items()
    ]
    return [
        Heading(3, "Training reads (one file per sample)"),
        para(
            "Each image size read the way a training input pipeline reads it: one file per "
            "sample, many readers at once. Files/s and MB/s over the run; latency per file.",
            terminal=False,
        ),
        Table(
            [
                "Image size",
                "File size",
                "Files",
                "Readers",
                "Files/s",
                "Read MB/s",
                "p50 ms",
                "p99 ms",
            ],
            rows,
            "lrrrrrrr",
        ),
        Chart(
            f"workload-{_slug(host)}",
            workload_chart(host, sizes, ports),
            f"{host}: files/s and read MB/s per link for each image size",
        ),
        para("Per link (MB/s); balance is the slowest link over the fastest:", terminal=False),
        Table(
            ["Image size", *[f"{p} MB/s" for p in ports], "Total MB/s", "Balance"],
            split,
            "l" + "r" * (len(ports) + 2),
            terminal=False,
        ),
    ]


def _known(values: Any) -> list[float]:
    return [v for v in values if v is not None]


def workload_chart(host: str, sizes: dict[str, WorkloadIO], ports: list[str]) -> str:
    files = charts.BarPanel(
        "files/s",
        [
            charts.BarGroup(size, {"files/s": io.files_per_s})
            for size, io in sizes.items()
            if io.files_per_s is not None
        ],
        title="Files read per second",
    )
    per_link = charts.BarPanel(
        "MB/s",
        [
            charts.BarGroup(size, {p: v / 1e6 for p, v in io.links.items() if v is not None})
            for size, io in sizes.items()
        ],
        title="Read MB/s per link",
        series=ports,
    )
    return charts.bar_panels(
        f"{host}: training reads, one file per sample",
        "per image size; MB/s = 10^6 bytes/s",
        [files, per_link],
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


# --------------------------------------------------------------------------- checkpoint


def checkpoint_sentence(cp: Checkpoint) -> str:
    """The checkpoint in plain words: size, write, budget, restore, verification."""
    share = cp.model_bytes_per_host
    measured = cp.bytes if cp.bytes is not None else share
    wrote = f"written in {u.duration(cp.write_s)} at {u.rate(cp.write_bytes_per_s)}"
    if share is not None and measured is not None and measured < share:
        text = f"{cp.model}: {u.size(share)} per host; a {u.size(measured)} part {wrote}"
        if cp.write_bytes_per_s:
            text += f" (the whole share: about {u.duration(share / cp.write_bytes_per_s)})"
    else:
        text = f"{cp.model}: {u.size(measured)} per host {wrote}"
    if cp.interval_min_s is not None:
        budget = f"the {u.share(cp.budget)} budget" if cp.budget is not None else "its budget"
        text += f"; keeps {budget} for intervals of {u.duration(cp.interval_min_s)} or longer"
    if cp.restore_s is not None or cp.restore_bytes_per_s is not None:
        text += f"; restore {u.duration(cp.restore_s)} at {u.rate(cp.restore_bytes_per_s)}"
    return text + "; " + verified_words(cp.verified)


def verified_words(verified: bool | None) -> str:
    if verified is None:
        return "not verified"
    return "every byte verified" if verified else "read back DIFFERENT from what was written"


def verdict_tone(verified: bool | None) -> str:
    return "" if verified is None else "good" if verified else "bad"


def checkpoint_blocks(cp: Checkpoint) -> list[Block]:
    ports = list(dict.fromkeys([*cp.write_links, *cp.restore_links]))
    rows = [[p, u.mbyte(cp.write_links.get(p)), u.mbyte(cp.restore_links.get(p))] for p in ports]
    rows.append(["total", u.mbyte(cp.write_bytes_per_s), u.mbyte(cp.restore_bytes_per_s)])
    return [
        Heading(3, "Checkpoint"),
        para(checkpoint_sentence(cp) + ".", verdict_tone(cp.verified)),
        Table(["Port", "Write MB/s", "Restore MB/s"], rows, "lrr", terminal=False),
    ]


# --------------------------------------------------------------------------- faults, others


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, sort_keys=True)


def flat_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Columns in the order the rows name them; a missing value is an empty cell."""
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return keys, [[cell(row.get(k)) for k in keys] for row in rows]


def fault_blocks(faults: list[dict[str, Any]]) -> list[Block]:
    keys, rows = flat_table(faults)
    failed = {
        i
        for i, f in enumerate(faults)
        if f.get("read_errors") or f.get("mismatches") or False in (f.get("returned"), f.get("ok"))
    }
    numeric = [
        all(
            isinstance(f.get(k), int | float | None) and not isinstance(f.get(k), bool)
            for f in faults
        )
        for k in keys
    ]
    return [
        Heading(3, "Faults"),
        para(
            "Reads through every mount while each fault is injected: read errors and data "
            "mismatches, intact passes and mounts, the rate before the fault, the longest "
            "stall (and its mount), seconds after recovery until every mount reads again "
            "(resume) and until the full rate is back, and whether traffic returned to the "
            "planned ports.",
            terminal=False,
        ),
        Table(
            [FAULT_HEADERS.get(k, k) for k in keys],
            rows,
            "".join("r" if n else "l" for n in numeric),
            failed,
            detail_columns=frozenset(i for i, k in enumerate(keys) if k in FAULT_DETAIL),
        ),
    ]


def check_rows(entries: list[TestEntry]) -> tuple[list[list[str]], set[int]]:
    """One row per test: the failing checks for failures, else the test's last check."""
    rows, failed = [], set()
    for entry in entries:
        bad = [c for c in entry.checks if not c.passed]
        shown = bad if entry.outcome == "failed" and bad else entry.checks[-1:]
        item = "; ".join(dict.fromkeys(c.item for c in shown)) or entry.param
        what = "; ".join(
            dict.fromkeys(
                f"{c.what} ({c.check})" if c.check and c.what else c.what or c.check for c in shown
            )
        )
        expected = "; ".join(c.expected for c in shown)
        actual = "; ".join(c.actual for c in shown)
        if entry.outcome == "failed":
            failed.add(len(rows))
            if not bad:  # failed outside an expect(): the message is all there is
                expected, actual = "", clean_message(entry.message)
        elif entry.outcome == "skipped" and entry.message and not shown:
            actual = entry.message
        rows.append([entry.name, item, what, entry.outcome, expected, actual])
    return rows, failed


def check_blocks(checks: list[TestEntry]) -> list[Block]:
    blocks: list[Block] = [Heading(3, "Checks", terminal=False)]
    by_suite: dict[str, list[TestEntry]] = {}
    for entry in checks:
        by_suite.setdefault(entry.suite, []).append(entry)
    for suite in sorted(by_suite, key=suite_key):
        entries = by_suite[suite]
        n = {k: sum(e.outcome == k for e in entries) for k in OUTCOMES}
        counts = ", ".join(f"{n[k]} {k}" for k in OUTCOMES)
        rows, failed = check_rows(entries)
        blocks += [
            Heading(4, f"{suite}: {counts}", terminal=False),
            Table(
                ["Test", "Item", "Check", "Outcome", "Expected", "Actual"],
                rows,
                "",
                failed,
                terminal=False,
            ),
        ]
    return blocks
