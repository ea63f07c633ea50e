"""Rules across the fields of the group-wide sections: VIPs against their subnet and each
other, mount paths against each other, sizing rows against the measured image sizes.

They run on validated sections or on what `salvage` kept of invalid ones, so any value
may be None here (already reported).
"""

from __future__ import annotations

from typing import Any

from railmount.model import default_mount_path
from railmount.nfs import client_kept_locks
from railmount.paths import is_below
from railmount.rules.problems import Report

ARRAY = "railmount_array"
NFS = "railmount_nfs"


def vip_rules(report: Report, array: Any, mount_root: str | None) -> None:
    """VIP addresses in the subnet and unique, names unique, mount paths apart."""
    subnet = getattr(array, "subnet", None)
    names: dict[str, str] = {}
    addresses: dict[Any, str] = {}
    paths: list[tuple[int, str, str]] = []  # (index, VIP name, mount path)
    for index, vip in enumerate(getattr(array, "vips", None) or ()):
        if vip is None:
            continue
        at = f"{ARRAY}.vips[{index}]"
        duplicate = _seen_before(
            report, names, vip.name, at, "name", "duplicate VIP name", "give each VIP its own name"
        )
        duplicate |= _seen_before(
            report,
            addresses,
            vip.vip_address,
            at,
            "address",
            f"duplicate VIP {vip.vip_address}",
            "list it once",
        )
        if vip.vip_address is not None and subnet is not None:
            _address_in_subnet(report, f"{at}.address", vip.vip_address, subnet)
        path = vip.mount_path
        if path is None and vip.name is not None and not duplicate:
            path = default_mount_path(vip.name, mount_root)
        if path is not None and not duplicate:
            paths.append((index, vip.name or "?", path))
    _mount_paths_apart(report, paths)


def _seen_before(
    report: Report, seen: dict[Any, str], value: Any, at: str, key: str, what: str, fix: str
) -> bool:
    """Report `value` if an earlier VIP has it (naming that VIP); True if so."""
    if value is None:
        return False
    if value in seen:
        report.add("all", f"{at}.{key}", f"{what} (also {seen[value]})", fix)
        return True
    seen[value] = at
    return False


def _address_in_subnet(report: Report, field: str, address: Any, subnet: Any) -> None:
    if address not in subnet:
        report.add(
            "all", field, f"{address} is outside subnet {subnet}", "use an address in the subnet"
        )
    elif address == subnet.network_address:
        report.add(
            "all",
            field,
            f"{address} is the network address of {subnet}",
            "use a host address of the subnet",
        )
    elif address == subnet.broadcast_address:
        report.add(
            "all",
            field,
            f"{address} is the broadcast address of {subnet}",
            "use a host address of the subnet",
        )


def _mount_paths_apart(report: Report, paths: list[tuple[int, str, str]]) -> None:
    """No two VIPs on one mount path, none inside another's (it would be hidden by it)."""
    seen: dict[str, str] = {}
    for _, name, path in paths:
        if path in seen:
            report.add(
                "all",
                f"{ARRAY}.vips",
                f"mount path {path} used by VIPs {seen[path]} and {name}",
                "give each VIP its own mount_path",
            )
        seen.setdefault(path, name)
    for index, name, path in paths:
        for _, other, parent in paths:
            if path != parent and is_below(path, parent):
                report.add(
                    "all",
                    f"{ARRAY}.vips[{index}].mount_path",
                    f"{path} ({name}) is inside {parent}, the mount path of {other}",
                    "give each VIP a mount path outside the others'",
                )
                break


def sizing_rules(report: Report, sizing: Any, validate: Any) -> None:
    """A sizing row is judged only at an image size the workload test measures."""
    workload = getattr(validate, "workload", None)
    measured = getattr(workload, "image_sizes", None)
    if not measured:
        return
    for index, row in enumerate(getattr(sizing, "workloads", None) or ()):
        size = getattr(row, "image_size", None)
        if size is not None and size not in measured:
            report.add(
                "all",
                f"railmount_sizing.workloads[{index}].image_size",
                f"{size} is not measured (railmount_validate.workload.image_sizes: "
                f"{', '.join(measured)})",
                "use one of those sizes or add it to railmount_validate.workload.image_sizes",
            )


def lock_rules(report: Report, nfs: Any, array: Any) -> None:
    """Locks must reach the array while a host mounts the filesystem more than once: with
    nolock or local_lock other than none a lock excludes only its own mount, and the
    other mounts of the same host (and every other host) take it too."""
    mounts = len([v for v in getattr(array, "vips", None) or () if v])
    if mounts < 2 or nfs is None or getattr(nfs, "accept_locks_per_mount", False):
        return
    fix_ack = f"set {NFS}.accept_locks_per_mount: true to accept per-mount locks"
    for field, option in client_kept_locks(nfs):
        extra = field != "local_lock"
        shown = f"'{option}'" if extra else option
        report.add(
            "all", f"{NFS}.{field}",
            f"{shown} keeps locks on each of the {mounts} mounts "
            "of the filesystem: a lock taken through one mount does not exclude the others",
            "remove it (the array serves NLM locks"
            + ("; the deploy runs rpc-statd" if extra else "") + f") or {fix_ack}",
        )  # fmt: skip
