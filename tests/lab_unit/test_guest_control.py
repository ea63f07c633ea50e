"""Tests of the lab's image recipe, QEMU command line, process helpers and control
bookkeeping that need no root, no QEMU and no namespaces."""

from __future__ import annotations

import contextlib
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from fakelab import FakeHost

from railmount.lab import control, guest, image, netns, proc
from railmount.lab.spec import ArrayLink, ArraySpec, GuestNic, GuestSpec, LabSpec


def make_spec(tmp_path: Path) -> LabSpec:
    guests = tuple(
        GuestSpec(
            name=f"dgx-1-{i}",
            ssh_port=2290 + i,
            cpus=2,
            memory_mb=1024,
            nics=tuple(
                GuestNic(f"em{j}", f"02:00:00:00:0{i}:0{j}", f"tor{j}", f"rmu{i}em{j}", 200, 9000)
                for j in (1, 2)
            ),
        )
        for i in (1, 2)
    )
    return LabSpec(
        prefix="rmu",
        state_dir=tmp_path / "run",
        image_dir=tmp_path / "image",
        switches=("tor1", "tor2"),
        array=ArraySpec(
            name="fb01",
            filesystem="nfs0",
            export="/nfs0",
            vips=("198.18.115.6",),
            links=(ArrayLink("fm1", "tor1", "198.18.115.2/24", None),),
            mtu=9000,
        ),
        guests=guests,
        mtu=9000,
    )


def fake_image(tmp_path: Path) -> image.GuestImage:
    d = tmp_path / "image" / "bookworm-x"
    return image.GuestImage(d, d / "disk.img", d / "vmlinuz", d / "initrd.img", d / "key", None)


# ---------------------------------------------------------------------------- image


def test_recipe_has_what_validation_needs() -> None:
    for pkg in ("netbase", "nfs-common", "fio", "lldpd", "python3", "netplan.io", "iproute2"):
        assert pkg in image.PACKAGES
    # NFS mounts at boot wait for network-online.target: it must mean the ports are set up.
    assert "systemd-networkd-wait-online.service" not in image.MASKED_UNITS


def test_recipe_key_is_stable_and_tracks_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    key = image.recipe_key()
    assert key == image.recipe_key()
    assert key.startswith("bookworm-")
    monkeypatch.setattr(image, "PACKAGES", (*image.PACKAGES, "htop"))
    assert image.recipe_key() != key


def test_recipe_key_ignores_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    key = image.recipe_key()
    monkeypatch.setenv("RAILMOUNT_DEBIAN_MIRROR", "http://mirror.invalid/debian")
    assert image.recipe_key() == key


def test_mgmt_netplan_matches_fixed_mac_only() -> None:
    content, mode = image.FILES["etc/netplan/01-mgmt.yaml"]
    assert mode == 0o600
    eths = yaml.safe_load(content)["network"]["ethernets"]
    assert list(eths) == ["mgmt0"]  # storage NICs are left to the deploy
    assert eths["mgmt0"]["match"]["macaddress"] == image.MGMT_MAC
    assert eths["mgmt0"]["set-name"] == "mgmt0"
    assert eths["mgmt0"]["dhcp4"] is True


def test_find_image_needs_finished_build(tmp_path: Path) -> None:
    assert image.find_image(tmp_path) is None
    d = tmp_path / image.recipe_key()
    d.mkdir()
    (d / "disk.img").write_bytes(b"")
    assert image.find_image(tmp_path) is None  # no build.json: not finished
    (d / "build.json").write_text('{"build_seconds": 99.5}')
    found = image.find_image(tmp_path)
    assert found is not None and found.build_seconds == 99.5


# ---------------------------------------------------------------------------- QEMU


