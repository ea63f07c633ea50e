"""What each array vendor offers an NFS client: one profile per `railmount_array.vendor`.

Like AVD's platform settings: the inventory names the array, the profile supplies the
facts railmount checks railmount_nfs against (NFS versions, I/O size and nconnect limits,
options the array refuses) and the railmount_nfs defaults for that array. A new vendor
is one row here plus the documentation it comes from (`docs`). railmount's own limits
(values.NFS_VERSIONS, the option table in nfs.py) still apply on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ArrayProfile:
    title: str  # for messages
    docs: tuple[str, ...]  # where the facts below come from
    nfs_versions: tuple[str, ...]  # offered by the array (and by railmount)
    max_io_size: int  # largest rsize/wsize the array negotiates, bytes
    max_nconnect: int  # TCP connections per mount it accepts
    refused_options: Mapping[str, str]  # extra mount options it refuses -> why
    defaults: Mapping[str, Any]  # railmount_nfs key -> default with this array


DEFAULT_VENDOR = "pure-flashblade"  # the reference architecture's array

ARRAY_PROFILES: dict[str, ArrayProfile] = {
    "pure-flashblade": ArrayProfile(
        title="Pure Storage FlashBlade",
        docs=(
            # NFSv3 and NFSv4.1 (no 4.2); TCP only; hard mounts recommended.
            "https://support.purestorage.com/Solutions/VMware_Platform_Guide/"
            "User_Guides_for_VMware_Solutions/FlashBlade_VMware_Best_Practices_User_Guide",
            # No larger transfer size is documented than the Linux client's 1 MiB; the
            # reference architecture mounts with 512 KiB.
        ),
        nfs_versions=("3", "4.1"),
        max_io_size=1048576,
        max_nconnect=16,  # the Linux client's limit; no lower array limit is documented
        refused_options={},
        defaults={"version": "3", "rsize": 524288, "wsize": 524288},
    ),
    "netapp-ontap": ArrayProfile(
        title="NetApp ONTAP",
        docs=(
            # nconnect (9.8+): up to 16 connections per mount, for NFSv3, 4.1 and 4.2.
            "https://docs.netapp.com/us-en/ontap/nfs-admin/nconnect-concept.html",
            # -v3/-v4.1/-v4.2 per SVM; -tcp-max-xfer-size up to 1 MiB, 64 KiB by default.
            "https://docs.netapp.com/us-en/ontap-cli/vserver-nfs-modify.html",
        ),
        nfs_versions=("3", "4.1", "4.2"),
        max_io_size=1048576,  # needs -tcp-max-xfer-size 1048576 on the SVM to take effect
        max_nconnect=16,
        refused_options={},
        # The SVM's default transfer size; a larger rsize/wsize would be negotiated down
        # and the mounts verdict would see the smaller size.
        defaults={"version": "3", "rsize": 65536, "wsize": 65536},
    ),
}


def profile(vendor: str | None) -> ArrayProfile:
    """The chosen array's profile; the default one while the vendor is unset or invalid
    (an invalid vendor is reported by the schema)."""
    return ARRAY_PROFILES.get(vendor or DEFAULT_VENDOR, ARRAY_PROFILES[DEFAULT_VENDOR])
