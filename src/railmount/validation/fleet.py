"""The fleet read phase: how many hosts one array feeds, measured.

For k = 1..N hosts (or the configured steps) every mount of the first k hosts is read at
once (the bandwidth suite's all-mounts phase, started on all k hosts together); each
host's rate per link comes from its own interface counters. Where the aggregate stops
growing with k — a step whose hosts no longer get their line rate — is the array's
measured limit. From it: how many hosts the array feeds at full link rate, and per
training workload (a share of the array for training, 50 % as in the reference sizing)
how many hosts it feeds. The same is done for the file-per-sample reads and the
checkpoint write/restore with every host at once: the array-level numbers that decide a
multi-node job's data loading and checkpoint interval.

"At once" is arranged, not hoped for: each host's clock offset to the controller is
measured, and every host's fio starts at the same moment (after its own preparation,
e.g. dropping caches, which takes longer on some hosts than others). Aggregates are every
host's bytes over the span from the first host's first I/O to the last host's last on the
aligned clocks (a lower bound): summing each host's own rate would count a host's head
start as array throughput.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation import bandwidth, checkpoint, fio_run, workload
from railmount.validation.records import (
    Fleet,
    FleetCheckpoint,
    FleetStep,
    FleetWorkload,
    FleetWorkloadIO,
)

Runner = Callable[[str, str], str]  # (host, script) -> stdout
T = TypeVar("T")
# Time for every host to get through its preparation before fio starts everywhere.
START_LEAD_S = 5.0


def on_all(hosts: Sequence[str], job: Callable[[str], T]) -> dict[str, T]:
    """Run job(host) for every host at once (threads: the work is remote)."""
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        futures = {host: pool.submit(job, host) for host in hosts}
    return {host: future.result() for host, future in futures.items()}


def clock_offsets(run: Runner, hosts: Sequence[str]) -> dict[str, float]:
    """Each host's clock minus the controller's, in seconds (see clocks)."""
    return {host: offset for host, (offset, _) in clocks(run, hosts).items()}


def clocks(run: Runner, hosts: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Per host (clock minus the controller's, the most that is off by), in seconds: the
    midpoint of the quicker of two `date` round trips, off by at most half of it (the
    first may include connecting)."""

    def one(host: str) -> tuple[float, float]:
        best: tuple[float, float] | None = None
        for _ in range(2):
            sent = time.time()
            reading = float(run(host, "date +%s.%N").split()[0])
            back = time.time()
            if best is None or back - sent < best[0]:
                best = (back - sent, reading - (sent + back) / 2)
        assert best is not None
        return best[1], best[0] / 2

    return on_all(hosts, one)


def together(
    run: Runner, hosts: Sequence[str], script: Callable[[str, float], str]
) -> tuple[dict[str, str], dict[str, float]]:
    """script(host, start_at on that host's clock) run on every host, fio starting at the
    same moment everywhere; (outputs, clock offsets)."""
    offsets = clock_offsets(run, hosts)
    at = time.time() + START_LEAD_S
    return on_all(hosts, lambda h: run(h, script(h, at + offsets[h]))), offsets


@dataclass(frozen=True)
class Span:
    """Where the hosts' I/O lay, on the controller's clock."""

    seconds: float  # first host's first I/O to last host's last: every byte moved within it
    skew_s: float  # last host's first I/O minus the first host's


def span(
    runs: dict[str, fio_run.FioRun], offsets: dict[str, float], kind: str = "read"
) -> Span | None:
    """From fio's own I/O windows, or the counter windows where fio gave none; None when
    a host's run gave neither (its errors say why)."""
    windows = []
    for host, run in runs.items():
        window = run.io_window(kind)
        if window is None and run.started is not None and run.ended is not None:
            window = (run.started, run.ended)
        if window is None:
            return None
        windows.append((window[0] - offsets[host], window[1] - offsets[host]))
    if not windows:
        return None
    starts, ends = [w[0] for w in windows], [w[1] for w in windows]
    return Span(round(max(ends) - min(starts), 3), round(max(starts) - min(starts), 3))


def step_counts(n: int, steps: Sequence[int] | None) -> list[int]:
    if not steps:
        return list(range(1, n + 1))
    return sorted({min(s, n) for s in steps})


