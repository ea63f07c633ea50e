"""Rules that span a host's keys or several hosts: switches, overrides, the management
interface, unique addresses and MACs, ports in the VIPs' subnet.

Linear in hosts: every address and MAC is claimed once in one dict. Values may be None
(invalid, already reported) and are then skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from railmount.rules.problems import Report
from railmount.schema import SWITCH_GROUP


class Claims:
    """First come owns an address or MAC; later claims are reported against the owner."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.owners: dict[tuple[str, Any], str] = {}

    def claim(self, kind: str, value: Any, host: str, field: str) -> None:
        if value is None:
            return
        owner = self.owners.setdefault((kind, value), f"{host} {field}")
        if owner != f"{host} {field}":
            self.report.add(
                host,
                field,
                f"{value} already used by {owner}",
                "give every port its own address and MAC",
            )


def client_rules(
    report: Report,
    host: str,
    ports: Iterable[Any] | None,
    vip_ports: dict[str, str] | None,
    management: str | None,
    vip_names: Iterable[str],
    switches: tuple[str, ...],
) -> None:
    """One host's keys against each other, the switches group and the VIP names."""
    names: set[str] = set()
    for index, port in enumerate(ports or ()):
        if port is None:
            continue
        at = f"railmount_ports[{index}]"
        if port.switch is not None and port.switch not in switches:
            report.add(
                host,
                f"{at}.switch",
                f"unknown switch '{port.switch}'",
                f"add it to the '{SWITCH_GROUP}' group or use one of: {', '.join(switches)}",
            )
        if port.name is not None:
            if port.name in names:
                report.add(
                    host,
                    f"{at}.name",
                    f"duplicate port name {port.name}",
                    "give each port its own name",
                )
            names.add(port.name)
    if management is not None and management in names:
        report.add(
            host,
            "railmount_ports",
            f"port {management} is also the management interface",
            "never list the management interface as a storage port",
        )
    known_vips = sorted(set(vip_names))
    for vip, port in (vip_ports or {}).items():
        field = f"railmount_vip_ports.{vip}"
        if known_vips and vip not in known_vips:
            report.add(host, field, f"unknown VIP '{vip}'", f"use one of: {', '.join(known_vips)}")
        if names and port not in names:
            report.add(
                host, field, f"unknown port '{port}'", f"use one of: {', '.join(sorted(names))}"
            )


def address_rules(
    report: Report,
    claims: Claims,
    host: str,
    ports: Iterable[Any] | None,
    vips: dict[Any, str],
    subnet: Any,
) -> None:
    """A host's port addresses: in the VIPs' subnet, not a VIP, and unique with the MACs."""
    for index, port in enumerate(ports or ()):
        if port is None:
            continue
        at = f"railmount_ports[{index}]"
        iface = port.interface
        if iface is not None:
            if iface.ip in vips:
                report.add(
                    host,
                    f"{at}.address",
                    f"{iface.ip} is VIP {vips[iface.ip]}",
                    "use an address the array does not serve",
                )
            if subnet is not None and iface.network != subnet:
                report.add(
                    host,
                    f"{at}.address",
                    f"{iface} is not in the VIPs' subnet {subnet}",
                    f"use an address/prefix in {subnet}",
                )
            claims.claim("ip", iface.ip, host, f"{at}.address")
        claims.claim("mac", port.mac, host, f"{at}.mac")


def lab_rules(
    report: Report,
    claims: Claims,
    lab: Any,
    vips: dict[Any, str],
    subnet: Any,
    switches: tuple[str, ...],
) -> None:
    """The lab's array uplinks: a known switch each, in the subnet, not a VIP, unique."""
    names: set[str] = set()
    for index, link in enumerate(getattr(lab, "array_links", None) or ()):
        if link is None:
            continue
        at = f"railmount_lab.array_links[{index}]"
        if link.name is not None:
            if link.name in names:
                report.add(
                    "all",
                    f"{at}.name",
                    f"duplicate uplink name {link.name}",
                    "give each uplink its own name",
                )
            names.add(link.name)
        if link.switch is not None and link.switch not in switches:
            report.add(
                "all",
                f"{at}.switch",
                f"unknown switch '{link.switch}'",
                f"use one of: {', '.join(switches)}",
            )
        iface = link.interface
        if iface is None:
            continue
        if subnet is not None and iface.network != subnet:
            report.add(
                "all",
                f"{at}.address",
                f"not in subnet {subnet}",
                f"use an address/prefix in {subnet}",
            )
        if iface.ip in vips:
            report.add("all", f"{at}.address", "is a VIP", "use a free address")
        claims.claim("ip", iface.ip, "all", f"{at}.address")
