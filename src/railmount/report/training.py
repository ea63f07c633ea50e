"""A host's training-shaped measurements: file-per-sample reads and the checkpoint."""

from __future__ import annotations

import re
from typing import Any

from railmount.report import charts
from railmount.report import units as u
from railmount.report.blocks import Block, Chart, Heading, Table, para
from railmount.validation.records import Checkpoint, WorkloadIO


def workload_blocks(host: str, sizes: dict[str, WorkloadIO]) -> list[Block]:
    ports: list[str] = []
    for io in sizes.values():
        ports += [p for p in io.read_links if p not in ports]
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
            *[u.mbyte(io.read_links.get(p)) for p in ports],
            u.mbyte(io.read_bytes_per_s),
            u.pct(
                min(_known(io.read_links.values()), default=None),
                max(_known(io.read_links.values()), default=None),
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
            charts.BarGroup(size, {p: v / 1e6 for p, v in io.read_links.items() if v is not None})
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
    # write_s and restore_s are for the host's whole share of the model's checkpoint,
    # at the rates measured with `bytes` (a smaller shard in a lab).
    share = cp.model_bytes_per_host
    measured = cp.bytes if cp.bytes is not None else share
    wrote = f"written in {u.duration(cp.write_s)} at {u.rate(cp.write_bytes_per_s)}"
    text = f"{cp.model}: {u.size(share if share is not None else measured)} per host {wrote}"
    if share is not None and measured is not None and measured < share:
        text += f" (rate measured with a {u.size(measured)} shard)"
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
