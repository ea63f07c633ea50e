"""railmount.inventory reads an inventory as ansible-playbook would: group_vars, host_vars,
templated values; unreadable files and values are problem lines, never tracebacks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from railmount.inventory import AnsibleInventory, load, load_plans, read_ansible_vars
from railmount.rules import InventoryError

REPO = Path(__file__).resolve().parents[1]
REFERENCE = (REPO / "inventory" / "reference" / "hosts.yml").read_text()


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def problems_of(source: Path) -> list[str]:
    with pytest.raises(InventoryError) as err:
        load(source)
    return [str(p) for p in err.value.problems]


def test_group_vars_host_vars_and_templating(tmp_path):
    # The reference hosts, but with group_vars/host_vars files and a templated value,
    # the way a site inventory is usually laid out.
    write(
        tmp_path,
        {
            "hosts.yml": REFERENCE,
            "group_vars/all.yml": """\
                storage_net: 10.21.115
                jumbo: 9000
                railmount_failover: {enabled: false}
                """,
            "host_vars/dgx-1-2.yml": """\
                railmount_ports:
                  - name: em1
                    mac: "02:00:00:00:02:01"
                    address: "{{ storage_net }}.131/24"
                    switch: tor1
                    mtu: "{{ jumbo }}"
                  - name: em2
                    mac: "02:00:00:00:02:02"
                    address: "{{ storage_net }}.132/24"
                    switch: tor2
                """,
        },
    )
    inv, plans = load_plans(tmp_path)
    assert inv.failover.enabled is False
    assert [p.ip for p in plans["dgx-1-2"].ports] == ["10.21.115.131", "10.21.115.132"]
    assert plans["dgx-1-2"].ports[0].mtu == 9000  # templated to a number, as in a play
    assert [p.ip for p in plans["dgx-1-1"].ports] == ["10.21.115.120", "10.21.115.113"]


def test_only_railmount_keys_are_read(tmp_path):
    write(
        tmp_path,
        {
            "hosts.yml": """\
                all:
                  vars:
                    other: "{{ undefined_elsewhere }}"
                    railmount_nfs: {version: 3}
                  children:
                    storage_clients:
                      hosts:
                        h1: {ansible_host: 192.0.2.1, ansible_become_password: "{{ nope }}"}
                """
        },
    )
    found = read_ansible_vars(tmp_path)
    assert found.groups["storage_clients"] == ["h1"]
    assert found.hostvars["h1"] == {"railmount_nfs": {"version": 3}}
    assert found.problems == []  # the broken non-railmount templates were never touched


def test_odd_but_legal_inventory_checks_clean():
    # FQDN, upper-case and underscore host names, group_vars/host_vars directories,
    # several inventory files and values templated from other variables.
    inv = load(REPO / "tests" / "inventories" / "odd")
    assert [c.name for c in inv.clients] == [
        "dgx-01.rack3.example.com",
        "DGX_02",
        "dgx-03.rack3.example.com",
    ]
    assert inv.switches == ("leaf-1.rack3.example.com", "LEAF_2")
    client = inv.client("dgx-03.rack3.example.com")
    assert [str(p.interface) for p in client.ports] == ["10.21.115.133/24", "10.21.115.134/24"]
    assert [p.mtu for p in client.ports] == [9000, 9000]
    assert [str(v.vip_address) for v in inv.array.vips][:2] == ["10.21.115.6", "10.21.115.7"]


# --- templates --------------------------------------------------------------------------


def test_undefined_template_is_reported_with_host_and_key(tmp_path):
    write(
        tmp_path,
        {
            "hosts.yml": REFERENCE.replace(
                "address: 10.21.115.120/24", 'address: "{{ nowhere }}.120/24"'
            )
        },
    )
    (problem,) = problems_of(tmp_path)
    assert problem == (
        "dgx-1-1: railmount_ports[0].address: cannot template '{{ nowhere }}.120/24': "
        "'nowhere' is undefined — fix: define the variables it uses, or correct the Jinja "
        "expression"
    )


def test_template_syntax_error_in_a_group_wide_key_is_reported_once(tmp_path):
    write(
        tmp_path,
        {"hosts.yml": REFERENCE.replace("export: /nfs0", 'export: "/{{ fs "')},
    )
    (problem,) = problems_of(tmp_path)
    assert problem.startswith("dgx-1-1: railmount_array.export: cannot template '/{{ fs ': ")
    assert "Syntax error in template" in problem


# --- files Ansible cannot read ------------------------------------------------------------


def test_unreadable_files_are_problem_lines_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hosts = REFERENCE.replace(
        "    switches:",
        "        dgx-yaml:\n          railmount_ports: []\n"
        "        dgx-list:\n          railmount_ports: []\n    switches:",
    )
    hosts += "    yaml_broken:\n      hosts:\n        dgx-yaml: {}\n"
    write(
        tmp_path / "inv",
        {
            "hosts.yml": hosts,
            "group_vars/yaml_broken.yml": "railmount_failover:\n  enabled: [true\n",
            "host_vars/dgx-list.yml": "- a\n- b\n",
            "more.yml": "all:\n  children: {broken\n",
            "list.yml": "- a\n",
            "notes.ini": "[group\nhost\n",
        },
    )
    yaml_fix = "fix: correct the YAML there (indentation, quotes, brackets)"
    inventory_fix = (
        "fix: correct it, or move it out of the inventory directory (Ansible reads every file)"
    )
    assert problems_of(Path("inv")) == [
        "inv/list.yml: file: YAML inventory has invalid structure, it should be a dictionary, "
        f"got: list — {inventory_fix}",
        "inv/more.yml: line 3: YAML parsing failed: While parsing a flow mapping did not find "
        f"expected ',' or '}}'. — {yaml_fix}",
        "inv/notes.ini: file: Failed to parse inventory: not enough values to unpack "
        f"(expected 3, got 2) — {inventory_fix}",
        "inv/group_vars/yaml_broken.yml: line 3: YAML parsing failed: While parsing a flow "
        f"sequence did not find expected ',' or ']'. — {yaml_fix}",
        # The two hosts are left out of the checks, not reported again as having no ports.
        "inv/host_vars/dgx-list.yml: file: holds a list, not key: value pairs "
        "— fix: write the variables as key: value lines",
    ]


def test_missing_inventory_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        AnsibleInventory(tmp_path / "nope")


def test_templates_repeated_on_every_host_still_follow_each_hosts_variables(tmp_path):
    # The shared Templar reuses compiled templates and plain substitutions; a variable that
    # is itself a template, or differs by host, must still give each host its own value.
    hosts = REFERENCE.replace("address: 10.21.115.120/24", 'address: "{{ net }}.{{ own }}/24"')
    hosts = hosts.replace("address: 10.21.115.121/24", 'address: "{{ net }}.{{ own }}/24"')
    write(
        tmp_path,
        {
            "hosts.yml": hosts,
            "group_vars/all.yml": """\
                net: "{{ site }}.115"
                """,
            "host_vars/dgx-1-1.yml": "site: '10.21'\nown: 120\n",
            "host_vars/dgx-1-2.yml": "site: '10.21'\nown: 121\nspeed: 25000\n",
        },
    )
    inv = load(tmp_path)
    assert str(inv.client("dgx-1-1").ports[0].interface) == "10.21.115.120/24"
    assert str(inv.client("dgx-1-2").ports[0].interface) == "10.21.115.121/24"


def test_shared_templar_matches_ansible_on_every_kind_of_template():
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    from railmount.inventory import SharedTemplar

    shared = SharedTemplar(DataLoader())
    cases = [
        ("{{ a }}.{{ b }}", {"a": "x", "b": 1}),
        ("{{ a }}.{{ b }}", {"a": "x", "b": 2}),
        ("{{ a }}.{{ b }}", {"a": "x", "b": True}),
        ("{{ a | upper }}", {"a": "x"}),
        ("{{ a | upper }}", {"a": "y"}),
        ("{{ a }}", {"a": [1, 2]}),
        ("{{ a }}", {"a": trust_as_template("{{ b }}"), "b": "deep"}),
        ("{{ a }}", {"a": trust_as_template("{{ b }}"), "b": "other"}),
        ("{{ b if a else 'no' }}", {"a": False, "b": 3}),
    ]
    for source, variables in cases:
        expected = Templar(loader=DataLoader(), variables=variables).template(
            trust_as_template(source)
        )
        got = shared.template(trust_as_template(source), variables)
        assert (got, type(got)) == (expected, type(expected)), (source, variables)
    assert shared.template(trust_as_template("{{ a }}"), cases[7][1]) == "other"
