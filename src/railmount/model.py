"""The inventory data model, typed. `railmount.check` builds it from Ansible variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network


@dataclass(frozen=True)
class Vip:
    name: str
    address: IPv4Address
    mount_path: str  # default /<mount_root>/<name>


@dataclass(frozen=True)
class Array:
    name: str
    filesystem: str
    export: str
    subnet: IPv4Network
    vips: tuple[Vip, ...]


@dataclass(frozen=True)
class NfsOptions:
    version: str = "3"
    proto: str = "tcp"
    rsize: int = 524288
    wsize: int = 524288
    hard: bool = True
    nconnect: int | None = None
    extra_options: tuple[str, ...] = ()
    mount_root: str = "/mnt"


@dataclass(frozen=True)
class Port:
    name: str
    mac: str  # lower case, colon separated
    interface: IPv4Interface
    switch: str
    mtu: int = 1500
    speed_mbps: int | None = None  # line rate the bandwidth verdicts compare against


@dataclass(frozen=True)
class Client:
    name: str
    ports: tuple[Port, ...]
    vip_ports: dict[str, str] = field(default_factory=dict)  # per-VIP override: VIP -> port
    management_interface: str | None = None


@dataclass(frozen=True)
class ValidateSettings:
    link_min_ratio: float = 0.90  # each link >= this x line rate, all-mounts phase
    link_balance: float = 0.10  # links within +-10 % of their mean
    single_mount_max_links: float = 1.05  # one mount (one TCP flow) <= one link's line rate
    all_vs_single_min: float = 1.8  # all mounts >= 1.8 x one mount (two links)
    fio_runtime_s: int = 10
    fio_block_size: str = "4M"
    file_size_mb: int = 32  # per VIP; fio loops over it (time-based)
    test_dir: str = ".railmount"  # created inside the filesystem for test files


@dataclass(frozen=True)
class RolloutSettings:
    serial: str = "100%"
    max_fail_percentage: int = 0


@dataclass(frozen=True)
class FailoverSettings:
    enabled: bool = True


@dataclass(frozen=True)
class ArrayLink:
    """Lab only: an array front-end uplink (like FlashBlade FM1/FM2) into a switch."""

    name: str
    switch: str
    interface: IPv4Interface


@dataclass(frozen=True)
class LabSettings:
    guest_cpus: int = 2
    guest_memory_mb: int = 1024
    ssh_port_base: int = 2221
    array_links: tuple[ArrayLink, ...] = ()


@dataclass(frozen=True)
class Inventory:
    array: Array
    nfs: NfsOptions
    clients: tuple[Client, ...]
    switches: tuple[str, ...]
    validate: ValidateSettings = ValidateSettings()
    rollout: RolloutSettings = RolloutSettings()
    failover: FailoverSettings = FailoverSettings()
    lab: LabSettings | None = None

    def client(self, name: str) -> Client:
        for client in self.clients:
            if client.name == name:
                return client
        raise KeyError(name)
