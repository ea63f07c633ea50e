"""Inventory -> per-host plan. Pure: the roles render it and validation asserts against it."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Any

from railmount.hostside.layout import PLAN_FILE, SYSCTL_FILE, netplan_file
from railmount.model import Client, Inventory, NfsOptions, Port, Vip
from railmount.nfs import client_kept_locks, fstab_options, shown_options

# Two ports in one subnet: answer ARP only on the port that owns the address, announce
# with the outgoing port's own address, and loose reverse-path filtering so replies that
# arrive on the "other" port are not dropped. The kernel uses max(all, port) for each.
PORT_SYSCTLS = {"arp_ignore": 1, "arp_announce": 2, "rp_filter": 2}
# Failover: a route whose port lost carrier is skipped, so the backup route takes over.
FAILOVER_SYSCTLS = {"ignore_routes_with_linkdown": 1}
PRIMARY_METRIC = 100
BACKUP_METRIC = 200


@dataclass(frozen=True)
class PortPlan:
    name: str
    mac: str
    address: str  # CIDR
    ip: str
    mtu: int
    switch: str
    speed_mbps: int | None
    vips: tuple[str, ...]  # VIP names pinned to this port
    netplan_file: str
    ignore_carrier: bool  # failover: keep address and routes when carrier is lost


@dataclass(frozen=True)
class RoutePlan:
    to: str  # A.B.C.D/32
    vip_address: str  # A.B.C.D
    vip: str
    dev: str
    src: str
    metric: int
    backup: bool  # True: the failover path via another port


@dataclass(frozen=True)
class MountPlan:
    path: str
    source: str  # VIP:/export, as fstab and /proc/mounts name it
    vip_address: str
    export: str
    fstype: str  # for fstab; 4.x mounts show as nfs4 in /proc/mounts (expected_fstype)
    expected_fstype: str
    options: str  # comma separated, as written to fstab
    vip: str
    dev: str  # port the VIP is pinned to
    src: str  # that port's address: the TCP connection must leave from it
    expected_options: tuple[tuple[str, str], ...]  # what /proc/mounts must show


@dataclass(frozen=True)
class SysctlPlan:
    name: str
    value: int
    port_scoped: bool  # net.ipv4.conf.<port>.*: may not exist yet at early boot


@dataclass(frozen=True)
class FailoverPort:
    name: str
    ip: str
    backup: str  # port that takes this port's address while it has no carrier


@dataclass(frozen=True)
class FailoverPlan:
    """The failover agent's part: whose address moves where on carrier loss. (The agent
    also re-installs the plan's backup routes: networkd 252 silently drops a route whose
    preferred source is another port's address when that port is configured second.)"""

    enabled: bool
    ports: tuple[FailoverPort, ...]


