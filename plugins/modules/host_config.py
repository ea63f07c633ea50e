#!/usr/bin/python
# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Module: write railmount's files on a storage client in one call (the action plugin of
the same name renders them on the controller from the host's plan)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: host_config
short_description: Write railmount's per-host files, with diffs and a netplan snapshot
description:
  - Renders every file railmount keeps on a storage client from the host's plan (the
    C(railmount_plan_json) fact the M(railmount.storage.plan) action sets) on the
    controller, with the code C(railmount render) uses, then writes them on the host in
    one module call.
  - Writes each file atomically when its content or mode differs, and removes stale
    railmount files. Supports check mode and diff mode.
  - Before it changes any netplan file or the host's plan it saves the files it replaces
    or removes into O(snapshot_dir) with a manifest, so C(railmount-host netplan-apply)
    can put them back if the new configuration breaks the storage path. One snapshot is
    kept.
  - Refuses to touch anything when the interface the default route uses has the MAC of
    a planned storage port (the management path would be reconfigured).
  - Refuses to touch anything, check mode included, when another netplan file (the OS
    installer's, cloud-init's) defines a planned storage port by netplan id, name or MAC;
    it runs C(railmount-host netplan-foreign) from the tool files it was given (the
    version being deployed) and fails naming the file, the netplan id and the fix.
    Skipped when the host has no C(netplan) command.
  - Normally called through the action plugin of the same name, which renders the files
    from the C(railmount_plan_json) fact.
  - A task passes at most O(snapshot_dir) and O(root); the action plugin fills in
    O(files), O(remove) and O(storage_macs) from the plan.
requirements:
  - railmount (the Python package, in the Python that runs Ansible on the controller;
    C(pip install railmount))
options:
  files:
    description:
      - Files to write. Set by the action plugin from the plan; do not pass it.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: Absolute path., type: path, required: true}
      content: {description: Full content., type: str, required: true}
      mode: {description: Octal mode., type: str, default: "0644"}
      group:
        description: Which kind of file (netplan, sysctl, plan, tool, agent).
        type: str
        required: true
      diff: {description: Show the content in diff mode., type: bool, default: true}
  remove:
    description:
      - Stale files to delete, as globs with a group; planned paths are kept. Set by the
        action plugin; do not pass it.
    type: list
    elements: dict
    default: []
    suboptions:
      glob: {description: Absolute glob., type: str, required: true}
      group: {description: Group of the files., type: str, required: true}
  storage_macs:
    description:
      - MACs of the planned storage ports (lower case). Set by the action plugin.
    type: list
    elements: str
    default: []
  snapshot_dir:
    description: >-
      Where the replaced netplan files are saved (the action plugin passes
      railmount.hostside.layout.NETPLAN_SNAPSHOT_DIR).
    type: path
    required: true
  manifest:
    description: >-
      File name of the snapshot's manifest, inside I(snapshot_dir) (the action plugin
      passes railmount.hostside.layout.SNAPSHOT_MANIFEST, which documents its format).
    type: str
    required: true
  root:
    description:
      - Write under this directory instead of C(/) (an image being built, or a preview);
        the management-path guard is skipped then.
    type: path
    default: /
attributes:
  check_mode:
    support: full
    description: Reports every file it would write, writes nothing.
  diff_mode:
    support: full
    description: Shows each changed file as a diff.
  platform:
    support: full
    platforms: posix
    description: Ubuntu/Debian hosts with netplan.
author:
  - railmount developers (!UNKNOWN)
"""

EXAMPLES = r"""
# What the storage_ports role runs: every file from this host's plan, diffs with --diff.
- name: Write netplan per port, sysctls, the host's plan and the host-side tools
  railmount.storage.host_config:
  register: storage_ports_config

# A preview: write the files under a directory instead of /.
- name: Render this host's files into /tmp/preview
  railmount.storage.host_config:
    root: /tmp/preview/{{ inventory_hostname }}
"""

RETURN = r"""
groups_changed:
  description: Groups with at least one changed file (netplan, sysctl, plan, tool, agent).
  returned: always
  type: list
  elements: str
  sample: [netplan, plan]
files_changed:
  description: Paths written or removed (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/netplan/60-railmount-em1.yaml]
netplan_foreign:
  description: >-
    Other netplan files' definitions of a planned port (empty when none), or the reason
    the check did not run.
  returned: always
  type: raw
  sample: []
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from ansible.module_utils.basic import AnsibleModule

# What a failed netplan change puts back: the netplan files, and the host's plan that
# describes them (the storage path check and the failover agent read it).
SNAPSHOT_GROUPS = ("netplan", "plan")


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


def _write(path, data, mode):
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".railmount-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def management_mac():
    """(interface, mac) of the default route's interface, or (None, None)."""
    out = subprocess.run(
        ["ip", "-j", "-4", "route", "show", "default"], capture_output=True, text=True, check=False
    ).stdout
    try:
        routes = json.loads(out or "[]")
    except ValueError:
        routes = []
    for route in routes:
        dev = route.get("dev")
        data = _read(f"/sys/class/net/{dev}/address") if dev else None
        if data:
            return dev, data.decode().strip().lower()
    return None, None


