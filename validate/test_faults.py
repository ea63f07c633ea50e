"""faults: reads keep going, intact, through link, switch, VIP and array faults (lab only).

One host (the first selected storage client) reads all its mounts while the suite
injects each fault through railmount.lab.faults; railmount.validation.faults turns the
reader and rx-counter logs into figures. A switch fault hits every host cabled to it.
Verdicts: railmount.validation.verdicts.faults (limits from railmount_validate).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from railmount.lab import faults as lab
from railmount.lab.spec import LabSpec
from railmount.lab.topology import lab_spec
from railmount.report import failure_text, failures
from railmount.validation import faults as fx
from railmount.validation.bandwidth import prepare_script
from railmount.validation.verdicts import faults as verdicts

pytestmark = pytest.mark.faults

PRE_S = 6.0  # reads settle before the fault; sets the pre-fault rate
DOWN_S = 12.0  # longer than fault_max_stall_s: a mount waiting out the fault would show
VIP_DOWN_S = 10.0
ADMIN_DOWN_S = 8.0
POST_S = 14.0  # after recovery: time to return to full bandwidth and the planned ports
IDLE_HOLD_S = 5.0
IDLE_SETTLE_S = 4.0  # after recovery, before reading
IDLE_READ_S = 10.0


@dataclass
class Fault:
    name: str
    down: Callable[[LabSpec], dict[str, Any]]
    up: Callable[[LabSpec], dict[str, Any]] | None  # None: one-shot (array restart)
    hold_s: float
    path_fault: bool  # link/switch: the host must fail over, not just wait
    dead_ports: tuple[str, ...] = ()  # the host's ports a path fault takes down


def _matrix(spec: LabSpec, host: str, plan) -> list[Fault]:
    first_port = plan.ports[0]
    vip = plan.mounts[0].vip_address
    return [
        Fault(
            f"link-down {first_port.name}",
            lambda s: lab.set_host_link(s, host, first_port.name, False),
            lambda s: lab.set_host_link(s, host, first_port.name, True),
            DOWN_S,
            True,
            (first_port.name,),
        ),
        Fault(
            f"switch-down {first_port.switch}",
            lambda s: lab.set_switch(s, first_port.switch, False),
            lambda s: lab.set_switch(s, first_port.switch, True),
            DOWN_S,
            True,
            tuple(p.name for p in plan.ports if p.switch == first_port.switch),
        ),
        Fault(
            f"vip-down {vip}",
            lambda s: lab.set_vip(s, vip, False),
            lambda s: lab.set_vip(s, vip, True),
            VIP_DOWN_S,
            False,
        ),
        Fault("array-restart", lab.array_restart, None, 0.0, False),
    ]


def _on_host(rm, host: str, command: str) -> Callable[[LabSpec], dict[str, Any]]:
    """A host lifecycle event an admin causes (not a lab fault): run it over SSH."""

    def event(_spec: LabSpec) -> dict[str, Any]:
        t = time.time()
        rm.run(host, f"{command} >/dev/null 2>&1; echo done")
        return {"time": t, "event": command}

    return event


def _lifecycle(rm, host: str, plan) -> list[Fault]:
    """What admins do to a running host, with reads in flight: a port taken down and up,
    networkd told to reconfigure it, netplan applied again."""
    port = plan.ports[0].name
    return [
        Fault(
            f"admin-down {port}",
            _on_host(rm, host, f"ip link set {port} down"),
            _on_host(rm, host, f"ip link set {port} up"),
            ADMIN_DOWN_S,
            True,
            (port,),
        ),
        Fault(
            f"reconfigure {port}",
            _on_host(rm, host, f"networkctl reconfigure {port}"),
            None,
            0.0,
            False,
        ),
        Fault("netplan-apply", _on_host(rm, host, "netplan apply"), None, 0.0, False),
    ]


def _after_recovery(rm, host: str, logs: fx.Logs, since: float) -> verdicts.AfterRecovery:
    """What the return-to-planned-ports verdict judges: bytes per port since `since`, a
    fresh probe (routes, TCP sources) and the failover agent's state."""
    return verdicts.AfterRecovery(
        carried=fx.ports_carrying(logs, since),
        state=rm.state(host, refresh=True),
        agent=fx.agent_state(lambda s: rm.run(host, s)),
    )


