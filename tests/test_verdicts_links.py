"""links verdicts on the real probe capture and on failing variants made from it."""

from __future__ import annotations

import pytest
from captured import Capture, failure, plan

from railmount.validation.verdicts import links

# every verdict that reads the port's link (cabling reads LLDP only)
LINK_VERDICTS = [
    links.port_exists,
    links.port_up,
    links.port_mac,
    links.port_mtu,
    links.port_address,
]
PORT_VERDICTS = [*LINK_VERDICTS, links.cabling_lldp]


@pytest.mark.parametrize("verdict", PORT_VERDICTS)
@pytest.mark.parametrize("port", ["em1", "em2"])
def test_captured_ports_pass(verdict, port):
    result = verdict(plan("dgx-1-2"), Capture().state(), port)
    assert result.passed and result.skipped is None, result.message
    assert (result.host, result.item) == ("dgx-1-2", port)


@pytest.mark.parametrize("verdict", [*LINK_VERDICTS, links.port_speed])
def test_a_missing_port_fails_every_link_verdict(verdict):
    capture = Capture().edit("links", '"ifname":"em2"', '"ifname":"em9"')
    result = verdict(plan("dgx-1-2"), capture.state(), "em2")
    assert not result.passed
    assert failure(result) == "dgx-1-2 em2 exists: expected present, actual missing"


def test_a_port_without_carrier_names_its_switch():
    """The README and the fault suite quote this message."""
    flags = ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]
    capture = Capture("dgx-1-1").link("em1", operstate="DOWN", flags=flags)
    result = links.port_up(plan("dgx-1-1"), capture.state(), "em1")
    assert failure(result) == "dgx-1-1 em1 state: expected up, actual down (cabled to switch tor1)"
    assert not result.passed


def test_wrong_mac():
    capture = Capture().link("em1", address="02:00:00:00:02:02")
    result = links.port_mac(plan("dgx-1-2"), capture.state(), "em1")
    assert failure(result) == (
        "dgx-1-2 em1 mac: expected 02:00:00:00:02:01, actual 02:00:00:00:02:02"
    )
    assert not result.passed


def test_wrong_mtu():
    capture = Capture().link("em2", mtu=1500)
    result = links.port_mtu(plan("dgx-1-2"), capture.state(), "em2")
    assert failure(result) == "dgx-1-2 em2 mtu: expected 9000, actual 1500"
    assert not result.passed


def test_wrong_or_no_address():
    capture = Capture().edit("addrs", '"local":"198.18.115.121"', '"local":"198.18.115.130"')
    result = links.port_address(plan("dgx-1-2"), capture.state(), "em1")
    assert failure(result) == (
        "dgx-1-2 em1 address: expected 198.18.115.121/24, actual 198.18.115.130/24"
    )
    capture = Capture().edit("addrs", '"family":"inet","local":"198.18.115.114"', '"family":"x"')
    result = links.port_address(plan("dgx-1-2"), capture.state(), "em2")
    assert failure(result) == "dgx-1-2 em2 address: expected 198.18.115.114/24, actual none"
    assert not result.passed


def test_speed_is_skipped_where_virtio_reports_none():
    """The capture's virtio ports report -1: nothing to judge."""
    result = links.port_speed(plan("dgx-1-2"), Capture().state(), "em1")
    assert result.skipped == "speed not reported by the driver or not planned"
    assert result.message == "dgx-1-2 em1: speed not reported by the driver or not planned"
    assert not result.passed


def test_speed_reported_is_judged():
    passing = Capture().edit("speed em1", "-1", "200").state()
    assert links.port_speed(plan("dgx-1-2"), passing, "em1").passed
    slow = Capture().edit("speed em1", "-1", "100").state()
    result = links.port_speed(plan("dgx-1-2"), slow, "em1")
    assert (result.passed, result.skipped) == (False, None)
    assert failure(result) == "dgx-1-2 em1 speed: expected 200Mb/s, actual 100Mb/s"


def test_cabled_to_the_wrong_switch_or_no_neighbour():
    swapped = Capture().edit("lldp", '"tor1": {', '"tor2": {')
    result = links.cabling_lldp(plan("dgx-1-2"), swapped.state(), "em1")
    assert failure(result) == (
        "dgx-1-2 em1 LLDP neighbour: expected switch tor1, actual switch tor2 port rm2em1"
    )
    silent = Capture().set_json("lldp", {})
    result = links.cabling_lldp(plan("dgx-1-2"), silent.state(), "em2")
    assert failure(result) == (
        "dgx-1-2 em2 LLDP neighbour: expected switch tor2, actual no LLDP neighbour"
    )
    assert not result.passed


def _stats(capture: Capture, port: str, direction: str, **counts: int) -> Capture:
    links_json = capture.json("links")
    entry = next(e for e in links_json if e["ifname"] == port)
    entry["stats64"][direction].update(counts)
    return capture.set_json("links", links_json)


def test_counters_stable_between_two_probes():
    first = Capture().state()
    # bytes moved, counters did not: still stable
    later = _stats(Capture(), "em1", "rx", bytes=10**9).state()
    result = links.counters_stable(plan("dgx-1-2"), first, later, "em1")
    assert result.passed and result.actual == "no growth"


def test_counters_growth_fails_naming_each_counter():
    first = Capture().state()  # em1 rx dropped 51 in the capture
    later = _stats(Capture(), "em1", "rx", dropped=54, errors=2).state()
    result = links.counters_stable(plan("dgx-1-2"), first, later, "em1")
    assert failure(result) == (
        "dgx-1-2 em1 error/drop counters: expected no growth, actual rx_errors+2, rx_dropped+3"
    )
    assert not result.passed


def test_counters_of_a_port_gone_by_the_last_probe():
    gone = Capture().edit("links", '"ifname":"em1"', '"ifname":"em9"').state()
    result = links.counters_stable(plan("dgx-1-2"), Capture().state(), gone, "em1")
    assert failure(result) == "dgx-1-2 em1 exists: expected present, actual missing"
