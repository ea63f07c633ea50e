"""Small process helpers for the lab: run commands, pidfiles, kill by PID, wait for ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

Progress = Callable[[str], None]


class CommandError(RuntimeError):
    """A command failed; the message carries its argv, exit code and stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = (stderr or stdout).strip().splitlines()[-15:]
        detail = "\n".join(f"  {line}" for line in tail)
        super().__init__(f"command failed ({returncode}): {' '.join(argv)}\n{detail}".rstrip())


def run(
    argv: Sequence[str],
    *,
    check: bool = True,
    input: str | None = None,
    timeout: float | None = None,
    netns: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run argv (optionally inside a named netns), capturing text output."""
    full = ["ip", "netns", "exec", netns, *argv] if netns else list(argv)
    proc = subprocess.run(
        full,
        input=input,
        # Never share our stdin: ssh (and QEMU) set it non-blocking and a dropped connection
        # (a guest reboot) leaves it so, which makes every later ansible command refuse to run.
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if check and proc.returncode != 0:
        raise CommandError(full, proc.returncode, proc.stdout, proc.stderr)
    return proc


def stderr_progress(prefix: str) -> Progress:
    """A progress callback printing '[prefix] message' to stderr."""

    def emit(message: str) -> None:
        print(f"[{prefix}] {message}", file=sys.stderr, flush=True)

    return emit


def read_pidfile(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # State is the field after the parenthesised command name (which may hold spaces).
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def pid_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def pid_matches(pid: int, expect: str | None) -> bool:
    """Guard against PID reuse after a crash: the process must mention `expect`."""
    if not pid_alive(pid):
        return False
    return expect is None or any(expect in arg for arg in pid_cmdline(pid))


def kill_pid(pid: int, *, timeout: float = 10.0) -> bool:
    """SIGTERM, wait up to timeout, then SIGKILL. True if the process is gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return True
            time.sleep(0.1)
    return not pid_alive(pid)


def stop_pidfile(path: Path, *, expect: str | None = None, timeout: float = 10.0) -> int | None:
    """Kill the process named by a pidfile (if it still is ours) and remove the file.

    Returns the PID that was stopped, or None if nothing was running.
    """
    pid = read_pidfile(path)
    stopped = None
    if pid is not None and pid_matches(pid, expect):
        if not kill_pid(pid, timeout=timeout):
            raise RuntimeError(f"could not kill PID {pid} from {path}")
        stopped = pid
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return stopped


def tcp_port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def wait_tcp(host: str, port: int, *, timeout: float) -> float:
    """Wait until host:port accepts a TCP connection; returns seconds waited."""
    start = time.monotonic()

    def connectable() -> bool:
        try:
            with socket.create_connection((host, port), timeout=2.0):
                return True
        except OSError:
            return False

    wait_until(connectable, timeout=timeout, what=f"TCP {host}:{port}")
    return time.monotonic() - start


def ssh_banner(host: str, port: int, *, timeout: float = 3.0) -> bool:
    """True if host:port sends an SSH identification line within timeout.

    Cheaper and sharper than a login attempt: QEMU's slirp accepts a forwarded TCP
    connection long before the guest's sshd exists, so only the banner means "sshd up".
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 1.0
) -> float:
    """Poll predicate until true; TimeoutError naming `what` otherwise. Returns seconds."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def tail(path: Path, lines: int = 20) -> str:
    """Last lines of a (possibly missing) log file, for error messages."""
    try:
        data = path.read_bytes()[-64 * 1024 :]
    except FileNotFoundError:
        return f"({path} does not exist)"
    text = data.decode(errors="replace").replace("\r", "")
    return "\n".join(text.splitlines()[-lines:])
