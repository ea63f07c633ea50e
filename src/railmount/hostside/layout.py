"""Where railmount's files live on a storage client: the one list, imported by the
controller (planner, render, the host_config action) and by the host-side tools.

Stdlib only, like all of railmount.hostside: it runs on the hosts.
"""

from __future__ import annotations

from typing import Any

PLAN_FILE = "/etc/railmount/plan.json"  # the host's own plan: input of railmount-host
SYSCTL_FILE = "/etc/sysctl.d/60-railmount.conf"
NETPLAN_DIR = "/etc/netplan"
NETPLAN_PREFIX = "60-railmount-"  # every netplan file railmount owns starts with it
NETPLAN_GLOB = f"{NETPLAN_DIR}/{NETPLAN_PREFIX}*.yaml"
# Before a deploy changes netplan files, host_config saves what it replaces or removes
# here (one snapshot, bounded); `railmount-host netplan-apply` restores it on failure.
# The manifest, a JSON file in the snapshot directory:
#     {"created": [PATH...], "replaced": {PATH: SAVED}, "removed": {PATH: SAVED}}
NETPLAN_SNAPSHOT_DIR = "/var/lib/railmount/netplan-previous"
SNAPSHOT_MANIFEST = "manifest.json"


def empty_manifest() -> dict[str, Any]:
    """The manifest of a snapshot that saved nothing (the host_config module, which
    cannot import this on the host, starts from the same three keys)."""
    return {"created": [], "replaced": {}, "removed": {}}


def netplan_file(port: str) -> str:
    return f"{NETPLAN_DIR}/{NETPLAN_PREFIX}{port}.yaml"
