"""Where and how `railmount validate` connects to a host, resolved as ssh would for
Ansible's ssh connection: the inventory's ansible_* variables and ssh arguments first,
then ~/.ssh/config (paramiko's SSHConfig: Host patterns, HostName, User, Port,
IdentityFile, ProxyJump, ProxyCommand), then ssh's defaults.

Pure: nothing here opens a connection (transport.py does). What cannot be honoured is
refused with the host and the variable named (ReachError), never ignored.
"""

from __future__ import annotations

import getpass
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import paramiko

ARG_VARS = ("ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args")
# ssh flags without an argument that change nothing for a paramiko connection.
HARMLESS_FLAGS = set("46ACKNTqtvxXYay")
# -o options honoured (connection) or harmless for paramiko (logging, multiplexing of
# ssh's own processes, keep-alives, agent/X11 forwarding railmount never uses).
HONOURED = {
    "proxyjump",
    "proxycommand",
    "user",
    "port",
    "hostname",
    "identityfile",
    "userknownhostsfile",
    "globalknownhostsfile",
    "stricthostkeychecking",
    "connecttimeout",
}
HARMLESS = {
    "controlmaster",
    "controlpersist",
    "controlpath",
    "serveraliveinterval",
    "serveralivecountmax",
    "tcpkeepalive",
    "loglevel",
    "compression",
    "forwardagent",
    "forwardx11",
    "identitiesonly",
    "addkeystoagent",
    "hashknownhosts",
    "checkhostip",
    "gssapiauthentication",
    "gssapidelegatecredentials",
    "kbdinteractiveauthentication",
    "passwordauthentication",
    "pubkeyauthentication",
    "preferredauthentications",
    "batchmode",
    "requesttty",
    "visualhostkey",
    "updatehostkeys",
}
DEFAULT_CONFIG = "~/.ssh/config"


class ReachError(RuntimeError):
    """`HOST: VARIABLE: problem — fix: ...` (the line the CLI prints)."""

    def __init__(self, host: str, variable: str, problem: str, fix: str) -> None:
        self.host, self.variable = host, variable
        super().__init__(f"{host}: {variable}: {problem} — fix: {fix}")


@dataclass(frozen=True)
class Endpoint:
    """One ssh hop: where to connect, as whom, with which keys, through what."""

    hostname: str
    port: int
    user: str
    key_files: tuple[str, ...] = ()
    jumps: tuple[Endpoint, ...] = ()  # ProxyJump hops, first to last
    proxy_command: str | None = None  # already expanded (%h %p %r)


@dataclass(frozen=True)
class Reach:
    """Everything the transport needs for one inventory host."""

    target: Endpoint
    known_hosts: tuple[str, ...]
    strict: bool
    timeout: float
    password: str | None = None
    become: bool = False
    become_user: str | None = None
    become_password: str | None = None
    ignored: tuple[str, ...] = field(default=())  # harmless options, for the record


def parse_args(text: str, host: str, variable: str) -> list[tuple[str, str]]:
    """ssh command-line words -> (option, value) pairs, options lower-cased, in order:
    `-o Key=Value`, `-oKey=Value`, `-o "Key Value"`, `-J jump`, `-i`, `-p`, `-l`, `-F`."""
    try:
        words = shlex.split(text or "")
    except ValueError as err:
        problem = f"cannot be split like a shell would: {err}"
        raise ReachError(host, variable, problem, "quote it") from None
    flag_option = {"J": "proxyjump", "i": "identityfile", "p": "port", "l": "user", "F": "-f"}
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("-") or len(word) < 2:
            raise ReachError(
                host, variable, f"{word!r} is not an ssh option", "pass only -o/-J/-i/-p/-l/-F"
            )
        flag, rest = word[1], word[2:]
        if flag == "o" or flag in flag_option:
            if not rest:
                if i >= len(words):
                    raise ReachError(host, variable, f"{word} has no value", "give it one")
                rest, i = words[i], i + 1
            if flag != "o":
                pairs.append((flag_option[flag], rest))
                continue
            key, sep, value = rest.partition("=")
            if not sep:
                key, _, value = rest.strip().partition(" ")
            pairs.append((key.strip().lower(), value.strip()))
        elif set(word[1:]) <= HARMLESS_FLAGS:
            continue
        else:
            raise ReachError(
                host,
                variable,
                f"ssh flag {word} is not honoured by railmount validate",
                "remove it, or express it as -o Key=Value of an honoured option "
                "(see README, 'How validation reaches the hosts')",
            )
    return pairs


