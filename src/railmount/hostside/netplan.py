"""Apply railmount's netplan files safely: refuse when other netplan files have changes
that `netplan apply` would apply too, generate, apply, verify the storage path, and on
any failure put the previous files back and apply those.

The deploy (host_files) writes the new files and, before it does, saves what it
replaces into a snapshot directory with a manifest (layout.NETPLAN_SNAPSHOT_DIR has the
format). Only one snapshot is kept (bounded); it is what `rollback` restores.

Foreign definitions: when another netplan file (the OS installer's
00-installer-config.yaml, cloud-init's 50-cloud-init.yaml...) also matches a planned
storage port, by netplan id, name (globs included) or MAC, netplan would merge or stack
both definitions (a DHCP lease or a second address beside railmount's). railmount refuses
(host_config before it writes anything, check mode included, and netplan-apply again
before it applies), naming the file, the netplan id and the fix; it never edits a file it
does not own. Matching is netplan's own: the other files are generated alone into a
temporary root and the networkd/NetworkManager files netplan writes are read back.
"""

from __future__ import annotations

import filecmp
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
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


@contextmanager
def generated_foreign(root: str = "/", runner: Runner = run) -> Iterator[str]:
    """A temporary root holding what `netplan generate` makes of the other netplan files
    alone (railmount's own left out); raises ForeignBroken when they do not generate."""
    with tempfile.TemporaryDirectory(prefix="railmount-netplan-") as tmp:
        for path in foreign_yaml(root):
            dest = os.path.join(tmp, os.path.dirname(os.path.relpath(path, root)))
            os.makedirs(dest, exist_ok=True)
            shutil.copy2(path, dest)
        result = runner(["netplan", "generate", "--root-dir", tmp])
        if result.returncode != 0:
            raise ForeignBroken(result.stderr.strip() or f"exit status {result.returncode}")
        yield tmp


def foreign_yaml(root: str = "/") -> list[str]:
    """The netplan files railmount does not own, under `root`."""
    return [
        path
        for directory in NETPLAN_DIRS
        for path in sorted(glob.glob(os.path.join(root, directory.lstrip("/"), "*.yaml")))
        if not ours(path)
    ]


def pending_foreign(plan: dict[str, Any], root: str = "/", runner: Runner = run) -> list[str]:
    """Generated networkd files of interfaces railmount does not manage that would change
    if netplan applied the other netplan files as they are now on disk."""
    with generated_foreign(root, runner) as tmp:
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


# What netplan generate writes per netplan id, and the id in each file name.
GENERATED = (
    ("run/systemd/network/10-netplan-*.network", re.compile(r"10-netplan-(.+)\.network$")),
    ("run/systemd/network/10-netplan-*.link", re.compile(r"10-netplan-(.+)\.link$")),
    (
        "run/NetworkManager/system-connections/netplan-*.nmconnection",
        re.compile(r"netplan-(.+)\.nmconnection$"),
    ),
)
# [section] key -> what it matches, in networkd and NetworkManager keyfiles.
MATCH_KEYS = {
    ("match", "name"): "name",
    ("match", "macaddress"): "mac",
    ("match", "permanentmacaddress"): "mac",
    ("match", "driver"): "driver",
    ("connection", "interface-name"): "name",
    ("ethernet", "mac-address"): "mac",
}
CLOUD_INIT = "50-cloud-init.yaml"


def read_sysfs(root: str, name: str, leaf: str) -> str | None:
    path = os.path.join(root, "sys/class/net", name, leaf)
    try:
        if leaf == "device/driver":
            return os.path.basename(os.readlink(path))
        with open(path) as handle:
            return handle.read().strip().lower()
    except OSError:
        return None


def kernel_names(root: str, mac: str) -> set[str]:
    """Names the interface with `mac` has now (before railmount's set-name renames it)."""
    net = os.path.join(root, "sys/class/net")
    names = os.listdir(net) if os.path.isdir(net) else []
    return {name for name in names if read_sysfs(root, name, "address") == mac}


def match_conditions(path: str) -> dict[str, list[str]]:
    """name/mac/driver conditions of one generated file (each a list of alternatives)."""
    found: dict[str, list[str]] = {}
    section = ""
    with open(path) as handle:
        for raw in handle:
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip().lower()
            elif "=" in line and not line.startswith(("#", ";")):
                key, value = line.split("=", 1)
                what = MATCH_KEYS.get((section, key.strip().lower()))
                if what and value.strip():
                    value = value.lower() if what == "mac" else value  # names are case-sensitive
                    found.setdefault(what, []).extend(value.split())
    return found


