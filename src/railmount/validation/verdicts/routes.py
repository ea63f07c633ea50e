"""routes: `ip route get VIP` gives the planned port and source; effective sysctls; each
VIP answers ARP via its planned port; path MTU to each VIP from its port."""

from __future__ import annotations

from railmount.hostside import routes as spec
from railmount.planner import HostPlan
from railmount.validation.probe import HostState, RouteGet
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult


def expectation(plan: HostPlan, vip: str) -> spec.RouteExpectation:
    """The planned (primary) route of the VIP named `vip`."""
    return next(e for e in spec.expected_routes(plan.to_dict()) if e.vip == vip)


def vip_names(plan: HostPlan) -> list[str]:
    """The VIPs the routes verdicts judge, one item each."""
    return [e.vip for e in spec.expected_routes(plan.to_dict())]


def _item(route: spec.RouteExpectation) -> str:
    return f"{route.vip} ({route.vip_address})"


def _answer(got: RouteGet | None) -> spec.Answer:
    """The probe's parsed `ip -j route get` back in the form the shared spec judges."""
    if got is None:
        return "no answer"
    if got.dev:
        return [{"dev": got.dev, "prefsrc": got.src}]
    return got.error or "no route"


@check(
    per="vip",
    reads=["railmount_array.vips[].address", "railmount_vip_ports", "railmount_ports[].address"],
)
def route_get(plan: HostPlan, state: HostState, vip: str) -> CheckResult:
    """`ip route get VIP` answers with the planned port and source address."""
    route = expectation(plan, vip)
    answer = _answer(state.route_get.get(route.vip_address))
    return CheckResult(
        plan.host,
        _item(route),
        "route",
        route.expected,
        spec.describe(answer),
        spec.route_problem(route, answer) is None,
    )


@check(per="sysctl")
def effective_sysctl(plan: HostPlan, state: HostState, port: str, knob: str) -> CheckResult:
    """The effective per-port ARP and route sysctl is the planned value.

    The kernel applies max(all, port) for arp_ignore, arp_announce and rp_filter, and OR
    (the same for 0/1) for ignore_routes_with_linkdown: judge that, not the port's value."""
    want = {s.name: s.value for s in plan.sysctls}[f"net.ipv4.conf.{port}.{knob}"]
    values = [
        v
        for scope in ("all", port)
        if (v := state.sysctls.get(f"net.ipv4.conf.{scope}.{knob}")) is not None
    ]
    effective = max(values) if values else None
    return CheckResult(
        plan.host,
        port,
        "effective sysctl",
        f"{knob}={want}",
        f"{knob}={effective}",
        effective == want,
    )


@check(per="vip", reads=["railmount_vip_ports"])
def arp_via_planned_port(plan: HostPlan, state: HostState, vip: str) -> CheckResult:
    """The VIP answers ARP through its planned port."""
    route = expectation(plan, vip)
    answered = state.arping.get(route.vip_address, False)
    want = f"ARP reply on {route.dev}"
    return CheckResult(
        plan.host,
        _item(route),
        "ARP",
        want,
        want if answered else f"no ARP reply on {route.dev}",
        answered,
    )


@check(per="vip", reads=["railmount_ports[].mtu"])
def path_mtu(plan: HostPlan, state: HostState, vip: str) -> CheckResult:
    """A DF ping of the port's MTU reaches the VIP from the planned source.

    A DF ping of MTU - 28 bytes (IPv4 + ICMP headers) from the planned source; when it
    fails, the message names the port, the switch (and its port, from LLDP) and the
    largest size that does pass: a switch port left at a smaller MTU shows as exactly that."""
    route = expectation(plan, vip)
    port = plan.port(route.dev)
    passes = state.pmtu.get(route.vip_address, False)
    neighbour = state.lldp.get(port.name)
    where = f"switch {port.switch}" + (f", port {neighbour[1]}" if neighbour else "")
    actual = "passes"
    if not passes:
        largest = state.pmtu_largest.get(route.vip_address)
        actual = "fails"
        if largest is not None:
            actual += (
                f"; largest that passes: {largest} bytes (MTU {largest + 28})"
                if largest
                else "; no DF ping passes at all"
            )
    return CheckResult(
        plan.host,
        _item(route),
        "path MTU",
        f"DF ping of {port.mtu - 28} bytes passes via {port.name} ({where})",
        actual,
        passes,
    )
