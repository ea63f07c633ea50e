"""NFS mount options: the one table of what railmount writes into every mount.

Each row says which railmount_nfs key sets an option, how fstab spells it, how
/proc/mounts shows it (what the mounts verdict expects), the other spellings mount.nfs
accepts for it, and, by its place in MOUNT_OPTIONS, its fstab order. The planner, the
`extra_options` refusal and the expected options all loop over this table; adding an
option is the railmount_nfs field in model.py plus one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Options = list[tuple[str, str]]  # (name, value); value '' for a flag


def _value(name: str) -> Callable[[Any], Options]:
    """name=value, left out while the key is unset."""
    return lambda value: [] if value is None else [(name, str(value))]


def _flag(on: str, off: str) -> Callable[[Any], Options]:
    return lambda value: [(on if value else off, "")]


def _extra(items: Any) -> Options:
    return [(n, v) for n, _, v in (o.partition("=") for o in items)]


def _always(name: str) -> Callable[[Any], Options]:
    return lambda _: [(name, "")]


def _never(_: Any) -> Options:
    return []


# The kernel shows lookupcache only when it is not the default, and `positive` as `pos`
# (fs/nfs/super.c, nfs_show_mount_options).
_LOOKUPCACHE_SHOWN = {"positive": "pos", "none": "none"}


# actimeo sets the four attribute-cache timeouts; the kernel shows each one that is not
# its default (NFS_DEF_ACREGMIN.. in include/linux/nfs_fs.h).
_AC_DEFAULTS = {"acregmin": 3, "acregmax": 60, "acdirmin": 30, "acdirmax": 60}


def _actimeo_shown(value: Any) -> Options:
    if value is None:
        return []
    return [(name, str(value)) for name, default in _AC_DEFAULTS.items() if value != default]


@dataclass(frozen=True)
class MountOption:
    """One row: an option railmount writes."""

    name: str  # as mount.nfs spells it ('' for the place extra_options go)
    key: str | None  # the railmount_nfs field it renders; None: written into every mount
    fstab: Callable[[Any], Options]  # the key's value -> what fstab gets
    shown: Callable[[Any], Options] = _never  # -> what /proc/mounts must show
    aliases: tuple[str, ...] = ()  # other names mount.nfs accepts for the same setting
    managed: bool = True  # railmount's to set: refused in extra_options

    def refusal(self) -> tuple[str, str]:
        """(why, fix) for this option in extra_options."""
        if self.key is None:
            return "is not allowed: railmount adds it to every mount", "remove it"
        return (
            f"is set by railmount_nfs.{self.key}",
            f"set railmount_nfs.{self.key} instead and remove it from extra_options",
        )


# In fstab order.
MOUNT_OPTIONS: tuple[MountOption, ...] = (
    MountOption(
        "vers",
        "version",
        _value("vers"),
        _value("vers"),
        ("nfsvers", "v2", "v3", "v4", "v4.0", "v4.1", "v4.2"),
    ),
    MountOption("proto", "proto", _value("proto"), _value("proto"), ("tcp", "udp", "rdma")),
    MountOption("rsize", "rsize", _value("rsize"), _value("rsize")),
    MountOption("wsize", "wsize", _value("wsize"), _value("wsize")),
    MountOption("hard", "hard", _flag("hard", "soft"), _flag("hard", "soft"), ("soft", "softerr")),
    MountOption("nconnect", "nconnect", _value("nconnect"), _value("nconnect")),
    MountOption(
        "lookupcache",
        "lookupcache",
        _value("lookupcache"),
        lambda v: [("lookupcache", _LOOKUPCACHE_SHOWN[v])] if v in _LOOKUPCACHE_SHOWN else [],
    ),
    MountOption("actimeo", "actimeo", _value("actimeo"), _actimeo_shown, tuple(_AC_DEFAULTS)),
    # The kernel always shows local_lock (fs/nfs/super.c), so a set value is judged as is;
    # nolock or lock in extra_options overrides it (nfs_try_mount_request).
    MountOption("local_lock", "local_lock", _value("local_lock"), _value("local_lock")),
    MountOption("", "extra_options", _extra, managed=False),
    MountOption("_netdev", None, _always("_netdev")),  # userspace-only: not in /proc/mounts
)
# Every spelling of a managed option -> its row.
MANAGED_OPTIONS: dict[str, MountOption] = {
    name: row for row in MOUNT_OPTIONS if row.managed for name in (row.name, *row.aliases)
}

# Options nobody sets, as they would undo what railmount sets up -> why.
REFUSED_OPTIONS: dict[str, str] = {
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


def fstab_options(nfs: Any) -> Options:
    """What fstab gets, in order, from a railmount_nfs section."""
    return [opt for row in MOUNT_OPTIONS for opt in row.fstab(_setting(nfs, row))]


def shown_options(nfs: Any) -> Options:
    """What /proc/mounts must show for the managed options, in table order."""
    return [opt for row in MOUNT_OPTIONS for opt in row.shown(_setting(nfs, row))]


def _setting(nfs: Any, row: MountOption) -> Any:
    return getattr(nfs, row.key) if row.key else True


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
    row = MANAGED_OPTIONS.get(name)
    if row:
        why, fix = row.refusal()
        return f"'{option}' {why}", fix
    if name in REFUSED_OPTIONS:
        return f"'{option}' is not allowed: {REFUSED_OPTIONS[name]}", "remove it"
    return None


def client_kept_locks(nfs: Any) -> list[tuple[str, str]]:
    """(railmount_nfs field, the option as written) for every setting that keeps locks on
    the client instead of the array's lock manager: local_lock other than none, and nolock
    or local_lock=... in extra_options. The planner and the checker both ask this."""
    found = []
    local = getattr(nfs, "local_lock", None)
    if local not in (None, "none"):
        found.append(("local_lock", f"local_lock={local}"))
    for index, item in enumerate(getattr(nfs, "extra_options", None) or ()):
        for option in str(item).split(","):
            name, _, value = option.partition("=")
            if name == "nolock" or (name == "local_lock" and value not in ("", "none")):
                found.append((f"extra_options[{index}]", option))
    return found