def foreign_netplan(files, root):
    """(conflicts, problems) from `railmount-host netplan-foreign`, run from the given
    tool files and plan in a temporary directory; (reason, []) when it cannot run."""
    tool = [f for f in files if f["group"] == "tool" and f["path"].endswith(".py")]
    plan = next((f for f in files if f["group"] == "plan"), None)
    if not tool or plan is None:
        return "skipped: no host-side tool or plan among the files", []
    if not shutil.which("netplan"):
        return "skipped: no netplan command on this host", []
    package = os.path.basename(os.path.dirname(tool[0]["path"]))
    with tempfile.TemporaryDirectory(prefix="railmount-foreign-") as tmp:
        os.makedirs(os.path.join(tmp, package))
        for item in tool:
            with open(os.path.join(tmp, package, os.path.basename(item["path"])), "w") as out:
                out.write(item["content"])
        with open(os.path.join(tmp, "plan.json"), "w") as out:
            out.write(plan["content"])
        env = dict(os.environ, PYTHONPATH=tmp, RAILMOUNT_PLAN=os.path.join(tmp, "plan.json"))
        done = subprocess.run(
            [sys.executable, "-m", package, "netplan-foreign", "--root", root],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return [], [f"railmount-host netplan-foreign failed: {done.stderr.strip()}"]
    return report["conflicts"], report["problems"]


class Snapshot:
    """Saves what a change replaces or removes, once, before the first change."""

    def __init__(self, directory, manifest, check_mode):
        self.directory = directory
        self.manifest_file = manifest
        self.check_mode = check_mode
        # railmount.hostside.layout documents this format (the module cannot import it).
        self.manifest = {"created": [], "replaced": {}, "removed": {}}
        self.started = False

    def save(self, path, kind):
        if self.check_mode:
            return
        if not self.started:
            shutil.rmtree(self.directory, ignore_errors=True)
            os.makedirs(self.directory, mode=0o700)
            self.started = True
        if kind == "created":
            self.manifest["created"].append(path)
        else:
            saved = os.path.join(self.directory, path.strip("/").replace("/", "__"))
            shutil.copy2(path, saved)
            self.manifest[kind][path] = saved

    def close(self):
        if self.started:
            with open(os.path.join(self.directory, self.manifest_file), "w") as handle:
                json.dump(self.manifest, handle, indent=1)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    path=dict(type="path", required=True),
                    content=dict(type="str", required=True),
                    mode=dict(type="str", default="0644"),
                    group=dict(type="str", required=True),
                    diff=dict(type="bool", default=True),
                ),
            ),
            remove=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    glob=dict(type="str", required=True),
                    group=dict(type="str", required=True),
                ),
            ),
            storage_macs=dict(type="list", elements="str", default=[]),
            snapshot_dir=dict(type="path", required=True),
            manifest=dict(type="str", required=True),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    root = params["root"]

    def at(path):
        return os.path.join(root, path.lstrip("/"))

    dev, mac = management_mac() if root == "/" else (None, None)
    if mac and mac in [m.lower() for m in params["storage_macs"]]:
        module.fail_json(
            msg=f"the default-route interface {dev} has the MAC {mac} of a planned storage "
            "port; railmount never reconfigures the management path. Fix railmount_ports."
        )
    conflicts, problems = foreign_netplan(params["files"], root)
    if problems:
        module.fail_json(
            msg="another netplan file defines a planned storage port; railmount changed "
            "nothing: " + "; ".join(problems),
            netplan_foreign=conflicts,
        )
    snapshot = Snapshot(at(params["snapshot_dir"]), params["manifest"], module.check_mode)
    changed_files, groups, diffs = [], set(), []
    planned = {at(f["path"]) for f in params["files"]}
    for item in params["files"]:
        path, group = at(item["path"]), item["group"]
        data = item["content"].encode()
        mode = int(item.get("mode") or "0644", 8)
        old = _read(path)
        if old == data and _mode(path) == mode:
            continue
        changed_files.append(path)
        groups.add(group)
        if module._diff:
            show = item.get("diff", True)
            diffs.append(
                {
                    "before_header": path if old is not None else f"{path} (absent)",
                    "after_header": path,
                    "before": (old.decode(errors="replace") if show else f"<{len(old)} bytes>\n")
                    if old is not None
                    else "",
                    "after": item["content"] if show else f"<{len(data)} bytes, mode {mode:o}>\n",
                }
            )
        if group in SNAPSHOT_GROUPS:
            snapshot.save(path, "created" if old is None else "replaced")
        if not module.check_mode:
            _write(path, data, mode)
    for rule in params["remove"]:
        for path in sorted(glob.glob(at(rule["glob"]))):
            if path in planned:
                continue
            changed_files.append(path)
            groups.add(rule["group"])
            if module._diff:
                old = _read(path) or b""
                diffs.append(
                    {
                        "before_header": path,
                        "after_header": f"{path} (removed)",
                        "before": old.decode(errors="replace"),
                        "after": "",
                    }
                )
            if rule["group"] in SNAPSHOT_GROUPS:
                snapshot.save(path, "removed")
            if not module.check_mode:
                os.unlink(path)
    snapshot.close()
    module.exit_json(
        changed=bool(changed_files),
        files_changed=changed_files,
        groups_changed=sorted(groups),
        netplan_foreign=conflicts,
        diff=diffs,
    )


if __name__ == "__main__":
    main()
