#!/usr/bin/python
# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Module: what stands in the way of railmount's mounts, read-only."""

from __future__ import annotations

DOCUMENTATION = r"""
module: mount_preflight
short_description: Find mount points railmount must not touch, and whether mount.nfs exists
description:
  - Resolves each planned mount path on the host (symlinks included) and reads the mount
    table. A planned path that is mounted from another source, or that resolves to a
    different path (a symlink would make the mount land elsewhere), is reported; the role
    fails on it. railmount never unmounts a filesystem that may be in use.
  - Read-only; the same in check mode.
options:
  mounts:
    description: >-
      Planned mounts, as the plan has them: each a dict with at least C(path) (canonical
      mount point) and C(source) (VIP:/export).
    type: list
    elements: dict
    required: true
attributes:
  check_mode:
    support: full
    description: Read-only; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Linux hosts (reads /proc/self/mountinfo).
author:
  - railmount developers (!UNKNOWN)
"""

EXAMPLES = r"""
# What the nfs_mounts role runs before mounting anything.
- name: Look for mount points railmount must not touch
  railmount.storage.mount_preflight:
    mounts: "{{ (ansible_facts.railmount_plan_json | from_json).mounts }}"
  register: nfs_mounts_preflight

- name: Refuse mount points mounted from somewhere else
  ansible.builtin.assert:
    that: nfs_mounts_preflight.conflicts | length == 0
    fail_msg: "{{ nfs_mounts_preflight.conflicts | join('; ') }}"
"""

RETURN = r"""
conflicts:
  description: One line per planned mount that railmount must not mount.
  returned: always
  type: list
  elements: str
  sample: ["/mnt/nfs0: expected nothing or 10.21.115.6:/nfs0, actual /dev/sdb1 (ext4); ..."]
nfs_client:
  description: Whether mount.nfs is installed.
  returned: always
  type: bool
  sample: true
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule


def _unescape(field):
    """/proc/self/mountinfo escapes space, tab, newline and backslash as octal."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_table(path="/proc/self/mountinfo"):
    """mount point -> (source, fstype) of the top-most mount on it."""
    table = {}
    with open(path) as handle:
        for line in handle:
            left, _sep, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) >= 5 and len(rest) >= 2:
                table[_unescape(fields[4])] = (_unescape(rest[1]), rest[0])
    return table


def conflicts(mounts, table, realpath=os.path.realpath):
    found = []
    for mount in mounts:
        path, source = mount["path"], mount["source"]
        real = realpath(path)
        if real != path:
            found.append(
                f"{path}: resolves to {real} on this host (a symlink); railmount "
                "mounts only at canonical paths: set mount_path to the real path"
            )
            continue
        present = table.get(path)
        if present and present[0] != source:
            found.append(
                f"{path}: expected nothing or {source}, actual {present[0]} "
                f"({present[1]}); railmount never unmounts a filesystem that may be "
                "in use: unmount it yourself or set railmount_array.vips[].mount_path "
                "to a free path"
            )
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(mounts=dict(type="list", elements="dict", required=True)),
        supports_check_mode=True,
    )
    module.exit_json(
        changed=False,
        conflicts=conflicts(module.params["mounts"], mount_table()),
        nfs_client=bool(shutil.which("mount.nfs") or os.path.exists("/sbin/mount.nfs")),
    )


if __name__ == "__main__":
    main()
