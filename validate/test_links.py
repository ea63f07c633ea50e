"""links: each storage port exists, is up, has the planned MAC, MTU, address, speed and
LLDP neighbour (cabling), and its error/drop counters do not grow during the run.

Verdicts: railmount.validation.verdicts.links."""

from __future__ import annotations

import pytest

from railmount.validation.verdicts import links


def test_port_exists(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_exists(rm.plan(host), rm.state(host), port))


def test_port_up(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_up(rm.plan(host), rm.state(host), port))


def test_port_mac(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_mac(rm.plan(host), rm.state(host), port))


def test_port_mtu(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_mtu(rm.plan(host), rm.state(host), port))


def test_port_address(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_address(rm.plan(host), rm.state(host), port))


def test_port_speed(rm, expect, port_item):
    host, port = port_item
    expect.record(links.port_speed(rm.plan(host), rm.state(host), port))


def test_cabling_lldp(rm, expect, port_item):
    host, port = port_item
    expect.record(links.cabling_lldp(rm.plan(host), rm.state(host), port))


@pytest.mark.run_last
def test_counters_stable(rm, expect, port_item):
    host, port = port_item
    last = rm.last_counters(host)
    first = rm.first_states[host]
    expect.record(links.counters_stable(rm.plan(host), first, last, port))
