"""One lab GPU server: a QEMU (TCG) guest with storage NICs on taps and SSH on loopback.

Per guest, under <state_dir>/guests/<name>/:
    overlay.qcow2     copy-on-write over the cached base image (deleted on stop)
    qemu.pid          QEMU's pidfile (-daemonize)
    qmp.sock          QMP monitor (set_link, human-monitor-command)
    console.sock      serial console, one interactive client at a time (socat)
    console.log       everything the serial console printed (kept after stop)
    qemu.err          QEMU's own stderr from the launch
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from railmount.lab import netns, switches
from railmount.lab.image import KEY_NAME, MGMT_MAC, GuestImage
from railmount.lab.proc import (
    Progress,
    pid_matches,
    read_pidfile,
    run,
    ssh_banner,
    stop_pidfile,
    tail,
    tcp_port_free,
)
from railmount.lab.spec import GuestNic, GuestSpec, LabSpec

SSH_TIMEOUT = 420.0  # TCG boots take ~1 min alone; several at once on 2 cores take longer
UNIX_PATH_MAX = 107


class GuestError(RuntimeError):
    pass


@dataclass(frozen=True)
class GuestPaths:
    dir: Path
    overlay: Path
    pidfile: Path
    qmp: Path
    console_sock: Path
    console_log: Path
    qemu_err: Path


def paths(spec: LabSpec, guest: GuestSpec) -> GuestPaths:
    d = spec.state_dir / "guests" / guest.name
    return GuestPaths(
        dir=d,
        overlay=d / "overlay.qcow2",
        pidfile=d / "qemu.pid",
        qmp=d / "qmp.sock",
        console_sock=d / "console.sock",
        console_log=d / "console.log",
        qemu_err=d / "qemu.err",
    )


def pid(spec: LabSpec, guest: GuestSpec) -> int | None:
    """PID of the guest's QEMU if it is running (and really is that QEMU)."""
    p = paths(spec, guest)
    found = read_pidfile(p.pidfile)
    return found if found is not None and pid_matches(found, str(p.pidfile)) else None


def start(spec: LabSpec, guest: GuestSpec, image: GuestImage) -> int:
    """Create taps and overlay, launch QEMU daemonized; returns its PID. Does not wait."""
    p = paths(spec, guest)
    if pid(spec, guest) is not None:
        raise GuestError(f"{guest.name}: already running (pidfile {p.pidfile})")
    stop(spec, guest)  # clear leftovers of a crashed run: taps, overlay, sockets
    if not tcp_port_free(guest.ssh_port):
        raise GuestError(f"{guest.name}: 127.0.0.1:{guest.ssh_port} is already in use")
    _check_paths(p)
    p.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if p.console_log.exists():
        p.console_log.replace(p.console_log.with_suffix(".log.prev"))
    for nic in guest.nics:
        run(["ip", "tuntap", "add", "dev", nic.tap, "mode", "tap"])
    base = str(image.disk)
    run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base, str(p.overlay)])
    with open(p.qemu_err, "w") as err:
        # -daemonize: returns once the VM is set up, so errors (tap busy, port taken) show here.
        proc = subprocess.run(
            qemu_argv(spec, guest, image), stdin=subprocess.DEVNULL, stderr=err, check=False
        )
    if proc.returncode != 0:
        raise GuestError(f"{guest.name}: QEMU failed to start:\n{tail(p.qemu_err)}")
    found = read_pidfile(p.pidfile)
    if found is None:
        raise GuestError(f"{guest.name}: QEMU started but wrote no pidfile {p.pidfile}")
    return found


