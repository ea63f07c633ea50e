"""faults: read integrity and bandwidth through link, switch, VIP and array faults.

Per fault a background reader runs on the host: one thread per mount reads its bench
file with O_DIRECT (the page cache would hide a dead path) and checks the sha256 each
pass, logging `epoch mount ok|mismatch|error`; a sampler logs the rx_bytes of every
storage port each 0.5 s. The suite injects the fault through railmount.lab.faults, then
fetches both logs and turns them into the figures below. Times are the host's clock;
fault events carry the lab machine's clock, so the offset between the two is measured.
"""

from __future__ import annotations

import itertools
import json
import shlex
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation.bandwidth import bench_file

Run = Callable[[str], str]

STALL_RATIO = 0.10  # below this share of the pre-fault rate the reads count as stalled
FULL_RATIO = 0.90  # at or above this share they are back to full bandwidth
FULL_WINDOW_S = 2.0
OUT_DIR = "/tmp/railmount-faults"

# Runs on the GPU server (python3 is there for the failover agent). Threads, not forked
# dd | sha256sum pipelines: the guest has little CPU and a forking sampler drifts badly.
READER = r"""
import hashlib, json, mmap, os, sys, threading, time
cfg = json.loads(sys.argv[1])
end = time.time() + cfg["duration"]
out = open(cfg["out"] + "/reads.log", "a", buffering=1)
lock = threading.Lock()
def log(line):
    with lock:
        out.write(line + "\n")
def reader(name, path, want):
    buf = mmap.mmap(-1, 4 << 20)
    while time.time() < end:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
            try:
                h = hashlib.sha256()
                while True:
                    n = os.readv(fd, [buf])
                    if n <= 0:
                        break
                    h.update(memoryview(buf)[:n])
            finally:
                os.close(fd)
            result = "ok" if h.hexdigest() == want else "mismatch"
        except OSError as err:
            result = "error"
            time.sleep(0.5)
        log(f"{time.time():.3f} {name} {result}")
def sampler():
    with open(cfg["out"] + "/rx.log", "a", buffering=1) as rx:
        while time.time() < end:
            counts = []
            for port in cfg["ports"]:
                with open(f"/sys/class/net/{port}/statistics/rx_bytes") as f:
                    counts.append(f.read().strip())
            rx.write(f"{time.time():.3f} {' '.join(counts)}\n")
            time.sleep(0.5)
threads = [threading.Thread(target=reader, args=m) for m in cfg["mounts"]]
threads.append(threading.Thread(target=sampler))
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


@dataclass
class FaultFigures:
    fault: str
    read_errors: int
    mismatches: int
    reads_ok: int
    pre_rate_mbit: float
    stall_s: float | None  # longest low-rate window after the fault
    recovery_s: float | None  # after recovery: to full bandwidth (link/switch faults)
    resume_s: float | None  # after recovery: to reads flowing again (>= STALL_RATIO)
    returned: bool | None = None
    return_detail: str = ""

    def flat(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Logs:
    reads: list[tuple[float, str, str]] = field(default_factory=list)
    samples: list[tuple[float, int]] = field(default_factory=list)  # time, total rx bytes
    per_port: list[tuple[float, list[int]]] = field(default_factory=list)


def digest(run: Run, plan: HostPlan, settings: ValidateSettings) -> dict[str, str]:
    """The recorded sha256 of each mount's bench file, by mount path."""
    out = {}
    for mount in plan.mounts:
        path = bench_file(plan, settings, mount.path, mount.vip) + ".sha256"
        text = run(f"cat {shlex.quote(path)} 2>/dev/null || true").split()
        if text:
            out[mount.path] = text[0]
    return out


def start_reader(
    run: Run, plan: HostPlan, settings: ValidateSettings, tag: str, duration: float
) -> str:
    """Start reader + sampler in the background; returns its output dir."""
    digests = digest(run, plan, settings)
    out = f"{OUT_DIR}/{tag}"
    mounts = [
        (m.path, bench_file(plan, settings, m.path, m.vip), digests[m.path])
        for m in plan.mounts
        if m.path in digests
    ]
    cfg = {"duration": duration, "out": out, "ports": [p.name for p in plan.ports]}
    cfg["mounts"] = mounts
    q = shlex.quote
    run(
        f"rm -rf {q(out)} && mkdir -p {q(out)} && cat > {q(out)}/reader.py <<'RMEOF'\n"
        f"{READER}\nRMEOF\n"
        f"nohup python3 {q(out)}/reader.py {q(json.dumps(cfg))} >{q(out)}/err.log 2>&1 &"
    )
    return out


