"""Rules of `railmount_fabric` across keys and hosts: the gateway in the VIPs' subnet,
every port at the VLAN's MTU, the MLAG pairs made of known switches, every storage port
and array uplink given a switch port, no switch port used twice.

Like railmount.rules's rules they run on what validated (values may be None: already
reported) and report through the one Report, against `all` or the host concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from railmount.rules.problems import Report

FABRIC = "railmount_fabric"


def fabric_rules(
    report: Report,
    fabric: Any,
    clients: Iterable[Any],
    client_names: Iterable[str],
    array: Any,
    switches: tuple[str, ...],
) -> None:
    """`clients` are the readable ones; `client_names` every host of the group."""
    if fabric is None:
        return
    clients = list(clients)
    _gateway(report, fabric, array, clients)
    _mtu(report, fabric, clients)
    paired = _pairs(report, fabric, switches)
    used: dict[tuple[str, str], str] = {}  # (switch, switch port) -> what uses it
    for pair in getattr(fabric, "mlag", None) or ():
        link = getattr(pair, "peer_link", None)
        for switch in getattr(pair, "switches", None) or ():
            for port in getattr(link, "ports", None) or ():
                _use(report, used, switch, port, "the peer link", f"{FABRIC}.mlag")
        if link is not None and link.vlan is not None and link.vlan == fabric.vlan:
            report.add(
                "all",
                f"{FABRIC}.mlag.peer_link.vlan",
                f"VLAN {link.vlan} is also the data VLAN",
                "give the MLAG peer its own VLAN (4094 is usual)",
            )
    _uplinks(report, fabric, switches, paired, used)
    _host_ports(report, fabric, clients, set(client_names), switches, paired, used)


def _gateway(report: Report, fabric: Any, array: Any, clients: list[Any]) -> None:
    gateway, subnet = fabric.gateway, getattr(array, "subnet", None)
    if gateway is None or subnet is None:
        return
    field = f"{FABRIC}.gateway"
    if gateway not in subnet or gateway in (subnet.network_address, subnet.broadcast_address):
        report.add(
            "all", field, f"{gateway} is not a host address of {subnet}", f"use one in {subnet}"
        )
    vips = {v.vip_address: v.name for v in getattr(array, "vips", None) or () if v}
    if gateway in vips:
        report.add(
            "all", field, f"{gateway} is VIP {vips[gateway]}", "use the subnet's router address"
        )
    for client in clients:
        for index, port in enumerate(client.ports):
            if port is not None and port.interface is not None and port.interface.ip == gateway:
                report.add(
                    client.name,
                    f"railmount_ports[{index}].address",
                    f"{gateway} is {FABRIC}.gateway",
                    "use an address that is not the gateway",
                )


def _mtu(report: Report, fabric: Any, clients: list[Any]) -> None:
    """A port above the VLAN's MTU loses large frames at the switch; one below fragments."""
    if fabric.mtu is None:
        return
    for client in clients:
        for index, port in enumerate(client.ports):
            if port is not None and port.mtu is not None and port.mtu != fabric.mtu:
                report.add(
                    client.name,
                    f"railmount_ports[{index}].mtu",
                    f"{port.mtu} differs from the data VLAN's MTU {fabric.mtu} ({FABRIC}.mtu)",
                    f"set mtu: {fabric.mtu}, or change {FABRIC}.mtu for the whole path",
                )


def _pairs(report: Report, fabric: Any, switches: tuple[str, ...]) -> dict[str, int]:
    """switch -> index of its MLAG pair."""
    paired: dict[str, int] = {}
    for index, pair in enumerate(getattr(fabric, "mlag", None) or ()):
        if pair is None or pair.switches is None:
            continue
        at = f"{FABRIC}.mlag[{index}].switches"
        if len(pair.switches) != 2:
            report.add(
                "all", at, f"{len(pair.switches)} switch(es)", "an MLAG pair is two switches"
            )
        for switch in pair.switches:
            if switch not in switches:
                report.add(
                    "all", at, f"unknown switch '{switch}'", f"use one of: {', '.join(switches)}"
                )
            elif switch in paired:
                report.add(
                    "all",
                    at,
                    f"{switch} is already in {FABRIC}.mlag[{paired[switch]}]",
                    "put each switch in one pair",
                )
            else:
                paired[switch] = index
    return paired


