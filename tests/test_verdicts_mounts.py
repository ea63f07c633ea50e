"""mounts verdicts on the real probe capture and on failing variants made from it."""

from __future__ import annotations

import pytest
from captured import Capture, failure, plan, recorded_checks

from railmount.validation.verdicts import mounts

PATHS = ["/mnt/nfs0", "/mnt/nfs1", "/mnt/nfs2", "/mnt/nfs3"]
STATE_VERDICTS = [mounts.mounted, mounts.mount_options, mounts.tcp_source_address]
NFS3_TCP = "0      0      198.18.115.114:859 198.18.115.9:2049"


def _markers(host: str) -> dict[str, str]:
    """What the sample run's marker read gave: the token through every mount."""
    token = recorded_checks(host, f"test_same_filesystem[{host}//mnt/nfs0]")[0]["actual"]
    token = token.removeprefix("marker ")
    return {"token": token, **dict.fromkeys(PATHS, token)}


@pytest.mark.parametrize("verdict", STATE_VERDICTS)
@pytest.mark.parametrize("path", PATHS)
def test_captured_mounts_pass(verdict, path):
    result = verdict(plan("dgx-1-2"), Capture().state(), path)
    assert result.passed, result.message


@pytest.mark.parametrize("path", PATHS)
def test_one_filesystem_passes_on_the_sample_markers(path):
    assert mounts.same_filesystem(plan("dgx-1-1"), _markers("dgx-1-1"), path).passed


def test_unmounted_fails_exactly_its_four_checks():
    """The lab test's break: `umount /mnt/nfs3` (its TCP connection goes with it)."""
    capture = Capture().umount("/mnt/nfs3")
    markers = {**_markers("dgx-1-2"), "/mnt/nfs3": "unreadable"}
    p, state = plan("dgx-1-2"), capture.state()
    results = [v(p, state, path) for v in STATE_VERDICTS for path in PATHS]
    results += [mounts.same_filesystem(p, markers, path) for path in PATHS]
    assert sorted(r.message for r in results if not r.passed) == [
        "dgx-1-2 /mnt/nfs3 TCP source to 198.18.115.9: expected from 198.18.115.114, "
        "actual from no connection",
        "dgx-1-2 /mnt/nfs3 mount: expected nfs 198.18.115.9:/nfs0, actual not mounted",
        "dgx-1-2 /mnt/nfs3 options: expected vers=3,proto=tcp,rsize=524288,wsize=524288,"
        "hard,addr=198.18.115.9, actual not mounted",
        "dgx-1-2 /mnt/nfs3 same filesystem: expected marker cc1244f411838f6af16dd13cb23d445f, "
        "actual marker unreadable",
    ]


def test_mounted_from_the_wrong_vip():
    capture = Capture().mount_line("/mnt/nfs1", "198.18.115.7:/nfs0", "198.18.115.6:/nfs0")
    result = mounts.mounted(plan("dgx-1-2"), capture.state(), "/mnt/nfs1")
    assert failure(result) == (
        "dgx-1-2 /mnt/nfs1 mount: expected nfs 198.18.115.7:/nfs0, actual nfs 198.18.115.6:/nfs0"
    )


def test_an_option_the_kernel_changed():
    capture = Capture().mount_line("/mnt/nfs2", "rsize=524288", "rsize=1048576")
    result = mounts.mount_options(plan("dgx-1-2"), capture.state(), "/mnt/nfs2")
    assert failure(result) == (
        "dgx-1-2 /mnt/nfs2 options: expected vers=3,proto=tcp,rsize=524288,wsize=524288,hard,"
        "addr=198.18.115.8, actual vers=3,proto=tcp,rsize=1048576,wsize=524288,hard,"
        "addr=198.18.115.8"
    )


def test_soft_instead_of_hard():
    capture = Capture().mount_line("/mnt/nfs0", ",hard,", ",soft,")
    result = mounts.mount_options(plan("dgx-1-2"), capture.state(), "/mnt/nfs0")
    assert result.actual == "vers=3,proto=tcp,rsize=524288,wsize=524288,addr=198.18.115.6"
    assert not result.passed


def test_a_mount_of_another_filesystem():
    markers = {**_markers("dgx-1-1"), "/mnt/nfs2": "0123"}
    result = mounts.same_filesystem(plan("dgx-1-1"), markers, "/mnt/nfs2")
    assert failure(result) == (
        "dgx-1-1 /mnt/nfs2 same filesystem: expected marker f5c87b177043ddcb4873a9072bff8c38, "
        "actual marker 0123"
    )


def test_tcp_from_the_other_port():
    capture = Capture().edit(
        "tcp", "198.18.115.121:729 198.18.115.6", "198.18.115.114:729 198.18.115.6"
    )
    result = mounts.tcp_source_address(plan("dgx-1-2"), capture.state(), "/mnt/nfs0")
    assert failure(result) == (
        "dgx-1-2 /mnt/nfs0 TCP source to 198.18.115.6: expected from 198.18.115.121, "
        "actual from 198.18.115.114"
    )


def test_tcp_from_both_ports():
    capture = Capture().edit(
        "tcp", NFS3_TCP, f"{NFS3_TCP}\n0 0 198.18.115.121:900 198.18.115.9:2049"
    )
    result = mounts.tcp_source_address(plan("dgx-1-2"), capture.state(), "/mnt/nfs3")
    assert result.actual == "from 198.18.115.114,198.18.115.121" and not result.passed
