"""bandwidth: measured read bandwidth per link (fio phases, per-port byte counters).

Phases per host: one mount alone, each link alone, all mounts together. Verdicts use
the inventory's railmount_validate thresholds and each port's line rate.
"""

from __future__ import annotations

import pytest

from railmount.validation.bandwidth import BandwidthResult, measure

MBIT = 1e6 / 8


def _fmt(rate: float | None) -> str:
    return f"{rate / MBIT:.0f} Mbit/s" if rate is not None else "unknown"


@pytest.fixture(scope="session")
def bandwidth(rm):
    cache: dict[str, BandwidthResult] = {}

    def get(host: str) -> BandwidthResult:
        if host not in cache:
            speeds = {name: link.speed_mbps for name, link in rm.state(host).links.items()}
            result = measure(
                lambda script: rm.run(host, script), rm.plan(host), rm.inventory.validate, speeds
            )
            cache[host] = result
            rm.measurements[host]["bandwidth"] = result.to_json()
        return cache[host]

    return get


def test_link_rate_all_mounts(rm, expect, bandwidth, port_item):
    host, port = port_item
    result = bandwidth(host)
    rate = result.line_rate[port]
    if rate is None:
        pytest.fail(f"{host} {port}: line rate unknown; set railmount_ports[].speed_mbps")
    measured = result.phase("all").links.get(port, 0.0)
    need = rm.inventory.validate.link_min_ratio * rate
    expect(
        host,
        port,
        f">= {_fmt(need)} ({rm.inventory.validate.link_min_ratio:.0%} of {_fmt(rate)})",
        _fmt(measured),
        ok=measured >= need,
        what="read, all mounts",
    )


def test_links_balanced(rm, expect, bandwidth, port_item):
    host, port = port_item
    links = bandwidth(host).phase("all").links
    mean = sum(links.values()) / len(links)
    measured = links.get(port, 0.0)
    tolerance = rm.inventory.validate.link_balance
    expect(
        host,
        port,
        f"within ±{tolerance:.0%} of mean {_fmt(mean)}",
        _fmt(measured),
        ok=mean > 0 and abs(measured - mean) <= tolerance * mean,
        what="balance",
    )


def test_link_alone(rm, expect, bandwidth, port_item):
    """Reading only the mounts pinned to one port moves bytes on that port only."""
    host, port = port_item
    result = bandwidth(host)
    try:
        phase = result.phase(f"link:{port}")
    except StopIteration:
        pytest.skip(f"{host} {port}: no VIP is pinned to this port")
    rate = result.line_rate[port] or 0.0
    others = {p: r for p, r in phase.links.items() if p != port}
    stray = max(others.values(), default=0.0)
    own = phase.links.get(port, 0.0)
    expect(
        host,
        port,
        f"{port} >= {_fmt(rm.inventory.validate.link_min_ratio * rate)}, "
        f"others < {_fmt(0.05 * rate)}",
        f"{port} {_fmt(own)}, others {_fmt(stray)}",
        ok=own >= rm.inventory.validate.link_min_ratio * rate and stray < 0.05 * rate,
        what="read, this link alone",
    )


def test_single_mount_within_one_link(rm, expect, bandwidth, host_name):
    result = bandwidth(host_name)
    single = next(p for p in result.phases if p.name.startswith("single:"))
    port = rm.plan(host_name).mounts[0].dev
    rate = result.line_rate[port] or 0.0
    limit = rm.inventory.validate.single_mount_max_links * rate
    total = sum(single.links.values())
    expect(
        host_name,
        single.name,
        f"<= {_fmt(limit)} (one TCP flow, one link)",
        _fmt(total),
        ok=0 < total <= limit,
        what="read, one mount",
    )


def test_all_mounts_scale(rm, expect, bandwidth, host_name):
    result = bandwidth(host_name)
    single = sum(next(p for p in result.phases if p.name.startswith("single:")).links.values())
    total = sum(result.phase("all").links.values())
    factor = rm.inventory.validate.all_vs_single_min
    expect(
        host_name,
        "all mounts",
        f">= {factor} x one mount ({_fmt(factor * single)})",
        f"{_fmt(total)} ({total / single if single else 0:.2f} x)",
        ok=single > 0 and total >= factor * single,
        what="scaling",
    )


def test_no_read_errors(rm, expect, bandwidth, host_name):
    phases = bandwidth(host_name).phases
    errors = {p.name: p.errors for p in phases if p.errors}
    expect(
        host_name, "fio", "0 read errors", errors or "0 read errors", ok=not errors, what="reads"
    )


def test_read_data_verified(rm, expect, bandwidth, mount_item):
    """Every test file read back through this mount matches the sha256 recorded at write."""
    host, path = mount_item
    result = bandwidth(host)
    actual = result.checksums.get(path, "")
    expect(
        host,
        path,
        f"sha256 {result.expected_checksum[:16]}",
        f"sha256 {actual[:16]}",
        ok=bool(result.expected_checksum) and actual == result.expected_checksum,
        what="test files read back",
    )