def test_qemu_argv(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    g = spec.guests[0]
    argv = guest.qemu_argv(spec, g, fake_image(tmp_path))
    line = " ".join(argv)
    assert argv[argv.index("-accel") + 1] == "tcg,thread=multi"
    assert argv[argv.index("-cpu") + 1] == "max"
    assert argv[argv.index("-smp") + 1] == "2"
    assert "kvm" not in line
    mgmt = argv[argv.index("-netdev") + 1]
    assert "restrict=on" in mgmt
    assert "net=198.19.0.0/24" in mgmt
    assert "hostfwd=tcp:127.0.0.1:2291-:22" in mgmt
    assert "10.0.2." not in line
    assert "tap,id=em1,ifname=rmu1em1,script=no,downscript=no,vhost=off" in argv
    assert "virtio-net-pci,netdev=em2,mac=02:00:00:00:01:02,id=nic-em2" in argv
    assert "systemd.hostname=dgx-1-1" in argv[argv.index("-append") + 1]
    assert "cache=unsafe" in argv[argv.index("-drive") + 1]
    assert "-daemonize" in argv
    assert argv[argv.index("-pidfile") + 1] == str(guest.paths(spec, g).pidfile)
    assert f"logfile={guest.paths(spec, g).console_log}" in line


def test_set_link_rejects_unknown_port(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    with pytest.raises(guest.GuestError, match="no storage port"):
        guest.set_link(spec, spec.guests[0], "em9", False)


def test_qmp_set_link_round_trip(tmp_path: Path) -> None:
    """A fake QMP server: greeting, capabilities, an async event, then the reply."""
    spec = make_spec(tmp_path)
    g = spec.guests[0]
    path = guest.paths(spec, g).qmp
    path.parent.mkdir(parents=True)
    seen: list[bytes] = []
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(path))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn, conn.makefile("rwb") as f:
            f.write(b'{"QMP": {"version": {}}}\n')
            f.flush()
            seen.append(f.readline())
            f.write(b'{"return": {}}\n')
            f.flush()
            seen.append(f.readline())
            f.write(b'{"event": "NIC_RX_FILTER_CHANGED"}\n{"return": {}}\n')
            f.flush()

    t = threading.Thread(target=serve)
    t.start()
    guest.set_link(spec, g, "em1", False)
    t.join(5)
    srv.close()
    assert b"qmp_capabilities" in seen[0]
    assert b'"set_link"' in seen[1] and b'"name": "em1"' in seen[1] and b"false" in seen[1]


def test_delete_tap_wherever_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(tmp_path)
    host = FakeHost(tmp_path / "netns")
    host.netns_dir.mkdir()
    monkeypatch.setattr(netns, "NETNS_DIR", host.netns_dir)
    monkeypatch.setattr(proc, "run", host.run)
    nic = spec.guests[0].nics[0]
    guest.delete_tap(spec, nic)  # before the fabric exists: only the root namespace
    assert host.commands == ["ip link del dev rmu1em1"]
    (host.netns_dir / "rmu-tor1").touch()
    host.commands.clear()
    guest.delete_tap(spec, nic)
    assert host.commands == ["ip link del dev rmu1em1", "ip -n rmu-tor1 link del dev rmu1em1"]


# ---------------------------------------------------------------------------- proc


def test_kill_pid_and_stop_pidfile(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    pidfile = tmp_path / "x.pid"
    pidfile.write_text(f"{child.pid}\n")
    # A pidfile whose process does not match `expect` (PID reuse) is not killed.
    assert proc.stop_pidfile(pidfile, expect="no-such-marker") is None
    assert child.poll() is None and not pidfile.exists()
    pidfile.write_text(f"{child.pid}\n")
    reaper = threading.Thread(target=child.wait)  # our own child: reap it so it is not a zombie
    reaper.start()
    assert proc.stop_pidfile(pidfile, expect="time.sleep") == child.pid
    reaper.join(5)
    assert child.returncode is not None
    assert proc.stop_pidfile(pidfile) is None  # twice is fine


def test_read_pidfile_garbage(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("not a pid")
    assert proc.read_pidfile(tmp_path / "p") is None
    assert proc.read_pidfile(tmp_path / "missing") is None


def _serve_once(payload: bytes) -> tuple[socket.socket, int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            if payload:
                conn.sendall(payload)
            with contextlib.suppress(OSError):  # hold the connection until the client goes
                conn.recv(1)

    threading.Thread(target=serve, daemon=True).start()
    return srv, srv.getsockname()[1]


def test_ssh_banner() -> None:
    srv, port = _serve_once(b"SSH-2.0-OpenSSH_9.2\r\n")
    with srv:
        assert proc.ssh_banner("127.0.0.1", port, timeout=2)
    srv, port = _serve_once(b"")  # like slirp before the guest's sshd exists
    with srv:
        assert not proc.ssh_banner("127.0.0.1", port, timeout=0.5)


def test_command_error_carries_stderr() -> None:
    with pytest.raises(proc.CommandError, match="boom"):
        proc.run(["sh", "-c", "echo boom >&2; exit 3"])


# ---------------------------------------------------------------------------- control


def test_ssh_command_and_config(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    spec.state_dir.mkdir(parents=True)
    key = spec.state_dir / "id_ed25519"
    key.write_text("k")
    argv = control.ssh_command(spec, "dgx-1-2")
    assert argv[0] == "ssh" and argv[-1] == "root@127.0.0.1"
    assert argv[argv.index("-p") + 1] == "2292"
    assert argv[argv.index("-i") + 1] == str(key)
    with pytest.raises(control.LabError, match="no lab guest"):
        control.ssh_command(spec, "nope")
    control._write_ssh_config(spec, key)
    text = control.ssh_config(spec).read_text()
    assert "Host dgx-1-1\n" in text and "Port 2292" in text


def test_parallel_runs_all_then_reports_every_error(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    ran: list[str] = []

    def fn(g: GuestSpec) -> int:
        ran.append(g.name)
        raise RuntimeError(f"bad {g.name}")

    with pytest.raises(control.LabError) as err:
        control._parallel(spec.guests, fn)
    assert sorted(ran) == ["dgx-1-1", "dgx-1-2"]
    assert "bad dgx-1-1" in str(err.value) and "bad dgx-1-2" in str(err.value)


def test_install_key_is_private(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    spec.state_dir.mkdir(parents=True)
    img = fake_image(tmp_path)
    img.dir.mkdir(parents=True)
    img.ssh_key.write_text("secret")
    dest = control._install_key(spec, img)
    assert dest.read_text() == "secret"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_status_of_a_half_built_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(tmp_path)
    host = FakeHost(tmp_path / "netns")
    host.netns_dir.mkdir()
    (host.netns_dir / "rmu-tor1").touch()
    monkeypatch.setattr(netns, "NETNS_DIR", host.netns_dir)
    monkeypatch.setattr(proc, "run", host.run)
    state = control.status(spec)
    assert state["namespaces"] == {"rmu-tor1": True, "rmu-tor2": False, "rmu-array": False}
    assert state["up"] is False
    assert {g["pid"] for g in state["guests"].values()} == {None}
