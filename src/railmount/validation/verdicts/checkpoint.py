"""checkpoint: write and restore of a host's checkpoint shard (measured by
railmount.validation.checkpoint): every byte read back intact, and the writes and reads
leave and arrive on the planned ports (the same per-VIP pinning as the reads)."""

from __future__ import annotations

from railmount.planner import HostPlan
from railmount.validation.checkpoint import CheckpointResult, Pass
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult


@check(per="host")
def checkpoint_restored_intact(plan: HostPlan, result: CheckpointResult) -> CheckResult:
    """The restored shard reads back in full with every block's crc32c intact."""
    want = f"{result.sizing.measured_bytes} bytes read back, 0 verify errors"
    restore = result.restore
    if restore.errors:
        actual = f"{restore.bytes} bytes read back; {restore.errors[0]}"
    else:
        actual = f"{restore.bytes} bytes read back, 0 verify errors"
    return CheckResult(
        plan.host, "checkpoint", "restore", want, actual,
        result.verified,
    )  # fmt: skip


@check(
    per="host",
    reads=[
        "railmount_validate.checkpoint.model",
        "railmount_validate.checkpoint.parameters",
        "railmount_validate.checkpoint.bytes_per_parameter",
        "railmount_validate.checkpoint.gpus_per_host",
        "railmount_validate.checkpoint.shard_mb",
    ],
)
def checkpoint_written(plan: HostPlan, result: CheckpointResult) -> CheckResult:
    """The host's checkpoint shard is written in full and synced."""
    write = result.write
    want = f"{result.sizing.measured_bytes} bytes written and synced"
    actual = f"{write.bytes} bytes" + (f"; {write.errors[0]}" if write.errors else "")
    ok = not write.errors and write.bytes == result.sizing.measured_bytes
    return CheckResult(plan.host, "checkpoint", "write", want, actual, ok)


def _pinned(
    plan: HostPlan, result: CheckpointResult, one: Pass, port: str, what: str,
    tolerance: float,
) -> CheckResult:  # fmt: skip
    share = result.shares[port]
    have = one.shares().get(port, 0.0)
    vips = ",".join(plan.port(port).vips)
    ok = sum(one.port_bytes.values()) > 0 and abs(have - share) <= tolerance * max(share, 0.05)
    return CheckResult(
        plan.host, port, what,
        f"{share:.0%} of the bytes (the ranks on {vips or 'no VIP'}, ±{tolerance:.0%})",
        f"{have:.0%}", ok,
    )  # fmt: skip


@check(per="port", reads=["railmount_validate.link_balance"])
def checkpoint_write_on_planned_port(
    plan: HostPlan, result: CheckpointResult, port: str, tolerance: float
) -> CheckResult:
    """The checkpoint write leaves through this port in the share of its mounts' ranks."""
    return _pinned(
        plan, result, result.write, port,
        "checkpoint write (tx)", tolerance,
    )  # fmt: skip


@check(per="port", reads=["railmount_validate.link_balance"])
def checkpoint_restore_on_planned_port(
    plan: HostPlan, result: CheckpointResult, port: str, tolerance: float
) -> CheckResult:
    """The checkpoint restore arrives on this port in the share of its mounts' ranks."""
    return _pinned(
        plan, result, result.restore, port,
        "checkpoint restore (rx)", tolerance,
    )  # fmt: skip