LineRates = dict[str, dict[str, float | None]]  # host -> port -> bytes/s (bandwidth.line_rates)


def host_line_rate(rates: dict[str, float | None]) -> float:
    """A host's links added up; a port of unknown rate adds nothing."""
    return sum(r for r in rates.values() if r)


def read_step(
    run: Runner,
    plans: dict[str, HostPlan],
    hosts: list[str],
    settings: ValidateSettings,
    line_rates: LineRates,
) -> FleetStep:
    vips = {h: [m.vip for m in plans[h].mounts] for h in hosts}
    outputs, offsets = together(
        run, hosts, lambda h, at: bandwidth.phase_script(plans[h], settings, vips[h], at)
    )
    window = span({h: fio_run.parse(o, _ports(plans[h])) for h, o in outputs.items()}, offsets)
    phases = {
        h: bandwidth.parse_phase("all", vips[h], _ports(plans[h]), out)
        for h, out in outputs.items()
    }
    per_host = {h: sum(p.links.values()) for h, p in phases.items()}
    lines = {h: host_line_rate(line_rates[h]) for h in hosts}
    return FleetStep(
        hosts=list(hosts),
        read_bytes_per_s=sum(per_host.values()),
        per_host_read_bytes_per_s=per_host,
        per_link_read_bytes_per_s={h: dict(p.links) for h, p in phases.items()},
        line_rate_bytes_per_s=sum(lines.values()),
        per_host_line_rate_bytes_per_s=lines,
        errors=sum(p.errors for p in phases.values()),
        start_skew_s=window.skew_s if window else None,
    )


def _ports(plan: HostPlan) -> list[str]:
    return [p.name for p in plan.ports]


@dataclass
class Scaling:
    """What the steps say about the array."""

    array_limit_bytes_per_s: float | None  # None: the array was never the bottleneck
    hosts_fed_at_line_rate: int
    at_least: bool  # True: the array fed every measured host; it may feed more
    knee_hosts: int | None  # the first step whose hosts did not get their line rate


