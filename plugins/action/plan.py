# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Action: check the inventory and plan every host once per playbook run; hand each
host its own plan.

`scope: inventory` (the first play of site.yml, on localhost) reads the railmount_*
variables of every storage client and switch as this run sees them (extra vars and
vault included), checks them with railmount's checker — one failure lists every problem
— plans all hosts and publishes one plan file per host in this run's local temp dir
(removed when ansible-playbook exits). It sets the `railmount_run` fact on localhost: the
plan dir and the rollout settings for the next play's `serial`, which reads it as
`hostvars['localhost'].ansible_facts.railmount_run` (facts through ansible_facts, not as
top-level variables: INJECT_FACTS_AS_VARS is deprecated from ansible-core 2.20).

`scope: host` (the plan role, on each host) reads that host's plan file and sets the
`railmount_plan_json` fact (the plan as JSON text;
`ansible_facts.railmount_plan_json | from_json` is the dict). Text, not a nested dict:
Ansible copies, tags and pickles every container of a fact several times per host, and
at 1,000 hosts a nested plan made the plan stage 1.5x a no-op play where the text keeps
it at ~1.3x. It is constant work per host, so a playbook run
costs O(hosts), not O(hosts^2) as re-checking the inventory for every host would.
Without a published plan (the role used on its own) the first host to need one checks
and plans the inventory, under a lock, and publishes the outcome for the others: still
once per run.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.template import Templar
from ansible.utils.display import Display
from ansible.vars.hostvars import HostVarsVars
from ansible_collections.railmount.storage.plugins.plugin_utils.railmount_package import (
    missing_railmount,
)

# Guarded: without the railmount package the task fails with one line saying how to
# install it (ansible-test's import sanity test loads this file without it, too).
try:
    from railmount.inventory import plain
    from railmount.inventory_vars import AnsibleVars, Report, collect, template_problem
    from railmount.model import Inventory
    from railmount.planner import HostPlan, plan_inventory
    from railmount.rules import InventoryError, Unresolved, build_inventory
except ImportError as error:
    RAILMOUNT_IMPORT_ERROR: ImportError | None = error
else:
    RAILMOUNT_IMPORT_ERROR = None

PLAN_FACT = "railmount_plan_json"
RUN_FACT = "railmount_run"
# Facts railmount sets, never inventory input (a fact cache may hand them back).
OWN_FACTS = (PLAN_FACT, "railmount_plan", RUN_FACT)
PLANS = "railmount-plans"  # link to the current plan dir, in this run's local temp dir
PROBLEMS = "problems.json"  # published instead of plans when the check failed


def run_dir() -> Path:
    """This run's private temp dir: ansible-playbook creates it (ansible-local-<pid>...)
    before forking the workers and removes it at exit, so every worker of this run, and
    no other run, finds the plans there. Looking up hostvars['localhost'].railmount_run
    instead computes localhost's variables once per host: at 1,000 hosts that took the plan
    stage of site.yml from 1.3x to 1.6x a no-op play."""
    return Path(C.DEFAULT_LOCAL_TMP)


def read_railmount_vars(task_vars: dict[str, Any], loader: Any = None) -> AnsibleVars:
    """railmount_* values as this run sees them (railmount.inventory_vars.collect); this
    supplies only Ansible's templating of a play's hostvars."""
    groups = {str(k): [str(h) for h in v] for k, v in task_vars["groups"].items()}
    hostvars = task_vars["hostvars"]
    literal = Templar(loader=None)

    def resolver(host: str, host_vars: Mapping[str, Any], report: Report) -> Any:
        templated: list[HostVarsVars] = []  # made on the first value that needs it

        def resolve(value: Any, key: str) -> Any:
            # Templating a value copies and re-tags every container in it; most values
            # hold no template (templating them is the identity), so skip those.
            if is_literal(value, literal):
                return plain(value)
            if not templated:
                templated.append(HostVarsVars(host_vars, loader=loader, host=host))
            try:
                return plain(templated[0][key])
            except AnsibleError as err:
                reason = str(getattr(err, "message", err)).splitlines()[0]
                report(template_problem(host, key, value, reason))
                return Unresolved(key, reason)

        return resolve

    return collect(groups, hostvars.raw_get, resolver, ignore=OWN_FACTS)


