"""Rendered files and plans for the checked-in inventories match tests/golden/.

On an intended change: `python tests/update_golden.py` (or `pytest --update-golden`),
then review the diff.
"""

from __future__ import annotations

import pytest
from update_golden import GOLDEN, INVENTORIES, expected_files, golden_name, write


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_golden(inventory, request):
    if request.config.getoption("--update-golden"):
        write(inventory)
    root = GOLDEN / inventory
    files = expected_files(inventory)
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk == set(files), "golden files differ in name; run tests/update_golden.py"
    for rel, text in files.items():
        assert (root / rel).read_text() == text, f"{inventory}/{rel} differs from golden"


def test_reference_golden_has_every_file():
    files = expected_files("reference")
    per_host = [
        "60-railmount-em1.yaml",
        "60-railmount-em2.yaml",
        "60-railmount.conf",
        "fstab",
        "plan.json",
        "railmount-failover.service",
        "railmount-host",
    ]
    assert sorted(files) == [
        *(f"dgx-1-1/{name}" for name in per_host),
        *(f"dgx-1-2/{name}" for name in per_host),
        "plan.json",
        "plan.txt",
    ]


def test_reference_golden_fstab_content():
    # Pinned independently of the renderer: the published reference mounts.
    opts = "vers=3,proto=tcp,rsize=524288,wsize=524288,hard,lookupcache=positive,actimeo=1,_netdev"
    assert (GOLDEN / "reference" / "dgx-1-1" / "fstab").read_text() == (
        f"10.21.115.6:/nfs0 /mnt/nfs0 nfs {opts} 0 0\n"
        f"10.21.115.7:/nfs0 /mnt/nfs1 nfs {opts} 0 0\n"
        f"10.21.115.8:/nfs0 /mnt/nfs2 nfs {opts} 0 0\n"
        f"10.21.115.9:/nfs0 /mnt/nfs3 nfs {opts} 0 0\n"
    )


def test_golden_name():
    assert golden_name("/etc/netplan/60-railmount-em1.yaml") == "60-railmount-em1.yaml"
    assert golden_name("/etc/fstab (railmount lines)") == "fstab"
