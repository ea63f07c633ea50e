"""Every file the array and the switches get, from the intents: `railmount render
--target array|switches` prints them, tests/golden/intents/ holds them for the checked-in
inventories (`python tests/update_golden.py`)."""

from __future__ import annotations

import json

import yaml

from railmount.intents.eos import render_eos
from railmount.intents.intent import array_intent, switch_intents
from railmount.intents.switches import anta_catalog, nvue_commands, nvue_tree
from railmount.model import Inventory
from railmount.planner import HostPlan

ANTA_CATALOG = "anta-catalog.yml"


def array_files(inv: Inventory) -> dict[str, str]:
    intent = array_intent(inv)
    return {"array.json": json.dumps(intent.to_dict(), indent=2) + "\n"}


def switch_files(inv: Inventory, plans: dict[str, HostPlan]) -> dict[str, str]:
    """Per switch its intended config (EOS rendered by arista.eos; NVUE as `nv set`
    commands and as the tree `nv config replace` takes), and one ANTA catalog."""
    intents = switch_intents(inv, plans)
    files: dict[str, str] = {}
    for name, intent in intents.items():
        if intent.os == "eos":
            files[f"{name}.eos.cfg"] = render_eos(intent)
        else:
            files[f"{name}.nvue.txt"] = "\n".join(nvue_commands(intent)) + "\n"
            files[f"{name}.nvue.yaml"] = yaml.safe_dump(
                [{"set": nvue_tree(intent)}], sort_keys=False
            )
    if not any(i.os == "eos" for i in intents.values()):
        return files
    header = (
        "# ANTA catalog from railmount's model: run against the switches, each tagged with\n"
        "# its inventory name in the ANTA inventory:\n"
        f"#   anta nrfu --catalog {ANTA_CATALOG} --inventory anta-inventory.yml table\n"
    )
    files[ANTA_CATALOG] = header + yaml.safe_dump(anta_catalog(intents), sort_keys=False)
    return files