def _use(
    report: Report, used: dict[tuple[str, str], str], switch: str, port: str, what: str, field: str
) -> None:
    if port is None or switch is None:
        return
    owner = used.setdefault((switch, port), what)
    if owner != what:
        report.add(
            "all",
            field,
            f"{switch} {port} is used by {owner} and {what}",
            "cable each to its own port",
        )


def _uplinks(
    report: Report,
    fabric: Any,
    switches: tuple[str, ...],
    paired: dict[str, int],
    used: dict[tuple[str, str], str],
) -> None:
    uplinks = getattr(fabric, "array_uplinks", None)
    names: set[str] = set()
    reached: set[str] = set()
    for index, port in enumerate(getattr(uplinks, "ports", None) or ()):
        if port is None:
            continue
        at = f"{FABRIC}.array_uplinks.ports[{index}]"
        if port.name is not None:
            if port.name in names:
                report.add("all", f"{at}.name", f"duplicate uplink {port.name}", "list each once")
            names.add(port.name)
        if port.switch is None:
            continue
        if port.switch not in switches:
            report.add(
                "all",
                f"{at}.switch",
                f"unknown switch '{port.switch}'",
                f"use one of: {', '.join(switches)}",
            )
            continue
        reached.add(port.switch)
        _use(
            report,
            used,
            port.switch,
            port.switch_port,
            f"array port {port.name}",
            f"{at}.switch_port",
        )
    if getattr(uplinks, "ports", None):
        for switch in paired:
            if switch not in reached:
                report.add(
                    "all",
                    f"{FABRIC}.array_uplinks.ports",
                    f"no uplink of the array reaches {switch}",
                    "cable each fabric module to both switches of the pair",
                )


def _host_ports(
    report: Report,
    fabric: Any,
    clients: list[Any],
    names: set[str],
    switches: tuple[str, ...],
    paired: dict[str, int],
    used: dict[tuple[str, str], str],
) -> None:
    table = getattr(fabric, "host_ports", None)
    if table is None:
        return
    for switch, hosts in table.items():
        if switch not in switches:
            report.add(
                "all",
                f"{FABRIC}.host_ports.{switch}",
                f"unknown switch '{switch}'",
                f"use one of: {', '.join(switches)}",
            )
        for host in hosts:
            if host not in names:
                report.add(
                    "all",
                    f"{FABRIC}.host_ports.{switch}.{host}",
                    f"'{host}' is not a storage client",
                    "remove it or add the host to group storage_clients",
                )
    for client in clients:
        seen: dict[str, str] = {}
        for index, port in enumerate(client.ports):
            if port is None or port.switch is None or port.switch not in switches:
                continue
            at = f"railmount_ports[{index}].switch"
            if port.switch not in paired:
                report.add(
                    client.name,
                    at,
                    f"{port.switch} is in no {FABRIC}.mlag pair",
                    "add the switch to an MLAG pair",
                )
            if port.switch in seen:
                report.add(
                    client.name,
                    at,
                    f"{port.name} and {seen[port.switch]} are both on {port.switch}",
                    "cable each storage port to its own switch of the pair",
                )
                continue
            seen[port.switch] = port.name
            switch_port = table.get(port.switch, {}).get(client.name)
            if switch_port is None:
                report.add(
                    client.name,
                    f"{FABRIC}.host_ports.{port.switch}.{client.name}",
                    f"no switch port for {client.name} {port.name}",
                    f"add {client.name}: <port> under {FABRIC}.host_ports.{port.switch}",
                )
            else:
                _use(
                    report,
                    used,
                    port.switch,
                    switch_port,
                    f"{client.name} {port.name}",
                    f"{FABRIC}.host_ports.{port.switch}.{client.name}",
                )