def ssh_options(conn: Mapping[str, Any], host: str) -> tuple[dict[str, str], dict[str, str]]:
    """Honoured options (first one wins, as in ssh) and the variable each came from."""
    options: dict[str, str] = {}
    source: dict[str, str] = {}
    for variable in ARG_VARS:
        for key, value in parse_args(str(conn.get(variable) or ""), host, variable):
            if key in HARMLESS:
                source.setdefault(key, variable)
                options.setdefault(key, value)
                continue
            if key not in HONOURED and key != "-f":
                raise ReachError(
                    host,
                    variable,
                    f"ssh option {key} is not honoured by railmount validate",
                    "remove it for validation, or reach the host with ProxyJump/ProxyCommand/"
                    "~/.ssh/config (see README, 'How validation reaches the hosts')",
                )
            options.setdefault(key, value)
            source.setdefault(key, variable)
    control = options.get("controlmaster", "").lower()
    if "controlpath" in options and control in ("no", "false"):
        raise ReachError(
            host,
            source["controlpath"],
            "ControlPath with ControlMaster=no relies on an ssh master connection that "
            "railmount's paramiko transport cannot use",
            "let validation authenticate itself (key, agent or ansible_password)",
        )
    return options, source


def load_config(path: str | None) -> paramiko.SSHConfig:
    expanded = os.path.expanduser(path or DEFAULT_CONFIG)
    if os.path.exists(expanded):
        return paramiko.SSHConfig.from_path(expanded)
    return paramiko.SSHConfig.from_text("")


def expand(command: str, hostname: str, port: int, user: str) -> str:
    """ssh's %h %p %r %n %% tokens of a ProxyCommand given on the command line."""
    out, i = [], 0
    tokens = {"h": hostname, "p": str(port), "r": user, "n": hostname, "%": "%"}
    while i < len(command):
        if command[i] == "%" and i + 1 < len(command) and command[i + 1] in tokens:
            out.append(tokens[command[i + 1]])
            i += 2
        else:
            out.append(command[i])
            i += 1
    return "".join(out)


def endpoint(
    alias: str,
    config: paramiko.SSHConfig,
    overrides: Mapping[str, str],
    host: str,
    variable: str,
    depth: int = 0,
) -> Endpoint:
    """One hop resolved like ssh: command-line overrides, then ssh config, then defaults."""
    if depth > 8:
        raise ReachError(host, variable, "ProxyJump chain longer than 8 hops (a loop?)", "fix it")
    found = config.lookup(alias)
    hostname = overrides.get("hostname") or found.get("hostname") or alias
    user = overrides.get("user") or found.get("user") or getpass.getuser()
    try:
        port = int(overrides.get("port") or found.get("port") or 22)
    except ValueError:
        raise ReachError(host, variable, "port is not a number", "give a port number") from None
    keys = [overrides["identityfile"]] if overrides.get("identityfile") else []
    keys += list(found.get("identityfile") or [])
    jump = overrides.get("proxyjump") or found.get("proxyjump") or ""
    command = overrides.get("proxycommand")
    if command is None:
        command = found.get("proxycommand")  # paramiko has expanded its tokens
    elif command.lower() != "none":
        command = expand(command, hostname, port, user)
    if command and command.lower() == "none":
        command = None
    jumps: tuple[Endpoint, ...] = ()
    if jump and jump.lower() != "none":
        if command:
            raise ReachError(
                host, variable, "both ProxyJump and ProxyCommand are set", "keep one of them"
            )
        jumps = tuple(
            endpoint(alias, config, hop_overrides, host, variable, depth + 1)
            for alias, hop_overrides in map(hop_alias, jump.split(","))
        )
        # A hop's own ProxyJump comes before it, as ssh chains them.
        jumps = tuple(h for hop in jumps for h in (*hop.jumps, _without_jumps(hop)))
    return Endpoint(
        hostname=hostname,
        port=port,
        user=user,
        key_files=tuple(os.path.expanduser(k) for k in keys),
        jumps=jumps,
        proxy_command=command or None,
    )


