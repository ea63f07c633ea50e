"""Path rules for mount points and the export: canonical form and system directories.

Lexical only (symlinks are not resolved): the paths live on the hosts and the array, not
on the controller. The roles' guards can reuse `canonical_path` and `mount_path_problem`.
"""

from __future__ import annotations

import re

# Mounting on one of these would hide the system's own files.
SYSTEM_DIRS = frozenset(
    {
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/lost+found",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/snap",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/var",
    }
)
# Nothing may be mounted anywhere below these (kernel filesystems, boot, configuration and
# the OS itself; /bin, /sbin and /lib* are /usr on a merged-usr system).
SYSTEM_TREES = ("/proc", "/sys", "/dev", "/run", "/boot", "/etc", "/usr", "/bin", "/sbin", "/lib")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
NAME_MAX = 255  # bytes per path segment (Linux)
_TOP_FIX = "use a directory of its own, like .railmount"


def canonical_path(path: str) -> str:
    """The canonical absolute form of `path`: no '.' or '..' segments, no '//', no trailing '/'.

    '..' is resolved lexically ('/mnt/../etc' -> '/etc'); a relative path is taken from '/'.
    """
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def is_below(path: str, parent: str) -> bool:
    """True if canonical `path` is `parent` itself or inside it."""
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def path_syntax_problem(path: str) -> tuple[str, str] | None:
    """(detail, fix) if `path` is not a canonical absolute path, else None."""
    if _BAD_CHARS.search(path):
        return (
            "contains whitespace or a control character (fstab separates fields by whitespace)",
            "use a path without spaces, tabs or newlines",
        )
    canonical = canonical_path(path)
    if not path.startswith("/"):
        return "not an absolute path", f"write it like {canonical}"
    if path != canonical:
        return _why_not_canonical(path), f"write it as {canonical}"
    if any(len(part.encode()) > NAME_MAX for part in path.split("/")):
        return f"a path segment is longer than {NAME_MAX} bytes", "use shorter directory names"
    return None


def _why_not_canonical(path: str) -> str:
    parts = path.split("/")[1:]
    if ".." in parts:
        return "contains a '..' segment"
    if "." in parts:
        return "contains a '.' segment"
    if "//" in path:
        return "contains '//'"
    return "ends with '/'"


def mount_path_problem(path: str) -> tuple[str, str] | None:
    """(detail, fix) if an NFS client may not mount at `path`, else None."""
    syntax = path_syntax_problem(path)
    if syntax:
        return syntax
    if path == "/":
        return "is the root filesystem", "mount below a directory of its own, like /mnt/nfs0"
    if path in SYSTEM_DIRS:
        return f"{path} is a system directory", "mount below /mnt or a directory of its own"
    for tree in SYSTEM_TREES:
        if is_below(path, tree):
            return f"is inside {tree}", "mount below /mnt or a directory of its own"
    return None


def relative_dir_problem(path: str) -> tuple[str, str] | None:
    """(detail, fix) if `path` is not a canonical relative directory (it must stay inside
    the directory it is joined to), else None."""
    if _BAD_CHARS.search(path):
        return "contains whitespace or a control character", "use a plain name like .railmount"
    inside = canonical_path(path).lstrip("/")
    if path.startswith("/"):
        fix = f"write it relative to the filesystem: {inside}" if inside else _TOP_FIX
        return "is absolute: it would leave the filesystem", fix
    if ".." in path.split("/"):
        return "contains '..': it could leave the filesystem", "use a directory like .railmount"
    if not inside:
        return "names the filesystem's top directory itself", _TOP_FIX
    if path != inside:
        return _why_not_canonical("/" + path), f"write it as {inside}"
    return None
