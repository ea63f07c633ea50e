"""Read an Ansible inventory exactly as ansible-playbook would, then check it.

Ansible's own InventoryManager resolves group_vars, host_vars and multi-file
directories, so `railmount check` and the playbooks never disagree on a value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from railmount.check import build_inventory
from railmount.model import Inventory
from railmount.planner import HostPlan, plan_inventory


def read_ansible_vars(source: str | Path) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """(groups, hostvars) for an inventory path, with railmount_* and ansible_* keys only."""
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"inventory {source} does not exist")
    loader = DataLoader()
    manager = InventoryManager(loader=loader, sources=[str(path)])
    variables = VariableManager(loader=loader, inventory=manager)
    groups = {
        str(name): [str(h.name) for h in group.get_hosts()]
        for name, group in manager.groups.items()
    }
    hostvars: dict[str, dict[str, Any]] = {}
    for host in manager.get_hosts():
        merged = variables.get_vars(host=host, include_hostvars=False)
        # Template railmount_* values as the playbook's hostvars would ("{{ base }}.6");
        # one that cannot be templated is kept raw and the checker reports it.
        templar = Templar(loader=loader, variables=merged)
        selected = {}
        for key, value in merged.items():
            if key.startswith("railmount_"):
                with contextlib.suppress(AnsibleError):
                    value = templar.template(value)
            if key.startswith(("railmount_", "ansible_")):
                selected[key] = value
        hostvars[str(host.name)] = plain(selected)
    return groups, hostvars


def plain(value: Any) -> Any:
    """Ansible wraps strings (AnsibleUnicode, tagged values); hand the model plain types."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def load(source: str | Path) -> Inventory:
    groups, hostvars = read_ansible_vars(source)
    return build_inventory(groups, hostvars)


def load_plans(source: str | Path) -> tuple[Inventory, dict[str, HostPlan]]:
    inv = load(source)
    return inv, plan_inventory(inv)
