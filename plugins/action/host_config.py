# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Action: render every file railmount keeps on a storage client from its plan, then
write them with one call of the host_config module (diffs, check mode, netplan snapshot).

Rendering happens here, on the controller, with railmount.render — the code
`railmount render` uses — so what a deploy writes and what `railmount render` shows
cannot differ.
"""

from __future__ import annotations

import json
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.railmount.storage.plugins.plugin_utils.railmount_package import (
    missing_railmount,
)

# Guarded: without the railmount package the task fails with one line saying how to
# install it (ansible-test's import sanity test loads this file without it, too).
try:
    from railmount.hostside.layout import NETPLAN_SNAPSHOT_DIR, SNAPSHOT_MANIFEST
    from railmount.render import host_files
except ImportError as error:
    RAILMOUNT_IMPORT_ERROR: ImportError | None = error
else:
    RAILMOUNT_IMPORT_ERROR = None

PLAN_FACT = "railmount_plan_json"


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        if RAILMOUNT_IMPORT_ERROR is not None:
            msg = missing_railmount("railmount.storage.host_config", RAILMOUNT_IMPORT_ERROR)
            return {**result, "failed": True, "msg": msg}
        task_vars = task_vars or {}
        # Read as a fact, not as a top-level variable (INJECT_FACTS_AS_VARS is deprecated).
        text = (task_vars.get("ansible_facts") or {}).get(PLAN_FACT)
        if not text:
            msg = f"no {PLAN_FACT} fact: run the railmount.storage.plan role first"
            return {**result, "failed": True, "msg": msg}
        plan = json.loads(str(text))
        files, remove = host_files(plan)
        args = {
            "files": [
                {
                    "path": f.path,
                    "content": f.content,
                    "mode": f.mode,
                    "group": f.group,
                    "diff": f.show_diff,
                }
                for f in files
            ],
            "remove": [{"glob": r.glob, "group": r.group} for r in remove],
            "storage_macs": [p["mac"] for p in plan["ports"]],
            "snapshot_dir": NETPLAN_SNAPSHOT_DIR,
            "manifest": SNAPSHOT_MANIFEST,
        }
        for option in ("snapshot_dir", "root"):
            if option in self._task.args:
                args[option] = self._task.args[option]
        module = self._execute_module(
            module_name="railmount.storage.host_config", module_args=args, task_vars=task_vars
        )
        result.update(module)
        return result
