"""Model -> what the array and each switch must hold. Pure, like the planner: the array
role, the switch renderers, the cross-check, `railmount render` and `railmount plan` all
read these, so no value is derived twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from ipaddress import IPv4Network
from typing import Any

from railmount.intents.model import Fabric, size_bytes
from railmount.model import Inventory
from railmount.planner import HostPlan

NFS_OPTION = {
    "root-squash": "root_squash",
    "no-squash": "no_root_squash",
    "all-squash": "all_squash",
}


def plain_data(value: Any) -> Any:
    """Plain JSON types: the inventory's values are Ansible's tagged str/int subclasses,
    which YAML dumpers and the vendors' models do not take."""
    return json.loads(json.dumps(value))


class NoFabric(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "all: railmount_fabric: missing — fix: define railmount_fabric (vlan, gateway, mtu, "
            "filesystem, array_uplinks, mlag, host_ports) in all.vars"
        )


def fabric_of(inv: Inventory) -> Fabric:
    if inv.fabric is None:
        raise NoFabric
    return inv.fabric


@dataclass(frozen=True)
class ExportRuleIntent:
    client: str
    access: str  # root-squash, no-squash, all-squash
    permission: str  # rw, ro
    index: int  # 1-based, the array's rule order

    @property
    def exports_text(self) -> str:
        """The rule in exports(5) syntax: `*(rw,no_root_squash)`."""
        return f"{self.client}({self.permission},{NFS_OPTION[self.access]})"


@dataclass(frozen=True)
class ArrayIntent:
    name: str
    subnet_name: str
    prefix: str
    vlan: int
    gateway: str
    mtu: int
    lag: str
    lag_ports: tuple[str, ...]
    vips: tuple[tuple[str, str], ...]  # (interface name, address), services data
    filesystem: str
    size: str
    size_bytes: int
    nfsv3: bool
    nfsv4: bool
    export_policy: str
    export_rules: tuple[ExportRuleIntent, ...]

    @property
    def nfs_rules(self) -> str:
        """All rules in exports(5) syntax, as purefb_fs's nfs_rules and ganesha take them."""
        return " ".join(r.exports_text for r in self.export_rules)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["vips"] = [{"name": n, "address": a} for n, a in self.vips]
        data["nfs_rules"] = self.nfs_rules
        return plain_data(data)


def array_intent(inv: Inventory) -> ArrayIntent:
    fabric = fabric_of(inv)
    fs = fabric.filesystem
    return ArrayIntent(
        name=inv.array.name,
        subnet_name=f"vlan{fabric.vlan}",
        prefix=str(inv.array.subnet),
        vlan=fabric.vlan,
        gateway=str(fabric.gateway),
        mtu=fabric.mtu,
        lag=fabric.array_uplinks.lag,
        lag_ports=tuple(p.name for p in fabric.array_uplinks.ports),
        vips=tuple((v.name, str(v.vip_address)) for v in inv.array.vips),
        filesystem=inv.array.filesystem,
        size=fs.size,
        size_bytes=size_bytes(fs.size),
        nfsv3="nfsv3" in fs.protocols,
        nfsv4="nfsv4.1" in fs.protocols,
        export_policy=fs.export_policy,
        export_rules=tuple(
            ExportRuleIntent(r.client, r.access, r.permission, i)
            for i, r in enumerate(fs.export_rules, 1)
        ),
    )


@dataclass(frozen=True)
class AccessPort:
    switch_port: str
    host: str
    host_port: str
    mtu: int

    @property
    def description(self) -> str:
        return f"{self.host} {self.host_port}"


@dataclass(frozen=True)
class SwitchIntent:
    name: str
    os: str  # eos, nvue
    peer: str
    vlan: int
    mtu: int
    domain: str
    peer_vlan: int
    local_address: str  # CIDR on the peer VLAN
    peer_address: str
    peer_link_channel: int
    peer_link_ports: tuple[str, ...]
    array_channel: int
    array_ports: tuple[tuple[str, str], ...]  # (switch port, array port)
    access_ports: tuple[AccessPort, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["array_ports"] = [{"switch_port": s, "array_port": a} for s, a in self.array_ports]
        return plain_data(data)


def switch_intents(inv: Inventory, plans: dict[str, HostPlan]) -> dict[str, SwitchIntent]:
    """One intent per switch of an MLAG pair, ports in the planner's host order."""
    fabric = fabric_of(inv)
    out: dict[str, SwitchIntent] = {}
    for pair in fabric.mlag:
        link = pair.peer_link
        hosts = list(IPv4Network(link.subnet).hosts())
        for index, switch in enumerate(pair.switches):
            prefix = link.subnet.prefixlen
            access = tuple(
                AccessPort(fabric.host_ports[switch][host], host, port.name, port.mtu)
                for host, plan in plans.items()
                for port in plan.ports
                if port.switch == switch
            )
            out[switch] = SwitchIntent(
                name=switch,
                os=pair.os,
                peer=pair.switches[1 - index],
                vlan=fabric.vlan,
                mtu=fabric.mtu,
                domain=pair.domain,
                peer_vlan=link.vlan,
                local_address=f"{hosts[index]}/{prefix}",
                peer_address=str(hosts[1 - index]),
                peer_link_channel=link.port_channel,
                peer_link_ports=link.ports,
                array_channel=fabric.array_uplinks.port_channel,
                array_ports=tuple(
                    (p.switch_port, p.name)
                    for p in fabric.array_uplinks.ports
                    if p.switch == switch
                ),
                access_ports=access,
            )
    return out


@dataclass(frozen=True)
class PathRow:
    host: str
    host_port: str
    switch: str
    switch_port: str
    vlan: int
    array_uplinks: tuple[str, ...]  # "Ethernet31 (CH1.FM1.ETH1)" on the same switch
    vips: tuple[str, ...]  # "nfs0 10.21.115.6"


def storage_path(inv: Inventory, plans: dict[str, HostPlan]) -> list[PathRow]:
    """host port -> switch port -> VLAN -> array uplink -> VIP, for `railmount plan`."""
    fabric = fabric_of(inv)
    switches = switch_intents(inv, plans)
    addresses = {v.name: str(v.vip_address) for v in inv.array.vips}
    rows = []
    for host, plan in plans.items():
        for port in plan.ports:
            intent = switches.get(port.switch)
            uplinks = tuple(f"{s} ({a})" for s, a in intent.array_ports) if intent else ()
            rows.append(
                PathRow(
                    host,
                    port.name,
                    port.switch,
                    fabric.host_ports.get(port.switch, {}).get(host, "?"),
                    fabric.vlan,
                    uplinks,
                    tuple(f"{v} {addresses[v]}" for v in port.vips),
                )
            )
    return rows
