"""Switch intents: golden EOS (rendered by arista.eos's own modules) and NVUE (valid in
nvueschema's models) configs for the reference, and the ANTA catalog loaded by ANTA."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from anta.catalog import AntaCatalog
from intents_golden import GOLDEN, INVENTORIES, expected_files

from railmount.intents.eos import stable
from railmount.intents.intent import switch_intents
from railmount.intents.nvue import nvue_problems
from railmount.intents.switches import eos_resources, nvue_tree
from railmount.inventory import load_plans

ROOT = Path(__file__).parent.parent
DGX_PORTS = {
    ("tor1", "Ethernet1"),
    ("tor1", "Ethernet2"),
    ("tor2", "Ethernet1"),
    ("tor2", "Ethernet2"),
}


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_intents_golden(name: str) -> None:
    files = expected_files(name)
    root = GOLDEN / name
    assert {p.name for p in root.iterdir()} == set(files), "run tests/update_golden.py"
    for rel, text in files.items():
        assert (root / rel).read_text() == text, f"intents/{name}/{rel}: run tests/update_golden.py"


def test_eos_golden_has_the_pair_the_vlan_and_every_dgx_port() -> None:
    for switch, peer_address in (("tor1", "10.255.255.2"), ("tor2", "10.255.255.1")):
        lines = (GOLDEN / "reference" / f"{switch}.eos.cfg").read_text().splitlines()
        assert "vlan 2115" in lines
        assert "mlag configuration" in lines
        assert "   domain-id storage" in lines
        assert f"   peer-address {peer_address}" in lines
        assert "   peer-link Port-Channel2000" in lines
        assert "   mlag 100" in lines
        for sw, port in DGX_PORTS:
            if sw == switch:
                at = lines.index(f"interface {port}")
                # the l2 block of the port: access on the data VLAN
                l2 = [i for i, line in enumerate(lines) if line == f"interface {port}"][1]
                assert lines[l2 + 1 : l2 + 3] == [
                    "switchport access vlan 2115",
                    "switchport mode access",
                ]
                assert "mtu 1500" in lines[at + 1 : at + 5]


def test_stable_sorts_inside_blocks_only() -> None:
    assert stable(
        ["vlan 2", "name b", "state active", "interface E1", "mtu 1", "description x"]
    ) == [
        "vlan 2",
        "name b",
        "state active",
        "interface E1",
        "description x",
        "mtu 1",
    ]


def test_nvue_trees_are_valid_and_a_wrong_one_is_not() -> None:
    inv, plans = load_plans(INVENTORIES["reference-nvue"])
    intents = switch_intents(inv, plans)
    for intent in intents.values():
        assert nvue_problems(nvue_tree(intent)) == []
    tree = nvue_tree(intents["tor1"])
    tree["mlag"]["enable"] = "on"  # the pre-5.18 spelling: dropped by the model, so refused
    assert nvue_problems(tree) == ["/mlag/enable: not in the NVUE 5.18 schema"]
    tree = nvue_tree(intents["tor1"])
    tree["interface"]["swp1"]["link"]["mtu"] = 10000
    assert nvue_problems(tree) == [
        "interface/swp1/link/mtu: Input should be less than or equal to 9216"
    ]


def test_nvue_commands_cover_the_pair_the_vlan_and_every_dgx_port() -> None:
    for switch in ("tor1", "tor2"):
        lines = (GOLDEN / "reference-nvue" / f"{switch}.nvue.txt").read_text().splitlines()
        assert "nv set bridge domain br_default vlan 2115" in lines
        assert "nv set interface array bond mlag id 100" in lines
        assert "nv set interface peerlink type peerlink" in lines
        for port in ("swp1", "swp2"):
            assert f"nv set interface {port} bridge domain br_default access 2115" in lines
            assert f"nv set interface {port} link mtu 1500" in lines


def test_anta_catalog_loads_with_antas_loader() -> None:
    catalog = AntaCatalog.parse(GOLDEN / "reference" / "anta-catalog.yml")
    by_name: dict[str, int] = {}
    for test in catalog.tests:
        by_name[test.test.__name__] = by_name.get(test.test.__name__, 0) + 1
    assert by_name == {
        "VerifyLLDPNeighbors": 2,
        "VerifyInterfacesStatus": 2,
        "VerifyPortChannels": 2,
        "VerifyLACPInterfacesStatus": 2,
        "VerifyL2MTU": 2,
        "VerifyMlagStatus": 2,
        "VerifyMlagInterfaces": 2,
        "VerifyMlagConfigSanity": 2,
    }
    neighbours = {
        (next(iter(t.inputs.filters.tags)), str(n.port), n.neighbor_device, n.neighbor_port)
        for t in catalog.tests
        if t.test.__name__ == "VerifyLLDPNeighbors"
        for n in t.inputs.neighbors
    }
    assert neighbours == {
        ("tor1", "Ethernet1", "dgx-1-1", "em1"),
        ("tor1", "Ethernet2", "dgx-1-2", "em1"),
        ("tor2", "Ethernet1", "dgx-1-1", "em2"),
        ("tor2", "Ethernet2", "dgx-1-2", "em2"),
    }
    assert all(t.inputs.mtu == 1500 for t in catalog.tests if t.test.__name__ == "VerifyL2MTU")


def test_switches_playbook_feeds_every_resource_config() -> None:
    inv, plans = load_plans(INVENTORIES["reference"])
    keys = set(eos_resources(switch_intents(inv, plans)["tor1"]))
    play = yaml.safe_load((ROOT / "playbooks" / "switches.yml").read_text())[1]
    used = {
        module.removeprefix("arista.eos.")
        for task in play["tasks"]
        for module in task
        if module.startswith("arista.eos.")
    }
    assert used - {"eos_config"} == keys - {"config_blocks"}