def scaling(steps: list[FleetStep], line_rates: LineRates, min_ratio: float) -> Scaling:
    starved = [s for s in steps if s.read_bytes_per_s < min_ratio * s.line_rate_bytes_per_s]
    fed = [s for s in steps if s not in starved]
    per_host = [host_line_rate(r) for r in line_rates.values()]
    mean_line = sum(per_host) / len(per_host) if per_host else 0.0
    if not starved:
        most = max((len(s.hosts) for s in fed), default=0)
        return Scaling(None, most, True, None)
    limit = max(s.read_bytes_per_s for s in steps)
    hosts = int(limit // (min_ratio * mean_line)) if mean_line else 0
    return Scaling(limit, hosts, False, len(starved[0].hosts))


def hosts_fed(capacity: float, share: float, need: float) -> int:
    return math.floor(share * capacity / need) if need > 0 else 0


def result(steps: list[FleetStep], scale: Scaling, training_share: float) -> Fleet:
    """The fleet record of these steps; the workload reads, checkpoint and workload rows
    are filled in as they are measured."""
    return Fleet(
        steps,
        scale.array_limit_bytes_per_s,
        scale.hosts_fed_at_line_rate,
        scale.at_least,
        scale.knee_hosts,
        training_share,
    )


def workload_rows(
    rows: list[tuple[str, str, float]],
    scale: Scaling,
    steps: list[FleetStep],
    workload_io: dict[str, FleetWorkloadIO],
    share: float,
) -> list[FleetWorkload]:
    """Hosts fed per (model, image size, bytes/s one host needs): from the all-hosts
    file-per-sample rate of that image size when measured, else the big-block limit."""
    out = []
    big_block = scale.array_limit_bytes_per_s or max((s.read_bytes_per_s for s in steps), default=0)
    for model, size, need in rows:
        measured = workload_io.get(size)
        capacity = (measured.read_bytes_per_s or 0.0) if measured else big_block
        out.append(
            FleetWorkload(
                model=model,
                image_size=size,
                required_bytes_per_s=need,
                capacity_bytes_per_s=capacity,
                source="workload_io" if measured else "bandwidth",
                hosts_fed=hosts_fed(capacity, share, need),
                at_least=scale.at_least,  # no limit was found: the array may feed more
            )
        )
    return out


def workload_all(
    run: Runner, plans: dict[str, HostPlan], settings: ValidateSettings
) -> dict[str, FleetWorkloadIO]:
    """Every host reads each image size's data set at once."""
    hosts = list(plans)
    first = plans[hosts[0]]
    readers = settings.workload.readers_per_mount * len(first.mounts)
    out = {}
    for label in settings.workload.image_sizes:
        ds = workload.data_set(label, settings, readers)
        run(hosts[0], workload.prepare_script(first, settings, ds))
        outputs, offsets = together(
            run, hosts, lambda h, at, ds=ds: workload.read_script(plans[h], settings, ds, at)
        )
        per_host = {h: workload.summarize(plans[h], settings, ds, o) for h, o in outputs.items()}
        runs = {h: fio_run.parse(o, _ports(plans[h])) for h, o in outputs.items()}
        window = span(runs, offsets)
        p99 = [r.p99_latency_ms for r in per_host.values() if r.p99_latency_ms is not None]
        if window and window.seconds > 0:
            files_per_s = sum(r.total("read", "total_ios") for r in runs.values()) / window.seconds
            rate = sum(r.total("read", "io_bytes") for r in runs.values()) / window.seconds
        else:  # a host measured nothing (its errors are counted): what the others saw
            files_per_s = sum(r.files_per_s or 0.0 for r in per_host.values())
            rate = sum(r.read_bytes_per_s or 0.0 for r in per_host.values())
        out[label] = FleetWorkloadIO(
            hosts=len(hosts),
            files_per_s=round(files_per_s, 1),
            read_bytes_per_s=rate,
            window_s=window.seconds if window else None,
            start_skew_s=window.skew_s if window else None,
            p99_latency_ms=max(p99) if p99 else None,
            errors=sum(r.errors for r in per_host.values()),
            per_host_files_per_s={h: r.files_per_s for h, r in per_host.items()},
        )
    return out


def checkpoint_all(
    run: Runner, plans: dict[str, HostPlan], settings: ValidateSettings
) -> FleetCheckpoint:
    """Every host writes its shard at once, then every host restores at once."""
    hosts = list(plans)

    spans: dict[str, Span | None] = {}

    def one(kind: str) -> dict[str, checkpoint.Pass]:
        def script(h: str, at: float) -> str:
            if kind == "write":
                return checkpoint.write_script(plans[h], settings, at)
            return checkpoint.restore_script(plans[h], settings, at)

        outputs, offsets = together(run, hosts, script)
        runs = {h: fio_run.parse(o, _ports(plans[h])) for h, o in outputs.items()}
        spans[kind] = span(runs, offsets, kind)
        return {h: checkpoint.summarize(kind, o, _ports(plans[h])) for h, o in outputs.items()}

    try:
        writes = one("write")
        restores = one("read")
    finally:
        on_all(hosts, lambda h: run(h, checkpoint.cleanup_script(plans[h], settings)))
    size = checkpoint.sizing(settings.checkpoint)

    def aggregate(kind: str, passes: dict[str, checkpoint.Pass]) -> float:
        window = spans.get(kind)
        seconds = window.seconds if window else max((p.seconds for p in passes.values()), default=0)
        return sum(p.bytes for p in passes.values()) / seconds if seconds else 0.0

    write_rate, restore_rate = aggregate("write", writes), aggregate("read", restores)
    # With every host checkpointing at once each gets its share of the aggregate.
    per_host_write = write_rate / len(hosts) if hosts else 0.0
    write_s = checkpoint.seconds_for(size.model_bytes_per_host, per_host_write)
    verified = all(not p.errors and p.bytes == size.measured_bytes for p in restores.values())
    return FleetCheckpoint(
        hosts=len(hosts),
        bytes=size.measured_bytes * len(hosts),
        write_bytes_per_s=write_rate,
        restore_bytes_per_s=restore_rate,
        verified=verified,
        write_s=round(write_s, 1) if write_s else None,
        interval_min_s=checkpoint.interval_min_s(write_s, settings.checkpoint.write_budget),
        errors=[
            f"{h} {kind}: {e}"
            for kind, passes in (("write", writes), ("restore", restores))
            for h, p in passes.items()
            for e in p.errors
        ],
    )
