"""Keep the storage sysctls at their planned values: load the sysctl file only when a
running value differs (sysctl -p on every run would count as a change), and report the
drift in check mode without touching anything."""

from __future__ import annotations

import subprocess
from typing import Any

PROC = "/proc/sys"


def proc_path(name: str) -> str:
    """net.ipv4.conf.em1.rp_filter -> /proc/sys/net/ipv4/conf/em1/rp_filter (names with a
    dot are refused by `railmount check`, so splitting on dots is safe)."""
    return f"{PROC}/" + name.replace(".", "/")


def running(name: str, root: str = "") -> int | None:
    try:
        with open(root + proc_path(name)) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None  # a port that does not exist (yet)


def drift(plan: dict[str, Any], root: str = "") -> tuple[list[str], list[str]]:
    """(differing: "NAME: planned X, running Y", missing: NAME) over the planned sysctls."""
    differing, missing = [], []
    for sysctl in plan["sysctls"]:
        value = running(sysctl["name"], root)
        if value is None:
            missing.append(sysctl["name"])
        elif value != sysctl["value"]:
            differing.append(f"{sysctl['name']}: planned {sysctl['value']}, running {value}")
    return differing, missing


def sync(plan: dict[str, Any], check: bool) -> dict[str, Any]:
    differing, missing = drift(plan)
    report: dict[str, Any] = {"changed": bool(differing), "drift": differing, "missing": missing}
    if differing and not check:
        result = subprocess.run(
            ["sysctl", "-q", "-p", plan["sysctl_file"]], capture_output=True, text=True, check=False
        )
        left, _ = drift(plan)
        report["failed"] = result.returncode != 0 or bool(left)
        report["message"] = result.stderr.strip() or "; ".join(left)
    return report
