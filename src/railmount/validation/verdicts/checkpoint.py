"""checkpoint: write and restore of a host's checkpoint shard (measured by
railmount.validation.checkpoint): every byte read back intact, and the writes and reads
leave and arrive on the planned ports (the same per-VIP pinning as the reads)."""

from __future__ import annotations

from railmount.planner import HostPlan
from railmount.validation.checkpoint import CheckpointResult, Pass
from railmount.validation.verdicts.result import CheckResult


def restored_intact(plan: HostPlan, result: CheckpointResult) -> CheckResult:
    want = f"{result.sizing.measured_bytes} bytes read back, 0 verify errors"
    restore = result.restore
    if restore.errors:
        actual = f"{restore.bytes} bytes read back; {restore.errors[0]}"
    else:
        actual = f"{restore.bytes} bytes read back, 0 verify errors"
    return CheckResult(
        "checkpoint.restored_intact", plan.host, "checkpoint", "restore", want, actual,
        result.verified,
    )  # fmt: skip


def written(plan: HostPlan, result: CheckpointResult) -> CheckResult:
    write = result.write
    want = f"{result.sizing.measured_bytes} bytes written and synced"
    actual = f"{write.bytes} bytes" + (f"; {write.errors[0]}" if write.errors else "")
    ok = not write.errors and write.bytes == result.sizing.measured_bytes
    return CheckResult("checkpoint.written", plan.host, "checkpoint", "write", want, actual, ok)


def _pinned(
    check: str, plan: HostPlan, result: CheckpointResult, one: Pass, port: str, what: str,
    tolerance: float,
) -> CheckResult:  # fmt: skip
    share = result.shares[port]
    have = one.shares().get(port, 0.0)
    vips = ",".join(plan.port(port).vips)
    ok = sum(one.port_bytes.values()) > 0 and abs(have - share) <= tolerance * max(share, 0.05)
    return CheckResult(
        check, plan.host, port, what,
        f"{share:.0%} of the bytes (the ranks on {vips or 'no VIP'}, ±{tolerance:.0%})",
        f"{have:.0%}", ok,
    )  # fmt: skip


def write_on_planned_port(
    plan: HostPlan, result: CheckpointResult, port: str, tolerance: float
) -> CheckResult:
    return _pinned(
        "checkpoint.write_on_planned_port", plan, result, result.write, port,
        "checkpoint write (tx)", tolerance,
    )  # fmt: skip


def restore_on_planned_port(
    plan: HostPlan, result: CheckpointResult, port: str, tolerance: float
) -> CheckResult:
    return _pinned(
        "checkpoint.restore_on_planned_port", plan, result, result.restore, port,
        "checkpoint restore (rx)", tolerance,
    )  # fmt: skip