def clock_offset(run: Run) -> float:
    """Host clock minus lab clock, from one round trip (good to its half)."""
    t0 = time.time()
    remote = float(run("date +%s.%N").strip())
    t1 = time.time()
    return remote - (t0 + t1) / 2


def fetch(run: Run, out: str, offset: float) -> Logs:
    """Both logs, with their times moved onto the lab machine's clock."""
    logs = Logs()
    for line in run(f"cat {out}/reads.log 2>/dev/null || true").splitlines():
        parts = line.split()
        if len(parts) == 3:
            logs.reads.append((float(parts[0]) - offset, parts[1], parts[2]))
    for line in run(f"cat {out}/rx.log 2>/dev/null || true").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            counts = [int(c) for c in parts[1:]]
            logs.per_port.append((float(parts[0]) - offset, counts))
            logs.samples.append((float(parts[0]) - offset, sum(counts)))
    return logs


def rates(samples: list[tuple[float, int]]) -> list[tuple[float, float, float]]:
    """(start, end, bytes/s) per sampling interval."""
    return [
        (t0, t1, (b1 - b0) / (t1 - t0))
        for (t0, b0), (t1, b1) in itertools.pairwise(samples)
        if t1 > t0
    ]


def pre_rate(samples: list[tuple[float, int]], t_fault: float, settle_s: float = 2.0) -> float:
    """Mean rate before the fault, skipping the readers' start-up."""
    window = [(t, b) for t, b in samples if samples[0][0] + settle_s <= t <= t_fault]
    if len(window) < 2 or window[-1][0] <= window[0][0]:
        return 0.0
    return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


def stall_seconds(samples: list[tuple[float, int]], t_fault: float, pre: float) -> float:
    """Longest run of intervals after the fault with rate < STALL_RATIO of pre."""
    longest = current = 0.0
    for t0, t1, rate in rates(samples):
        if t1 <= t_fault:
            continue
        if rate < STALL_RATIO * pre:
            current += t1 - max(t0, t_fault)
            longest = max(longest, current)
        else:
            current = 0.0
    return round(longest, 1)


def _bytes_at(samples: list[tuple[float, int]], t: float) -> float | None:
    """Rx byte total at time t, linearly interpolated; None outside the samples."""
    for (t0, b0), (t1, b1) in itertools.pairwise(samples):
        if t0 <= t <= t1 and t1 > t0:
            return b0 + (b1 - b0) * (t - t0) / (t1 - t0)
    return None


def seconds_to(
    samples: list[tuple[float, int]], t_from: float, ratio: float, pre: float, window: float
) -> float | None:
    """Seconds from t_from until the rate over `window` first reaches ratio * pre."""
    for t, _ in samples:
        if t < t_from:
            continue
        start, stop = _bytes_at(samples, t), _bytes_at(samples, t + window)
        if start is not None and stop is not None and (stop - start) / window >= ratio * pre:
            return round(t - t_from, 1)
    return None


def figures(
    fault: str, logs: Logs, t_fault: float, t_recover: float | None, t_end: float
) -> FaultFigures:
    reads = [r for r in logs.reads if r[0] >= t_fault - 0.5]  # passes touching the fault
    pre = pre_rate(logs.samples, t_fault)
    after = t_recover if t_recover is not None else t_fault
    return FaultFigures(
        fault=fault,
        read_errors=sum(1 for r in logs.reads if r[2] == "error"),
        mismatches=sum(1 for r in logs.reads if r[2] == "mismatch"),
        reads_ok=sum(1 for r in reads if r[2] == "ok"),
        pre_rate_mbit=round(pre * 8 / 1e6, 1),
        stall_s=stall_seconds([s for s in logs.samples if s[0] <= t_end], t_fault, pre),
        recovery_s=seconds_to(logs.samples, after, FULL_RATIO, pre, FULL_WINDOW_S),
        resume_s=seconds_to(logs.samples, after, STALL_RATIO, pre, 1.0),
    )


def ports_carrying(logs: Logs, ports: list[str], since: float) -> dict[str, int]:
    """Bytes received per port after `since` (the last part of the run)."""
    window = [(t, c) for t, c in logs.per_port if t >= since]
    if len(window) < 2:
        return {p: 0 for p in ports}
    return {p: window[-1][1][i] - window[0][1][i] for i, p in enumerate(ports)}


def agent_state(run: Run) -> dict[str, dict[str, object]]:
    text = run("cat /run/railmount-failover.json 2>/dev/null || echo '{}'")
    return json.loads(text or "{}")
