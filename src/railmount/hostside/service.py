"""The failover agent's systemd unit: running and enabled when the plan has failover on,
stopped and disabled when off; restarted when its code, unit or plan changed."""

from __future__ import annotations

import subprocess
from typing import Any

UNIT = "railmount-failover.service"


def systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", *args], capture_output=True, text=True, check=False)


def state() -> tuple[bool, bool]:
    """(active, enabled)."""
    active = systemctl("is-active", "--quiet", UNIT).returncode == 0
    enabled = systemctl("is-enabled", "--quiet", UNIT).returncode == 0
    return active, enabled


def ensure(plan: dict[str, Any], reload: bool, restart: bool, check: bool) -> dict[str, Any]:
    want = bool(plan["failover"]["enabled"])
    active, enabled = state()
    actions = []
    if reload:
        actions.append("daemon-reload")
    if want:
        if not enabled:
            actions.append("enable")
        if not active:
            actions.append("start")
        elif restart:
            actions.append("restart")
    else:
        if enabled:
            actions.append("disable")
        if active:
            actions.append("stop")
    report: dict[str, Any] = {"changed": bool(set(actions) - {"daemon-reload"}), "do": actions}
    if check:
        return report
    errors = []
    for action in actions:
        args = ("daemon-reload",) if action == "daemon-reload" else (action, UNIT)
        result = systemctl(*args)
        if result.returncode != 0:
            errors.append(f"systemctl {' '.join(args)}: {result.stderr.strip()}")
    if errors:
        report["failed"] = True
        report["message"] = "; ".join(errors)
    return report
