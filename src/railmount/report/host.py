"""One host's part of the report: bandwidth, sizing, training reads, checkpoint, faults,
other measurements and the checks. Each section appears only when its data is there."""

from __future__ import annotations

from railmount.report import units as u
from railmount.report.blocks import Block, Heading, Table, para
from railmount.report.checks import check_blocks, fault_blocks, flat_table
from railmount.report.model import Host
from railmount.report.training import checkpoint_blocks, workload_blocks
from railmount.validation.records import Bandwidth, SizingRow

SOURCES = {"workload_io": "file-per-sample reads", "bandwidth": "big-block reads"}


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
