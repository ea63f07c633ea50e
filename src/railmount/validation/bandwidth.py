"""Measured read bandwidth per link: fio phases with per-port byte counters.

Each phase is one remote command: fio (direct I/O, time-based, one job per mount,
JSON output) runs in the background while the script samples
/sys/class/net/PORT/statistics/rx_bytes after the ramp and again just before fio ends,
so bytes are attributed to links over the same window.

Test files are random data whose sha256 is recorded when they are written (through the
first mount). After the phases every mount reads every file back with O_DIRECT and the
digests must equal the recorded ones. Verification is kept out of the timed window: on
a small host, checksumming inside fio costs a third of the throughput.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation import fio_run
from railmount.validation.probe import split_sections
from railmount.validation.records import Bandwidth, Phase

RAMP_S = 2
MARK = "@@railmount-bw@@"


@dataclass
class BandwidthResult:
    phases: list[Phase]
    checksums: dict[str, str]  # mount path -> digest of the test files read through it
    expected_checksum: str  # the same digest from the sha256s recorded at write time
    line_rate: dict[str, float | None]  # port -> bytes/s

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)

    def record(self) -> Bandwidth:
        """The `bandwidth` object of the results JSON, its totals worked out here once."""
        all_phase = self.phase("all")
        single = next(p for p in self.phases if p.name.startswith("single:"))
        return Bandwidth(
            links={
                port: {
                    "read_bytes_per_s": all_phase.links.get(port, 0.0),
                    "line_rate_bytes_per_s": rate,
                }
                for port, rate in self.line_rate.items()
            },
            single_mount_bytes_per_s=sum(single.links.values()),
            all_mounts_bytes_per_s=sum(all_phase.links.values()),
            phases=list(self.phases),
            checksums=dict(self.checksums),
            expected_checksum=self.expected_checksum,
        )

    def to_json(self) -> dict[str, Any]:
        return self.record().to_json()


def line_rates(plan: HostPlan, reported: dict[str, int | None]) -> dict[str, float | None]:
    """bytes/s per port: the inventory's speed_mbps, else what the driver reports. The one
    place a line rate is worked out: the bandwidth record and the fleet steps store it, the
    report reads it from them."""
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
    ]


def prepare_script(plan: HostPlan, settings: ValidateSettings) -> str:
    """Write one random test file per VIP through the first mount, recording its sha256.

    Files that exist with the right size and a recorded digest are reused.
    """
    q = shlex.quote
    first = plan.mounts[0].path
    size = settings.file_size_mb * 1048576
    lines = [f"mkdir -p {q(first + '/' + settings.test_dir)}", "tmp=$(mktemp -p /dev/shm)"]
    for mount in plan.mounts:
        path = q(bench_file(plan, settings, first, mount.vip))
        lines.append(
            f'if [ "$(stat -c %s {path} 2>/dev/null)" != {size} ] || [ ! -s {path}.sha256 ]; '
            f'then head -c {size} /dev/urandom > "$tmp" && '
            f'sha256sum < "$tmp" | cut -c1-64 > {path}.sha256 && '
            f'dd if="$tmp" of={path} bs=4M oflag=direct conv=fsync status=none '
            f'|| {{ rm -f "$tmp"; exit 3; }}; fi'
        )
    lines.append('rm -f "$tmp"')
    return "\n".join(lines) + "\n"


def phase_script(
    plan: HostPlan, settings: ValidateSettings, vips: list[str], start_at: float | None = None
) -> str:
    """Time-based fio over the given VIPs' mounts; counters after the ramp and before the end."""
    jobs = []
    for mount in plan.mounts:
        if mount.vip in vips:
            path = bench_file(plan, settings, mount.path, mount.vip)
            jobs += [f"--name={mount.vip}", f"--filename={path}"]
    runtime = settings.fio_runtime_s
    fio = [
        *fio_common(settings),
        "--rw=read",
        "--time_based",
        f"--runtime={runtime}",
        f"--ramp_time={RAMP_S}",
        *jobs,
    ]
    window = fio_run.Window(RAMP_S + 1, max(1, runtime - 2))
    return fio_run.script([p.name for p in plan.ports], fio, window, start_at=start_at)


def checksum_script(plan: HostPlan, settings: ValidateSettings) -> str:
    """Digest of every test file read with O_DIRECT through each mount, and the recorded one.

    Per mount: sha256 over the per-file sha256 lines, in VIP order; `expected` is the same
    over the digests recorded at write time.
    """
    q = shlex.quote
    first = plan.mounts[0].path
    recorded = " ".join(
        q(bench_file(plan, settings, first, m.vip) + ".sha256") for m in plan.mounts
    )
    lines = [f"echo {MARK}expected; cat {recorded} | sha256sum | cut -c1-64"]
    for mount in plan.mounts:
        files = [bench_file(plan, settings, mount.path, m.vip) for m in plan.mounts]
        reads = "; ".join(
            f"dd if={q(f)} bs=4M iflag=direct status=none | sha256sum | cut -c1-64" for f in files
        )
        lines.append(f"echo {MARK}{mount.path}; ( {reads} ) | sha256sum | cut -c1-64")
    return "\n".join(lines) + "\n"


def sections(output: str) -> dict[str, list[str]]:
    return split_sections(output, MARK)


def parse_phase(name: str, vips: list[str], ports: list[str], output: str) -> Phase:
    run = fio_run.parse(output, ports)
    return Phase(
        name,
        vips,
        links=run.rates("rx"),
        fio_bytes_per_s=run.total("read", "bw_bytes"),
        errors=max(run.job_errors, 1 if run.rc != 0 else 0),
        window_s=run.seconds,
    )


def measure(
    run: Any, plan: HostPlan, settings: ValidateSettings, rates: dict[str, float | None]
) -> BandwidthResult:
    """Run every phase on one host. `run(script) -> stdout` executes remotely; `rates`:
    the ports' line rates (`line_rates`)."""
    run(prepare_script(plan, settings))
    ports = [p.name for p in plan.ports]
    phases = [
        parse_phase(name, vips, ports, run(phase_script(plan, settings, vips)))
        for name, vips in phases_for(plan)
    ]
    sums = {
        k: (v[0] if v else "") for k, v in sections(run(checksum_script(plan, settings))).items()
    }
    expected = sums.pop("expected", "")
    return BandwidthResult(phases, sums, expected, rates)