def hop_alias(hop: str) -> tuple[str, dict[str, str]]:
    """`[user@]host[:port]` of a ProxyJump entry -> (alias, overrides)."""
    hop = hop.strip().removeprefix("ssh://")
    overrides: dict[str, str] = {}
    if "@" in hop:
        overrides["user"], hop = hop.rsplit("@", 1)
    if hop.count(":") == 1:
        hop, overrides["port"] = hop.split(":")
    return hop, overrides


def _without_jumps(hop: Endpoint) -> Endpoint:
    return Endpoint(hop.hostname, hop.port, hop.user, hop.key_files, (), hop.proxy_command)


def resolve(name: str, conn: Mapping[str, Any]) -> Reach:
    """The host's Reach from its connection variables; ReachError when not honourable.
    (ansible_connection=local needs none: transport.host_for runs it locally.)"""
    kind = str(conn.get("ansible_connection") or "ssh")
    if kind not in ("ssh", "paramiko", "smart"):
        raise ReachError(
            name,
            "ansible_connection",
            f"{kind} is not supported by railmount validate",
            "use ssh, paramiko or local",
        )
    options, source = ssh_options(conn, name)
    overrides = {k: v for k, v in options.items() if k in HONOURED}
    # Ansible passes these to ssh as -o User= / -o Port= / -o IdentityFile= before the args.
    for variable, key in (
        ("ansible_user", "user"),
        ("ansible_port", "port"),
        ("ansible_ssh_private_key_file", "identityfile"),
    ):
        if conn.get(variable) not in (None, ""):
            overrides[key] = str(conn[variable])
            source[key] = variable
    config = load_config(options.get("-f"))
    address = str(conn.get("ansible_host") or name)
    where = source.get("proxyjump") or source.get("proxycommand") or "ansible_host"
    target = endpoint(address, config, overrides, name, where)
    known = tuple(
        os.path.expanduser(p)
        for key in ("userknownhostsfile", "globalknownhostsfile")
        for p in options.get(key, "").split()
    )
    try:
        timeout = float(options.get("connecttimeout") or 15)
    except ValueError:
        raise ReachError(
            name, source["connecttimeout"], "ConnectTimeout is not a number", "seconds"
        ) from None
    become = _flag(conn.get("ansible_become"))
    method = str(conn.get("ansible_become_method") or "sudo")
    if become and method != "sudo":
        raise ReachError(
            name,
            "ansible_become_method",
            f"{method} is not honoured by railmount validate (sudo only)",
            "use sudo for the storage clients",
        )
    password = conn.get("ansible_password") or conn.get("ansible_ssh_pass")
    become_password = conn.get("ansible_become_password") or conn.get("ansible_become_pass")
    return Reach(
        target=target,
        known_hosts=known,
        strict=options.get("stricthostkeychecking", "yes").lower() not in ("no", "off"),
        timeout=timeout,
        password=str(password) if password else None,
        become=become and not (target.user == "root" and not conn.get("ansible_become_user")),
        become_user=conn.get("ansible_become_user"),
        become_password=str(become_password) if become_password else None,
        ignored=tuple(sorted(k for k in options if k in HARMLESS)),
    )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "yes", "true", "on", "y")
    return bool(value)
