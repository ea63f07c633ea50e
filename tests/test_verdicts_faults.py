"""faults verdicts on the figures measured on the lab (README, dgx-1-1, 2026-11-23) and on
the probe capture after recovery; failing variants made from both."""

from __future__ import annotations

from dataclasses import replace

import pytest
from captured import Capture, failure, plan, settings

from railmount.report import failure_text
from railmount.validation.faults import FaultFigures
from railmount.validation.verdicts import faults, links

HOST = "dgx-1-1"


def _measured(fault: str, stall: float, mount: str, resume: float, full: float) -> FaultFigures:
    return FaultFigures(fault, 0, 0, 40, 4, 160.0, stall, mount, resume, full)


MEASURED = {  # the README's fault table: reads in flight
    "link-down em1": _measured("link-down em1", 0.0, "", 0.0, 0.5),
    "switch-down tor1": _measured("switch-down tor1", 1.0, "/mnt/nfs0", 0.0, 0.1),
    "vip-down nfs0": _measured("vip-down nfs0", 12.5, "/mnt/nfs0", 2.3, 1.8),
    "array-restart": _measured("array-restart", 2.1, "/mnt/nfs0", 1.5, 1.5),
}
PATH_FAULTS = ["link-down em1", "switch-down tor1"]
AGENT_IDLE = {
    "em1": {"ip": "198.18.115.120", "carrier": True, "moved_to": None},
    "em2": {"ip": "198.18.115.113", "carrier": True, "moved_to": None},
}


def _after(capture: Capture | None = None, **changes) -> faults.AfterRecovery:
    """dgx-1-1 after recovery as measured: both ports carrying reads, routes and TCP
    sources as captured, the agent holding nothing."""
    after = faults.AfterRecovery(
        carried={"em1": 52_000_000, "em2": 49_000_000},
        state=(capture or Capture(HOST)).state(),
        agent=AGENT_IDLE,
    )
    return replace(after, **changes)


@pytest.mark.parametrize("fault", MEASURED)
def test_measured_faults_pass(fault):
    figures, p, s = MEASURED[fault], plan(HOST), settings()
    results = [
        faults.every_mount_read_intact(p, figures),
        faults.no_read_errors(p, figures),
        faults.no_mismatches(p, figures),
        faults.reads_resume(p, figures, s),
    ]
    if fault in PATH_FAULTS:  # the suite bounds stalls for path faults only
        results.append(faults.stall_bounded(p, figures, s))
    assert [r.message for r in results if not r.passed] == []


def test_a_mount_without_one_intact_read():
    figures = replace(MEASURED["array-restart"], mounts_ok=3)
    assert failure(faults.every_mount_read_intact(plan(HOST), figures)) == (
        "dgx-1-1 array-restart mounts with intact reads: expected 4, actual 3"
    )


def test_read_errors_and_mismatches():
    figures = replace(MEASURED["vip-down nfs0"], read_errors=2, mismatches=1)
    assert failure(faults.no_read_errors(plan(HOST), figures)) == (
        "dgx-1-1 vip-down nfs0 read errors: expected 0, actual 2"
    )
    assert failure(faults.no_mismatches(plan(HOST), figures)) == (
        "dgx-1-1 vip-down nfs0 checksum mismatches: expected 0, actual 1"
    )


def test_stall_over_the_limit():
    figures = replace(MEASURED["link-down em1"], stall_s=12.5, stalled_mount="/mnt/nfs0")
    assert failure(faults.stall_bounded(plan(HOST), figures, settings())) == (
        "dgx-1-1 link-down em1 read stall: expected <= 10 s, actual 12.5 s /mnt/nfs0"
    )
    no_samples = replace(MEASURED["link-down em1"], stall_s=None)
    assert faults.stall_bounded(plan(HOST), no_samples, settings()).actual == "no samples"


def test_stall_limit_comes_from_settings():
    """The switch fault stalled nfs0 for 1.0 s: fine at 10 s, not at 0.5 s."""
    verdict = faults.stall_bounded(
        plan(HOST), MEASURED["switch-down tor1"], settings(fault_max_stall_s=0.5)
    )
    assert failure(verdict) == (
        "dgx-1-1 switch-down tor1 read stall: expected <= 0.5 s, actual 1.0 s /mnt/nfs0"
    )


