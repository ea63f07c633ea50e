"""workload: file-per-sample reads per image size (measured by
railmount.validation.workload): read without errors, and on the planned ports."""

from __future__ import annotations

from railmount.planner import HostPlan
from railmount.validation import fio_run
from railmount.validation.records import WorkloadIO
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult


@check(
    per="host and image size",
    reads=[
        "railmount_validate.workload.image_sizes",
        "railmount_validate.workload.dataset_mb",
        "railmount_validate.workload.readers_per_mount",
        "railmount_validate.workload.runtime_s",
    ],
)
def workload_reads(plan: HostPlan, label: str, result: WorkloadIO) -> CheckResult:
    """File-per-sample reads of this image size run without read errors."""
    actual = "0 errors" if not result.errors else f"{result.errors} ({result.error_text})"
    return CheckResult(
        plan.host, label, "file-per-sample reads", "0 errors",
        actual, result.errors == 0 and (result.files_per_s or 0) > 0,
    )  # fmt: skip


@check(per="host and image size", reads=["railmount_validate.link_balance"])
def workload_on_planned_ports(
    plan: HostPlan, label: str, result: WorkloadIO, tolerance: float
) -> CheckResult:
    """Every port carries the share of the reads its mounts do (equal readers per mount)."""
    total_vips = len(plan.mounts)
    rates = {port: rate or 0.0 for port, rate in result.read_links.items()}
    total = sum(rates.values())
    want = {p.name: len(p.vips) / total_vips for p in plan.ports}
    have = fio_run.shares(rates)
    ok = total > 0 and all(
        abs(have.get(port, 0.0) - share) <= tolerance * max(share, 1 / total_vips)
        for port, share in want.items()
    )
    return CheckResult(
        plan.host, label, "read share per port",
        ", ".join(f"{p} {s:.0%}" for p, s in want.items()) + f" (±{tolerance:.0%})",
        ", ".join(f"{p} {have.get(p, 0.0):.0%}" for p in want), ok,
    )  # fmt: skip