@dataclass(frozen=True)
class HostPlan:
    host: str
    ports: tuple[PortPlan, ...]
    routes: tuple[RoutePlan, ...]
    mounts: tuple[MountPlan, ...]
    sysctls: tuple[SysctlPlan, ...]
    sysctl_file: str
    plan_file: str
    management_interface: str | None
    failover: FailoverPlan
    # The client side of NFSv3 locking the deploy keeps running (None: no NLM locks here,
    # NFSv4 locks in-protocol or locks kept on the client)
    lock_service: str | None

    def port(self, name: str) -> PortPlan:
        return next(p for p in self.ports if p.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The plan's JSON form: plain dicts, lists (for tuples), str, int, bool, None."""
        data: dict[str, Any] = _plain(self)
        return data


_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset((str, int, float, bool, type(None)))


def _plain(value: Any) -> Any:
    # dataclasses.asdict() deep-copies every leaf; a plan's leaves are immutable, and the
    # first play of site.yml converts one plan per host (several times faster without).
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple or kind is list:
        return [_plain(v) for v in value]
    names = _FIELDS.get(kind)
    if names is None:
        if not is_dataclass(value):
            return value
        names = _FIELDS.setdefault(kind, tuple(f.name for f in fields(value)))
    return {name: _plain(getattr(value, name)) for name in names}


def switch_interleaved(ports: tuple[Port, ...]) -> list[Port]:
    """Order ports so that consecutive ones sit on different switches where possible."""
    by_switch: dict[str, list[Port]] = {}
    for port in ports:
        by_switch.setdefault(port.switch, []).append(port)
    queues = list(by_switch.values())
    order: list[Port] = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def assign_vips(client: Client, vips: tuple[Vip, ...]) -> dict[str, Port]:
    """Round-robin over switch-interleaved ports, balanced, honouring per-VIP overrides."""
    order = switch_interleaved(client.ports)
    by_name = {p.name: p for p in client.ports}
    load = {p.name: 0 for p in order}
    assignment: dict[str, Port] = {}
    for vip in vips:
        if vip.name in client.vip_ports:
            port = by_name[client.vip_ports[vip.name]]
            assignment[vip.name] = port
            load[port.name] += 1
    cursor = 0
    for vip in vips:
        if vip.name in assignment:
            continue
        least = min(load.values())
        for step in range(len(order)):
            candidate = order[(cursor + step) % len(order)]
            if load[candidate.name] == least:
                assignment[vip.name] = candidate
                load[candidate.name] += 1
                cursor = (cursor + step + 1) % len(order)
                break
    return assignment


def expected_mount_options(nfs: NfsOptions, vip: Vip) -> tuple[tuple[str, str], ...]:
    """What /proc/mounts must show: the managed options and the VIP as addr.

    extra_options are left out: the kernel may spell them differently (nolock shows as
    local_lock=all), and _netdev is userspace-only.
    """
    return (*_managed_options(nfs), ("addr", str(vip.vip_address)))


@cache  # the same for every VIP of every host
def _managed_options(nfs: NfsOptions) -> tuple[tuple[str, str], ...]:
    return tuple(shown_options(nfs))


def _join(options: list[tuple[str, str]]) -> str:
    return ",".join(f"{k}={v}" if v else k for k, v in options)


def _backup_port(client: Client, primary: Port) -> Port | None:
    """The failover port for a VIP: the first other port on a different switch, else any."""
    others = [p for p in switch_interleaved(client.ports) if p.name != primary.name]
    for port in others:
        if port.switch != primary.switch:
            return port
    return others[0] if others else None


def plan_host(inv: Inventory, client: Client) -> HostPlan:
    assignment = assign_vips(client, inv.array.vips)
    ports = tuple(
        PortPlan(
            name=p.name,
            mac=p.mac,
            address=str(p.interface),
            ip=str(p.interface.ip),
            mtu=p.mtu,
            switch=p.switch,
            speed_mbps=p.speed_mbps,
            vips=tuple(v.name for v in inv.array.vips if assignment[v.name].name == p.name),
            netplan_file=netplan_file(p.name),
            ignore_carrier=inv.failover.enabled,
        )
        for p in client.ports
    )
    # Per host, not per VIP: the same for every mount, and a backup port per port.
    options = _join(fstab_options(inv.nfs))
    expected_fstype = "nfs" if inv.nfs.version == "3" else "nfs4"
    backups = {
        p.name: _backup_port(client, p) if inv.failover.enabled else None for p in client.ports
    }
    routes: list[RoutePlan] = []
    mounts: list[MountPlan] = []
    for vip in inv.array.vips:
        port = assignment[vip.name]
        src = str(port.interface.ip)
        address = str(vip.vip_address)  # ipaddress's str() is slow enough to show at 1,000 hosts
        routes.append(
            RoutePlan(
                f"{address}/32",
                address,
                vip.name,
                port.name,
                src,
                PRIMARY_METRIC,
                False,
            )
        )
        backup = backups[port.name]
        if backup is not None:
            # Same source address: a TCP connection bound to it survives the move.
            routes.append(
                RoutePlan(
                    f"{address}/32",
                    address,
                    vip.name,
                    backup.name,
                    src,
                    BACKUP_METRIC,
                    True,
                )
            )
        mounts.append(
            MountPlan(
                path=vip.mount_path,
                source=f"{address}:{inv.array.export}",
                vip_address=address,
                export=inv.array.export,
                fstype="nfs",
                expected_fstype=expected_fstype,
                options=options,
                vip=vip.name,
                dev=port.name,
                src=src,
                expected_options=expected_mount_options(inv.nfs, vip),
            )
        )
    knobs = dict(PORT_SYSCTLS)
    if inv.failover.enabled:
        knobs |= FAILOVER_SYSCTLS
    scopes = ["all", "default", *(p.name for p in client.ports)]
    sysctls = tuple(
        SysctlPlan(f"net.ipv4.conf.{scope}.{knob}", value, scope not in ("all", "default"))
        for scope in scopes
        for knob, value in knobs.items()
    )
    return HostPlan(
        client.name,
        ports,
        tuple(routes),
        tuple(mounts),
        sysctls,
        SYSCTL_FILE,
        PLAN_FILE,
        client.management_interface,
        _failover(inv, client),
        _lock_service(inv.nfs),
    )


def _lock_service(nfs: NfsOptions) -> str | None:
    """rpc-statd for NFSv3 locks through the array's NLM (the lock manager needs it to
    monitor the array); none for NFSv4 (locks are in the protocol) or client-kept locks."""
    return "rpc-statd" if nfs.version == "3" and not client_kept_locks(nfs) else None


def _failover(inv: Inventory, client: Client) -> FailoverPlan:
    ports = []
    if inv.failover.enabled:
        for port in client.ports:
            backup = _backup_port(client, port)
            if backup is not None:
                ports.append(FailoverPort(port.name, str(port.interface.ip), backup.name))
    return FailoverPlan(inv.failover.enabled and bool(ports), tuple(ports))


def plan_inventory(inv: Inventory) -> dict[str, HostPlan]:
    return {client.name: plan_host(inv, client) for client in inv.clients}
