"""fleet: all hosts at once — no errors, every host gets its share (fairness), and the
file-per-sample and checkpoint figures hold with every host busy."""

from __future__ import annotations

from railmount.validation.records import Fleet, FleetStep, FleetWorkloadIO
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult

FLEET = "fleet"


@check(per="fleet step", reads=["railmount_validate.fleet.steps"])
def fleet_step_reads(step: FleetStep) -> CheckResult:
    """All mounts of this many hosts read at once without errors."""
    item = f"{len(step.hosts)} host(s)"
    return CheckResult(
        FLEET, item, "reads", "0 errors", f"{step.errors} errors",
        step.errors == 0 and step.read_bytes_per_s > 0,
    )  # fmt: skip


@check(per="fleet step", reads=["railmount_validate.fleet.min_fairness"])
def fleet_step_fair_share(step: FleetStep, min_fairness: float) -> CheckResult:
    """Hosts reading together each get a similar rate (slowest / fastest)."""
    fairness = step.fairness
    slowest = min(step.per_host_read_bytes_per_s, key=lambda h: step.per_host_read_bytes_per_s[h])
    return CheckResult(
        FLEET, f"{len(step.hosts)} host(s)", "fairness (slowest/fastest)",
        f">= {min_fairness:.2f}",
        f"{fairness:.2f} (slowest {slowest})" if fairness is not None else "no reads",
        fairness is not None and fairness >= min_fairness,
    )  # fmt: skip


@check(per="image size", reads=["railmount_validate.workload.image_sizes"])
def fleet_workload_reads(label: str, data: FleetWorkloadIO) -> CheckResult:
    """Every host's file-per-sample reads at once run without errors."""
    return CheckResult(
        FLEET, label, f"file-per-sample, {data.hosts} hosts",
        "0 errors", f"{data.errors} errors", data.errors == 0 and (data.files_per_s or 0) > 0,
    )  # fmt: skip


@check(per="fleet", reads=["railmount_validate.checkpoint.enabled"])
def fleet_checkpoint(result: Fleet) -> CheckResult:
    """Every host's checkpoint at once is written, restored and verified."""
    data = result.checkpoint
    verified = bool(data and data.verified)
    errors = data.errors if data else []
    return CheckResult(
        FLEET, "checkpoint", f"all {data.hosts if data else 0} hosts",
        "written, restored and verified", "verified" if verified else
        (errors[0] if errors else "not verified"), verified,
    )  # fmt: skip
