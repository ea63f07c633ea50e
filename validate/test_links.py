"""links: each storage port exists, is up, has the planned MAC, MTU, address, speed and
LLDP neighbour (cabling), and its error/drop counters do not grow during the run."""

from __future__ import annotations

import pytest

from railmount.validation.probe import Link


def _link(rm, expect, host: str, port: str) -> Link:
    link = rm.state(host).links.get(port)
    expect(host, port, "present", "present" if link else "missing", what="exists")
    assert link is not None
    return link


def test_port_exists(rm, expect, port_item):
    _link(rm, expect, *port_item)


def test_port_up(rm, expect, port_item):
    host, port = port_item
    link = _link(rm, expect, host, port)
    # a dead port names its switch: a switch failure shows as all of its ports
    down = f"down (cabled to switch {rm.plan(host).port(port).switch})"
    expect(host, port, "up", "up" if link.up else down, what="state")


def test_port_mac(rm, expect, port_item):
    host, port = port_item
    expect(host, port, rm.plan(host).port(port).mac, _link(rm, expect, host, port).mac, what="mac")


def test_port_mtu(rm, expect, port_item):
    host, port = port_item
    expect(host, port, rm.plan(host).port(port).mtu, _link(rm, expect, host, port).mtu, what="mtu")


def test_port_address(rm, expect, port_item):
    host, port = port_item
    planned = rm.plan(host).port(port).address
    actual = _link(rm, expect, host, port).addresses
    expect(host, port, planned, ",".join(actual) or "none", ok=planned in actual, what="address")


def test_port_speed(rm, expect, port_item):
    host, port = port_item
    planned = rm.plan(host).port(port).speed_mbps
    reported = _link(rm, expect, host, port).speed_mbps
    if reported is None or planned is None:
        pytest.skip(f"{host} {port}: speed not reported by the driver or not planned")
    expect(host, port, f"{planned}Mb/s", f"{reported}Mb/s", what="speed")


def test_cabling_lldp(rm, expect, port_item):
    host, port = port_item
    neighbour = rm.state(host).lldp.get(port)
    expect(
        host,
        port,
        f"switch {rm.plan(host).port(port).switch}",
        f"switch {neighbour[0]} port {neighbour[1]}" if neighbour else "no LLDP neighbour",
        ok=bool(neighbour) and neighbour[0] == rm.plan(host).port(port).switch,
        what="LLDP neighbour",
    )


@pytest.mark.run_last
def test_counters_stable(rm, expect, port_item):
    host, port = port_item
    before = rm.state(host)  # first probe of the run (cached)
    first = rm.first_states[host].links.get(port)
    after = rm.state(host, refresh=True).links.get(port)
    assert before is not None
    if first is None or after is None:
        pytest.fail(f"{host} {port}: expected port present, actual missing")
    grown = {
        name: getattr(after, name) - getattr(first, name)
        for name in ("rx_errors", "rx_dropped", "tx_errors", "tx_dropped")
        if getattr(after, name) > getattr(first, name)
    }
    expect(
        host,
        port,
        "no growth",
        ", ".join(f"{k}+{v}" for k, v in grown.items()) or "no growth",
        what="error/drop counters",
    )
