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

from railmount.hostside.layout import NETPLAN_SNAPSHOT_DIR, SNAPSHOT_MANIFEST
from railmount.render import host_files


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        text = task_vars.get("railmount_plan_json")
        if not text:
            msg = "no railmount_plan_json fact: run the plan role"
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
