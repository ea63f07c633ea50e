"""Pure-function tests of the lab fabric and array (no root, no namespaces)."""

from __future__ import annotations

from pathlib import Path

import pytest

from railmount.lab import array, fabric
from railmount.lab.spec import ArrayLink, ArraySpec, LabSpec


def make_spec(switches: tuple[str, ...] = ("tor1", "tor2"), state: str = "/tmp/x") -> LabSpec:
    return LabSpec(
        prefix="rmt",
        state_dir=Path(state),
        image_dir=Path("/tmp/img"),
        switches=switches,
        array=ArraySpec(
            name="fb01",
            filesystem="nfs0",
            export="/nfs0",
            vips=("198.18.115.6", "198.18.115.7"),
            links=(
                ArrayLink("fm1", "tor1", "198.18.115.2/24", None),
                ArrayLink("fm2", "tor2", "198.18.115.3/24", None),
            ),
            mtu=9000,
        ),
        guests=(),
        mtu=9000,
    )


@pytest.mark.parametrize("rate", [10, 50, 200, 400, 1000, 10000])
@pytest.mark.parametrize("mtu", [1500, 9000])
def test_tbf_burst_covers_frames_tick_and_gso(rate: int, mtu: int) -> None:
    burst, limit = fabric.tbf_params(rate, mtu)
    assert burst >= 2 * mtu
    assert burst >= rate * 1_000_000 / 8 / fabric.KERNEL_HZ
    assert burst > 65536  # a whole GSO packet passes without being split
    assert limit >= burst + fabric.TBF_MIN_QUEUE


def test_tbf_200mbit_numbers() -> None:
    assert fabric.tbf_params(200, 9000) == (100_000, 725_000)


def test_mlag_pairs() -> None:
    assert fabric.mlag_pairs(make_spec()) == [("tor1", "tor2")]
    assert fabric.mlag_pairs(make_spec(("a", "b", "c", "d", "e"))) == [("a", "b"), ("c", "d")]


def test_lab_namespaces_use_prefix() -> None:
    assert fabric.lab_namespaces(make_spec()) == ["rmt-tor1", "rmt-tor2", "rmt-array"]


def test_lldpd_paths_outside_private_state_dir() -> None:
    sock, pidfile, conf, _ = fabric.lldpd_paths(make_spec(), "tor1")
    assert sock == Path("/run/railmount/rmt/lldpd-tor1.sock")
    assert conf.parent == sock.parent
    assert pidfile.is_relative_to("/tmp/x")


def test_lldpd_config_names_switch_and_ports() -> None:
    conf = fabric._lldpd_config("tor1")
    assert "configure system hostname tor1" in conf
    assert "configure lldp portidsubtype ifname" in conf


def test_unknown_switch_rejected() -> None:
    with pytest.raises(fabric.FabricError):
        fabric.set_switch(make_spec(), "tor9", up=False)


def test_ganesha_conf() -> None:
    conf = array.ganesha_conf(make_spec())
    for line in (
        "Protocols = 3, 4;",
        "Enable_NLM = false;",
        "Bind_addr = 0.0.0.0;",
        "Mount_Path_Pseudo = true;",
        'Pseudo = "/nfs0";',
        'Path = "/tmp/x/array/nfs0";',
        "Squash = No_Root_Squash;",
        "Access_Type = RW;",
        "Transports = TCP;",
        f"MaxRead = {1 << 20};",
        f"MaxWrite = {1 << 20};",
        'RecoveryRoot = "/tmp/x/array/recovery";',
    ):
        assert line in conf, line
    assert array.RPC_BUFFER > array.IO_SIZE >= 524288


def test_launch_script_isolates_run() -> None:
    script = array._launch_script(make_spec())
    # tmpfs on /run before rpcbind starts, so its fixed paths never touch the host's.
    assert script.index("tmpfs") < script.index("rpcbind -f")
    assert "ganesha.nfsd -F" in script
