"""routes: `ip route get VIP` gives the planned port and source; effective sysctls;
each VIP answers ARP via its planned port; path MTU to each VIP from its port."""

from __future__ import annotations


def _route(rm, host: str, vip: str):
    return next(r for r in rm.plan(host).routes if r.vip == vip and not r.backup)


def test_route_get(rm, expect, vip_item):
    host, vip = vip_item
    planned = _route(rm, host, vip)
    address = planned.to.removesuffix("/32")
    got = rm.state(host).route_get.get(address)
    actual = (
        f"dev {got.dev} src {got.src}" if got and got.dev else (got.error if got else "no answer")
    )
    expect(host, f"{vip} ({address})", f"dev {planned.dev} src {planned.src}", actual, what="route")


def test_effective_sysctl(rm, expect, sysctl_item):
    host, item = sysctl_item
    port, knob = item.split(":")
    planned = {s.name: s.value for s in rm.plan(host).sysctls}
    running = rm.state(host).sysctls
    want = planned[f"net.ipv4.conf.{port}.{knob}"]
    # The kernel applies max(all, port) for these knobs (OR for booleans).
    values = [running.get(f"net.ipv4.conf.{scope}.{knob}") for scope in ("all", port)]
    effective = (
        max(v for v in values if v is not None) if any(v is not None for v in values) else None
    )
    expect(host, port, f"{knob}={want}", f"{knob}={effective}", what="effective sysctl")


def test_arp_via_planned_port(rm, expect, vip_item):
    host, vip = vip_item
    planned = _route(rm, host, vip)
    address = planned.to.removesuffix("/32")
    answered = rm.state(host).arping.get(address, False)
    expect(
        host,
        f"{vip} ({address})",
        f"ARP reply on {planned.dev}",
        f"ARP reply on {planned.dev}" if answered else f"no ARP reply on {planned.dev}",
        what="ARP",
    )


def test_path_mtu(rm, expect, vip_item):
    host, vip = vip_item
    planned = _route(rm, host, vip)
    address = planned.to.removesuffix("/32")
    mtu = rm.plan(host).port(planned.dev).mtu
    ok = rm.state(host).pmtu.get(address, False)
    expect(
        host,
        f"{vip} ({address})",
        f"DF ping of {mtu - 28} bytes passes",
        "passes" if ok else "fails",
        ok=ok,
        what="path MTU",
    )