def qemu_argv(spec: LabSpec, guest: GuestSpec, image: GuestImage) -> list[str]:
    p = paths(spec, guest)
    append = f"root=/dev/vda rw console=ttyS0 quiet mitigations=off systemd.hostname={guest.name}"
    # restrict=on: the guest reaches nothing through slirp; only the hostfwd comes in.
    mgmt = (
        "user,id=mgmt,net=198.19.0.0/24,host=198.19.0.2,dns=198.19.0.3,restrict=on,"
        f"hostfwd=tcp:127.0.0.1:{guest.ssh_port}-:22"
    )
    argv = [
        "qemu-system-x86_64",
        "-name", guest.name,  # keep comm "qemu-system-x86" so `pgrep qemu` finds it
        "-accel", "tcg,thread=multi",
        "-cpu", "max",
        "-smp", str(guest.cpus),
        "-m", str(guest.memory_mb),
        "-nodefaults",
        "-no-user-config",
        "-display", "none",
        "-kernel", str(image.kernel),
        "-initrd", str(image.initrd),
        "-append", append,
        "-drive", f"file={p.overlay},format=qcow2,if=virtio,cache=unsafe",
        "-device", "virtio-rng-pci",
        "-netdev", mgmt,
        "-device", f"virtio-net-pci,netdev=mgmt,mac={MGMT_MAC}",
    ]  # fmt: skip
    for nic in guest.nics:
        # The netdev id is the port name, so `set_link <port> off` addresses it.
        argv += [
            "-netdev", f"tap,id={nic.port},ifname={nic.tap},script=no,downscript=no,vhost=off",
            "-device", f"virtio-net-pci,netdev={nic.port},mac={nic.mac},id=nic-{nic.port}",
        ]  # fmt: skip
    argv += [
        "-chardev",
        f"socket,id=ser0,path={p.console_sock},server=on,wait=off,"
        f"logfile={p.console_log},logappend=on",
        "-serial", "chardev:ser0",
        "-qmp", f"unix:{p.qmp},server=on,wait=off",
        "-daemonize",
        "-pidfile", str(p.pidfile),
    ]  # fmt: skip
    return argv


def attach(spec: LabSpec, guest: GuestSpec) -> None:
    """Cable the guest's taps (already opened by QEMU) into their switches."""
    for nic in guest.nics:
        switches.attach_tap(spec, nic)


def known_hosts(spec: LabSpec) -> Path:
    """The lab's known_hosts (written by control.up before the guests boot)."""
    return spec.state_dir / "known_hosts"


def ssh_argv(guest: GuestSpec, key: Path, known: Path) -> list[str]:
    """argv prefix for ssh to the guest as root; append a remote command or nothing."""
    return [
        "ssh",
        "-i", str(key),
        "-p", str(guest.ssh_port),
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", f"UserKnownHostsFile={known}",
        "-o", "LogLevel=ERROR",
        "-o", "ConnectTimeout=10",
        "root@127.0.0.1",
    ]  # fmt: skip


