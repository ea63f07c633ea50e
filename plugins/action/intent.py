# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Action: what the array or the switches must hold, from the same check and plan as
site.yml, as a fact for the array role and the switch playbook; or the array
cross-check of a purefb_info result against it.

  railmount.storage.intent: {target: array}        -> fact railmount_array_intent
  railmount.storage.intent: {target: switches}     -> fact railmount_switch_intents
  railmount.storage.intent: {target: array_check, info: "{{ blade.purefb_info }}"}
      -> `checks` (one per item); fails naming every mismatch as "expected X, actual Y"
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.railmount.storage.plugins.action.plan import check_and_plan
from ansible_collections.railmount.storage.plugins.plugin_utils.railmount_package import (
    missing_railmount,
)

# Guarded: without the railmount package the task fails with one line saying how to
# install it (ansible-test's import sanity test loads this file without it, too).
try:
    from railmount.intents.array_check import array_check
    from railmount.intents.intent import NoFabric, array_intent, switch_intents
    from railmount.intents.switches import switch_facts
    from railmount.rules import InventoryError
except ImportError as error:
    RAILMOUNT_IMPORT_ERROR: ImportError | None = error
else:
    RAILMOUNT_IMPORT_ERROR = None

TARGETS = ("array", "switches", "array_check")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        if RAILMOUNT_IMPORT_ERROR is not None:
            msg = missing_railmount("railmount.storage.intent", RAILMOUNT_IMPORT_ERROR)
            return {**result, "failed": True, "msg": msg}
        result["changed"] = False
        target = self._task.args.get("target")
        if target not in TARGETS:
            return {**result, "failed": True, "msg": f"target must be one of {TARGETS}: {target}"}
        try:
            inventory, plans = check_and_plan(task_vars or {}, self._loader)
            if target == "switches":
                intents = switch_intents(inventory, plans)
                result["ansible_facts"] = {"railmount_switch_intents": switch_facts(intents)}
                return result
            intent = array_intent(inventory)
        except InventoryError as err:
            problems = [str(p) for p in err.problems]
            return {**result, "failed": True, "msg": "\n".join(problems), "problems": problems}
        except NoFabric as err:
            return {**result, "failed": True, "msg": str(err)}
        if target == "array":
            result["ansible_facts"] = {"railmount_array_intent": intent.to_dict()}
            return result
        checks = array_check(intent, self._task.args.get("info") or {})
        failed = [c.message for c in checks if not c.passed]
        result["checks"] = [c.record() for c in checks]
        if failed:
            return {**result, "failed": True, "msg": "\n".join(failed)}
        result["msg"] = f"array {intent.name}: {len(checks)} checks passed"
        return result
