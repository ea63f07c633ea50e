"""The fleet part: all hosts reading at once, how the aggregate scales, how fairly it is
shared, how many hosts the array feeds per workload, and the fleet's checkpoint."""

from __future__ import annotations

from railmount.report import charts
from railmount.report import units as u
from railmount.report.blocks import Block, Chart, Heading, Para, Table, para
from railmount.report.model import Results
from railmount.report.training import verdict_tone, verified_words
from railmount.validation.records import Fleet, FleetStep


def _rate_unit(values: list[float]) -> tuple[str, float]:
    """GB/s for a real array, MB/s for a lab: the axis stays in 3-4 digits."""
    return ("GB/s", 1e9) if max(values, default=0) >= 10e9 else ("MB/s", 1e6)


def fleet_chart(results: Results, fleet: Fleet) -> str:
    steps = [s for s in fleet.steps if s.read_bytes_per_s is not None]
    known = [(len(s.hosts), s.line_rate_bytes_per_s) for s in steps if s.line_rate_bytes_per_s]
    limit = fleet.array_limit_bytes_per_s
    everything = [s.read_bytes_per_s or 0 for s in steps] + [v for _, v in known]
    unit, scale = _rate_unit([*everything, limit or 0])
    series = [
        charts.Series(
            "aggregate read, measured",
            [(len(s.hosts), (s.read_bytes_per_s or 0) / scale) for s in steps],
            colour=charts.colour(0),
        )
    ]
    if known:
        series.append(
            charts.Series(
                "sum of the hosts' line rates",
                [(n, v / scale) for n, v in known],
                style="dash",
                colour=charts.MUTED,
            )
        )
    return charts.line_chart(
        "Fleet: aggregate read rate against hosts reading at once",
        f"{results.inventory} · {results.started} · {unit} = 10^{9 if scale == 1e9 else 6} bytes/s",
        unit,
        "hosts reading at once",
        series,
        (f"array limit {u.rate(limit)}", limit / scale) if limit else None,
    )


def _step_row(results: Results, step: FleetStep) -> list[str]:
    rates = [v for v in step.per_host_read_bytes_per_s.values() if v is not None]
    lines = step.line_rate_bytes_per_s
    return [
        str(len(step.hosts)),
        u.mbyte(step.read_bytes_per_s),
        u.mbyte(lines),
        u.pct(step.read_bytes_per_s, lines),
        u.mbyte(min(rates)) if rates else u.NONE,
        u.mbyte(max(rates)) if rates else u.NONE,
        u.NONE if step.fairness is None else f"{step.fairness:.2f}",
    ]


def fed_sentence(results: Results, fleet: Fleet) -> str:
    top = max(fleet.steps, key=lambda s: len(s.hosts), default=None)
    text = ""
    if fleet.hosts_fed_at_line_rate is not None:
        k = fleet.hosts_fed_at_line_rate
        text = f"The array feeds {k} host{'s' if k != 1 else ''} at full link rate"
    if top and top.read_bytes_per_s is not None:
        text += (
            f"{'; ' if text else ''}{len(top.hosts)} hosts reading at once got "
            f"{u.rate(top.read_bytes_per_s)} together"
        )
        lines = top.line_rate_bytes_per_s
        if lines:
            text += f" ({u.pct(top.read_bytes_per_s, lines)} of their line rates)"
    if fleet.array_limit_bytes_per_s:
        text += f"; the array's limit is {u.rate(fleet.array_limit_bytes_per_s)}"
    return text + "." if text else ""


def fleet_blocks(results: Results, fleet: Fleet) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Fleet: all hosts reading at once")]
    sentence = fed_sentence(results, fleet)
    if sentence:
        blocks.append(Para([("b", sentence)]))
    if fleet.steps:
        blocks.append(
            Chart(
                "fleet",
                fleet_chart(results, fleet),
                "Aggregate read rate against the number of hosts reading at once, with the "
                "sum of their line rates and the array's limit",
            )
        )
        blocks += [
            para(
                "Per step: the aggregate, the hosts' line rates added up, and how evenly the "
                "hosts shared it (fairness = slowest host / fastest host; 1.00 is even):"
            ),
            Table(
                [
                    "Hosts",
                    "Read MB/s",
                    "Line rates MB/s",
                    "% of line rates",
                    "Slowest host MB/s",
                    "Fastest host MB/s",
                    "Fairness",
                ],
                [_step_row(results, s) for s in fleet.steps],
                "rrrrrrr",
            ),
        ]
        blocks += _per_host_blocks(results, max(fleet.steps, key=lambda s: len(s.hosts)))
    if fleet.workloads:
        share = (
            f" ({u.share(fleet.training_share)} of the array for training)"
            if fleet.training_share is not None
            else ""
        )
        blocks += [
            Heading(3, "Hosts fed per workload"),
            para(f"Hosts fed per model x image size{share}:"),
            Table(
                ["Model", "Image size", "Needs MB/s per host", "Hosts fed"],
                [
                    [
                        w.model,
                        w.image_size,
                        u.mbyte_whole(w.required_bytes_per_s),
                        u.number(w.hosts_fed),
                    ]
                    for w in fleet.workloads
                ],
                "llrr",
            ),
        ]
    if fleet.workload_io:
        blocks += [
            Heading(3, "Training reads, all hosts at once"),
            Table(
                ["Image size", "Hosts", "Files/s", "Read MB/s", "p99 ms"],
                [
                    [
                        size,
                        u.number(io.hosts),
                        u.number(io.files_per_s),
                        u.mbyte(io.read_bytes_per_s),
                        u.number(io.p99_latency_ms, 1),
                    ]
                    for size, io in fleet.workload_io.items()
                ],
                "lrrrr",
            ),
        ]
    cp = fleet.checkpoint
    if cp:
        text = (
            f"{u.number(cp.hosts)} hosts at once: {u.size(cp.bytes)} written at "
            f"{u.rate(cp.write_bytes_per_s)}, restored at {u.rate(cp.restore_bytes_per_s)}"
        )
        if cp.interval_min_s is not None:
            text += f"; keeps the budget for intervals of {u.duration(cp.interval_min_s)} or longer"
        blocks += [
            Heading(3, "Checkpoint, all hosts at once"),
            para(f"{text}; {verified_words(cp.verified)}.", verdict_tone(cp.verified)),
        ]
    return blocks


def _per_host_blocks(results: Results, step: FleetStep) -> list[Block]:
    """Each host's rate and link split in the largest step (files only)."""
    if not step.per_host_read_bytes_per_s:
        return []
    ports: list[str] = []
    for links in step.per_link_read_bytes_per_s.values():
        ports += [p for p in links if p not in ports]
    rows = []
    for host, read in step.per_host_read_bytes_per_s.items():
        links = step.per_link_read_bytes_per_s.get(host, {})
        lines = step.per_host_line_rate_bytes_per_s.get(host)
        rows.append(
            [host, u.mbyte(read), *[u.mbyte(links.get(p)) for p in ports], u.pct(read, lines)]
        )
    return [
        Heading(3, f"Per host, {len(step.hosts)} hosts reading at once", terminal=False),
        Table(
            ["Host", "Read MB/s", *[f"{p} MB/s" for p in ports], "% of line rate"],
            rows,
            "l" + "r" * (len(ports) + 2),
            terminal=False,
        ),
    ]