def _judge_return(rm, host: str, figures: fx.FaultFigures, after: verdicts.AfterRecovery):
    """The verdict also goes into the figures: the report's fault table shows it."""
    result = verdicts.returned_to_planned_ports(rm.plan(host), figures.fault, after)
    figures.returned, figures.return_detail = result.passed, result.actual


def _run_fault(
    rm, host: str, spec: LabSpec, fault: Fault
) -> tuple[fx.FaultFigures, verdicts.AfterRecovery]:
    run = lambda script: rm.run(host, script)  # noqa: E731
    settings = rm.inventory.validate
    offset = fx.clock_offset(run)
    total = PRE_S + fault.hold_s + POST_S + 6
    out = fx.start_reader(run, rm.plan(host), settings, fault.name.replace(" ", "_"), total)
    time.sleep(PRE_S)
    t_fault = time.time()
    t_recover = fault.down(spec)["time"]  # one-shot faults are undone when they return
    if fault.up is not None:
        time.sleep(fault.hold_s)
        t_recover = fault.up(spec)["time"]
    time.sleep(POST_S)
    logs = fx.fetch(run, out, offset)
    figures = fx.figures(fault.name, logs, t_fault, t_recover, t_recover + POST_S)
    after = _after_recovery(rm, host, logs, t_recover + POST_S - 6)
    _judge_return(rm, host, figures, after)
    return figures, after


