"""Action: check the inventory and plan every host once per playbook run; hand each
host its own plan.

`scope: inventory` (the first play of site.yml, on localhost) reads the railmount_*
variables of every storage client and switch as this run sees them (extra vars and
vault included), checks them with railmount's checker — one failure lists every problem
— plans all hosts and writes one plan file per host into this run's local temp dir
(removed when ansible-playbook exits). It sets `railmount_run` on localhost: the plan
dir and the rollout settings for the next play's `serial`.

`scope: host` (the plan role, on each host) reads that host's plan file and sets the
`railmount_plan` fact: constant work per host, so a playbook run costs O(hosts), not
O(hosts^2) as re-checking the inventory for every host would. Without a `railmount_run`
(the role used on its own) it checks and plans the inventory itself.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from railmount.check import CLIENT_GROUP, SWITCH_GROUP, InventoryError, Problem, build_inventory
from railmount.inventory import plain
from railmount.planner import HostPlan, plan_inventory

PLAN_FACT = "railmount_plan"
RUN_FACT = "railmount_run"


def read_railmount_vars(
    task_vars: dict[str, Any],
) -> tuple[dict[str, list[str]], dict[str, Any], list[Problem]]:
    """(groups, railmount_* vars per host, template problems) as this run sees them."""
    groups = {str(k): [str(h) for h in v] for k, v in task_vars["groups"].items()}
    hostvars = task_vars["hostvars"]
    names = dict.fromkeys([*groups.get(CLIENT_GROUP, []), *groups.get(SWITCH_GROUP, [])])
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for host in names:
        host_vars = hostvars[host]
        values = {}
        for key in host_vars:
            if not key.startswith("railmount_") or key in (PLAN_FACT, RUN_FACT):
                continue
            try:
                values[key] = plain(host_vars[key])
            except AnsibleError as err:
                message = str(err).splitlines()[0]
                problems.append(
                    Problem(host, key, f"could not be templated: {message}", "correct the value")
                )
        raw[host] = values
    return groups, raw, problems


def check_and_plan(task_vars: dict[str, Any]) -> tuple[Any, dict[str, HostPlan]]:
    groups, raw, problems = read_railmount_vars(task_vars)
    try:
        inventory = build_inventory(groups, raw)
    except InventoryError as err:
        raise InventoryError([*problems, *err.problems]) from None
    if problems:
        raise InventoryError(problems)
    return inventory, plan_inventory(inventory)


def plan_data(plan: HostPlan) -> dict[str, Any]:
    # JSON round trip: tuples -> lists, so templates and modules see plain data.
    data: dict[str, Any] = json.loads(json.dumps(plan.to_dict()))
    return data


class ActionModule(ActionBase):
    _supports_check_mode = True
    _requires_connection = False
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        scope = self._task.args.get("scope", "host")
        if scope not in ("inventory", "host"):
            return {**result, "failed": True, "msg": f"scope must be inventory or host: {scope}"}
        result["changed"] = False
        if scope == "host":
            run = task_vars["hostvars"].get("localhost", {}).get(RUN_FACT)
            if run and Path(run["plans_dir"]).is_dir():
                return self._host_plan(result, task_vars, Path(run["plans_dir"]))
        try:
            inventory, plans = check_and_plan(task_vars)
        except InventoryError as err:
            lines = [str(p) for p in err.problems]
            result.update(
                failed=True,
                problems=lines,
                msg=f"inventory has {len(lines)} problem(s):\n" + "\n".join(lines),
            )
            return result
        if scope == "host":
            host = task_vars.get("inventory_hostname")
            if host in plans:
                result["ansible_facts"] = {PLAN_FACT: plan_data(plans[host])}
            return result
        plans_dir = Path(tempfile.mkdtemp(prefix="railmount-plans-", dir=C.DEFAULT_LOCAL_TMP))
        for host, plan in plans.items():
            path = plans_dir / f"{host}.json"
            path.write_text(json.dumps(plan_data(plan)))
            os.chmod(path, 0o600)
        rollout = inventory.rollout
        result["hosts"] = sorted(plans)
        result["ansible_facts"] = {
            RUN_FACT: {
                "plans_dir": str(plans_dir),
                "hosts": sorted(plans),
                "rollout": {
                    "serial": list(rollout.serial),
                    "max_fail_percentage": rollout.max_fail_percentage,
                },
            }
        }
        return result

    def _host_plan(
        self, result: dict[str, Any], task_vars: dict[str, Any], plans_dir: Path
    ) -> dict[str, Any]:
        host = str(task_vars.get("inventory_hostname"))
        path = plans_dir / f"{host}.json"
        if not path.is_file():
            result.update(failed=True, msg=f"{host} is not a storage client of this inventory")
            return result
        result["ansible_facts"] = {PLAN_FACT: json.loads(path.read_text())}
        return result
