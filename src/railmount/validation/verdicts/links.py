"""links: each planned storage port exists, is up, and has the planned MAC, MTU, address,
speed and LLDP neighbour (cabling); its error/drop counters do not grow during the run."""

from __future__ import annotations

from dataclasses import replace

from railmount.planner import HostPlan
from railmount.validation.probe import HostState, Link
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult

COUNTERS = ("rx_errors", "rx_dropped", "tx_errors", "tx_dropped")


def _missing(plan: HostPlan, port: str) -> CheckResult:
    """Every per-port verdict fails this way when the host lacks the port."""
    return CheckResult(plan.host, port, "exists", "present", "missing", False)


@check(per="port")
def port_exists(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The planned port exists on the host."""
    if port not in state.links:
        return _missing(plan, port)
    return CheckResult(plan.host, port, "exists", "present", "present", True)


def port_state(plan: HostPlan, port: str, up: bool) -> CheckResult:
    """The state verdict from the carrier alone; the fault suite builds the failures it
    expects from the links suite with it. A dead port names its switch: a switch failure
    shows as all of its ports."""
    actual = "up" if up else f"down (cabled to switch {plan.port(port).switch})"
    return CheckResult(plan.host, port, "state", "up", actual, up)


@check(per="port")
def port_up(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The port has carrier (a dead port names the switch it is cabled to)."""
    link = state.links.get(port)
    if link is None:
        return _missing(plan, port)
    return port_state(plan, port, link.up)


@check(per="port", reads=["railmount_ports[].mac"])
def port_mac(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The port has the planned MAC."""
    link = state.links.get(port)
    if link is None:
        return _missing(plan, port)
    want = plan.port(port).mac
    return CheckResult(plan.host, port, "mac", want, link.mac, link.mac == want)


@check(per="port", reads=["railmount_ports[].mtu"])
def port_mtu(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The port has the planned MTU."""
    link = state.links.get(port)
    if link is None:
        return _missing(plan, port)
    want = plan.port(port).mtu
    return CheckResult(plan.host, port, "mtu", str(want), str(link.mtu), link.mtu == want)


@check(per="port", reads=["railmount_ports[].address"])
def port_address(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The port holds its planned address/prefix."""
    link = state.links.get(port)
    if link is None:
        return _missing(plan, port)
    want = plan.port(port).address
    actual = ",".join(link.addresses) or "none"
    return CheckResult(plan.host, port, "address", want, actual, want in link.addresses)


@check(per="port", reads=["railmount_ports[].speed_mbps"])
def port_speed(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The driver reports the planned line rate.

    Skipped where the driver reports no speed (virtio) or the inventory plans none."""
    link = state.links.get(port)
    if link is None:
        return _missing(plan, port)
    planned, reported = plan.port(port).speed_mbps, link.speed_mbps
    result = CheckResult(
        plan.host,
        port,
        "speed",
        f"{planned}Mb/s" if planned is not None else "not planned",
        f"{reported}Mb/s" if reported is not None else "not reported",
        planned == reported,
    )
    if planned is None or reported is None:
        skipped = "speed not reported by the driver or not planned"
        return replace(result, passed=False, skipped=skipped)
    return result


@check(per="port", reads=["railmount_ports[].switch"])
def cabling_lldp(plan: HostPlan, state: HostState, port: str) -> CheckResult:
    """The LLDP neighbour is the planned switch (cabling)."""
    switch = plan.port(port).switch
    neighbour = state.lldp.get(port)
    return CheckResult(
        plan.host,
        port,
        "LLDP neighbour",
        f"switch {switch}",
        f"switch {neighbour[0]} port {neighbour[1]}" if neighbour else "no LLDP neighbour",
        bool(neighbour) and neighbour[0] == switch,
    )


@check(per="port")
def counters_stable(plan: HostPlan, first: HostState, last: HostState, port: str) -> CheckResult:
    """Error and drop counters do not grow between the run's first probe and its last."""
    before: Link | None = first.links.get(port)
    after: Link | None = last.links.get(port)
    if before is None or after is None:
        return _missing(plan, port)
    grown = {
        name: getattr(after, name) - getattr(before, name)
        for name in COUNTERS
        if getattr(after, name) > getattr(before, name)
    }
    actual = ", ".join(f"{k}+{v}" for k, v in grown.items()) or "no growth"
    return CheckResult(
        plan.host,
        port,
        "error/drop counters",
        "no growth",
        actual,
        not grown,
    )
