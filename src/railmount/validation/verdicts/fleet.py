"""fleet: all hosts at once — no errors, every host gets its share (fairness), and the
file-per-sample and checkpoint figures hold with every host busy."""

from __future__ import annotations

from typing import Any

from railmount.validation.fleet import FleetResult, Step
from railmount.validation.verdicts.result import CheckResult

FLEET = "fleet"


def step_without_errors(step: Step) -> CheckResult:
    item = f"{len(step.hosts)} host(s)"
    return CheckResult(
        "fleet.step_without_errors", FLEET, item, "reads", "0 errors", f"{step.errors} errors",
        step.errors == 0 and step.read_bytes_per_s > 0,
    )  # fmt: skip


def fair_share(step: Step, min_fairness: float) -> CheckResult:
    """Hosts reading together each get a similar rate (slowest / fastest)."""
    fairness = step.fairness
    slowest = min(step.per_host_read_bytes_per_s, key=lambda h: step.per_host_read_bytes_per_s[h])
    return CheckResult(
        "fleet.fair_share", FLEET, f"{len(step.hosts)} host(s)", "fairness (slowest/fastest)",
        f">= {min_fairness:.2f}",
        f"{fairness:.2f} (slowest {slowest})" if fairness is not None else "no reads",
        fairness is not None and fairness >= min_fairness,
    )  # fmt: skip


def workload_without_errors(label: str, data: dict[str, Any]) -> CheckResult:
    return CheckResult(
        "fleet.workload_without_errors", FLEET, label, f"file-per-sample, {data['hosts']} hosts",
        "0 errors", f"{data['errors']} errors", data["errors"] == 0 and data["files_per_s"] > 0,
    )  # fmt: skip


def checkpoint_intact(result: FleetResult) -> CheckResult:
    data = result.checkpoint or {}
    errors = data.get("errors", [])
    return CheckResult(
        "fleet.checkpoint_intact", FLEET, "checkpoint", f"all {data.get('hosts', 0)} hosts",
        "written, restored and verified", "verified" if data.get("verified") else
        (errors[0] if errors else "not verified"), bool(data.get("verified")),
    )  # fmt: skip
