"""The transport through a real bastion, on loopback only: two throwaway sshd processes
on 127.0.0.1 high ports (a "bastion" and a "target"), each with its own host key and
config in a temporary directory, a generated user key, strict host-key checking against
a known_hosts file of all of them. Proves ProxyJump and ProxyCommand reach the target
through the bastion (the bastion's log shows the forwarded connection), with the key in
~/.ssh/config or only in an ssh-agent, and that become with a password runs through
`sudo -S` (a stand-in sudo on the target's PATH checks the password: the real one would
need an account with a known password). sshd checks passwords against the system's
accounts, which this test cannot know or change, so password authentication is proven
against a small paramiko SSH server on loopback, reached through the real bastion.
Every process is killed by its PID at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paramiko
import pytest

from railmount.validation.transport import host_for

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(SSHD) and shutil.which("ssh-keygen") and os.geteuid() == 0),
    reason="needs root, sshd and ssh-keygen",
)
FAKE_SUDO = """#!/bin/sh
# sudo -S -p '' [-u USER] /bin/sh -c CMD: the password must arrive on stdin first.
read -r password
[ "$password" = "s3cret" ] || { echo "sudo: wrong password" >&2; exit 1; }
shift 3
[ "$1" = "-u" ] && shift 2
echo "sudo-ok" >&2
exec "$@"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sshd(
    tmp: Path, name: str, authorized: Path, extra: str = ""
) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = _free_port()
    key = tmp / f"{name}_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    config = tmp / f"{name}_sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile {tmp}/{name}.pid\n"
        f"AuthorizedKeysFile {authorized}\nStrictModes no\nUsePAM no\nPermitRootLogin yes\n"
        "PasswordAuthentication no\nAllowTcpForwarding yes\nLogLevel DEBUG1\n" + extra
    )
    log = tmp / f"{name}.log"
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log.open("wb"))
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    with (tmp / "known_hosts").open("a") as known:
        known.write(
            f"[127.0.0.1]:{port} {Path(str(key) + '.pub').read_text().split(' ', 2)[0]} "
            f"{Path(str(key) + '.pub').read_text().split()[1]}\n"
        )
    return proc, port, log


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sshd")
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    user_key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(user_key)], check=True)
    authorized = tmp / "authorized_keys"
    shutil.copy(str(user_key) + ".pub", authorized)
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "sudo").write_text(FAKE_SUDO)
    (bin_dir / "sudo").chmod(0o755)
    procs = []
    try:
        bastion, bastion_port, bastion_log = _sshd(tmp, "bastion", authorized)
        procs.append(bastion)
        target, target_port, _ = _sshd(
            tmp, "target", authorized, f"SetEnv PATH={bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin\n"
        )
        procs.append(target)
        yield {
            "tmp": tmp,
            "key": str(user_key),
            "known": str(tmp / "known_hosts"),
            "bastion_port": bastion_port,
            "bastion_log": bastion_log,
            "target_port": target_port,
        }
    finally:
        for proc in procs:
            proc.kill()  # by PID: only the processes this fixture started
            proc.wait(timeout=5)


def _conn(lab, args: str, **extra):
    return {
        "ansible_host": "127.0.0.1",
        "ansible_port": lab["target_port"],
        "ansible_user": "root",
        "ansible_ssh_private_key_file": lab["key"],
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={lab['known']} {args}",
        **extra,
    }


def _forwarded(lab) -> int:
    text = lab["bastion_log"].read_text(errors="replace")
    return text.count(f"target 127.0.0.1 port {lab['target_port']}")


def test_proxyjump_reaches_the_target_through_the_bastion(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/config of this machine's user
    before = _forwarded(lab)
    jump = f"-o ProxyJump=root@127.0.0.1:{lab['bastion_port']}"
    # The hop's key comes from ~/.ssh/config, as ssh would find it.
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "config").write_text(f"Host 127.0.0.1\n  IdentityFile {lab['key']}\n")
    host = host_for("dgx-t1", _conn(lab, jump))
    assert host.run("echo reached").stdout.strip() == "reached"
    assert _forwarded(lab) == before + 1


