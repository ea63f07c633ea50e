"""Build raw Ansible variables (groups, hostvars) in Python, as railmount.rules receives them.

`valid()` is the reference architecture. Tests mutate it, then call build_inventory.
Group-wide keys (railmount_array, railmount_nfs, ...) are copied into every host's
variables, as all.vars would be.
"""

from __future__ import annotations

import copy
from typing import Any

from railmount.model import Inventory
from railmount.rules import GLOBAL_KEYS, InventoryError, Problem, build_inventory

CLIENTS = ("dgx-1-1", "dgx-1-2")
SWITCHES = ("tor1", "tor2")

ARRAY: dict[str, Any] = {
    "name": "fb01",
    "filesystem": "nfs0",
    "export": "/nfs0",
    "subnet": "10.21.115.0/24",
    "vips": [
        {"name": "nfs0", "address": "10.21.115.6"},
        {"name": "nfs1", "address": "10.21.115.7"},
        {"name": "nfs2", "address": "10.21.115.8"},
        {"name": "nfs3", "address": "10.21.115.9"},
    ],
}
NFS: dict[str, Any] = {"version": 3, "proto": "tcp", "rsize": 524288, "wsize": 524288, "hard": True}


def _port(name: str, mac: str, address: str, switch: str) -> dict[str, Any]:
    return {"name": name, "mac": mac, "address": address, "switch": switch}


PORTS: dict[str, list[dict[str, Any]]] = {
    "dgx-1-1": [
        _port("em1", "02:00:00:00:01:01", "10.21.115.120/24", "tor1"),
        _port("em2", "02:00:00:00:01:02", "10.21.115.113/24", "tor2"),
    ],
    "dgx-1-2": [
        _port("em1", "02:00:00:00:02:01", "10.21.115.121/24", "tor1"),
        _port("em2", "02:00:00:00:02:02", "10.21.115.114/24", "tor2"),
    ],
}


class Vars:
    """groups + hostvars, with helpers to change group-wide or per-host values."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {
            "all": [*CLIENTS, *SWITCHES],
            "storage_clients": list(CLIENTS),
            "switches": list(SWITCHES),
        }
        common = {"railmount_array": ARRAY, "railmount_nfs": NFS}
        self.hostvars: dict[str, dict[str, Any]] = {}
        for host in CLIENTS:
            self.hostvars[host] = copy.deepcopy(common)
            self.hostvars[host]["railmount_management_interface"] = "enp1s0f0"
            self.hostvars[host]["railmount_ports"] = copy.deepcopy(PORTS[host])
        for switch in SWITCHES:
            self.hostvars[switch] = copy.deepcopy(common)

    def set_global(self, key: str, value: Any) -> Vars:
        """Like setting `key` in all.vars: every host sees the same value."""
        assert key in GLOBAL_KEYS
        for host in self.hostvars.values():
            host[key] = copy.deepcopy(value)
        return self

    def array(self) -> dict[str, Any]:
        """A copy of railmount_array to edit and pass back to set_global."""
        return copy.deepcopy(self.hostvars[CLIENTS[0]]["railmount_array"])

    def port(self, host: str, index: int) -> dict[str, Any]:
        """The live port mapping of a host (edit it in place)."""
        return self.hostvars[host]["railmount_ports"][index]

    def build(self) -> Inventory:
        return build_inventory(self.groups, self.hostvars)

    def problems(self) -> list[Problem]:
        """Every problem build_inventory reports; fails the test if it accepts the vars."""
        try:
            self.build()
        except InventoryError as err:
            assert err.problems, "InventoryError without problems"
            return err.problems
        raise AssertionError("build_inventory accepted an invalid inventory")


def valid() -> Vars:
    return Vars()


def only(problems: list[Problem], host: str, field: str) -> Problem:
    """The single problem reported at host/field; a fix must be given."""
    found = [p for p in problems if p.host == host and p.field == field]
    assert len(found) == 1, f"want one problem at {host} {field}, got:\n" + "\n".join(
        str(p) for p in problems
    )
    problem = found[0]
    assert problem.fix.strip(), problem
    assert str(problem) == f"{host}: {field}: {problem.message} — fix: {problem.fix}"
    return problem
