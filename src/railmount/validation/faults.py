"""faults: read integrity and bandwidth through link, switch, VIP and array faults.

Per fault a background reader runs on the host: one thread per mount reads its bench
file with O_DIRECT (the page cache would hide a dead path) and checks the sha256 each
pass, logging `epoch mount ok|mismatch|error`; a sampler logs, every 0.5 s, the rx_bytes
of every storage port and the bytes each mount's reader has read. The suite injects the
fault through railmount.lab.faults, then fetches both logs and turns them into the
figures below: per mount, because an aggregate rate hides one stalled mount behind three
busy ones. Fault times carry the lab machine's clock; the offset to the host's is
measured and the logs are moved onto the lab's clock.
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

FULL_RATIO = 0.90  # at or above this share of the pre-fault rate: back to full bandwidth
FULL_WINDOW_S = 2.0
SAMPLE_S = 0.5
OUT_DIR = "/tmp/railmount-faults"

# Runs on the GPU server (python3 is there for the failover agent). Threads, not forked
# dd | sha256sum pipelines: the guest has little CPU and a forking sampler drifts badly.
# 1 MiB reads keep a mount's progress visible at every 0.5 s sample.
READER = r"""
import hashlib, json, mmap, os, sys, threading, time
cfg = json.loads(sys.argv[1])
end = time.time() + cfg["duration"]
out = open(cfg["out"] + "/reads.log", "a", buffering=1)
lock = threading.Lock()
done = {name: 0 for name, _, _ in cfg["mounts"]}
def log(line):
    with lock:
        out.write(line + "\n")
def reader(name, path, want):
    buf = mmap.mmap(-1, 1 << 20)
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
                    done[name] += n
            finally:
                os.close(fd)
            result = "ok" if h.hexdigest() == want else "mismatch"
        except OSError:
            result = "error"
            time.sleep(0.5)
        log(f"{time.time():.3f} {name} {result}")
