"""Measured read bandwidth per link: fio phases with per-port byte counters.

Each phase is one remote command: fio (direct I/O, time-based, one job per mount,
JSON output, crc32c verification of every block read) runs in the background while
the script samples /sys/class/net/PORT/statistics/rx_bytes after the ramp and again
just before fio ends, so bytes are attributed to links over the same window.
Test files are written once through the first mount with fio's verify headers;
their sha256 is then read back through every mount (all must agree).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

from railmount.model import ValidateSettings
from railmount.planner import HostPlan

RAMP_S = 2
MARK = "@@railmount-bw@@"


@dataclass
class Phase:
    name: str  # "single:nfs0", "link:em1", "all"
    mounts: list[str]  # VIP names read in this phase
    links: dict[str, float] = field(default_factory=dict)  # port -> rx bytes/s
    fio_bytes_per_s: float = 0.0
    errors: int = 0  # fio job errors (I/O or verify)
    window_s: float = 0.0


@dataclass
class BandwidthResult:
    phases: list[Phase]
    checksums: dict[str, str]  # mount path -> sha256 of the test file set read through it
    line_rate: dict[str, float | None]  # port -> bytes/s

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)

    def to_json(self) -> dict[str, Any]:
        """The `bandwidth` object of the results JSON."""
        all_phase = self.phase("all")
        single = next(p for p in self.phases if p.name.startswith("single:"))
        return {
            "links": {
                port: {
                    "read_bytes_per_s": all_phase.links.get(port, 0.0),
                    "line_rate_bytes_per_s": rate,
                }
                for port, rate in self.line_rate.items()
            },
            "single_mount_bytes_per_s": sum(single.links.values()),
            "all_mounts_bytes_per_s": sum(all_phase.links.values()),
            "phases": [asdict(p) for p in self.phases],
            "checksums": self.checksums,
        }


def line_rates(plan: HostPlan, reported: dict[str, int | None]) -> dict[str, float | None]:
    """bytes/s per port: the inventory's speed_mbps, else what the driver reports."""
    rates: dict[str, float | None] = {}
    for port in plan.ports:
        mbps = port.speed_mbps or reported.get(port.name)
        rates[port.name] = mbps * 1e6 / 8 if mbps else None
    return rates


def bench_file(plan: HostPlan, settings: ValidateSettings, mount_path: str, vip: str) -> str:
    return f"{mount_path}/{settings.test_dir}/bench-{plan.host}-{vip}.dat"


def phases_for(plan: HostPlan) -> list[tuple[str, list[str]]]:
    """Phase name -> VIPs read: one mount alone, each link alone, everything together."""
    phases = [(f"single:{plan.mounts[0].vip}", [plan.mounts[0].vip])]
    for port in plan.ports:
        if port.vips:
            phases.append((f"link:{port.name}", list(port.vips)))
    phases.append(("all", [m.vip for m in plan.mounts]))
    return phases


def fio_common(settings: ValidateSettings) -> list[str]:
    return [
        "--direct=1",
        f"--bs={settings.fio_block_size}",
        "--ioengine=psync",
        "--verify=crc32c",
        "--output-format=json",
        "--group_reporting=0",
    ]


def prepare_script(plan: HostPlan, settings: ValidateSettings) -> str:
    """Write one test file per mount (through the first mount) unless already valid."""
    first = plan.mounts[0].path
    q = shlex.quote
    lines = [f"mkdir -p {q(first + '/' + settings.test_dir)}"]
    for mount in plan.mounts:
        # All mounts are the same filesystem: files written via the first are read via each.
        path = bench_file(plan, settings, first, mount.vip)
        args = [
            *fio_common(settings),
            "--rw=write",
            f"--size={settings.file_size_mb}M",
            "--do_verify=0",
            "--name=prepare",
            f"--filename={path}",
        ]
        lines.append(
            f'[ "$(stat -c %s {q(path)} 2>/dev/null)" = {settings.file_size_mb * 1048576} ] '
            f"|| fio {' '.join(args)} >/dev/null || exit 3"
        )
    return "\n".join(lines) + "\n"