def test_reads_that_resume_late_or_never():
    """The VIP fault resumed after 2.3 s: fine at 15 s, not at 2 s; never is a failure."""
    late = faults.reads_resume(
        plan(HOST), MEASURED["vip-down nfs0"], settings(fault_max_resume_s=2.0)
    )
    assert failure(late) == (
        "dgx-1-1 vip-down nfs0 reads resume after recovery: expected <= 2 s, actual 2.3 s"
    )
    never = replace(MEASURED["array-restart"], resume_s=None)
    assert failure(faults.reads_resume(plan(HOST), never, settings())) == (
        "dgx-1-1 array-restart reads resume after recovery: expected <= 15 s, "
        "actual a mount never resumed"
    )


def test_back_on_the_planned_ports():
    verdict = faults.returned_to_planned_ports(plan(HOST), "link-down em1", _after())
    assert verdict.passed and verdict.actual == "planned ports"


def test_idle_planned_port_at_the_noise_floor():
    floor = faults.IDLE_PORT_MAX_BYTES
    at_floor = _after(carried={"em1": floor, "em2": 49_000_000})
    assert faults.returned_to_planned_ports(plan(HOST), "idle link-down", at_floor).passed
    idle = _after(carried={"em1": floor - 1, "em2": 49_000_000})
    verdict = faults.returned_to_planned_ports(plan(HOST), "idle link-down", idle)
    assert failure(verdict) == (
        "dgx-1-1 idle link-down after recovery: expected planned ports, "
        "actual em1 idle (999999 bytes)"
    )


def test_still_on_the_backup_route_with_the_moved_address():
    """The failover state left behind: nfs0 via the backup port (same source), the agent
    still holding em1's address on em2."""
    capture = Capture(HOST).reroute("198.18.115.6", "em2", "198.18.115.120")
    agent = {**AGENT_IDLE, "em1": {**AGENT_IDLE["em1"], "moved_to": "em2"}}
    after = _after(capture, carried={"em1": 0, "em2": 98_000_000}, agent=agent)
    verdict = faults.returned_to_planned_ports(plan(HOST), "switch-down tor1", after)
    assert verdict.actual.split("; ") == [
        "em1 idle (0 bytes)",
        "nfs0 (198.18.115.6) route: expected dev em1 src 198.18.115.120, "
        "actual dev em2 src 198.18.115.120",
        "agent: em1 moved to em2",
    ]
    assert not verdict.passed and verdict.expected == "planned ports"


def test_a_connection_left_on_the_wrong_source():
    capture = Capture(HOST).edit(
        "tcp", "198.18.115.120:729 198.18.115.6", "198.18.115.113:729 198.18.115.6"
    )
    verdict = faults.returned_to_planned_ports(plan(HOST), "link-down em1", _after(capture))
    assert verdict.actual == (
        "/mnt/nfs0 TCP source to 198.18.115.6: expected from 198.18.115.120, "
        "actual from 198.18.115.113"
    )


def _links_failures(capture: Capture, ports: list[str]) -> list[str]:
    """The links run during the fault, as the fault suite reads it from the results JSON:
    the port_up verdicts' failures, through the report's failure_text."""
    state = capture.state()
    return [
        failure_text(HOST, {"message": f"AssertionError: {r.message}"})
        for r in (links.port_up(plan(HOST), state, port) for port in ports)
        if not r.passed
    ]


def _down(*ports: str) -> Capture:
    capture = Capture(HOST)
    for port in ports:
        capture.link(port, operstate="DOWN", flags=["NO-CARRIER", "BROADCAST", "UP"])
    return capture


def test_links_suite_names_the_dead_port():
    failures = _links_failures(_down("em1"), ["em1", "em2"])
    failures.append("dgx-1-1 em1 LLDP neighbour: expected switch tor1, actual no LLDP neighbour")
    verdict = faults.links_suite_names_the_fault(plan(HOST), "link-down em1", ("em1",), failures)
    assert verdict.passed, verdict.message
    assert verdict.expected == "dgx-1-1 em1 state: expected up, actual down (cabled to switch tor1)"


def test_links_suite_that_passed_during_the_fault():
    verdict = faults.links_suite_names_the_fault(plan(HOST), "link-down em1", ("em1",), [])
    assert failure(verdict) == (
        "dgx-1-1 link-down em1 links suite during the fault: expected dgx-1-1 em1 state: "
        "expected up, actual down (cabled to switch tor1), actual links suite passed"
    )


def test_links_suite_naming_the_wrong_port():
    failures = _links_failures(_down("em2"), ["em1", "em2"])
    verdict = faults.links_suite_names_the_fault(plan(HOST), "switch-down tor1", ("em1",), failures)
    assert verdict.actual == "dgx-1-1 em2 state: expected up, actual down (cabled to switch tor2)"
    assert not verdict.passed
