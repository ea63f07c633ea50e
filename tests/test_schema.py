"""The schema and what is generated from it: the argument spec file, the README key table."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from railmount import schema_docs
from railmount.inventory import read_ansible_vars
from railmount.schema import CLIENT, GLOBAL, KEYS, fields, is_section, item_type, node

REPO = Path(__file__).resolve().parents[1]


def test_committed_argument_spec_is_generated_from_the_schema():
    committed = schema_docs.ARGSPEC_FILE.read_text()
    assert committed == schema_docs.argument_specs_yaml(), (
        "stale: run python -m railmount.schema_docs --write"
    )
    assert yaml.safe_load(committed) == schema_docs.argument_specs()


def test_readme_key_table_is_generated_from_the_schema():
    readme = schema_docs.README.read_text()
    assert readme == schema_docs.readme_with_table(readme), (
        "stale: run python -m railmount.schema_docs --write"
    )
    assert "| `railmount_ports[].mac` | MAC address | required |" in readme
    assert "| `railmount_rollout.serial` | batch size | `[1, 100%]` |" in readme


def test_the_check_command_reports_staleness(tmp_path, monkeypatch):
    stale = tmp_path / "argspec.yml"
    stale.write_text("---\n")
    readme = tmp_path / "README.md"
    readme.write_text(schema_docs.README.read_text())
    monkeypatch.setattr(schema_docs, "ARGSPEC_FILE", stale)
    monkeypatch.setattr(schema_docs, "README", readme)  # never rewrite the real one here
    assert schema_docs.main(["--check"]) == 1
    assert schema_docs.main(["--write"]) == 0
    assert schema_docs.main(["--check"]) == 0
    assert stale.read_text() == schema_docs.argument_specs_yaml()


def _walk(tp, path):
    bare = node(tp).tp
    if is_section(bare):
        for field in fields(bare):
            yield f"{path}.{field.key}", field
            yield from _walk(field.tp, f"{path}.{field.key}")
    elif node(tp).doc is None and item_type(bare) is not None:
        yield from _walk(item_type(bare), f"{path}[]")


def test_every_key_and_field_is_documented():
    assert all(key.doc for key in (*GLOBAL, *CLIENT))
    walked = [item for key in (*GLOBAL, *CLIENT) for item in _walk(key.type, key.name)]
    assert len(walked) > 60
    for path, field in walked:
        assert field.info.description, f"{path} has no description"
        bare = node(field.tp)
        assert is_section(bare.tp) or bare.doc or item_type(bare.tp), f"{path} has no Doc"


def _options():
    return yaml.safe_load(schema_docs.ARGSPEC_FILE.read_text())["argument_specs"]["main"]["options"]


@pytest.mark.parametrize(
    "inventory", ["inventory/reference", "inventory/lab", "tests/inventories/odd"]
)
def test_ansible_accepts_the_checked_inventories_with_the_generated_spec(inventory):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    found = read_ansible_vars(REPO / inventory)
    validator = ArgumentSpecValidator(_options())
    for host in found.groups["storage_clients"]:
        result = validator.validate(found.hostvars[host])
        assert not result.error_messages, (host, result.error_messages)


def test_ansible_refuses_unknown_keys_and_wrong_types_with_the_generated_spec():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    params = read_ansible_vars(REPO / "inventory" / "reference").hostvars["dgx-1-1"]
    params["railmount_ports"][0]["adress"] = params["railmount_ports"][0].pop("address")
    params["railmount_nfs"]["hard"] = "sometimes"
    errors = " ".join(ArgumentSpecValidator(_options()).validate(params).error_messages)
    assert "adress" in errors
    assert "address" in errors  # now missing
    assert "hard" in errors


def test_key_table_lists_every_top_level_key():
    table = schema_docs.key_table()
    for name in KEYS:
        assert f"| `{name}` |" in table
