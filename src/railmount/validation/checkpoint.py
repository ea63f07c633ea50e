"""Checkpoint write and restore: the other half of an AI cluster's I/O.

A training job checkpoints synchronously while the GPUs wait: every rank writes its
shard at once, then fsyncs. Here each host writes one file per GPU (rank), spread over
all mounts, with fio (O_DIRECT, crc32c verification headers in every block, a final
fsync), drops its caches and reads everything back as a restore does, verifying every
block. Bytes per storage port are counted on both passes: the writes must ride the same
per-VIP pinning as the reads.

Sizing follows MLPerf Storage's checkpoint workloads (Llama 3): a model's checkpoint is
about 14 bytes per parameter (weights plus optimizer state), split over the hosts of the
job; the write should take at most `write_budget` (5 %) of the checkpoint interval.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

from railmount.model import CheckpointSettings, ValidateSettings
from railmount.planner import HostPlan
from railmount.validation import fio_run, records
from railmount.values import CHECKPOINT_MODELS

Run = Any  # callable(script) -> stdout
BLOCK = 4 * 1024 * 1024  # bytes per write: large, sequential, like torch.save shards

# A host's share is the checkpoint (railmount.values.CHECKPOINT_MODELS) split over
# ceil(gpus / gpus_per_host) hosts.


@dataclass(frozen=True)
class Sizing:
    model: str
    parameters: float
    job_gpus: int
    hosts: int  # hosts one checkpoint is spread over
    model_bytes: float  # the whole checkpoint
    model_bytes_per_host: float
    measured_bytes: int  # what this run writes per host
    ranks: int  # files per host (one per GPU)
    rank_bytes: int


def sizing(settings: CheckpointSettings) -> Sizing:
    params, job_gpus = CHECKPOINT_MODELS[settings.model]  # validated: one of its keys
    params = settings.parameters or params
    hosts = max(1, math.ceil(job_gpus / settings.gpus_per_host))
    total = params * settings.bytes_per_parameter
    per_host = total / hosts
    wanted = settings.shard_mb * 1_000_000 if settings.shard_mb else per_host
    ranks = settings.gpus_per_host
    rank_bytes = max(BLOCK, round(wanted / ranks / BLOCK) * BLOCK)  # whole blocks
    label = settings.model if not settings.parameters else f"{params / 1e9:g}B parameters"
    return Sizing(label, params, job_gpus, hosts, total, per_host, rank_bytes * ranks, ranks,
                  rank_bytes)  # fmt: skip


def shard_files(plan: HostPlan, settings: ValidateSettings) -> list[tuple[str, str]]:
    """(mount VIP, path) per rank: rank r on mount r mod M, like ranks over the mounts."""
    mounts = plan.mounts
    ranks = settings.checkpoint.gpus_per_host
    return [
        (mounts[r % len(mounts)].vip, f"{mounts[r % len(mounts)].path}/{settings.test_dir}/"
         f"checkpoint-{plan.host}/rank-{r:03d}")
        for r in range(ranks)
    ]  # fmt: skip


def fio_args(plan: HostPlan, settings: ValidateSettings, verify_only: bool) -> list[str]:
    size = sizing(settings.checkpoint)
    args = [
        "--direct=1", "--ioengine=psync", "--thread", "--rw=write", f"--bs={BLOCK}",
        f"--size={size.rank_bytes}", "--verify=crc32c",
        "--verify_state_save=0",  # no local-*-verify.state files left in the cwd
    ]  # fmt: skip
    args += ["--verify_only=1"] if verify_only else ["--do_verify=0", "--end_fsync=1"]
    for i, (_, path) in enumerate(shard_files(plan, settings)):
        args += [f"--name=rank{i}", f"--filename={path}"]
    return args


def write_script(plan: HostPlan, settings: ValidateSettings, start_at: float | None = None) -> str:
    dirs = sorted({path.rsplit("/", 1)[0] for _, path in shard_files(plan, settings)})
    before = f"mkdir -p {' '.join(shlex.quote(d) for d in dirs)}"
    ports = [p.name for p in plan.ports]
    args = fio_args(plan, settings, False)
    return fio_run.script(ports, args, None, before=before, start_at=start_at)


def restore_script(
    plan: HostPlan, settings: ValidateSettings, start_at: float | None = None
) -> str:
    ports = [p.name for p in plan.ports]
    args = fio_args(plan, settings, True)
    return fio_run.script(ports, args, None, drop_caches=True, start_at=start_at)


def cleanup_script(plan: HostPlan, settings: ValidateSettings) -> str:
    files = " ".join(shlex.quote(path) for _, path in shard_files(plan, settings))
    return f"rm -f {files}\n"


def planned_shares(plan: HostPlan, settings: ValidateSettings) -> dict[str, float]:
    """Share of the checkpoint's bytes each port should carry (its mounts' ranks)."""
    dev = {m.vip: m.dev for m in plan.mounts}
    files = shard_files(plan, settings)
    shares = {p.name: 0.0 for p in plan.ports}
    for vip, _ in files:
        shares[dev[vip]] += 1 / len(files)
    return shares


@dataclass
class Pass:
    seconds: float
    bytes: int  # payload fio moved
    bytes_per_s: float
    port_bytes: dict[str, int]  # wire bytes per port (tx when writing, rx when restoring)
    errors: list[str] = field(default_factory=list)

    def shares(self) -> dict[str, float]:
        return fio_run.shares(self.port_bytes)


def summarize(kind: str, out: str, ports: list[str]) -> Pass:
    run = fio_run.parse(out, ports)
    moved = int(run.total(kind, "io_bytes"))
    direction = "tx" if kind == "write" else "rx"
    counts = run.tx if direction == "tx" else run.rx
    errors = list(run.errors)
    if run.job_errors and not errors:
        errors.append(f"fio reported {run.job_errors} job error(s)")
    if run.rc != 0 and not errors:
        errors.append(f"fio exited {run.rc}")
    return Pass(
        seconds=round(run.seconds, 3),
        bytes=moved,
        bytes_per_s=moved / run.seconds if run.seconds > 0 else 0.0,
        port_bytes=dict(counts),
        errors=errors,
    )


def seconds_for(nbytes: float, bytes_per_s: float) -> float | None:
    """How long moving `nbytes` takes at a measured rate; None when nothing moved."""
    return nbytes / bytes_per_s if bytes_per_s else None


def interval_min_s(write_s: float | None, budget: float) -> float | None:
    """The shortest checkpoint interval whose write takes at most `budget` of it (one host's
    and the fleet's figure both come from here)."""
    return round(write_s / budget, 1) if write_s else None


@dataclass
class CheckpointResult:
    sizing: Sizing
    write: Pass
    restore: Pass
    budget: float
    shares: dict[str, float]  # planned share per port

    @property
    def verified(self) -> bool:
        return not self.restore.errors and self.restore.bytes == self.sizing.measured_bytes

    def record(self) -> records.Checkpoint:
        """The `checkpoint` object of results.json, its figures worked out here once."""
        s, w, r = self.sizing, self.write, self.restore
        write_s = seconds_for(s.model_bytes_per_host, w.bytes_per_s)
        restore_s = seconds_for(s.model_bytes_per_host, r.bytes_per_s)
        links = {
            port: {
                "write_bytes_per_s": w.port_bytes.get(port, 0) / w.seconds if w.seconds else 0.0,
                "restore_bytes_per_s": r.port_bytes.get(port, 0) / r.seconds if r.seconds else 0.0,
                "planned_share": share,
            }
            for port, share in self.shares.items()
        }
        return records.Checkpoint(
            model=s.model,
            model_bytes=s.model_bytes,
            model_bytes_per_host=s.model_bytes_per_host,
            hosts_per_checkpoint=s.hosts,
            bytes=s.measured_bytes,
            ranks=s.ranks,
            write_bytes_per_s=w.bytes_per_s,
            restore_bytes_per_s=r.bytes_per_s,
            write_s=round(write_s, 1) if write_s else None,
            restore_s=round(restore_s, 1) if restore_s else None,
            verified=self.verified,
            interval_min_s=interval_min_s(write_s, self.budget),
            budget=self.budget,
            links=links,  # type: ignore[arg-type]
            write=asdict(w),
            restore=asdict(r),
        )

    def to_json(self) -> dict[str, Any]:
        return self.record().to_json()


def measure(run: Run, plan: HostPlan, settings: ValidateSettings) -> CheckpointResult:
    """Write every rank's shard, drop caches, restore and verify; remove the shards."""
    ports = [p.name for p in plan.ports]
    try:
        write = summarize("write", run(write_script(plan, settings)), ports)
        restore = summarize("read", run(restore_script(plan, settings)), ports)
    finally:
        run(cleanup_script(plan, settings))
    return CheckpointResult(
        sizing(settings.checkpoint),
        write,
        restore,
        settings.checkpoint.write_budget,
        planned_shares(plan, settings),
    )
