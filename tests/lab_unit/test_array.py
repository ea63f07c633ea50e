"""The lab array's NFS daemons: ganesha's config and the launch script."""

from __future__ import annotations

from fakelab import make_spec

from railmount.lab import array


def test_ganesha_conf() -> None:
    conf = array.ganesha_conf(make_spec())
    for line in (
        "Protocols = 3, 4;",
        "Enable_NLM = true;",
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
    # statd registers with our rpcbind and keeps its monitor list in the lab's state dir.
    assert script.index("rpcbind -f") < script.index("rpc.statd") < script.index("ganesha.nfsd")
    assert "-P /tmp/x/array/statd" in script
