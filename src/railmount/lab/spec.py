"""What the lab builds, as plain data: the contract between the lab's parts.

`railmount.lab.topology.lab_spec()` derives a LabSpec from the planned inventory; the
fabric, array and guest modules only ever see these dataclasses, never the inventory.
Every address here lives in 198.18.0.0/15 (RFC 2544 benchmarking range) inside
namespaces the lab creates; the management network is QEMU user networking with
`restrict=on`, reachable only through the forwarded SSH port on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GuestNic:
    """One storage port of a guest, cabled to one switch."""

    port: str  # name the deploy will give it (set-name), e.g. "em1"
    mac: str  # from the inventory; netplan matches on it
    switch: str  # switch (bridge) the tap is enslaved to, e.g. "tor1"
    tap: str  # host tap name, <= 15 chars, e.g. "rm1em1"
    rate_mbit: int  # tbf rate on the switch->guest direction (reads)
    mtu: int  # tap/bridge MTU, >= the port's planned MTU


@dataclass(frozen=True)
class GuestSpec:
    name: str  # inventory hostname, also the guest's hostname
    ssh_port: int  # 127.0.0.1:ssh_port -> guest:22
    cpus: int
    memory_mb: int
    nics: tuple[GuestNic, ...]


@dataclass(frozen=True)
class ArrayLink:
    """One array front-end port (like a FlashBlade FM uplink) cabled to a switch."""

    name: str  # interface name inside the array namespace, e.g. "fm1"
    switch: str
    address: str  # CIDR inside the storage subnet, e.g. "198.18.115.2/24"
    rate_mbit: int | None  # None = unshaped


@dataclass(frozen=True)
class ArraySpec:
    name: str  # e.g. "fb01"
    filesystem: str  # e.g. "nfs0"
    export: str  # pseudo path clients mount, e.g. "/nfs0"
    vips: tuple[str, ...]  # plain addresses, e.g. ("198.18.115.6", ...), put on lo
    links: tuple[ArrayLink, ...]
    mtu: int
    # (client port address, array link): replies to a client port leave through the
    # array link on that port's switch, so each shaped uplink carries its switch's share
    # (and the MLAG peer link only carries failover traffic).
    client_routes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LabSpec:
    prefix: str  # namespace / device name prefix, e.g. "rm"
    state_dir: Path  # per-lab runtime state: pids, sockets, overlays, logs
    image_dir: Path  # cached guest image (shared by labs)
    switches: tuple[str, ...]  # e.g. ("tor1", "tor2"); consecutive ones are MLAG peers
    array: ArraySpec
    guests: tuple[GuestSpec, ...]
    mtu: int  # fabric MTU (bridges, peer link): max of all port MTUs
    extra: dict[str, str] = field(default_factory=dict)

    def switch_netns(self, switch: str) -> str:
        return f"{self.prefix}-{switch}"

    @property
    def array_netns(self) -> str:
        return f"{self.prefix}-array"