def ssh_ok(spec: LabSpec, guest: GuestSpec, key: Path, timeout: float = 20.0) -> bool:
    try:
        res = run([*ssh_argv(guest, key, known_hosts(spec)), "true"], check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0


def wait_ssh(spec: LabSpec, guest: GuestSpec, key: Path, *, timeout: float = SSH_TIMEOUT) -> float:
    """Wait until `ssh root@guest true` works; returns seconds waited.

    slirp accepts TCP on the forwarded port before sshd exists, so only a real login counts.
    """
    p = paths(spec, guest)
    start = time.monotonic()
    while True:
        if pid(spec, guest) is None:
            raise GuestError(
                f"{guest.name}: QEMU exited while booting; console log {p.console_log}:\n"
                f"{tail(p.console_log)}\n{tail(p.qemu_err, 5)}"
            )
        if ssh_banner("127.0.0.1", guest.ssh_port) and ssh_ok(spec, guest, key, timeout=60.0):
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            raise GuestError(
                f"{guest.name}: no SSH on 127.0.0.1:{guest.ssh_port} after {timeout:.0f}s; "
                f"console log {p.console_log}:\n{tail(p.console_log)}"
            )
        time.sleep(1.0)


def reboot(spec: LabSpec, guest: GuestSpec, timeout: float = SSH_TIMEOUT) -> tuple[float, float]:
    """`systemctl reboot` in the guest; (seconds until SSH went away, seconds until it is
    back). QEMU keeps running (a guest reboot, not a power cycle)."""
    key = spec.state_dir / KEY_NAME  # the running lab's copy (control.up installs it)
    argv = [*ssh_argv(guest, key, known_hosts(spec)), "systemctl reboot"]
    start = time.monotonic()
    run(argv, check=False, timeout=60)
    deadline = start + 120
    while ssh_ok(spec, guest, key, timeout=5.0):
        if time.monotonic() > deadline:
            raise GuestError(f"{guest.name}: still answering SSH 120 s after systemctl reboot")
        time.sleep(1.0)
    went = time.monotonic() - start
    wait_ssh(spec, guest, key, timeout=timeout)
    return round(went, 1), round(time.monotonic() - start, 1)


def stop(spec: LabSpec, guest: GuestSpec, progress: Progress | None = None) -> None:
    """Kill QEMU by its pidfile (TERM, then KILL), remove taps, overlay and sockets.

    Safe to call on a guest that never ran or half-started; keeps console.log.
    """
    p = paths(spec, guest)
    stopped = stop_pidfile(p.pidfile, expect=str(p.pidfile))
    if stopped and progress:
        progress(f"{guest.name}: stopped QEMU PID {stopped}")
    for nic in guest.nics:
        delete_tap(spec, nic)
    for path in (p.overlay, p.qmp, p.console_sock):
        path.unlink(missing_ok=True)


def delete_tap(spec: LabSpec, nic: GuestNic) -> None:
    """Remove a tap wherever it is: root ns (before attach) or its switch netns (after)."""
    netns.ip(None, "link", "del", "dev", nic.tap, check=False)
    ns = spec.switch_netns(nic.switch)
    if netns.exists(ns):
        netns.ip(ns, "link", "del", "dev", nic.tap, check=False)


def set_link(spec: LabSpec, guest: GuestSpec, port: str, up: bool) -> None:
    """Cut or restore a storage link as the guest sees it (carrier loss on the NIC)."""
    if port not in {nic.port for nic in guest.nics}:
        raise GuestError(f"{guest.name}: no storage port {port!r}")
    qmp(spec, guest, "set_link", {"name": port, "up": up})


def hmp(spec: LabSpec, guest: GuestSpec, command: str) -> str:
    """Run a human monitor command (e.g. 'info network') through QMP."""
    out = qmp(spec, guest, "human-monitor-command", {"command-line": command})
    return str(out)


def qmp(
    spec: LabSpec,
    guest: GuestSpec,
    command: str,
    arguments: dict[str, Any] | None = None,
    *,
    timeout: float = 10.0,
) -> Any:
    """One QMP command on the guest's monitor socket; returns its "return" value."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(paths(spec, guest).qmp))
        with sock.makefile("rwb") as stream:
            _qmp_read(stream)  # greeting
            _qmp_call(stream, "qmp_capabilities", None)
            return _qmp_call(stream, command, arguments)


def _qmp_call(stream: BinaryIO, command: str, arguments: dict[str, Any] | None) -> Any:
    msg: dict[str, Any] = {"execute": command}
    if arguments is not None:
        msg["arguments"] = arguments
    stream.write(json.dumps(msg).encode() + b"\n")
    stream.flush()
    reply = _qmp_read(stream)
    if "error" in reply:
        raise GuestError(f"QMP {command}: {reply['error'].get('desc', reply['error'])}")
    return reply.get("return")


def _qmp_read(stream: BinaryIO) -> dict[str, Any]:
    while True:
        line = stream.readline()
        if not line:
            raise GuestError("QMP: monitor closed the connection")
        msg = json.loads(line)
        if "event" not in msg:  # asynchronous events may arrive at any time
            return msg


def console_argv(spec: LabSpec, guest: GuestSpec) -> list[str]:
    """Interactive serial console (root autologin) via socat; else follow the log."""
    p = paths(spec, guest)
    if shutil.which("socat") and p.console_sock.exists():
        return ["socat", "-,raw,echo=0,escape=0x1d", f"UNIX-CONNECT:{p.console_sock}"]
    return ["tail", "-n", "100", "-F", str(p.console_log)]


def _check_paths(p: GuestPaths) -> None:
    for sock in (p.qmp, p.console_sock):
        if len(str(sock)) > UNIX_PATH_MAX:
            raise GuestError(f"socket path too long for AF_UNIX ({len(str(sock))}): {sock}")
    for path in (p.overlay, p.console_log, p.console_sock, p.qmp):
        if "," in str(path):
            raise GuestError(f"QEMU options cannot take a path with a comma: {path}")
