"""NFS mount options: the one list of what railmount manages, for the checker and the planner.

railmount writes MANAGED_OPTIONS into every mount from railmount_nfs (and /proc/mounts must
show them); `extra_options` may add anything else, except another spelling of a managed
option or an option that would break what railmount sets up (REFUSED_OPTIONS).
"""

from __future__ import annotations

# Option written by railmount -> the railmount_nfs key that sets it. Order = fstab order.
MANAGED_OPTIONS: dict[str, str] = {
    "vers": "version",
    "proto": "proto",
    "rsize": "rsize",
    "wsize": "wsize",
    "hard": "hard",
    "soft": "hard",
    "nconnect": "nconnect",
}
# Other spellings mount.nfs accepts for the same settings -> the railmount_nfs key.
OPTION_ALIASES: dict[str, str] = {
    "nfsvers": "version",
    "v2": "version",
    "v3": "version",
    "v4": "version",
    "v4.0": "version",
    "v4.1": "version",
    "v4.2": "version",
    "tcp": "proto",
    "udp": "proto",
    "rdma": "proto",
    "softerr": "hard",
}
# Options that would undo what railmount sets up -> why.
REFUSED_OPTIONS: dict[str, str] = {
    "_netdev": "railmount adds it to every mount",
    "noauto": "the mount would not come back after a reboot",
    "ro": "the validation writes its test files through every mount",
    "addr": "railmount mounts each VIP by its own address",
    "clientaddr": "the source address comes from the VIP's port route",
    "port": "the array's NFS port is not configurable per mount",
    "mountport": "the array's mount port is not configurable per mount",
    "mountproto": "the mount protocol follows railmount_nfs.proto",
    "mountvers": "the mount protocol version follows railmount_nfs.version",
    "max_connect": "connections per mount are railmount_nfs.nconnect",
    "fsc": "FS-Cache would serve reads locally and hide the array's real rate",
    "nofsc": "FS-Cache is railmount's to decide (it stays off)",
}


def option_problem(option: str) -> tuple[str, str] | None:
    """(why, fix) if one comma-free mount option may not be in extra_options, else None."""
    name, sep, value = option.partition("=")
    if not option:
        return "an empty option", "remove the empty item (',,' or a trailing ',')"
    if any(c.isspace() for c in option):
        return f"{option!r} contains whitespace", f"write it as {''.join(option.split())}"
    if not name:
        return f"{option!r} has no option name", "write it like timeo=600"
    if sep and not value:
        return f"'{name}=' has no value", f"give a value, like {name}=600, or remove it"
    key = MANAGED_OPTIONS.get(name) or OPTION_ALIASES.get(name)
    if key:
        return (
            f"'{option}' is set by railmount_nfs.{key}",
            f"set railmount_nfs.{key} instead and remove it from extra_options",
        )
    if name in REFUSED_OPTIONS:
        return f"'{option}' is not allowed: {REFUSED_OPTIONS[name]}", "remove it"
    return None
