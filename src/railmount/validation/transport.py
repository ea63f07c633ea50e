"""How the suites reach a host: testinfra over paramiko, connected the way Ansible's ssh
connection would be (ssh_reach resolves ansible_* variables, ssh arguments and
~/.ssh/config into a Reach: ProxyJump hops, ProxyCommand, keys, agent, passwords, become).

Why not testinfra's ansible backend: it runs `ansible-inventory --list` (the whole
inventory again, once per process) and an ssh process per command. Paramiko keeps one
connection per host and runs each probe as one channel. Unlike testinfra's own paramiko
backend, host keys are checked on every hop: system known_hosts plus the inventory's
UserKnownHostsFile/GlobalKnownHostsFile, and an unknown key is refused, as Ansible's
default does.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Mapping
from typing import Any

import paramiko
from testinfra.backend import base
from testinfra.backend.paramiko import ParamikoBackend
from testinfra.host import Host

from railmount.validation.ssh_reach import Endpoint, Reach, resolve

CONNECT_TIMEOUT_S = 15


class TransportError(RuntimeError):
    pass


def _client(hop: Endpoint, reach: Reach, sock: Any, password: str | None) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    for path in reach.known_hosts:
        if os.path.exists(path):
            client.load_host_keys(path)
    client.set_missing_host_key_policy(
        paramiko.RejectPolicy() if reach.strict else paramiko.WarningPolicy()
    )
    try:
        client.connect(
            hostname=hop.hostname,
            port=hop.port,
            username=hop.user,
            key_filename=[k for k in hop.key_files if os.path.exists(k)] or None,
            password=password,
            sock=sock,
            timeout=reach.timeout,
            banner_timeout=reach.timeout,
            auth_timeout=reach.timeout,
        )
    except (paramiko.SSHException, OSError) as err:
        via = f" via {sock_name(sock)}" if sock is not None else ""
        raise TransportError(
            f"{hop.hostname}:{hop.port}{via}: cannot connect as {hop.user}: {err}"
        ) from err
    return client


def sock_name(sock: Any) -> str:
    if isinstance(sock, paramiko.ProxyCommand):
        return f"ProxyCommand {' '.join(sock.cmd)}"
    return "ProxyJump"


def connect(reach: Reach) -> list[paramiko.SSHClient]:
    """The clients of every hop, the target's last (the hops' must stay open)."""
    hops = [*reach.target.jumps, reach.target]
    clients: list[paramiko.SSHClient] = []
    sock: Any = None
    for i, hop in enumerate(hops):
        if sock is None and hop.proxy_command:
            sock = paramiko.ProxyCommand(hop.proxy_command)
        # ansible_password is the target's (as sshpass answers the target's prompt).
        password = reach.password if hop is reach.target else None
        clients.append(_client(hop, reach, sock, password))
        if i + 1 < len(hops):
            nxt = hops[i + 1]
            transport = clients[-1].get_transport()
            assert transport is not None
            try:
                sock = transport.open_channel(
                    "direct-tcpip", (nxt.hostname, nxt.port), ("127.0.0.1", 0)
                )
            except (paramiko.SSHException, OSError) as err:
                raise TransportError(
                    f"{hop.hostname}:{hop.port}: ProxyJump to {nxt.hostname}:{nxt.port} "
                    f"refused: {err}"
                ) from err
    return clients


class CheckedParamikoBackend(ParamikoBackend):
    """testinfra's paramiko backend connected from a Reach, with host-key checking and
    sudo with a password (ansible_become_password) when the host needs one."""

    def __init__(self, hostspec: str, reach: Reach, **kwargs: Any):
        self.reach = reach
        self._chain: list[paramiko.SSHClient] = []
        super().__init__(hostspec, **kwargs)

    @functools.cached_property
    def client(self) -> paramiko.SSHClient:
        self._chain = connect(self.reach)
        return self._chain[-1]

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        if not (self.sudo and self.reach.become_password):
            return super().run(command, *args, **kwargs)
        user = f"-u {shlex.quote(self.sudo_user)} " if self.sudo_user else ""
        line = f"sudo -S -p '' {user}/bin/sh -c {shlex.quote(self.quote(command, *args))}"
        transport = self.client.get_transport()
        assert transport is not None
        chan = transport.open_session()
        chan.exec_command(line)
        chan.sendall((self.reach.become_password + "\n").encode())
        chan.shutdown_write()
        stdout = b"".join(chan.makefile("rb"))
        stderr = b"".join(chan.makefile_stderr("rb"))
        return self.result(chan.recv_exit_status(), self.encode(line), stdout, stderr)


def host_for(name: str, conn: Mapping[str, Any]) -> Host:
    """A testinfra Host for inventory host `name` from its connection variables."""
    kind = str(conn.get("ansible_connection") or "ssh")
    if kind == "local":
        return Host.get_host("local://", sudo=bool(conn.get("ansible_become")))
    reach = resolve(name, conn)  # refuses what it cannot honour, naming the variable
    target = reach.target
    backend = CheckedParamikoBackend(
        f"{target.user}@{target.hostname}:{target.port}",
        reach=reach,
        timeout=reach.timeout,
        sudo=reach.become,
        sudo_user=reach.become_user,
    )
    return Host(backend)
