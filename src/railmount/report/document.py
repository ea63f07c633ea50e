"""Results -> Document: the one description of the report that every renderer draws."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from railmount.report import charts
from railmount.report.blocks import Block, Bullets, Chart, Document, Heading, Section, Table, para
from railmount.report.fleet import fleet_blocks
from railmount.report.host import host_blocks
from railmount.report.model import OUTCOMES, Results, as_results, failure_text, failures

TITLE = "railmount validation report"


def build(results: Results | Mapping[str, Any]) -> Document:
    results = as_results(results)
    sections = [
        Section("summary", summary_blocks(results)),
        Section("failures", failure_blocks(results)),
    ]
    if any(h.bandwidth for h in results.hosts):
        sections.append(Section("bandwidth", bandwidth_chart_blocks(results)))
    if results.fleet:
        sections.append(Section("fleet", fleet_blocks(results, results.fleet)))
    sections += [Section(f"host:{h.name}", host_blocks(h)) for h in results.hosts]
    return Document(
        title=TITLE,
        inventory=results.inventory,
        started=results.started,
        duration_s=results.duration_s,
        totals=results.totals(),
        verdict=results.verdict_line(),
        sections=sections,
    )


def summary_blocks(results: Results) -> list[Block]:
    rows = [
        [host.name if i == 0 else "", suite, *[str(c.get(k, 0)) for k in OUTCOMES]]
        for host in results.hosts
        for i, (suite, c) in enumerate(host.counts().items())
    ]
    failed = {i for i, r in enumerate(rows) if r[3] != "0"}
    return [
        Heading(2, "Summary", terminal=False),
        Table(["Host", "Suite", "Passed", "Failed", "Skipped"], rows, "llrrr", failed),
    ]


def failure_blocks(results: Results) -> list[Block]:
    found = failures(results)
    if not found:
        return [Heading(2, "Failures: none")]
    items = []
    for host, entry in found:
        text = failure_text(host, entry).removeprefix(host + " ")
        items.append([("b", host), ("", f" {text} "), ("code", entry.test)])
    return [Heading(2, f"Failures ({len(found)})"), Bullets(items)]


def bandwidth_chart_blocks(results: Results) -> list[Block]:
    rates = [r for h in results.hosts if h.bandwidth for r in h.bandwidth.line_rate.values() if r]
    # Gbit/s for real links (100 Gbit/s and up), Mbit/s for the lab's: labels stay short.
    unit, bits = ("Gbit/s", 1e9) if max(rates, default=0) * 8 >= 10e9 else ("Mbit/s", 1e6)
    groups = []
    for host in results.hosts:
        bw = host.bandwidth
        if not bw:
            continue
        for port in bw.ports:
            rate = bw.line_rate.get(port)
            values = {p.name: p.links[port] * 8 / bits for p in bw.phases if port in p.links}
            marker = rate * 8 / bits if rate else None
            groups.append(charts.BarGroup(port, values, host.name, marker))
    svg = charts.bar_rows(
        "Read bandwidth per link and phase",
        f"{results.inventory} · {results.started} · {unit} over each phase's window",
        charts.BarPanel(unit, groups),
        marker_label="line rate",
    )
    return [
        Heading(2, "Read bandwidth per link", terminal=False),
        para(
            "Measured read rate per host and link in each phase (one mount alone, each link's "
            "mounts alone, all mounts together); the dashed red line is the link's line rate.",
            terminal=False,
        ),
        Chart("bandwidth", svg, "Read bandwidth per host, link and phase against line rate"),
    ]