def phase_script(plan: HostPlan, settings: ValidateSettings, vips: list[str]) -> str:
    """fio in the background; rx_bytes sampled after the ramp and before the end."""
    q = shlex.quote
    runtime = settings.fio_runtime_s
    jobs = []
    for mount in plan.mounts:
        if mount.vip in vips:
            path = bench_file(plan, settings, mount.path, mount.vip)
            jobs += [f"--name={mount.vip}", f"--filename={path}"]
    fio = [
        "fio",
        *fio_common(settings),
        "--rw=read",
        "--time_based",
        f"--runtime={runtime}",
        f"--ramp_time={RAMP_S}",
        "--verify_fatal=0",
        *jobs,
    ]
    counters = " ".join(f"/sys/class/net/{q(p.name)}/statistics/rx_bytes" for p in plan.ports)
    window = max(1, runtime - 2)
    return (
        "\n".join(
            [
                "out=$(mktemp)",
                f'{" ".join(q(a) for a in fio)} > "$out" 2>&1 &',
                "pid=$!",
                f"sleep {RAMP_S + 1}",
                f"echo {MARK}t0; date +%s.%N; cat {counters}",
                f"sleep {window}",
                f"echo {MARK}t1; date +%s.%N; cat {counters}",
                "wait $pid; rc=$?",
                f'echo {MARK}fio; cat "$out"; rm -f "$out"',
                f"echo {MARK}rc; echo $rc",
            ]
        )
        + "\n"
    )


def checksum_script(plan: HostPlan, settings: ValidateSettings) -> str:
    """sha256 of every test file, read with O_DIRECT through each mount."""
    q = shlex.quote
    lines = []
    for mount in plan.mounts:
        files = [bench_file(plan, settings, mount.path, m.vip) for m in plan.mounts]
        reads = "; ".join(f"dd if={q(f)} bs=4M iflag=direct status=none" for f in files)
        lines.append(f"echo {MARK}{mount.path}; ( {reads} ) | sha256sum | cut -d' ' -f1")
    return "\n".join(lines) + "\n"


def sections(output: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(MARK):
            current = found.setdefault(line[len(MARK) :], [])
        elif current is not None:
            current.append(line)
    return found


def parse_phase(name: str, vips: list[str], ports: list[str], output: str) -> Phase:
    found = sections(output)
    phase = Phase(name, vips)
    t0, t1 = found.get("t0", []), found.get("t1", [])
    if len(t0) == len(t1) == len(ports) + 1:
        phase.window_s = float(t1[0]) - float(t0[0])
        for i, port in enumerate(ports):
            phase.links[port] = (int(t1[i + 1]) - int(t0[i + 1])) / phase.window_s
    text = "\n".join(found.get("fio", []))
    start = text.find("{")
    data = json.loads(text[start:]) if start >= 0 else {"jobs": []}
    for job in data.get("jobs", []):
        phase.fio_bytes_per_s += job["read"]["bw_bytes"]
        phase.errors += int(job.get("error", 0)) + int(job.get("total_err", 0))
    rc = found.get("rc", ["1"])
    if rc and rc[0].strip() != "0":
        phase.errors = max(phase.errors, 1)
    return phase


def measure(
    run: Any, plan: HostPlan, settings: ValidateSettings, reported_speeds: dict[str, int | None]
) -> BandwidthResult:
    """Run every phase on one host. `run(script) -> stdout` executes remotely."""
    run(prepare_script(plan, settings))
    ports = [p.name for p in plan.ports]
    phases = [
        parse_phase(name, vips, ports, run(phase_script(plan, settings, vips)))
        for name, vips in phases_for(plan)
    ]
    sums = {
        k: (v[0] if v else "") for k, v in sections(run(checksum_script(plan, settings))).items()
    }
    return BandwidthResult(phases, sums, line_rates(plan, reported_speeds))
