"""Top-level railmount_* keys: unknown ones (typos) and group-wide ones that differ by host."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from railmount.rules.problems import Report
from railmount.schema import GLOBAL_KEYS, KNOWN_KEYS


def unknown_keys(
    report: Report,
    hostvars: Mapping[str, Mapping[str, Any]],
    clients: list[str],
    hosts: list[str],
) -> None:
    """One set in all.vars reaches every host: then it is reported once, against `all`."""
    client_set = set(clients)
    unknown: dict[str, list[str]] = {}
    for host in hosts:
        allowed = KNOWN_KEYS if host in client_set else GLOBAL_KEYS
        for key in hostvars.get(host, {}):
            if key.startswith("railmount_") and key not in allowed:
                unknown.setdefault(key, []).append(host)
    for key, where in unknown.items():
        values = [hostvars[h][key] for h in where]
        everywhere = where == hosts and all(v == values[0] for v in values)
        for host in ["all"] if everywhere else where:
            allowed = KNOWN_KEYS if host == "all" or host in client_set else GLOBAL_KEYS
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "it is not a railmount key"
            report.add(host, key, "unknown key", f"remove or rename it ({hint})")


def differing_globals(
    report: Report, hostvars: Mapping[str, Mapping[str, Any]], clients: list[str]
) -> None:
    """Group-wide keys are read from the first client; any other client must agree."""
    first = hostvars.get(clients[0], {})
    for host in clients[1:]:
        own = hostvars.get(host, {})
        for key in GLOBAL_KEYS:
            if own.get(key) != first.get(key):
                report.add(host, key, f"differs from {clients[0]}'s", "define it once, in all.vars")