def sampler():
    with open(cfg["out"] + "/rx.log", "a", buffering=1) as rx:
        rx.write("ports " + " ".join(cfg["ports"]) + "\n")
        rx.write("mounts " + " ".join(done) + "\n")
        while time.time() < end:
            counts = []
            for port in cfg["ports"]:
                with open(f"/sys/class/net/{port}/statistics/rx_bytes") as f:
                    counts.append(f.read().strip())
            mounts = [str(done[name]) for name in done]
            rx.write(f"{time.time():.3f} {' '.join(counts)} | {' '.join(mounts)}\n")
            time.sleep(cfg["sample_s"])
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
    reads_ok: int  # passes that read the whole file intact, after the fault
    mounts_ok: int  # mounts with at least one such pass
    pre_rate_mbit: float
    stall_s: float | None  # longest stretch any mount read nothing, after the fault
    stalled_mount: str  # the mount that stalled longest
    resume_s: float | None  # after recovery: until every mount reads again
    recovery_s: float | None  # after recovery: until the total rate is back to full
    returned: bool | None = None  # link/switch faults: traffic back on the planned ports
    return_detail: str = ""

    def flat(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Sample:
    t: float
    ports: list[int]
    mounts: list[int]


@dataclass
class Logs:
    reads: list[tuple[float, str, str]] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def totals(self) -> list[tuple[float, int]]:
        """(time, rx bytes summed over the storage ports)."""
        return [(s.t, sum(s.ports)) for s in self.samples]

    def mount_series(self, name: str) -> list[tuple[float, int]]:
        i = self.mounts.index(name)
        return [(s.t, s.mounts[i]) for s in self.samples]


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
    missing = [m.path for m in plan.mounts if m.path not in digests]
    if missing:
        raise RuntimeError(f"{plan.host}: no recorded digest for the bench file of {missing}")
    out = f"{OUT_DIR}/{tag}"
    mounts = [
        (m.path, bench_file(plan, settings, m.path, m.vip), digests[m.path]) for m in plan.mounts
    ]
    cfg = {
        "duration": duration,
        "out": out,
        "ports": [p.name for p in plan.ports],
        "mounts": mounts,
        "sample_s": SAMPLE_S,
    }
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


def parse_logs(reads_log: str, rx_log: str, offset: float = 0.0) -> Logs:
    """Both logs, with their times moved onto the lab machine's clock."""
    logs = Logs()
    for line in reads_log.splitlines():
        parts = line.split()
        if len(parts) == 3:
            logs.reads.append((float(parts[0]) - offset, parts[1], parts[2]))
    for line in rx_log.splitlines():
        head, _, rest = line.partition(" ")
        if head == "ports":
            logs.ports = rest.split()
        elif head == "mounts":
            logs.mounts = rest.split()
        elif "|" in rest:
            ports, _, mounts = rest.partition("|")
            logs.samples.append(
                Sample(
                    float(head) - offset,
                    [int(c) for c in ports.split()],
                    [int(c) for c in mounts.split()],
                )
            )
    return logs


def fetch(run: Run, out: str, offset: float) -> Logs:
    q = shlex.quote
    return parse_logs(
        run(f"cat {q(out)}/reads.log 2>/dev/null || true"),
        run(f"cat {q(out)}/rx.log 2>/dev/null || true"),
        offset,
    )


def pre_rate(series: list[tuple[float, int]], t_fault: float, settle_s: float = 2.0) -> float:
    """Mean bytes/s before the fault, skipping the readers' start-up."""
    if not series:
        return 0.0
    window = [(t, b) for t, b in series if series[0][0] + settle_s <= t <= t_fault]
    if len(window) < 2 or window[-1][0] <= window[0][0]:
        return 0.0
    return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


def longest_stall(series: list[tuple[float, int]], t_from: float, t_to: float) -> float:
    """Longest stretch in [t_from, t_to] over which the byte count did not move."""
    longest = current = 0.0
    for (t0, b0), (t1, b1) in itertools.pairwise(series):
        if t1 <= t_from or t0 >= t_to:
            continue
        if b1 == b0:
            current += min(t1, t_to) - max(t0, t_from)
            longest = max(longest, current)
        else:
            current = 0.0
    return round(longest, 1)


def resumed_after(series: list[tuple[float, int]], t_from: float) -> float | None:
    """Seconds from t_from until the byte count moves again (0: it never stopped)."""
    for (t0, b0), (t1, b1) in itertools.pairwise(series):
        if t1 > t_from and b1 > b0:
            return round(max(0.0, t0 - t_from), 1)
    return None


def _bytes_at(series: list[tuple[float, int]], t: float) -> float | None:
    """Byte count at time t, linearly interpolated; None outside the samples."""
    for (t0, b0), (t1, b1) in itertools.pairwise(series):
        if t0 <= t <= t1 and t1 > t0:
            return b0 + (b1 - b0) * (t - t0) / (t1 - t0)
    return None


def seconds_to_rate(
    series: list[tuple[float, int]], t_from: float, rate: float, window: float
) -> float | None:
    """Seconds from t_from until the rate over `window` first reaches `rate` bytes/s."""
    for t, _ in series:
        if t < t_from:
            continue
        start, stop = _bytes_at(series, t), _bytes_at(series, t + window)
        if start is not None and stop is not None and (stop - start) / window >= rate:
            return round(t - t_from, 1)
    return None


def figures(fault: str, logs: Logs, t_fault: float, t_recover: float, t_end: float) -> FaultFigures:
    """The verdict figures of one fault run; t_recover is when the fault was undone."""
    totals = logs.totals()
    pre = pre_rate(totals, t_fault)
    ok_after = [r for r in logs.reads if r[0] >= t_fault and r[2] == "ok"]
    stalls = {m: longest_stall(logs.mount_series(m), t_fault, t_end) for m in logs.mounts}
    resumes = [resumed_after(logs.mount_series(m), t_recover) for m in logs.mounts]
    worst = max(stalls, key=lambda m: stalls[m]) if stalls else ""
    return FaultFigures(
        fault=fault,
        read_errors=sum(1 for r in logs.reads if r[2] == "error"),
        mismatches=sum(1 for r in logs.reads if r[2] == "mismatch"),
        reads_ok=sum(1 for r in ok_after),
        mounts_ok=len({r[1] for r in ok_after}),
        pre_rate_mbit=round(pre * 8 / 1e6, 1),
        stall_s=stalls[worst] if stalls else None,
        stalled_mount=worst if stalls and stalls[worst] > 0 else "",
        resume_s=None
        if not resumes or None in resumes
        else max(r for r in resumes if r is not None),
        recovery_s=seconds_to_rate(totals, t_recover, FULL_RATIO * pre, FULL_WINDOW_S),
    )


def ports_carrying(logs: Logs, since: float) -> dict[str, int]:
    """Bytes received per port after `since` (the last part of the run)."""
    window = [s for s in logs.samples if s.t >= since]
    if len(window) < 2:
        return {p: 0 for p in logs.ports}
    return {p: window[-1].ports[i] - window[0].ports[i] for i, p in enumerate(logs.ports)}


def agent_state(run: Run) -> dict[str, dict[str, object]]:
    text = run("cat /run/railmount-failover.json 2>/dev/null || echo '{}'")
    return json.loads(text or "{}")
