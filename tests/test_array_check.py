"""The array cross-check on purefb_info fixtures: all pass on a matching array, and on a
mismatched one exactly the wrong items fail, each naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from railmount.intents.array_check import array_check
from railmount.intents.intent import array_intent
from railmount.inventory import load

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "data" / "purefb_info"


def intent():
    return array_intent(load(ROOT / "inventory" / "reference"))


def test_matching_array_passes_every_item() -> None:
    checks = array_check(intent(), json.loads((FIXTURES / "reference-pass.json").read_text()))
    assert [c.message for c in checks if not c.passed] == []
    # one per item: subnet 5, lag 1, 4 VIPs x 4, filesystem 5, policy 2 + 3 per rule
    assert len(checks) == 5 + 1 + 16 + 5 + 2 + 3


def test_mismatched_array_names_each_field() -> None:
    checks = array_check(intent(), json.loads((FIXTURES / "reference-fail.json").read_text()))
    assert sorted(c.message for c in checks if not c.passed) == sorted(
        [
            "fb01 subnet vlan2115 vlan: expected 2115, actual 2116",
            "fb01 subnet vlan2115 mtu: expected 1500, actual 9000",
            "fb01 lag uplink ports: expected CH1.FM1.ETH1, CH1.FM1.ETH2, CH1.FM2.ETH1, "
            "CH1.FM2.ETH2, actual CH1.FM1.ETH1, CH1.FM1.ETH2, CH1.FM2.ETH1",
            "fb01 vip nfs3 subnet: expected vlan2115, actual vlan2116",
            "fb01 filesystem nfs0 nfs_v4_1: expected False, actual True",
            "fb01 export policy railmount-nfs0 rule 1 access: "
            "expected no-squash, actual root-squash",
        ]
    )


def test_an_empty_array_fails_at_the_top_items() -> None:
    failed = {c.item for c in array_check(intent(), {"purefb_info": {}}) if not c.passed}
    assert failed == {
        "10.21.115.0/24",
        "lag uplink",
        "vip nfs0",
        "vip nfs1",
        "vip nfs2",
        "vip nfs3",
        "filesystem nfs0",
        "export policy railmount-nfs0",
    }
