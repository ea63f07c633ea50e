"""Raw Ansible variables -> the typed Inventory, or every problem of every host at once."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from railmount.array_profiles import profile
from railmount.intents.rules import fabric_rules
from railmount.model import Client, Inventory
from railmount.rules.crosshost import Claims, address_rules, client_rules, lab_rules
from railmount.rules.fields import read_key
from railmount.rules.keys import differing_globals, unknown_keys
from railmount.rules.problems import InventoryError, Problem, Report
from railmount.rules.sections import lock_rules, sizing_rules, vip_rules
from railmount.rules.vendor import vendor_rules, with_profile_defaults
from railmount.schema import CLIENT, CLIENT_GROUP, GLOBAL, SWITCH_GROUP, Key


def build_inventory(
    groups: Mapping[str, list[str]],
    hostvars: Mapping[str, Mapping[str, Any]],
    read_problems: Iterable[Problem] = (),
    unreadable: Collection[str] = (),
) -> Inventory:
    """Build and check the whole model; raise InventoryError listing every problem.

    `read_problems` come from reading the inventory (parse, template, vault errors); hosts
    in `unreadable` had no variables at all and are left out of the checks.
    """
    report = Report()
    report.problems.extend(read_problems)
    clients = [h for h in groups.get(CLIENT_GROUP, []) if h not in unreadable]
    switches = tuple(groups.get(SWITCH_GROUP, []))
    if not groups.get(CLIENT_GROUP):
        report.add(
            "all",
            f"groups.{CLIENT_GROUP}",
            "no storage clients",
            f"put the GPU servers in the '{CLIENT_GROUP}' group",
        )
        raise InventoryError(report.problems)
    if not switches:
        report.add(
            "all",
            f"groups.{SWITCH_GROUP}",
            "no switches",
            f"list the top-of-rack switches in the '{SWITCH_GROUP}' group",
        )
    if not clients:  # every client's variables failed to load: reported by the reader
        raise InventoryError(report.problems)
    hosts = [
        h for h in dict.fromkeys([*groups.get(CLIENT_GROUP, []), *switches]) if h not in unreadable
    ]
    unknown_keys(report, hostvars, clients, hosts)
    differing_globals(report, hostvars, clients)

    # Group-wide keys: read once, from the first client, reported against `all`.
    first = hostvars.get(clients[0], {})
    context = {"switches": ", ".join(switches)}
    settings: dict[str, Any] = {}
    # railmount_nfs first: its mount_root is the parent of the VIPs' default mount paths.
    for key in sorted(GLOBAL, key=lambda k: k.name != "railmount_nfs"):
        context["mount_root"] = getattr(settings.get("railmount_nfs"), "mount_root", None)
        settings[key.name] = _read(report, "all", key, first, context)
    array = settings["railmount_array"]
    vendor = profile(getattr(array, "vendor", None))
    nfs = with_profile_defaults(settings["railmount_nfs"], first.get("railmount_nfs"), vendor)
    vendor_rules(report, nfs, vendor)
    vip_rules(report, array, getattr(nfs, "mount_root", None))
    lock_rules(report, nfs, array)
    sizing_rules(report, settings["railmount_sizing"], settings["railmount_validate"])

    vips = {
        v.vip_address: v.name for v in getattr(array, "vips", None) or () if v and v.vip_address
    }
    vip_names = [v.name for v in getattr(array, "vips", None) or () if v and v.name]
    subnet = getattr(array, "subnet", None)
    claims = Claims(report)
    built: list[Client] = []
    for host in clients:
        own = hostvars.get(host, {})
        ports, overrides, mgmt = (_read(report, host, key, own, context) for key in CLIENT)
        client_rules(report, host, ports, overrides, mgmt, vip_names, switches)
        address_rules(report, claims, host, ports, vips, subnet)
        built.append(Client(host, ports or (), dict(overrides or {}), mgmt))
    lab_rules(report, claims, settings["railmount_lab"], vips, subnet, switches)
    fabric_rules(
        report, settings["railmount_fabric"], built, groups.get(CLIENT_GROUP, []), array, switches
    )

    if report.problems:
        raise InventoryError(report.problems)  # every problem of every host, at once
    return Inventory(
        array,
        nfs,
        tuple(built),
        switches,
        settings["railmount_validate"],
        settings["railmount_rollout"],
        settings["railmount_failover"],
        settings["railmount_sizing"],
        settings["railmount_lab"],
        settings["railmount_fabric"],
    )


def _read(
    report: Report, host: str, key: Key, variables: Mapping[str, Any], context: dict[str, Any]
) -> Any:
    """A top-level key's value: its default when absent, a partial one when invalid."""
    raw = variables.get(key.name)
    if raw is not None:
        return read_key(report, host, key.name, raw, context)[0]
    if key.required:
        report.add(host, key.name, key.missing[0], key.missing[1] or f"set {key.name}")
    return key.default() if key.default else None