def is_literal(value: Any, templar: Templar) -> bool:
    """Plain data without template syntax: strings, numbers, booleans, None, containers."""
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return not templar.is_possibly_template(value)
    if isinstance(value, Mapping):
        return all(is_literal(k, templar) and is_literal(v, templar) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(is_literal(v, templar) for v in value)
    return False  # vault, undefined markers, lazy values: let the templar decide


def check_and_plan(
    task_vars: dict[str, Any], loader: Any = None
) -> tuple[Inventory, dict[str, HostPlan]]:
    found = read_railmount_vars(task_vars, loader)
    inventory = build_inventory(found.groups, found.hostvars, found.problems)  # raises with all
    return inventory, plan_inventory(inventory)


def publish(plans: dict[str, HostPlan], problems: list[str]) -> Path:
    """Write one plan file per host (or the problems) into a new dir and point the link
    at it: a reader sees the previous set or the new one, never half of one."""
    base = run_dir()
    new = Path(tempfile.mkdtemp(prefix=f"{PLANS}-", dir=base))
    files: dict[str, Any] = (
        {PROBLEMS: problems} if problems else {f"{h}.json": p.to_dict() for h, p in plans.items()}
    )
    for name, data in files.items():
        fd = os.open(new / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(data))
    staging = base / f".{PLANS}-{os.getpid()}"
    staging.unlink(missing_ok=True)
    staging.symlink_to(new.name)
    staging.replace(base / PLANS)
    return new


def failure(result: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    msg = f"inventory has {len(problems)} problem(s):\n" + "\n".join(problems)
    return {**result, "failed": True, "problems": problems, "msg": msg}


class ActionModule(ActionBase):
    _supports_check_mode = True
    _requires_connection = False
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        if RAILMOUNT_IMPORT_ERROR is not None:
            msg = missing_railmount("railmount.storage.plan", RAILMOUNT_IMPORT_ERROR)
            return {**result, "failed": True, "msg": msg}
        task_vars = task_vars or {}
        scope = self._task.args.get("scope", "host")
        if scope not in ("inventory", "host"):
            return {**result, "failed": True, "msg": f"scope must be inventory or host: {scope}"}
        result["changed"] = False
        if scope == "host":
            return self._host_plan(result, task_vars)
        try:
            inventory, plans = check_and_plan(task_vars, self._loader)
        except InventoryError as err:
            return failure(result, [str(p) for p in err.problems])
        plans_dir = publish(plans, [])
        hosts = sorted(plans)
        result["hosts"] = hosts
        result["ansible_facts"] = {
            RUN_FACT: {
                "plans_dir": str(plans_dir),
                "hosts": hosts,
                "rollout": {
                    "serial": list(inventory.rollout.serial),
                    "max_fail_percentage": inventory.rollout.max_fail_percentage,
                },
            }
        }
        return result

    def _host_plan(self, result: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        plans = run_dir() / PLANS
        if not plans.exists():
            self._plan_once(task_vars)
        if (plans / PROBLEMS).exists():
            return failure(result, json.loads((plans / PROBLEMS).read_text()))
        host = str(task_vars.get("inventory_hostname"))
        path = plans / f"{host}.json"
        if not path.is_file():
            return {**result, "failed": True, "msg": f"{host} is not a storage client"}
        result["ansible_facts"] = {PLAN_FACT: path.read_text()}
        if Display().verbosity < 1:
            # Ansible deep-copies and converts every result for the callbacks, printed or
            # not: ~8 KB of plan per host (1.3x a no-op play at 1,000 hosts, 1.5x with it).
            # Below -v no output shows it: hand them a censored copy. The fact is set as
            # usual; -v or `railmount plan` shows the plan.
            result["_ansible_no_log"] = True
        return result

    def _plan_once(self, task_vars: dict[str, Any]) -> None:
        """No first play in this run: the first worker here checks and plans for all."""
        with (run_dir() / f"{PLANS}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (run_dir() / PLANS).exists():
                return  # another host's worker did it while this one waited
            try:
                publish(check_and_plan(task_vars, self._loader)[1], [])
            except InventoryError as err:
                publish({}, [str(p) for p in err.problems])
