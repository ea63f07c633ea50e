"""routes: `ip route get VIP` gives the planned port and source; effective sysctls;
each VIP answers ARP via its planned port; path MTU to each VIP from its port.

Verdicts: railmount.validation.verdicts.routes."""

from __future__ import annotations

from railmount.validation.verdicts import routes


def test_route_get(rm, expect, vip_item):
    host, vip = vip_item
    expect.record(routes.route_get(rm.plan(host), rm.state(host), vip))


def test_effective_sysctl(rm, expect, sysctl_item):
    host, item = sysctl_item
    port, knob = item.split(":")
    expect.record(routes.effective_sysctl(rm.plan(host), rm.state(host), port, knob))


def test_arp_via_planned_port(rm, expect, vip_item):
    host, vip = vip_item
    expect.record(routes.arp_via_planned_port(rm.plan(host), rm.state(host), vip))


def test_path_mtu(rm, expect, vip_item):
    host, vip = vip_item
    expect.record(routes.path_mtu(rm.plan(host), rm.state(host), vip))
