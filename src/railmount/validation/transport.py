"""How the suites reach a host: testinfra over paramiko, from the host's Ansible
connection variables (ansible_host, ansible_port, ansible_user, the private key, the
known_hosts named in ansible_ssh_common_args, become).

Why not testinfra's ansible backend: it runs `ansible-inventory --list` (the whole
inventory again, once per process) and an ssh process per command. Paramiko keeps one
connection per host and runs each probe as one channel. Unlike testinfra's own paramiko
backend, host keys are checked: system known_hosts plus the inventory's
UserKnownHostsFile, and an unknown key is refused, as Ansible's default does.
"""

from __future__ import annotations

import functools
import getpass
import os
import shlex
from collections.abc import Mapping
from typing import Any

import paramiko
from testinfra.backend.paramiko import ParamikoBackend
from testinfra.host import Host

CONNECT_TIMEOUT_S = 15


class TransportError(RuntimeError):
    pass


def ssh_options(args: str) -> dict[str, str]:
    """`-o Key=Value` pairs of ansible_ssh_common_args / extra_args, keys lower-cased."""
    words = shlex.split(args or "")
    options: dict[str, str] = {}
    for i, word in enumerate(words):
        text = words[i + 1] if word == "-o" and i + 1 < len(words) else ""
        if word.startswith("-o") and len(word) > 2:
            text = word[2:]
        if "=" in text:
            key, value = text.split("=", 1)
            options[key.strip().lower()] = value.strip()
    return options


class CheckedParamikoBackend(ParamikoBackend):
    """testinfra's paramiko backend with host-key checking and explicit parameters."""

    def __init__(self, hostspec: str, known_hosts: list[str], strict: bool, **kwargs: Any):
        self.known_hosts = known_hosts
        self.strict = strict
        super().__init__(hostspec, **kwargs)

    @functools.cached_property
    def client(self) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        for path in self.known_hosts:
            if os.path.exists(path):
                client.load_host_keys(path)
        client.set_missing_host_key_policy(
            paramiko.RejectPolicy() if self.strict else paramiko.WarningPolicy()
        )
        try:
            client.connect(
                hostname=self.host.name,
                port=int(self.host.port or 22),
                username=self.host.user,
                key_filename=self.ssh_identity_file,
                password=self.host.password,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
            )
        except (paramiko.SSHException, OSError) as err:
            raise TransportError(
                f"{self.host.name}:{self.host.port or 22}: cannot connect as "
                f"{self.host.user}: {err}"
            ) from err
        return client


def host_for(name: str, conn: Mapping[str, Any]) -> Host:
    """A testinfra Host for inventory host `name` from its connection variables."""
    kind = str(conn.get("ansible_connection") or "ssh")
    become = bool(conn.get("ansible_become"))
    if kind == "local":
        return Host.get_host("local://", sudo=become)
    if kind not in ("ssh", "paramiko", "smart"):
        raise TransportError(
            f"{name}: ansible_connection={kind} is not supported by railmount validate "
            "(ssh, paramiko or local)"
        )
    options = ssh_options(
        f"{conn.get('ansible_ssh_common_args') or ''} {conn.get('ansible_ssh_extra_args') or ''}"
    )
    known = [os.path.expanduser(p) for p in options.get("userknownhostsfile", "").split()]
    strict = options.get("stricthostkeychecking", "yes").lower() not in ("no", "off")
    user = str(conn.get("ansible_user") or getpass.getuser())
    address = str(conn.get("ansible_host") or name)
    port = int(conn.get("ansible_port") or 22)
    key = conn.get("ansible_ssh_private_key_file")
    backend = CheckedParamikoBackend(
        f"{user}@{address}:{port}",
        known_hosts=known,
        strict=strict,
        ssh_identity_file=os.path.expanduser(str(key)) if key else None,
        timeout=CONNECT_TIMEOUT_S,
        sudo=become,
        sudo_user=conn.get("ansible_become_user"),
    )
    return Host(backend)
