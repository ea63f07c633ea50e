"""railmount.inventory reads an inventory as ansible-playbook would."""

from __future__ import annotations

import textwrap
from pathlib import Path

from railmount.inventory import load, load_plans, read_ansible_vars

REPO = Path(__file__).resolve().parents[1]


def test_group_vars_host_vars_and_templating(tmp_path):
    # The reference hosts, but with group_vars/host_vars files and a templated value,
    # the way a site inventory is usually laid out.
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "hosts.yml").write_text(
        (REPO / "inventory" / "reference" / "hosts.yml").read_text()
    )
    (tmp_path / "group_vars" / "all.yml").write_text(
        textwrap.dedent(
            """\
            storage_net: 10.21.115
            railmount_failover: {enabled: false}
            """
        )
    )
    (tmp_path / "host_vars" / "dgx-1-2.yml").write_text(
        textwrap.dedent(
            """\
            railmount_ports:
              - name: em1
                mac: "02:00:00:00:02:01"
                address: "{{ storage_net }}.131/24"
                switch: tor1
              - name: em2
                mac: "02:00:00:00:02:02"
                address: "{{ storage_net }}.132/24"
                switch: tor2
            """
        )
    )
    inv, plans = load_plans(tmp_path)
    assert inv.failover.enabled is False
    assert [p.ip for p in plans["dgx-1-2"].ports] == ["10.21.115.131", "10.21.115.132"]
    assert [p.ip for p in plans["dgx-1-1"].ports] == ["10.21.115.120", "10.21.115.113"]


def test_read_ansible_vars_keeps_only_railmount_and_ansible_keys(tmp_path):
    (tmp_path / "hosts.yml").write_text(
        textwrap.dedent(
            """\
            all:
              vars:
                other: 1
                railmount_nfs: {version: 3}
              children:
                storage_clients:
                  hosts:
                    h1: {ansible_host: 192.0.2.1}
            """
        )
    )
    groups, hostvars = read_ansible_vars(tmp_path)
    assert groups["storage_clients"] == ["h1"]
    assert hostvars["h1"]["railmount_nfs"] == {"version": 3}
    assert hostvars["h1"]["ansible_host"] == "192.0.2.1"
    assert "other" not in hostvars["h1"]
    assert type(hostvars["h1"]["ansible_host"]) is str


def test_undefined_template_is_reported_not_raised(tmp_path):
    (tmp_path / "hosts.yml").write_text(
        (REPO / "inventory" / "reference" / "hosts.yml")
        .read_text()
        .replace("address: 10.21.115.120/24", 'address: "{{ nowhere }}.120/24"')
    )
    from railmount.check import InventoryError

    try:
        load(tmp_path)
    except InventoryError as err:
        (problem,) = err.problems
        assert (problem.host, problem.field) == ("dgx-1-1", "railmount_ports[0].address")
        assert "{{ nowhere }}" in problem.message
    else:
        raise AssertionError("an undefined variable must be a problem")
