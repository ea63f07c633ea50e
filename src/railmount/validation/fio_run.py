"""One measured fio run on a host: fio in the background while the storage ports' byte
counters are read at the start and end of a window, so bytes are attributed to links
over the same time fio was measuring. Used by every phase that moves data: bandwidth,
workload reads, checkpoint write and restore, and the fleet steps.

The window is either part of a time-based run (after the ramp, ending before fio does)
or the whole run (size-based fio: a checkpoint write includes its final fsync).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from railmount.validation.probe import split_sections

MARK = "@@railmount-fio@@"
DROP_CACHES = "sync; echo 3 > /proc/sys/vm/drop_caches"


@dataclass(frozen=True)
class Window:
    """(start after, length) in seconds of a time-based run; None: the whole run."""

    start_s: float
    length_s: float


@dataclass
class FioRun:
    seconds: float = 0.0  # length of the counter window
    started: float | None = None  # the window's ends on the host's clock (epoch seconds)
    ended: float | None = None
    reported: float | None = None  # when fio wrote its report (its timestamp_ms), host clock
    rx: dict[str, int] = field(default_factory=dict)  # port -> bytes received in the window
    tx: dict[str, int] = field(default_factory=dict)  # port -> bytes sent in the window
    jobs: list[dict[str, Any]] = field(default_factory=list)  # fio's JSON jobs
    rc: int = 1
    errors: list[str] = field(default_factory=list)  # fio's own error lines

    def rate(self, direction: str, port: str) -> float:
        counts = self.rx if direction == "rx" else self.tx
        return counts.get(port, 0) / self.seconds if self.seconds > 0 else 0.0

    def rates(self, direction: str) -> dict[str, float]:
        counts = self.rx if direction == "rx" else self.tx
        return {port: self.rate(direction, port) for port in counts}

    def io_window(self, kind: str) -> tuple[float, float] | None:
        """(first, last) I/O on the host's clock, from fio's own figures: its report came
        at `timestamp_ms`, after its longest job's `runtime` of I/O. Unlike the counter
        window this leaves out fio's set-up (listing a data set of many files takes a
        while on a busy array)."""
        runtime = max((job.get(kind, {}).get("runtime", 0) for job in self.jobs), default=0)
        if self.reported is None or runtime <= 0:
            return None
        return self.reported - runtime / 1000, self.reported

    def total(self, kind: str, key: str) -> float:
        """Sum over jobs of fio's jobs[].<kind>.<key> (kind read|write, key e.g. bw_bytes)."""
        return float(sum(job.get(kind, {}).get(key, 0) for job in self.jobs))

    @property
    def job_errors(self) -> int:
        return sum(int(job.get("error", 0)) + int(job.get("total_err", 0)) for job in self.jobs)

    @property
    def failed(self) -> bool:
        return self.rc != 0 or self.job_errors > 0


def shares(amounts: Mapping[str, float]) -> dict[str, float]:
    """Each port's share of the total (bytes or bytes/s); all 0 when nothing moved. The one
    definition the workload and checkpoint figures and their verdicts use."""
    total = sum(amounts.values())
    return {port: amount / total if total else 0.0 for port, amount in amounts.items()}


def counter_paths(ports: list[str]) -> list[str]:
    q = shlex.quote
    return [f"/sys/class/net/{q(p)}/statistics/{d}_bytes" for d in ("rx", "tx") for p in ports]


def wait_until(epoch: float) -> str:
    """Shell that sleeps until the host's clock reads `epoch` (at once when already past)."""
    return (
        f'sleep "$(awk -v t={epoch:.3f} -v n="$(date +%s.%N)" '
        "'BEGIN { d = t - n; print (d > 0 ? d : 0) }')\""
    )


def script(
    ports: list[str],
    fio_args: list[str],
    window: Window | None,
    *,
    drop_caches: bool = False,
    before: str = "",
    start_at: float | None = None,
) -> str:
    """Shell for the host: optional preparation, then fio with counters around it.
    `start_at` (the host's clock, epoch seconds): fio starts then, after the preparation,
    so several hosts start together however long their preparation took."""
    q = shlex.quote
    counters = " ".join(counter_paths(ports))
    sample = f"date +%s.%N; cat {counters}"
    lines = ["out=$(mktemp); err=$(mktemp)"]
    if before:
        lines.append(before)
    if drop_caches:
        lines.append(DROP_CACHES)
    if start_at is not None:
        lines.append(wait_until(start_at))
    fio = " ".join(q(a) for a in ["fio", "--output-format=json", *fio_args])
    if window is None:
        lines += [f"echo {MARK}t0; {sample}", f'{fio} > "$out" 2> "$err"; rc=$?']
        lines.append(f"echo {MARK}t1; {sample}")
    else:
        lines += [
            f'{fio} > "$out" 2> "$err" &',
            "pid=$!",
            f"sleep {window.start_s:g}",
            f"echo {MARK}t0; {sample}",
            f"sleep {window.length_s:g}",
            f"echo {MARK}t1; {sample}",
            "wait $pid; rc=$?",
        ]
    lines += [
        f'echo {MARK}fio; cat "$out"',
        f'echo {MARK}stderr; head -c 4000 "$err"',
        f"echo {MARK}rc; echo $rc",
        'rm -f "$out" "$err"',
    ]
    return "\n".join(lines) + "\n"


def parse(output: str, ports: list[str]) -> FioRun:
    found = split_sections(output, MARK)
    run = FioRun()
    t0, t1 = found.get("t0", []), found.get("t1", [])
    n = len(ports)
    if len(t0) == len(t1) == 2 * n + 1:
        run.started, run.ended = float(t0[0]), float(t1[0])
        run.seconds = run.ended - run.started
        for i, port in enumerate(ports):
            run.rx[port] = int(t1[1 + i]) - int(t0[1 + i])
            run.tx[port] = int(t1[1 + n + i]) - int(t0[1 + n + i])
    text = "\n".join(found.get("fio", []))
    start = text.find("{")  # fio may print notes ("opendir added N files") first
    if start >= 0:
        try:
            report = json.loads(text[start:])
            run.jobs = report.get("jobs", [])
            if isinstance(report.get("timestamp_ms"), int | float):
                run.reported = report["timestamp_ms"] / 1000
        except json.JSONDecodeError:
            run.errors.append("fio printed no valid JSON")
    run.errors += [line for line in found.get("stderr", []) if line.strip()]
    rc = found.get("rc", ["1"])
    run.rc = int(rc[0]) if rc and rc[0].strip().lstrip("-").isdigit() else 1
    return run


def percentile_ms(run: FioRun, kind: str, pct: str) -> float | None:
    """A clat percentile (e.g. "99.000000") in ms from the first job (group_reporting)."""
    for job in run.jobs:
        value = job.get(kind, {}).get("clat_ns", {}).get("percentile", {}).get(pct)
        if value is not None:
            return round(float(value) / 1e6, 2)
    return None