def _matches(
    conditions: dict[str, list[str]], names: set[str], mac: str, driver: str | None
) -> list[str]:
    """How the conditions match the port (empty when they do not): every kind present
    must match, as in networkd; an unknown driver counts as a match (refuse, not guess),
    and no condition at all matches every interface."""
    if not conditions:
        return ["no match conditions (every interface)"]
    how = []
    for kind, values in conditions.items():
        if kind == "name":
            hit = sorted(n for n in names if any(fnmatchcase(n, v) for v in values))
            if not hit:
                return []
            how.append(
                f"name {hit[0]}" + (f" (pattern {values[0]})" if values[0] != hit[0] else "")
            )
        elif kind == "mac":
            if mac not in values:
                return []
            how.append(f"MAC {mac}")
        elif kind == "driver":
            if driver is not None and not any(fnmatchcase(driver, v) for v in values):
                return []
            how.append(f"driver {' '.join(values)}")
    return how


def defining_files(root: str, netplan_id: str) -> list[str]:
    """The other netplan files with `netplan_id` as a key (which file to edit)."""
    key = re.compile(r"^\s*[\"']?" + re.escape(netplan_id) + r"[\"']?\s*:")
    found = []
    for path in foreign_yaml(root):
        with open(path, errors="replace") as handle:
            if any(key.match(line) for line in handle):
                found.append("/" + os.path.relpath(path, root))
    return found


def foreign_definitions(
    plan: dict[str, Any], root: str = "/", runner: Runner = run
) -> list[dict[str, Any]]:
    """Definitions in other netplan files that netplan would apply to a planned port."""
    conflicts: list[dict[str, Any]] = []
    with generated_foreign(root, runner) as tmp:
        for port in plan["ports"]:
            mac = str(port["mac"]).lower()
            names = {port["name"], *kernel_names(root, mac)}
            driver = next(
                (d for n in sorted(names) if (d := read_sysfs(root, n, "device/driver"))), None
            )
            seen: dict[str, list[str]] = {}
            for pattern, id_of in GENERATED:
                for path in sorted(glob.glob(os.path.join(tmp, pattern))):
                    found = id_of.search(os.path.basename(path))
                    netplan_id = found.group(1) if found else os.path.basename(path)
                    how = ["netplan id " + netplan_id] if netplan_id == port["name"] else []
                    how = how or _matches(match_conditions(path), names, mac, driver)
                    if how and netplan_id not in seen:
                        seen[netplan_id] = how
            conflicts.extend(
                {
                    "port": port["name"],
                    "netplan_id": netplan_id,
                    "files": defining_files(root, netplan_id),
                    "matched_by": how,
                }
                for netplan_id, how in seen.items()
            )
    return conflicts


def conflict_line(conflict: dict[str, Any], plan: dict[str, Any]) -> str:
    """`FILE: netplan id ID also defines storage port PORT (...) — fix: ...`."""
    files = conflict["files"] or ["another netplan file"]
    ours_file = next(
        (p["netplan_file"] for p in plan["ports"] if p["name"] == conflict["port"]),
        layout.NETPLAN_PREFIX,
    )
    fix = (
        f"remove the {conflict['netplan_id']!r} entry from {', '.join(files)} "
        f"({ours_file} defines {conflict['port']}), then netplan apply or rerun the deploy"
    )
    if any(os.path.basename(f) == CLOUD_INIT for f in files):
        fix += (
            "; cloud-init writes that file: disable its network config first "
            "(/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg: network: {config: disabled})"
        )
    return (
        f"{', '.join(files)}: netplan id {conflict['netplan_id']} also defines storage port "
        f"{conflict['port']} (matched by {', '.join(conflict['matched_by'])}); two definitions "
        f"would fight over it — fix: {fix}"
    )


def foreign_report(plan: dict[str, Any], root: str = "/", runner: Runner = run) -> dict[str, Any]:
    """What `railmount-host netplan-foreign` prints: conflicts and one line per conflict."""
    try:
        conflicts = foreign_definitions(plan, root, runner)
    except ForeignBroken as err:
        return {
            "conflicts": [],
            "problems": [f"the other netplan files do not generate: {err} — fix them first"],
        }
    return {"conflicts": conflicts, "problems": [conflict_line(c, plan) for c in conflicts]}


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
    foreign = foreign_report(plan, runner=runner)["problems"]
    if foreign:
        report["restored"] = restore(snapshot)
        report["problems"] = foreign
        report["message"] = (
            "other netplan files define a planned storage port; railmount put its own "
            "files back and applied nothing"
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
