"""The array role's task arguments, templated from the reference's intent, against each
installed purestorage.flashblade module's own argument spec (ArgumentSpecValidator)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from railmount.intents.array_check import GATHER_SUBSET
from railmount.intents.intent import array_intent
from railmount.inventory import load

ROOT = Path(__file__).parent.parent
TASKS = ROOT / "roles" / "array" / "tasks" / "main.yml"
PREFIX = "purestorage.flashblade."
OMIT = "__omit_place_holder__railmount"
SPEC_KWARGS = (
    "mutually_exclusive",
    "required_together",
    "required_one_of",
    "required_if",
    "required_by",
)


class _Captured(Exception):
    def __init__(self, spec: dict[str, Any], kwargs: dict[str, Any]) -> None:
        self.spec, self.kwargs = spec, kwargs


def module_spec(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(argument_spec, constraints) the module passes to AnsibleModule in main()."""
    module = importlib.import_module(
        f"ansible_collections.purestorage.flashblade.plugins.modules.{name}"
    )

    def capture(argument_spec: dict[str, Any], **kwargs: Any) -> None:
        raise _Captured(argument_spec, kwargs)

    original = module.AnsibleModule
    module.AnsibleModule = capture
    try:
        module.main()
    except _Captured as got:
        return got.spec, {k: v for k, v in got.kwargs.items() if k in SPEC_KWARGS}
    finally:
        module.AnsibleModule = original
    raise AssertionError(f"{name}.main() built no AnsibleModule")


def rendered_tasks(export_policies: bool) -> list[tuple[str, dict[str, Any]]]:
    """(module, arguments) of every array task, templated as a play would, loops expanded."""
    intent = array_intent(load(ROOT / "inventory" / "reference"))
    variables: dict[str, Any] = {
        "railmount_array_intent": intent.to_dict(),
        "array_api_url": "fb01-mgmt.example",
        "array_api_token": "T-00000000-0000-0000-0000-000000000000",
        "array_export_policies": export_policies,
        "omit": OMIT,
    }
    tasks = DataLoader().load_from_file(str(TASKS), trusted_as_template=True)
    out = []
    for task in tasks:
        module = next((k for k in task if k.startswith(PREFIX)), None)
        if module is None:
            continue
        templar = Templar(loader=DataLoader(), variables=variables)
        if "when" in task and not templar.evaluate_conditional(task["when"]):
            continue
        items = templar.template(task["loop"]) if "loop" in task else [None]
        for item in items:
            templar = Templar(loader=DataLoader(), variables={**variables, "item": item})
            args = templar.template(task[module])
            out.append((module.removeprefix(PREFIX), {k: v for k, v in args.items() if v != OMIT}))
    return out


@pytest.mark.parametrize("export_policies", [True, False])
def test_array_tasks_pass_the_modules_argument_specs(export_policies: bool) -> None:
    tasks = rendered_tasks(export_policies)
    assert {m for m, _ in tasks} >= {"purefb_lag", "purefb_subnet", "purefb_network", "purefb_fs"}
    for module, args in tasks:
        spec, constraints = module_spec(module)
        result = ArgumentSpecValidator(spec, **constraints).validate(args)
        assert not result.error_messages, (module, args, result.error_messages)
        assert not result.unsupported_parameters, (module, result.unsupported_parameters)


def test_array_tasks_set_the_appendix_values() -> None:
    validated: dict[str, list[dict[str, Any]]] = {}
    for module, args in rendered_tasks(True):
        spec, constraints = module_spec(module)
        params = ArgumentSpecValidator(spec, **constraints).validate(args).validated_parameters
        validated.setdefault(module, []).append(params)
    subnet = validated["purefb_subnet"][0]
    assert (subnet["vlan"], subnet["gateway"], subnet["mtu"], subnet["prefix"]) == (
        2115,
        "10.21.115.1",
        1500,
        "10.21.115.0/24",
    )
    assert [(n["name"], n["address"], n["services"]) for n in validated["purefb_network"]] == [
        (f"nfs{i}", f"10.21.115.{6 + i}", "data") for i in range(4)
    ]
    fs = validated["purefb_fs"][0]
    assert (fs["name"], fs["size"], fs["nfsv3"], fs["nfsv4"]) == ("nfs0", "1T", True, False)
    assert fs["export_policy"] == "railmount-nfs0"
    (rule,) = validated["purefb_policy"]
    assert (rule["client"], rule["access"], rule["permission"]) == ("*", "no-squash", "rw")
    lag = validated["purefb_lag"][0]
    assert sorted(lag["ports"]) == ["CH1.FM1.ETH1", "CH1.FM1.ETH2", "CH1.FM2.ETH1", "CH1.FM2.ETH2"]


def test_legacy_nfs_rules_carry_the_appendix_rule() -> None:
    (fs,) = [a for m, a in rendered_tasks(False) if m == "purefb_fs"]
    assert fs["nfs_rules"] == "*(rw,no_root_squash)"
    assert "export_policy" not in fs


def test_a_wrong_argument_is_caught() -> None:
    """The validator is live: an access value the module does not know is refused."""
    spec, constraints = module_spec("purefb_policy")
    result = ArgumentSpecValidator(spec, **constraints).validate(
        {"name": "p", "policy_type": "nfs", "access": "no-root-squash"}
    )
    assert any("access" in m for m in result.error_messages)


def test_check_playbook_gathers_what_the_cross_check_reads() -> None:
    play = yaml.safe_load((ROOT / "playbooks" / "array_check.yml").read_text())[0]
    info = play["tasks"][0]["purestorage.flashblade.purefb_info"]
    assert tuple(info["gather_subset"]) == GATHER_SUBSET