def test_proxycommand_reaches_the_target_through_the_bastion(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    before = _forwarded(lab)
    proxy = (
        f"ssh -q -i {lab['key']} -o UserKnownHostsFile={lab['known']} -o BatchMode=yes "
        f"-p {lab['bastion_port']} -W %h:%p root@127.0.0.1"
    )
    host = host_for("dgx-t1", _conn(lab, f"-o 'ProxyCommand={proxy}'"))
    assert host.run("echo reached").stdout.strip() == "reached"
    assert _forwarded(lab) == before + 1


def test_ssh_agent_alone_authenticates_through_the_bastion(lab, tmp_path, monkeypatch):
    """No key file anywhere (empty HOME, no ansible_ssh_private_key_file): the key is
    only in a throwaway ssh-agent, for the bastion hop and the target."""
    if not shutil.which("ssh-agent"):
        pytest.skip("no ssh-agent")
    monkeypatch.setenv("HOME", str(tmp_path))
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", lab["key"]], check=True, capture_output=True)
        conn = _conn(lab, f"-J root@127.0.0.1:{lab['bastion_port']}")
        del conn["ansible_ssh_private_key_file"]
        before = _forwarded(lab)
        assert host_for("dgx-t1", conn).run("echo reached").stdout.strip() == "reached"
        assert _forwarded(lab) == before + 1
    finally:
        agent.kill()  # by PID
        agent.wait(timeout=5)


def test_become_with_a_password_runs_through_sudo_dash_s(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    conn = _conn(
        lab, "", ansible_become=True, ansible_become_user="nobody", ansible_become_password="s3cret"
    )
    result = host_for("dgx-t1", conn).run("echo as-root")
    assert result.rc == 0 and result.stdout.strip() == "as-root"
    assert "sudo-ok" in result.stderr
    conn["ansible_become_password"] = "wrong"
    assert host_for("dgx-t1", conn).run("echo as-root").rc == 1


def test_an_unknown_bastion_host_key_is_refused(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "empty").write_text("")
    conn = _conn(lab, f"-J root@127.0.0.1:{lab['bastion_port']}")
    conn["ansible_ssh_common_args"] = (
        f"-o UserKnownHostsFile={tmp_path / 'empty'} -J root@127.0.0.1:{lab['bastion_port']}"
    )
    from railmount.validation.transport import TransportError

    with pytest.raises(TransportError, match=f"127.0.0.1:{lab['bastion_port']}"):
        host_for("dgx-t1", conn).run("true")


class PasswordServer(paramiko.ServerInterface):
    """Accepts root/s3cret only, by password only; runs exec requests with /bin/sh."""

    def check_auth_password(self, username: str, password: str) -> int:
        ok = (username, password) == ("root", "s3cret")
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED
            if kind == "session"
            else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )

    def check_channel_exec_request(self, channel, command) -> bool:
        def run() -> None:
            done = subprocess.run(["/bin/sh", "-c", command.decode()], capture_output=True)
            channel.sendall(done.stdout)
            channel.sendall_stderr(done.stderr)
            channel.send_exit_status(done.returncode)
            channel.close()

        threading.Thread(target=run, daemon=True).start()
        return True


@pytest.fixture
def password_target(lab):
    """A paramiko SSH server on 127.0.0.1 that takes a password and nothing else."""
    key = paramiko.RSAKey.generate(2048)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    with open(lab["known"], "a") as known:
        known.write(f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}\n")
    transports = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(key)
            transport.start_server(server=PasswordServer())
            transports.append(transport)

    threading.Thread(target=serve, daemon=True).start()
    yield port
    listener.close()
    for transport in transports:
        transport.close()


def test_password_authentication_through_the_bastion(lab, password_target, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "config").write_text(f"Host 127.0.0.1\n  IdentityFile {lab['key']}\n")
    before = _forwarded(lab)
    conn = {
        "ansible_host": "127.0.0.1",
        "ansible_port": password_target,
        "ansible_user": "root",
        "ansible_password": "s3cret",
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={lab['known']} -J root@127.0.0.1:{lab['bastion_port']}"
        ),
    }
    assert host_for("dgx-t1", conn).run("echo reached").stdout.strip() == "reached"
    assert (
        lab["bastion_log"]
        .read_text(errors="replace")
        .count(f"target 127.0.0.1 port {password_target}")
        == 1
    )
    assert _forwarded(lab) == before  # the target sshd was not involved
    from railmount.validation.transport import TransportError

    with pytest.raises(TransportError, match="cannot connect as root"):
        host_for("dgx-t1", {**conn, "ansible_password": "wrong"}).run("true")
