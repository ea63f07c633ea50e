"""Collect the railmount_* variables of every storage client and switch: the one reader
behind `railmount check` (railmount.inventory) and the plan action (plugins/action/plan.py).

Which hosts and keys are read, what a value that does not template becomes, and which
problems are reported once are decided here; each caller supplies only how a host's
variables are found and templated (its own Ansible API).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from railmount.rules import CLIENT_GROUP, GLOBAL_KEYS, SWITCH_GROUP, Problem
from railmount.vault import NO_PASSWORD_FIX

PREFIX = "railmount_"
TEMPLATE_FIX = "define the variables it uses, or correct the Jinja expression"

Report = Callable[[Problem], None]
# (host, its variables, report) -> resolve(value, dotted key): the value as plain types.
ResolverFactory = Callable[[str, Mapping[str, Any], Report], Callable[[Any, str], Any]]


@dataclass
class AnsibleVars:
    """What the checker needs from an inventory: groups, railmount_* values, problems."""

    groups: dict[str, list[str]]
    hostvars: dict[str, dict[str, Any]]  # railmount_* keys only, templated, plain types
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # hosts whose variables failed to load


def collect(
    groups: dict[str, list[str]],
    host_vars: Callable[[str], Mapping[str, Any] | Problem],
    resolver: ResolverFactory,
    problems: list[Problem] | None = None,
    ignore: Collection[str] = (),
) -> AnsibleVars:
    """railmount_* values of the storage clients; of the switches only the keys a switch
    may not have: group-wide keys are read from the clients, and templating them on a
    switch could fail on variables only the clients have. `ignore`: keys never input
    (facts railmount sets itself, which a fact cache may hand back)."""
    out = AnsibleVars(groups, {}, list(problems or ()))
    seen: set[object] = set(out.problems)
    clients = groups.get(CLIENT_GROUP, [])
    for host in dict.fromkeys([*clients, *groups.get(SWITCH_GROUP, [])]):
        variables = host_vars(host)
        found: list[Problem] = []
        if isinstance(variables, Problem):
            out.unreadable.add(host)
            found.append(variables)
        else:
            skip = () if host in clients else GLOBAL_KEYS
            resolve = resolver(host, variables, found.append)
            out.hostvars[host] = {
                key: resolve(value, key)
                for key, value in variables.items()
                if key.startswith(PREFIX) and key not in skip and key not in ignore
            }
        for problem in found:
            # A file, or an all.vars value every client shares: reported once.
            shared = problem.field.split(".")[0].split("[")[0] in GLOBAL_KEYS
            once = (problem.field, problem.message) if shared else problem
            if once not in seen:
                seen.add(once)
                out.problems.append(problem)
    return out


def template_problem(host: str, path: str, source: Any, reason: str) -> Problem:
    """A value at `path` that Ansible could not template, for `reason`."""
    shown = repr(source) if isinstance(source, str) else "it"  # a whole list or mapping
    if "VaultSecretsContext" in reason or "undecryptable" in reason:
        message = f"{shown} uses a vaulted value and no password was given"
        return Problem(host, path, message, NO_PASSWORD_FIX)
    return Problem(host, path, f"cannot template {shown}: {reason}", TEMPLATE_FIX)
