"""Rendered files are valid and say what the plan says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from inv_factory import valid

from railmount.inventory import load_plans
from railmount.planner import plan_inventory
from railmount.render import render_files

REPO = Path(__file__).resolve().parents[1]


def netplans(plan) -> dict[str, dict]:
    files = render_files(plan)
    return {p.name: yaml.safe_load(files[p.netplan_file]) for p in plan.ports}


@pytest.mark.parametrize("inventory", ["reference", "lab"])
def test_netplan_structure_matches_plan(inventory):
    plans = load_plans(REPO / "inventory" / inventory)[1]
    for plan in plans.values():
        docs = netplans(plan)
        for port in plan.ports:
            doc = docs[port.name]
            assert doc["network"]["version"] == 2
            assert doc["network"]["renderer"] == "networkd"
            assert list(doc["network"]["ethernets"]) == [port.name]
            eth = doc["network"]["ethernets"][port.name]
            assert eth["match"] == {"macaddress": port.mac}
            assert eth["set-name"] == port.name
            assert eth["mtu"] == port.mtu
            assert eth["addresses"] == [port.address]
            assert eth["dhcp4"] is False and eth["dhcp6"] is False
            assert eth["accept-ra"] is False
            assert eth.get("ignore-carrier", False) is port.ignore_carrier
            want = [
                {"to": r.to, "from": r.src, "scope": "link", "metric": r.metric}
                for r in plan.routes
                if r.dev == port.name
            ]
            assert eth["routes"] == want
            assert eth["routes"], "every port carries at least one route"


def test_reference_netplan_em1_concrete():
    plan = load_plans(REPO / "inventory" / "reference")[1]["dgx-1-1"]
    eth = netplans(plan)["em1"]["network"]["ethernets"]["em1"]
    assert eth["match"]["macaddress"] == "02:00:00:00:01:01"
    assert eth["addresses"] == ["10.21.115.120/24"]
    assert eth["mtu"] == 1500
    assert eth["ignore-carrier"] is True
    primary = [(r["to"], r["from"]) for r in eth["routes"] if r["metric"] == 100]
    backup = [(r["to"], r["from"]) for r in eth["routes"] if r["metric"] == 200]
    assert primary == [("10.21.115.6/32", "10.21.115.120"), ("10.21.115.8/32", "10.21.115.120")]
    # em1 also carries em2's VIPs as failover, still sourced from em2's address.
    assert backup == [("10.21.115.7/32", "10.21.115.113"), ("10.21.115.9/32", "10.21.115.113")]


def test_netplan_without_failover():
    v = valid().set_global("railmount_failover", {"enabled": False})
    v.port("dgx-1-1", 1)["mtu"] = 9000
    plan = plan_inventory(v.build())["dgx-1-1"]
    docs = netplans(plan)
    em2 = docs["em2"]["network"]["ethernets"]["em2"]
    assert "ignore-carrier" not in em2
    assert em2["mtu"] == 9000
    assert em2["routes"] == [
        {"to": "10.21.115.7/32", "from": "10.21.115.113", "scope": "link", "metric": 100},
        {"to": "10.21.115.9/32", "from": "10.21.115.113", "scope": "link", "metric": 100},
    ]


def test_mac_that_looks_like_a_number_stays_a_string_in_netplan():
    # 52:54:00:12:34:56 unquoted is a YAML 1.1 integer; the template must quote it.
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = "52:54:00:12:34:56"
    plan = plan_inventory(v.build())["dgx-1-1"]
    eth = netplans(plan)["em1"]["network"]["ethernets"]["em1"]
    assert eth["match"]["macaddress"] == "52:54:00:12:34:56"


def test_sysctl_file_lines():
    plan = load_plans(REPO / "inventory" / "reference")[1]["dgx-1-1"]
    text = render_files(plan)["/etc/sysctl.d/60-railmount.conf"]
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 16
    assert "net.ipv4.conf.all.arp_ignore = 1" in lines
    assert "net.ipv4.conf.default.rp_filter = 2" in lines
    # Port-scoped keys may not exist at early boot: '-' makes systemd-sysctl skip them.
    assert "-net.ipv4.conf.em2.arp_announce = 2" in lines
    assert "net.ipv4.conf.em2.arp_announce = 2" not in lines
    assert text.endswith("\n")


def test_fstab_lines_parse():
    plan = load_plans(REPO / "inventory" / "lab")[1]["dgx-1-2"]
    text = render_files(plan)["/etc/fstab (railmount lines)"]
    rows = [line.split() for line in text.splitlines()]
    assert [r[0] for r in rows] == [f"198.18.115.{i}:/nfs0" for i in (6, 7, 8, 9)]
    assert [r[1] for r in rows] == [f"/mnt/nfs{i}" for i in range(4)]
    assert {r[2] for r in rows} == {"nfs"}
    assert {r[3] for r in rows} == {
        "vers=3,proto=tcp,rsize=524288,wsize=524288,hard,lookupcache=positive,actimeo=1,_netdev"
    }
    assert {(r[4], r[5]) for r in rows} == {("0", "0")}