def _links_failures(rm, host: str) -> list[str]:
    """The normal links suite, run as users run it, while the fault is in place."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "links.json"
        args = ["validate", "-i", str(rm.inventory_path), "--only", "links", "--limit", host]
        subprocess.run(
            [sys.executable, "-m", "railmount.cli", *args, "--json", str(out)],
            capture_output=True,
            check=False,
        )
        results = json.loads(out.read_text())
    return [failure_text(h, entry) for h, entry in failures(results)]


def _idle(
    rm, host: str, spec: LabSpec, fault: Fault
) -> tuple[fx.FaultFigures, verdicts.AfterRecovery, list[str]]:
    """The fault with nothing in flight: while it lasts the links suite must fail naming
    it (link/switch); after recovery every mount must read intact on the planned ports."""
    fault.down(spec)
    failures: list[str] = []
    if fault.path_fault:
        time.sleep(2)  # carrier loss reaches the guest's sysfs
        failures = _links_failures(rm, host)
    if fault.up is not None:
        time.sleep(IDLE_HOLD_S)
        fault.up(spec)
    time.sleep(IDLE_SETTLE_S)
    run = lambda script: rm.run(host, script)  # noqa: E731
    offset = fx.clock_offset(run)
    out = fx.start_reader(run, rm.plan(host), rm.inventory.validate, "idle", IDLE_READ_S)
    time.sleep(IDLE_READ_S + 2)
    logs = fx.fetch(run, out, offset)
    t = logs.samples[0].t if logs.samples else time.time()
    figures = fx.figures(f"idle {fault.name}", logs, t, t, t + IDLE_READ_S)
    # judged on the reader's own run (it ended before the fetch), after its start-up
    after = _after_recovery(rm, host, logs, t + 4)
    _judge_return(rm, host, figures, after)
    return figures, after, failures


@pytest.fixture(scope="session")
def fault_results(rm) -> dict[str, Any]:
    host = rm.hostnames[0]
    spec = lab_spec(rm.inventory)
    results: dict[str, Any] = {"host": host, "figures": {}}
    # The readers need the bench files and their digests; reused when the bandwidth
    # suite already wrote them.
    rm.run(host, prepare_script(rm.plan(host), rm.inventory.validate))
    results["links_failures"] = {}
    for fault in [*_matrix(spec, host, rm.plan(host)), *_lifecycle(rm, host, rm.plan(host))]:
        figures, after = _run_fault(rm, host, spec, fault)
        results["figures"][fault.name] = (fault, figures, after)
    for fault in _matrix(spec, host, rm.plan(host)):
        idle, after, failures = _idle(rm, host, spec, fault)
        results["figures"][idle.fault] = (fault, idle, after)
        results["links_failures"][fault.name] = failures
    rm.state(host, refresh=True)  # leave a clean probe for the other suites
    rm.measurements[host]["faults"] = [f.flat() for _, f, _ in results["figures"].values()]
    return results


LAB_FAULTS = ["link-down", "switch-down", "vip-down", "array-restart"]
LIFECYCLE = ["admin-down", "reconfigure", "netplan-apply"]
IN_FLIGHT = LAB_FAULTS + LIFECYCLE
FAULTS = IN_FLIGHT + [f"idle {key}" for key in LAB_FAULTS]
PATH_FAULTS = ["link-down", "switch-down", "idle link-down", "idle switch-down", *LIFECYCLE]


def _pick(
    results: dict[str, Any], key: str
) -> tuple[Fault, fx.FaultFigures, verdicts.AfterRecovery]:
    for name, found in results["figures"].items():
        if name.startswith(key):
            return found
    raise KeyError(key)


@pytest.mark.parametrize("key", FAULTS)
def test_every_mount_read_intact(rm, expect, fault_results, key):
    """Guards the other verdicts: no reads at all would mean no errors either."""
    _, figures, _ = _pick(fault_results, key)
    expect.record(verdicts.every_mount_read_intact(rm.plan(fault_results["host"]), figures))


@pytest.mark.parametrize("key", FAULTS)
def test_no_read_errors(rm, expect, fault_results, key):
    _, figures, _ = _pick(fault_results, key)
    expect.record(verdicts.no_read_errors(rm.plan(fault_results["host"]), figures))


@pytest.mark.parametrize("key", FAULTS)
def test_no_mismatches(rm, expect, fault_results, key):
    _, figures, _ = _pick(fault_results, key)
    expect.record(verdicts.no_mismatches(rm.plan(fault_results["host"]), figures))


@pytest.mark.parametrize("key", ["link-down", "switch-down", "admin-down"])
def test_stall_bounded(rm, expect, fault_results, key):
    _, figures, _ = _pick(fault_results, key)
    plan, settings = rm.plan(fault_results["host"]), rm.inventory.validate
    expect.record(verdicts.stall_bounded(plan, figures, settings))


@pytest.mark.parametrize("key", PATH_FAULTS)
def test_returned_to_planned_ports(rm, expect, fault_results, key):
    _, figures, after = _pick(fault_results, key)
    plan = rm.plan(fault_results["host"])
    expect.record(verdicts.returned_to_planned_ports(plan, figures.fault, after))


@pytest.mark.parametrize("key", IN_FLIGHT)
def test_reads_resume(rm, expect, fault_results, key):
    _, figures, _ = _pick(fault_results, key)
    plan, settings = rm.plan(fault_results["host"]), rm.inventory.validate
    expect.record(verdicts.reads_resume(plan, figures, settings))


@pytest.mark.parametrize("key", ["link-down", "switch-down"])
def test_links_suite_names_the_fault(rm, expect, fault_results, key):
    """While a link or switch is down, `railmount validate` fails on exactly its ports."""
    fault, _, _ = _pick(fault_results, key)
    failures = fault_results["links_failures"][fault.name]
    plan = rm.plan(fault_results["host"])
    expect.record(
        verdicts.links_suite_names_the_fault(plan, fault.name, fault.dead_ports, failures)
    )


def _failover_hosts(rm) -> tuple[str, list[str]]:
    """The lock holder (the host the fault suite breaks) and the hosts that contend."""
    host = rm.hostnames[0]
    others = [h for h in rm.hostnames if h != host][: rm.inventory.validate.semantics.peers]
    return host, others


def pytest_generate_tests(metafunc):
    from railmount.validation import semantics
    from railmount.validation.plugin import session_of

    if "failover_pair" in metafunc.fixturenames:
        session = session_of(metafunc.config)
        host, others = _failover_hosts(session)
        _, pairs = semantics.failover_plan(session.plans, host, others, "ids")
        ids = list(pairs)
        metafunc.parametrize(
            "failover_pair",
            ids,
            ids=[f"{p.kind}/{p.writer}->{p.reader}" for p, _ in pairs.values()],
        )


@pytest.fixture(scope="session")
def failover_locks(rm) -> dict:
    """flock and POSIX locks held through the first host's first mount while that mount's
    port is down (the backup route carries it): still exclusive, granted after release."""
    from railmount.validation import semantics

    host, others = _failover_hosts(rm)
    spec = lab_spec(rm.inventory)
    port = rm.plan(host).mounts[0].dev
    return semantics.failover_locks(
        rm.run,
        rm.plans,
        host,
        others,
        rm.inventory.validate.test_dir,
        lambda: lab.set_host_link(spec, host, port, False),
        lambda: lab.set_host_link(spec, host, port, True),
        rm.inventory.validate.semantics.lock_timeout_s,
    )


def test_lock_survives_failover(expect, failover_locks, failover_pair):
    expect.record(verdicts.lock_survives_failover(failover_locks[failover_pair]))
