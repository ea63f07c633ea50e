"""faults (lab): verdicts on the figures of one fault run (railmount.validation.faults turns
the reader and rx-counter logs into FaultFigures) and on what the host looked like after
recovery. Limits come from railmount_validate (fault_max_stall_s, fault_max_resume_s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation.faults import FaultFigures
from railmount.validation.probe import HostState
from railmount.validation.registry import check
from railmount.validation.semantics import Pair
from railmount.validation.verdicts import links, mounts, routes
from railmount.validation.verdicts.result import CheckResult
from railmount.validation.verdicts.semantics import lock_outcome

# A planned port that received fewer bytes than this over the window judged after recovery
# (the last ~6 s of a run) carries no reads: a noise floor, not a performance limit. Reads
# move tens of MB per port in that window even on the lab's CPU-bound readers; what an idle
# port sees (ARP, LLDP, NFS keepalives) is a few kB. A constant, not a railmount_validate
# setting: it separates "reads" from "no reads" on any link of 10 Mbit/s or more, so there
# is nothing for a site to tune, and the fault suite runs in the lab only.
IDLE_PORT_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class AfterRecovery:
    """What the fault suite gathered once the fault was undone and reads had settled."""

    carried: dict[str, int]  # rx bytes per port over the judged window
    state: HostState  # a fresh probe
    agent: dict[str, dict[str, Any]]  # /run/railmount-failover.json: port -> state


def _count(plan: HostPlan, figures: FaultFigures, what: str, want: int, got: int) -> CheckResult:
    return CheckResult(plan.host, figures.fault, what, str(want), str(got), got == want)


@check(per="fault")
def every_mount_read_intact(plan: HostPlan, figures: FaultFigures) -> CheckResult:
    """Every mount read its test file intact at least once during the fault.

    Guards the other verdicts: no reads at all would mean no errors either."""
    what, want = "mounts with intact reads", len(plan.mounts)
    return _count(plan, figures, what, want, figures.mounts_ok)


@check(per="fault")
def no_read_errors(plan: HostPlan, figures: FaultFigures) -> CheckResult:
    """No read failed during the fault."""
    return _count(plan, figures, "read errors", 0, figures.read_errors)


@check(per="fault")
def no_mismatches(plan: HostPlan, figures: FaultFigures) -> CheckResult:
    """No read returned data whose sha256 differs from the test file's."""
    what = "checksum mismatches"
    return _count(plan, figures, what, 0, figures.mismatches)


def _bounded(
    plan: HostPlan,
    figures: FaultFigures,
    what: str,
    seconds: float | None,
    limit: float,
    unknown: str,
    detail: str = "",
) -> CheckResult:
    """`seconds` measured (None: `unknown`) within `limit`."""
    return CheckResult(
        plan.host,
        figures.fault,
        what,
        f"<= {limit:g} s",
        f"{seconds} s {detail}".rstrip() if seconds is not None else unknown,
        seconds is not None and seconds <= limit,
    )


@check(per="fault", reads=["railmount_validate.fault_max_stall_s"])
def stall_bounded(plan: HostPlan, figures: FaultFigures, settings: ValidateSettings) -> CheckResult:
    """Path faults: the longest stretch any single mount read nothing is bounded."""
    stall, limit = figures.stall_s, settings.fault_max_stall_s
    what, mount = "read stall", figures.stalled_mount
    return _bounded(plan, figures, what, stall, limit, "no samples", mount)


@check(per="fault", reads=["railmount_validate.fault_max_resume_s"])
def reads_resume(plan: HostPlan, figures: FaultFigures, settings: ValidateSettings) -> CheckResult:
    """After recovery every mount reads again within the limit."""
    resume, limit = figures.resume_s, settings.fault_max_resume_s
    what, never = "reads resume after recovery", "a mount never resumed"
    return _bounded(plan, figures, what, resume, limit, never)


def return_problems(plan: HostPlan, after: AfterRecovery) -> list[str]:
    """Everything that is not back on the planned ports: idle planned ports, VIP routes
    (the routes verdict), mounts' TCP sources (the mounts verdict), agent takeovers."""
    problems = [
        f"{p.name} idle ({after.carried.get(p.name, 0)} bytes)"
        for p in plan.ports
        if p.vips and after.carried.get(p.name, 0) < IDLE_PORT_MAX_BYTES
    ]
    judged = [routes.route_get(plan, after.state, vip) for vip in routes.vip_names(plan)]
    judged += [mounts.tcp_source_address(plan, after.state, m.path) for m in plan.mounts]
    problems += [r.detail for r in judged if not r.passed]
    problems += [
        f"agent: {port} moved to {entry['moved_to']}"
        for port, entry in after.agent.items()
        if entry.get("moved_to") is not None
    ]
    return problems


@check(per="fault")
def returned_to_planned_ports(plan: HostPlan, fault: str, after: AfterRecovery) -> CheckResult:
    """Path faults: after recovery traffic is back where the plan puts it."""
    problems = return_problems(plan, after)
    return CheckResult(
        plan.host,
        fault,
        "after recovery",
        "planned ports",
        "; ".join(problems) or "planned ports",
        not problems,
    )


@check(per="fault")
def links_suite_names_the_fault(
    plan: HostPlan, fault: str, dead_ports: tuple[str, ...], failures: list[str]
) -> CheckResult:
    """While a link or switch is down, the links suite fails on exactly its ports' state.

    While a link or switch is down, the links suite fails on exactly its ports' state,
    with the links verdict's own message. `failures`: the links run's failure texts."""
    want = [
        links.port_state(plan, p.name, up=False).message for p in plan.ports if p.name in dead_ports
    ]
    got = [m for m in failures if " state: " in m]
    expected, actual = "; ".join(want), "; ".join(got) or "links suite passed"
    return CheckResult(
        plan.host,
        fault,
        "links suite during the fault",
        expected,
        actual,
        actual == expected,
    )


@check(per="mount pair", reads=["railmount_nfs.local_lock", "railmount_failover.enabled"])
def lock_survives_failover(pair: Pair) -> CheckResult:
    """A lock held through a mount whose port goes down still excludes, then is granted.

    flock and POSIX locks; the backup route carries the mount while its port is down."""
    return lock_outcome(pair)
