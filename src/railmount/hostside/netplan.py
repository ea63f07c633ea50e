"""Apply railmount's netplan files safely: refuse when other netplan files have changes
that `netplan apply` would apply too, generate, apply, verify the storage path, and on
any failure put the previous files back and apply those.

The deploy (host_files) writes the new files and, before it does, saves what it
replaces into a snapshot directory with a manifest (layout.NETPLAN_SNAPSHOT_DIR has the
format). Only one snapshot is kept (bounded); it is what `rollback` restores.
"""

from __future__ import annotations

import filecmp
import glob
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from . import layout, verify

NETPLAN_DIRS = ("/lib/netplan", layout.NETPLAN_DIR, "/run/netplan")  # netplan reads all three
NETWORKD_RUN = "/run/systemd/network"
VERIFY_TIMEOUT_S = 20.0

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


class ForeignBroken(Exception):
    """The other netplan files do not even generate: `netplan apply` would fail on them."""


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def ours(path: str) -> bool:
    return os.path.basename(path).startswith(layout.NETPLAN_PREFIX)


def netplan_ids(plan: dict[str, Any]) -> set[str]:
    return {p["name"] for p in plan["ports"]}


def pending_foreign(plan: dict[str, Any], root: str = "/", runner: Runner = run) -> list[str]:
    """Generated networkd files of interfaces railmount does not manage that would change
    if netplan applied the other netplan files as they are now on disk."""
    with tempfile.TemporaryDirectory(prefix="railmount-netplan-") as tmp:
        for directory in NETPLAN_DIRS:
            for path in glob.glob(os.path.join(root + directory.lstrip("/"), "*.yaml")):
                if ours(path):
                    continue
                dest = os.path.join(tmp, directory.lstrip("/"))
                os.makedirs(dest, exist_ok=True)
                shutil.copy2(path, dest)
        result = runner(["netplan", "generate", "--root-dir", tmp])
        if result.returncode != 0:
            raise ForeignBroken(result.stderr.strip() or f"exit status {result.returncode}")
        want = _foreign_files(os.path.join(tmp, NETWORKD_RUN.lstrip("/")), plan)
        have = _foreign_files(os.path.join(root, NETWORKD_RUN.lstrip("/")), plan)
        changed = sorted(
            name
            for name in set(want) | set(have)
            if name not in want
            or name not in have
            or not filecmp.cmp(want[name], have[name], shallow=False)
        )
    return changed


def _foreign_files(directory: str, plan: dict[str, Any]) -> dict[str, str]:
    """10-netplan-<id>.* files whose id is not one of railmount's ports."""
    mine = netplan_ids(plan)
    found = {}
    for path in glob.glob(os.path.join(directory, "10-netplan-*")):
        netplan_id = os.path.basename(path)[len("10-netplan-") :].rsplit(".", 1)[0]
        if netplan_id not in mine:
            found[os.path.basename(path)] = path
    return found


def read_manifest(snapshot: str) -> dict[str, Any]:
    try:
        with open(os.path.join(snapshot, layout.SNAPSHOT_MANIFEST)) as handle:
            data: dict[str, Any] = json.load(handle)
    except FileNotFoundError:
        return layout.empty_manifest()
    return data


def restore(snapshot: str) -> list[str]:
    """Put the files the last deploy changed back as they were; returns what it did."""
    manifest = read_manifest(snapshot)
    done = []
    for path in manifest.get("created", []):
        if os.path.exists(path):
            os.unlink(path)
            done.append(f"removed {path}")
    for mapping in (manifest.get("replaced", {}), manifest.get("removed", {})):
        for path, saved in mapping.items():
            shutil.copy2(saved, path)
            done.append(f"restored {path}")
    return done


def apply(
    plan: dict[str, Any],
    snapshot: str = layout.NETPLAN_SNAPSHOT_DIR,
    runner: Runner = run,
    verify_timeout_s: float = VERIFY_TIMEOUT_S,
    mac_of: Any = verify.read_mac,
) -> dict[str, Any]:
    """Generate, apply, verify; roll back on failure. Returns a report (see main)."""
    report: dict[str, Any] = {"applied": False, "rolled_back": False, "problems": []}
    try:
        pending = pending_foreign(plan, runner=runner)
    except ForeignBroken as err:
        report["restored"] = restore(snapshot)
        report["problems"] = [str(err)]
        report["message"] = (
            "the other netplan files do not generate, so `netplan apply` would fail on them "
            "too. Fix them first; railmount put its own files back and applied nothing"
        )
        return report
    if pending:
        report["restored"] = restore(snapshot)
        report["problems"] = [f"pending change in {name}" for name in pending]
        report["message"] = (
            "other netplan files have changes that are not applied yet ("
            + ", ".join(pending)
            + "); `netplan apply` would apply them too. Apply or revert them first; "
            "railmount put its own files back and applied nothing."
        )
        return report
    generated = runner(["netplan", "generate"])
    if generated.returncode != 0:
        report["problems"] = [generated.stderr.strip()]
        report["message"] = "netplan generate refused the new files; the previous files are back"
        return _roll_back(snapshot, runner, report)
    applied = runner(["netplan", "apply"])
    report["applied"] = applied.returncode == 0
    if applied.returncode != 0:
        report["problems"] = [applied.stderr.strip()]
        report["message"] = "netplan apply failed; the previous files were restored and applied"
        return _roll_back(snapshot, runner, report)
    found = verify.wait_good(plan, verify_timeout_s, runner, mac_of=mac_of)
    if found:
        report["problems"] = found
        report["message"] = (
            "the new configuration broke the storage path; "
            "the previous files were restored and applied"
        )
        return _roll_back(snapshot, runner, report)
    report["message"] = "applied; every VIP routes through its planned port and answers"
    return report


def _roll_back(snapshot: str, runner: Runner, report: dict[str, Any]) -> dict[str, Any]:
    report["restored"] = restore(snapshot)
    report["rolled_back"] = True
    generated = runner(["netplan", "generate"])
    if generated.returncode == 0:
        runner(["netplan", "apply"])
    else:  # the previous files were fine when they were applied; say so if not now
        report["problems"].append(f"previous files: {generated.stderr.strip()}")
    return report
