"""Action: check the whole inventory and hand each host its plan (computed on the controller).

Thin by design: the logic is railmount.check and railmount.planner, the same code the
`railmount` CLI and the validation suites use.
"""

from __future__ import annotations

import json
from typing import Any

from ansible.plugins.action import ActionBase

from railmount.check import CLIENT_GROUP, SWITCH_GROUP, InventoryError, build_inventory
from railmount.inventory import plain
from railmount.planner import plan_inventory

PLAN_FACT = "railmount_plan"


class ActionModule(ActionBase):
    _supports_check_mode = True
    _requires_connection = False
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        groups = {k: list(v) for k, v in task_vars["groups"].items()}
        hostvars = task_vars["hostvars"]
        names = dict.fromkeys([*groups.get(CLIENT_GROUP, []), *groups.get(SWITCH_GROUP, [])])
        raw = {}
        for host in names:
            host_vars = hostvars[host]
            # railmount_plan is this action's own output fact, not inventory input.
            raw[host] = plain(
                {
                    k: host_vars[k]
                    for k in host_vars
                    if k.startswith("railmount_") and k != PLAN_FACT
                }
            )
        try:
            inventory = build_inventory(groups, raw)
        except InventoryError as err:
            lines = [str(p) for p in err.problems]
            result.update(
                failed=True,
                problems=lines,
                msg=f"inventory has {len(lines)} problem(s):\n" + "\n".join(lines),
            )
            return result
        plans = plan_inventory(inventory)
        host = task_vars.get("inventory_hostname")
        result["changed"] = False
        result["hosts"] = sorted(plans)
        if host in plans:
            # JSON round trip: tuples -> lists, so templates see plain data.
            plan = json.loads(json.dumps(plans[host].to_dict()))
            result["ansible_facts"] = {PLAN_FACT: plan}
        rollout = inventory.rollout
        result["rollout"] = {
            "serial": rollout.serial,
            "max_fail_percentage": rollout.max_fail_percentage,
        }
        return result
