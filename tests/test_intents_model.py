# ruff: noqa: E501  (expected problem lines are compared whole)
"""railmount_fabric: the reference's appendix values, and each rule refusing with host,
dotted field and fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from railmount.intents.intent import array_intent, storage_path, switch_intents
from railmount.inventory import load, load_plans
from railmount.rules import InventoryError

REFERENCE = Path(__file__).parent.parent / "inventory" / "reference" / "hosts.yml"
FABRIC = REFERENCE.parent / "group_vars" / "all.yml"


def reference() -> dict[str, Any]:
    """inventory/reference as one document: its group_vars/all.yml in all.vars."""
    doc = yaml.safe_load(REFERENCE.read_text())
    doc["all"]["vars"].update(yaml.safe_load(FABRIC.read_text()))
    return doc


def problems(tmp_path: Path, doc: dict[str, Any]) -> list[str]:
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InventoryError) as err:
        load(path)
    return [str(p) for p in err.value.problems]


def fabric(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["all"]["vars"]["railmount_fabric"]


def test_reference_has_the_appendix_values() -> None:
    inv, plans = load_plans(REFERENCE.parent)
    array = array_intent(inv)
    assert (array.vlan, array.gateway, array.mtu) == (2115, "10.21.115.1", 1500)
    assert [a for _, a in array.vips] == [f"10.21.115.{n}" for n in (6, 7, 8, 9)]
    assert (array.filesystem, array.size_bytes, array.nfs_rules) == (
        "nfs0",
        1 << 40,
        "*(rw,no_root_squash)",
    )
    switches = switch_intents(inv, plans)
    # FM1 and FM2 each reach both switches of the pair.
    for name in ("tor1", "tor2"):
        assert {a.split(".")[1] for _, a in switches[name].array_ports} == {"FM1", "FM2"}
    assert [(r.host, r.host_port, r.switch, r.switch_port) for r in storage_path(inv, plans)] == [
        ("dgx-1-1", "em1", "tor1", "Ethernet1"),
        ("dgx-1-1", "em2", "tor2", "Ethernet1"),
        ("dgx-1-2", "em1", "tor1", "Ethernet2"),
        ("dgx-1-2", "em2", "tor2", "Ethernet2"),
    ]


def test_value_errors_name_field_and_fix(tmp_path: Path) -> None:
    doc = reference()
    f = fabric(doc)
    f["vlan"] = 5000
    f["filesystem"]["size"] = "1TB"
    f["filesystem"]["export_rules"][0]["access"] = "no_root_squash"
    f["filesystem"]["export_rules"].append({"client": "10.*", "permission": "rw"})
    f["mlag"][0]["peer_link"]["ports"] = ["Ethernet47", "Ethernet47"]
    got = problems(tmp_path, doc)
    assert any(p.startswith("all: railmount_fabric.vlan: 5000 is not a VLAN id") for p in got), got
    assert any("railmount_fabric.filesystem.size: '1TB' is not a size" in p for p in got), got
    assert any(
        "railmount_fabric.filesystem.export_rules[0].access: 'no_root_squash'" in p
        and "fix: write one of: root-squash, no-squash, all-squash" in p
        for p in got
    ), got
    assert any("export_rules[1].client: '10.*'" in p and "fix: write *" in p for p in got), got
    assert any("peer_link.ports: 'Ethernet47' is listed twice" in p for p in got), got


def test_unknown_fabric_key_has_did_you_mean(tmp_path: Path) -> None:
    doc = reference()
    fabric(doc)["vlna"] = 2115
    got = problems(tmp_path, doc)
    assert (
        "all: railmount_fabric.vlna: unknown key — fix: remove it or correct the spelling (did you mean 'vlan'?)"
        in got
    )


def test_rules_across_keys_and_hosts(tmp_path: Path) -> None:
    doc = reference()
    f = fabric(doc)
    f["gateway"] = "10.21.115.6"
    f["mlag"][0]["peer_link"]["vlan"] = 2115
    f["array_uplinks"]["ports"] = [p for p in f["array_uplinks"]["ports"] if p["switch"] == "tor1"]
    f["array_uplinks"]["ports"][1]["switch_port"] = "Ethernet1"  # a host's port
    del f["host_ports"]["tor2"]["dgx-1-2"]
    f["host_ports"]["tor1"]["dgx-9"] = "Ethernet9"
    hosts = doc["all"]["children"]["storage_clients"]["hosts"]
    hosts["dgx-1-1"]["railmount_ports"][1]["mtu"] = 9000
    got = problems(tmp_path, doc)
    expected = [
        "all: railmount_fabric.gateway: 10.21.115.6 is VIP nfs0 — fix: use the subnet's router address",
        "all: railmount_fabric.mlag.peer_link.vlan: VLAN 2115 is also the data VLAN — fix: give the MLAG peer its own VLAN (4094 is usual)",
        "all: railmount_fabric.array_uplinks.ports: no uplink of the array reaches tor2 — fix: cable each fabric module to both switches of the pair",
        "dgx-1-1: railmount_ports[1].mtu: 9000 differs from the data VLAN's MTU 1500 (railmount_fabric.mtu) — fix: set mtu: 1500, or change railmount_fabric.mtu for the whole path",
        "all: railmount_fabric.host_ports.tor1.dgx-9: 'dgx-9' is not a storage client — fix: remove it or add the host to group storage_clients",
        "dgx-1-2: railmount_fabric.host_ports.tor2.dgx-1-2: no switch port for dgx-1-2 em2 — fix: add dgx-1-2: <port> under railmount_fabric.host_ports.tor2",
        "all: railmount_fabric.host_ports.tor1.dgx-1-1: tor1 Ethernet1 is used by array port CH1.FM2.ETH1 and dgx-1-1 em1 — fix: cable each to its own port",
    ]
    for line in expected:
        assert line in got, got


def test_unpaired_switch_and_two_ports_on_one_switch(tmp_path: Path) -> None:
    doc = reference()
    f = fabric(doc)
    f["mlag"][0]["switches"] = ["tor1", "tor3"]
    hosts = doc["all"]["children"]["storage_clients"]["hosts"]
    hosts["dgx-1-2"]["railmount_ports"][1]["switch"] = "tor1"
    got = problems(tmp_path, doc)
    assert (
        "all: railmount_fabric.mlag[0].switches: unknown switch 'tor3' — fix: use one of: tor1, tor2"
        in got
    )
    assert (
        "dgx-1-1: railmount_ports[1].switch: tor2 is in no railmount_fabric.mlag pair — fix: add the switch to an MLAG pair"
        in got
    )
    assert (
        "dgx-1-2: railmount_ports[1].switch: em2 and em1 are both on tor1 — fix: cable each storage port to its own switch of the pair"
        in got
    )


def test_fabric_is_optional(tmp_path: Path) -> None:
    doc = copy.deepcopy(reference())
    del doc["all"]["vars"]["railmount_fabric"]
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(doc))
    assert load(path).fabric is None


def test_lab_values_come_from_the_intents() -> None:
    from railmount.intents.lab import ganesha_export, lab_bridges

    inv, plans = load_plans(REFERENCE.parent)
    bridges = lab_bridges(inv, plans)
    assert {(b.switch, b.vlan, b.mtu) for b in bridges.values()} == {
        ("tor1", 2115, 1500),
        ("tor2", 2115, 1500),
    }
    assert bridges["tor2"].host_ports == (
        ("dgx-1-1", "em2", "Ethernet1"),
        ("dgx-1-2", "em2", "Ethernet2"),
    )
    export = ganesha_export(inv)
    assert export.protocols == ("3",)
    assert export.client_blocks() == (
        "    CLIENT { Clients = *; Access_Type = RW; Squash = No_Root_Squash; }\n"
    )
