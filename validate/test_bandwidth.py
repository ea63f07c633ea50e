"""bandwidth: measured read bandwidth per link (fio phases, per-port byte counters).

Phases per host: one mount alone, each link alone, all mounts together
(railmount.validation.bandwidth measures them). Verdicts
(railmount.validation.verdicts.bandwidth) use the inventory's railmount_validate
thresholds and each port's line rate.
"""

from __future__ import annotations

import pytest

from railmount.validation.bandwidth import BandwidthResult, measure
from railmount.validation.verdicts import bandwidth as verdicts


@pytest.fixture(scope="session")
def bandwidth(rm):
    def get(host: str) -> BandwidthResult:
        rates = rm.line_rates(host)
        return rm.measured(
            host,
            "bandwidth",
            lambda: measure(
                lambda script: rm.run(host, script), rm.plan(host), rm.inventory.validate, rates
            ),
            BandwidthResult.to_json,
        )

    return get


def test_link_rate_all_mounts(rm, expect, bandwidth, port_item):
    host, port = port_item
    settings = rm.inventory.validate
    expect.record(verdicts.link_rate_all_mounts(rm.plan(host), bandwidth(host), settings, port))


def test_links_balanced(rm, expect, bandwidth, port_item):
    host, port = port_item
    settings = rm.inventory.validate
    expect.record(verdicts.links_balanced(rm.plan(host), bandwidth(host), settings, port))


def test_link_alone(rm, expect, bandwidth, port_item):
    """Reading only the mounts pinned to one port moves bytes on that port only."""
    host, port = port_item
    settings = rm.inventory.validate
    expect.record(verdicts.link_alone(rm.plan(host), bandwidth(host), settings, port))


def test_single_mount_within_one_link(rm, expect, bandwidth, host_name):
    plan, settings = rm.plan(host_name), rm.inventory.validate
    expect.record(verdicts.single_mount_within_one_link(plan, bandwidth(host_name), settings))


def test_all_mounts_scale(rm, expect, bandwidth, host_name):
    plan, settings = rm.plan(host_name), rm.inventory.validate
    expect.record(verdicts.all_mounts_scale(plan, bandwidth(host_name), settings))


def test_no_read_errors(rm, expect, bandwidth, host_name):
    expect.record(verdicts.no_read_errors(rm.plan(host_name), bandwidth(host_name)))


def test_read_data_verified(rm, expect, bandwidth, mount_item):
    """Every test file read back through this mount matches the sha256 recorded at write."""
    host, path = mount_item
    expect.record(verdicts.read_data_verified(rm.plan(host), bandwidth(host), path))
