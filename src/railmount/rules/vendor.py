"""railmount_nfs against the chosen array's profile (railmount_array.vendor): the
profile's defaults for keys the inventory leaves unset, then its limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from railmount.array_profiles import ArrayProfile
from railmount.rules.problems import Report

NFS = "railmount_nfs"
VENDOR = "railmount_array.vendor"


def with_profile_defaults(nfs: Any, raw: Any, array: ArrayProfile) -> Any:
    """`nfs` with the profile's default for every key `raw` (the inventory's mapping)
    does not set. An invalid section (what `salvage` kept, a namespace) is only checked
    further, never built, so it gets the defaults as plain attributes."""
    if nfs is None:
        return nfs
    given = raw if isinstance(raw, Mapping) else {}
    unset = {
        key: value
        for key, value in array.defaults.items()
        if given.get(key) is None and getattr(nfs, key) != value
    }
    if not unset:
        return nfs
    if isinstance(nfs, SimpleNamespace):
        return SimpleNamespace(**{**vars(nfs), **unset})
    return dataclasses.replace(nfs, **unset)


def vendor_rules(report: Report, nfs: Any, array: ArrayProfile) -> None:
    if nfs is None:
        return
    also = f"or set {VENDOR} to the array you have"
    if nfs.version is not None and nfs.version not in array.nfs_versions:
        offered = ", ".join(array.nfs_versions)
        report.add(
            "all",
            f"{NFS}.version",
            f"{array.title} does not offer NFS {nfs.version} (it offers {offered})",
            f"write one of: {offered}, {also}",
        )
    for key in ("rsize", "wsize"):
        size = getattr(nfs, key)
        if size is not None and size > array.max_io_size:
            report.add(
                "all",
                f"{NFS}.{key}",
                f"{size} is larger than {array.title} negotiates ({array.max_io_size})",
                f"write at most {array.max_io_size}, {also}",
            )
    if nfs.nconnect is not None and nfs.nconnect > array.max_nconnect:
        report.add(
            "all",
            f"{NFS}.nconnect",
            f"{array.title} takes at most {array.max_nconnect} connections per mount",
            f"write at most {array.max_nconnect}, {also}",
        )
    for index, item in enumerate(nfs.extra_options or ()):
        for option in item.split(",") if isinstance(item, str) else ():
            name = option.partition("=")[0]
            if name in array.refused_options:
                report.add(
                    "all",
                    f"{NFS}.extra_options[{index}]",
                    f"'{option}' is not allowed with {array.title}: {array.refused_options[name]}",
                    "remove it",
                )
