"""The planner: routes, mounts, VIP-to-port assignment, failover and sysctls."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from itertools import pairwise
from pathlib import Path

import pytest
from inv_factory import valid

from railmount.inventory import load_plans
from railmount.model import (
    Array,
    Client,
    FailoverSettings,
    Inventory,
    NfsOptions,
    Port,
    Vip,
)
from railmount.planner import (
    BACKUP_METRIC,
    PRIMARY_METRIC,
    assign_vips,
    plan_host,
    plan_inventory,
)

REPO = Path(__file__).resolve().parents[1]
REFERENCE_OPTIONS = (
    "vers=3,proto=tcp,rsize=524288,wsize=524288,hard,lookupcache=positive,actimeo=1,_netdev"
)


def make_vips(count: int) -> tuple[Vip, ...]:
    return tuple(
        Vip(f"nfs{i}", IPv4Address(f"10.21.115.{6 + i}"), f"/mnt/nfs{i}") for i in range(count)
    )


def make_ports(switches: list[str]) -> tuple[Port, ...]:
    return tuple(
        Port(
            f"em{i + 1}",
            f"02:00:00:00:01:{i + 1:02x}",
            IPv4Interface(f"10.21.115.{120 + i}/24"),
            switch,
        )
        for i, switch in enumerate(switches)
    )


def make_inventory(
    switches: list[str],
    vip_count: int,
    vip_ports: dict[str, str] | None = None,
    failover: bool = True,
    nfs: NfsOptions | None = None,
) -> Inventory:
    vips = make_vips(vip_count)
    array = Array("fb01", "nfs0", "/nfs0", IPv4Network("10.21.115.0/24"), vips)
    client = Client("dgx", make_ports(switches), vip_ports or {}, "enp1s0f0")
    return Inventory(
        array,
        nfs or NfsOptions(),
        (client,),
        tuple(dict.fromkeys(switches)),
        failover=FailoverSettings(enabled=failover),
    )


def assignment(inv: Inventory) -> list[str]:
    """Port name per VIP, in VIP order."""
    client = inv.clients[0]
    chosen = assign_vips(client, inv.array.vips)
    return [chosen[v.name].name for v in inv.array.vips]


# --- the reference architecture --------------------------------------------------------


@pytest.fixture(scope="module")
def reference_plans():
    return load_plans(REPO / "inventory" / "reference")[1]


def test_reference_primary_routes(reference_plans):
    plan = reference_plans["dgx-1-1"]
    primary = [(r.to, r.dev, r.src, r.metric) for r in plan.routes if not r.backup]
    assert primary == [
        ("10.21.115.6/32", "em1", "10.21.115.120", PRIMARY_METRIC),
        ("10.21.115.7/32", "em2", "10.21.115.113", PRIMARY_METRIC),
        ("10.21.115.8/32", "em1", "10.21.115.120", PRIMARY_METRIC),
        ("10.21.115.9/32", "em2", "10.21.115.113", PRIMARY_METRIC),
    ]


def test_reference_second_host_uses_its_own_addresses(reference_plans):
    plan = reference_plans["dgx-1-2"]
    primary = [(r.to, r.dev, r.src) for r in plan.routes if not r.backup]
    assert primary == [
        ("10.21.115.6/32", "em1", "10.21.115.121"),
        ("10.21.115.7/32", "em2", "10.21.115.114"),
        ("10.21.115.8/32", "em1", "10.21.115.121"),
        ("10.21.115.9/32", "em2", "10.21.115.114"),
    ]


def test_reference_mounts(reference_plans):
    plan = reference_plans["dgx-1-1"]
    mounts = [
        (m.path, m.vip_address, m.export, m.fstype, m.options, m.dev, m.src) for m in plan.mounts
    ]
    assert mounts == [
        ("/mnt/nfs0", "10.21.115.6", "/nfs0", "nfs", REFERENCE_OPTIONS, "em1", "10.21.115.120"),
        ("/mnt/nfs1", "10.21.115.7", "/nfs0", "nfs", REFERENCE_OPTIONS, "em2", "10.21.115.113"),
        ("/mnt/nfs2", "10.21.115.8", "/nfs0", "nfs", REFERENCE_OPTIONS, "em1", "10.21.115.120"),
        ("/mnt/nfs3", "10.21.115.9", "/nfs0", "nfs", REFERENCE_OPTIONS, "em2", "10.21.115.113"),
    ]


def test_reference_ports(reference_plans):
    plan = reference_plans["dgx-1-1"]
    assert [(p.name, p.mac, p.address, p.mtu, p.switch, p.vips) for p in plan.ports] == [
        ("em1", "02:00:00:00:01:01", "10.21.115.120/24", 1500, "tor1", ("nfs0", "nfs2")),
        ("em2", "02:00:00:00:01:02", "10.21.115.113/24", 1500, "tor2", ("nfs1", "nfs3")),
    ]
    assert plan.port("em1").netplan_file == "/etc/netplan/60-railmount-em1.yaml"
    assert plan.management_interface == "enp1s0f0"


def test_reference_expected_options(reference_plans):
    mount = reference_plans["dgx-1-1"].mounts[1]
    assert mount.expected_options == (
        ("vers", "3"),
        ("proto", "tcp"),
        ("rsize", "524288"),
        ("wsize", "524288"),
        ("hard", ""),
        ("lookupcache", "pos"),
        ("acregmin", "1"),
        ("acregmax", "1"),
        ("acdirmin", "1"),
        ("acdirmax", "1"),
        ("addr", "10.21.115.7"),
    )


# --- VIP assignment properties ---------------------------------------------------------

LAYOUTS = {
    "1 port": ["tor1"],
    "2 ports, 2 switches": ["tor1", "tor2"],
    "2 ports, 1 switch": ["tor1", "tor1"],
    "3 ports, 3 switches": ["tor1", "tor2", "tor3"],
    "3 ports, 2 switches": ["tor1", "tor1", "tor2"],
    "3 ports, 2 switches, tor2 first": ["tor2", "tor1", "tor1"],
    "4 ports, 2 switches, grouped": ["tor1", "tor1", "tor2", "tor2"],
    "4 ports, 2 switches, interleaved": ["tor1", "tor2", "tor1", "tor2"],
    "4 ports, 4 switches": ["tor1", "tor2", "tor3", "tor4"],
}


@pytest.mark.parametrize("vip_count", range(1, 10))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_assignment_is_balanced(layout, vip_count):
    inv = make_inventory(LAYOUTS[layout], vip_count)
    chosen = assignment(inv)
    assert len(chosen) == vip_count
    load = {p.name: chosen.count(p.name) for p in inv.clients[0].ports}
    assert max(load.values()) - min(load.values()) <= 1, load
    # The plan agrees with assign_vips: every VIP has one primary route on its port.
    plan = plan_host(inv, inv.clients[0])
    assert [r.dev for r in plan.routes if not r.backup] == chosen
    assert [m.dev for m in plan.mounts] == chosen


@pytest.mark.parametrize("vip_count", range(1, 10))
@pytest.mark.parametrize("port_count", range(1, 5))
def test_round_robin_in_port_order(port_count, vip_count):
    # Every port on its own switch: plain round-robin in the order the ports are listed.
    inv = make_inventory([f"tor{i + 1}" for i in range(port_count)], vip_count)
    assert assignment(inv) == [f"em{i % port_count + 1}" for i in range(vip_count)]


def test_four_ports_consecutive_vips_alternate_switches():
    # em1, em2 on tor1 are listed first, then em3, em4 on tor2.
    inv = make_inventory(["tor1", "tor1", "tor2", "tor2"], 8)
    chosen = assignment(inv)
    assert chosen == ["em1", "em3", "em2", "em4", "em1", "em3", "em2", "em4"]
    switch = {p.name: p.switch for p in inv.clients[0].ports}
    switches = [switch[name] for name in chosen]
    assert all(a != b for a, b in pairwise(switches)), switches


@pytest.mark.parametrize("vip_count", range(2, 10))
def test_two_switches_alternate_where_possible(vip_count):
    inv = make_inventory(["tor1", "tor1", "tor2", "tor2"], vip_count)
    switch = {p.name: p.switch for p in inv.clients[0].ports}
    switches = [switch[name] for name in assignment(inv)]
    assert switches == ["tor1", "tor2"] * (vip_count // 2) + ["tor1"] * (vip_count % 2)


def test_three_ports_two_switches_interleave():
    inv = make_inventory(["tor1", "tor1", "tor2"], 6)
    assert assignment(inv) == ["em1", "em3", "em2", "em1", "em3", "em2"]


def test_override_is_honoured_and_rest_balanced():
    inv = make_inventory(["tor1", "tor2"], 4, vip_ports={"nfs0": "em2"})
    chosen = assignment(inv)
    assert chosen[0] == "em2"
    assert sorted(chosen) == ["em1", "em1", "em2", "em2"]
    assert chosen == ["em2", "em1", "em2", "em1"]


def test_overrides_fill_least_loaded_ports_first():
    # Two VIPs forced onto em1: the other two go to em2, which had none.
    inv = make_inventory(["tor1", "tor2"], 4, vip_ports={"nfs1": "em1", "nfs3": "em1"})
    assert assignment(inv) == ["em2", "em1", "em2", "em1"]


def test_override_on_four_ports_keeps_balance():
    inv = make_inventory(["tor1", "tor1", "tor2", "tor2"], 8, vip_ports={"nfs5": "em4"})
    chosen = assignment(inv)
    assert chosen[5] == "em4"
    assert {name: chosen.count(name) for name in set(chosen)} == {
        "em1": 2,
        "em2": 2,
        "em3": 2,
        "em4": 2,
    }


def test_override_through_inventory_check():
    v = valid()
    v.hostvars["dgx-1-1"]["railmount_vip_ports"] = {"nfs0": "em2", "nfs1": "em1"}
    plans = plan_inventory(v.build())
    assert [m.dev for m in plans["dgx-1-1"].mounts] == ["em2", "em1", "em1", "em2"]
    assert [m.src for m in plans["dgx-1-1"].mounts][:2] == ["10.21.115.113", "10.21.115.120"]
    # The other host has no override: the default round-robin.
    assert [m.dev for m in plans["dgx-1-2"].mounts] == ["em1", "em2", "em1", "em2"]


# --- failover ---------------------------------------------------------------------------


def test_failover_backup_routes_by_default():
    plan = plan_inventory(valid().build())["dgx-1-1"]
    backups = [(r.to, r.dev, r.src, r.metric) for r in plan.routes if r.backup]
    assert backups == [
        ("10.21.115.6/32", "em2", "10.21.115.120", BACKUP_METRIC),
        ("10.21.115.7/32", "em1", "10.21.115.113", BACKUP_METRIC),
        ("10.21.115.8/32", "em2", "10.21.115.120", BACKUP_METRIC),
        ("10.21.115.9/32", "em1", "10.21.115.113", BACKUP_METRIC),
    ]
    assert BACKUP_METRIC > PRIMARY_METRIC
    assert all(p.ignore_carrier for p in plan.ports)
    assert "net.ipv4.conf.em1.ignore_routes_with_linkdown" in {s.name for s in plan.sysctls}


def test_failover_backup_is_on_the_other_switch():
    inv = make_inventory(["tor1", "tor1", "tor2", "tor2"], 4)
    plan = plan_host(inv, inv.clients[0])
    switch = {p.name: p.switch for p in plan.ports}
    by_vip = {}
    for route in plan.routes:
        by_vip.setdefault(route.vip, {})[route.backup] = route
    assert len(by_vip) == 4
    for vip, pair in by_vip.items():
        primary, backup = pair[False], pair[True]
        assert switch[primary.dev] != switch[backup.dev], vip
        assert primary.src == backup.src, vip
        assert backup.metric > primary.metric


def test_failover_disabled_has_no_backup_routes():
    v = valid().set_global("railmount_failover", {"enabled": False})
    plan = plan_inventory(v.build())["dgx-1-1"]
    assert [r.backup for r in plan.routes] == [False] * 4
    assert len(plan.routes) == 4
    assert not any(p.ignore_carrier for p in plan.ports)
    assert not any("ignore_routes_with_linkdown" in s.name for s in plan.sysctls)


def test_single_port_has_no_backup_route():
    inv = make_inventory(["tor1"], 3)
    plan = plan_host(inv, inv.clients[0])
    assert [(r.dev, r.backup) for r in plan.routes] == [("em1", False)] * 3


# --- sysctls ----------------------------------------------------------------------------


def test_sysctls_for_all_default_and_each_port():
    plan = plan_inventory(valid().build())["dgx-1-1"]
    got = {(s.name, s.value, s.port_scoped) for s in plan.sysctls}
    expected = set()
    for scope in ("all", "default", "em1", "em2"):
        scoped = scope not in ("all", "default")
        for knob, value in (
            ("arp_ignore", 1),
            ("arp_announce", 2),
            ("rp_filter", 2),
            ("ignore_routes_with_linkdown", 1),
        ):
            expected.add((f"net.ipv4.conf.{scope}.{knob}", value, scoped))
    assert got == expected
    assert len(plan.sysctls) == 16
    assert plan.sysctl_file == "/etc/sysctl.d/60-railmount.conf"


# --- mount options ----------------------------------------------------------------------


def test_nconnect_and_extra_options_in_options():
    nfs = NfsOptions(nconnect=4, extra_options=("nolock", "timeo=600"))
    inv = make_inventory(["tor1", "tor2"], 2, nfs=nfs)
    mount = plan_host(inv, inv.clients[0]).mounts[0]
    assert mount.options == (
        "vers=3,proto=tcp,rsize=524288,wsize=524288,hard,nconnect=4,lookupcache=positive,actimeo=1,nolock,timeo=600,_netdev"
    )
    # extra_options are not expected in /proc/mounts (the kernel spells them its own way).
    assert mount.expected_options == (
        ("vers", "3"),
        ("proto", "tcp"),
        ("rsize", "524288"),
        ("wsize", "524288"),
        ("hard", ""),
        ("nconnect", "4"),
        ("lookupcache", "pos"),
        ("acregmin", "1"),
        ("acregmax", "1"),
        ("acdirmin", "1"),
        ("acdirmax", "1"),
        ("addr", "10.21.115.6"),
    )


@pytest.mark.parametrize(
    ("settings", "written", "shown"),
    [
        ({}, "", ()),
        ({"lookupcache": "positive"}, "lookupcache=positive,", (("lookupcache", "pos"),)),
        ({"lookupcache": "none"}, "lookupcache=none,", (("lookupcache", "none"),)),
        ({"lookupcache": "all"}, "lookupcache=all,", ()),  # the default: not shown
        (
            {"actimeo": 30},
            "actimeo=30,",
            (("acregmin", "30"), ("acregmax", "30"), ("acdirmax", "30")),  # acdirmin is 30
        ),
        ({"local_lock": "flock"}, "local_lock=flock,", (("local_lock", "flock"),)),
    ],
)
def test_cache_and_lock_options_are_written_and_expected_only_when_set(settings, written, shown):
    unset = {"lookupcache": None, "actimeo": None}  # railmount's defaults, off
    inv = make_inventory(["tor1", "tor2"], 1, nfs=NfsOptions(**{**unset, **settings}))
    mount = plan_host(inv, inv.clients[0]).mounts[0]
    assert mount.options == f"vers=3,proto=tcp,rsize=524288,wsize=524288,hard,{written}_netdev"
    assert mount.expected_options[5:-1] == shown


def test_soft_and_other_version_and_sizes():
    nfs = NfsOptions(version="4.1", rsize=1048576, wsize=65536, hard=False)
    inv = make_inventory(["tor1", "tor2"], 1, nfs=nfs)
    mount = plan_host(inv, inv.clients[0]).mounts[0]
    assert (
        mount.options == "vers=4.1,proto=tcp,rsize=1048576,wsize=65536,soft,"
        "lookupcache=positive,actimeo=1,_netdev"
    )
    assert ("soft", "") in mount.expected_options
    assert ("hard", "") not in mount.expected_options


def test_mount_root_and_mount_path_override():
    v = valid()
    array = v.array()
    array["vips"][2]["mount_path"] = "/data/fast"
    v.set_global("railmount_array", array)
    v.set_global("railmount_nfs", {"mount_root": "/srv/nfs"})
    plan = plan_inventory(v.build())["dgx-1-1"]
    assert [m.path for m in plan.mounts] == [
        "/srv/nfs/nfs0",
        "/srv/nfs/nfs1",
        "/data/fast",
        "/srv/nfs/nfs3",
    ]


def test_mtu_and_speed_reach_the_plan():
    v = valid()
    v.port("dgx-1-1", 0).update(mtu=9000, speed_mbps=100000)
    plan = plan_inventory(v.build())["dgx-1-1"]
    assert (plan.ports[0].mtu, plan.ports[0].speed_mbps) == (9000, 100000)
    assert (plan.ports[1].mtu, plan.ports[1].speed_mbps) == (1500, None)


def test_plan_to_dict_is_plain_data():
    plan = plan_inventory(valid().build())["dgx-1-1"]
    data = plan.to_dict()
    assert data["routes"][0] == {
        "to": "10.21.115.6/32",
        "vip_address": "10.21.115.6",
        "vip": "nfs0",
        "dev": "em1",
        "src": "10.21.115.120",
        "metric": PRIMARY_METRIC,
        "backup": False,
    }
    assert data["host"] == "dgx-1-1"
