"""Tiny helpers around named network namespaces (`ip netns`) and links inside them.

Everything goes through iproute2 so the state stays visible to `ip netns list` and
`ip -n NS link`; a namespace is the unit the lab creates and deletes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from railmount.lab import proc

NETNS_DIR = Path("/run/netns")


def exec_argv(ns: str, argv: Sequence[str]) -> list[str]:
    """argv prefixed so it runs inside ns (with its own mount namespace, see ip-netns(8))."""
    return ["ip", "netns", "exec", ns, *argv]


def run(
    ns: str | None, argv: Sequence[str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run argv inside ns (or the root namespace if ns is None)."""
    return proc.run(argv, netns=ns, check=check)


def ip(ns: str | None, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`ip -n NS ARGS`: cheaper than `ip netns exec` (no mount namespace per call)."""
    return proc.run(["ip", *(["-n", ns] if ns else []), *args], check=check)


def exists(ns: str) -> bool:
    return (NETNS_DIR / ns).exists()


def list_ns(prefix: str) -> list[str]:
    """Names of existing namespaces starting with prefix."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))


def create(ns: str) -> bool:
    """Create ns with lo up; True if it was new. Idempotent."""
    if exists(ns):
        return False
    proc.run(["ip", "netns", "add", ns])
    ip(ns, "link", "set", "lo", "up")
    return True


def delete(ns: str) -> None:
    """Delete ns if present. Devices inside die with it; processes must be gone first."""
    if exists(ns):
        proc.run(["ip", "netns", "delete", ns])


def pids(ns: str) -> list[int]:
    """PIDs of processes whose network namespace is ns (empty if ns is gone)."""
    if not exists(ns):
        return []
    out = proc.run(["ip", "netns", "pids", ns], check=False).stdout
    return [int(tok) for tok in out.split() if tok.isdigit()]


def sysctl(ns: str, settings: dict[str, str]) -> None:
    """Set net.* sysctls inside ns (they are per network namespace)."""
    args = [f"{key}={value}" for key, value in settings.items()]
    run(ns, ["sysctl", "-q", "-w", *args])


def links(ns: str | None) -> list[dict[str, Any]]:
    """`ip -d -s -j link` of ns: one dict per device (empty if ns is gone)."""
    if ns is not None and not exists(ns):
        return []
    out = ip(ns, "-d", "-s", "-j", "link", "show").stdout
    return json.loads(out) if out.strip() else []


def link(ns: str | None, dev: str) -> dict[str, Any] | None:
    """One device's `ip -d -s -j link` dict, or None if it does not exist there."""
    if ns is not None and not exists(ns):
        return None
    res = ip(ns, "-d", "-s", "-j", "link", "show", "dev", dev, check=False)
    if res.returncode != 0 or not res.stdout.strip():
        return None
    found = json.loads(res.stdout)
    return found[0] if found else None


def device_exists(dev: str, ns: str | None = None) -> bool:
    return link(ns, dev) is not None


def addresses(ns: str, dev: str) -> list[str]:
    """IPv4 addresses on dev as CIDR strings."""
    out = ip(ns, "-j", "-4", "addr", "show", "dev", dev, check=False).stdout
    if not out.strip():
        return []
    return [
        f"{a['local']}/{a['prefixlen']}"
        for entry in json.loads(out)
        for a in entry.get("addr_info", [])
    ]


def link_status(dev: dict[str, Any]) -> dict[str, Any]:
    """The parts of one `ip -d -s -j link` dict that lab status reports show."""
    flags = dev.get("flags", [])
    stats = dev.get("stats64", {})
    return {
        "kind": dev.get("linkinfo", {}).get("info_kind"),
        "admin_up": "UP" in flags,
        "carrier": "LOWER_UP" in flags,
        "mtu": dev.get("mtu"),
        "master": dev.get("master"),
        "qdisc": dev.get("qdisc"),
        "rx_bytes": stats.get("rx", {}).get("bytes"),
        "tx_bytes": stats.get("tx", {}).get("bytes"),
    }
