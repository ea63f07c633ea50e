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
class WorkloadSettings:
    """File-per-sample training reads (issue: size against the real workload)."""

    enabled: bool = True
    image_sizes: tuple[str, ...] = ("150KB", "1MB")  # one data set per size; KB/MB = 10^3/10^6
    dataset_mb: int = 1024  # per image size, shared by every host (like a training set)
    readers_per_mount: int = 4  # concurrent readers (fio jobs) per mount
    runtime_s: int = 10


@dataclass(frozen=True)
class CheckpointSettings:
    """Checkpoint write + restore per host, sized from a model."""

    enabled: bool = True
    model: str = "8B"  # MLPerf Storage checkpoint names: 8B, 70B, 405B, 1T
    parameters: float | None = None  # parameter count; overrides `model`'s
    bytes_per_parameter: float = 14.0  # weights + optimizer state
    gpus_per_host: int = 8
    shard_mb: int | None = None  # measure with this much per host (lab); None: the full share
    write_budget: float = 0.05  # the write may take this share of the checkpoint interval


@dataclass(frozen=True)
class FleetSettings:
    """All hosts reading at once: how many hosts the array feeds."""

    enabled: bool = True  # runs when 2+ hosts are validated
    steps: tuple[int, ...] | None = None  # host counts to measure; None: 1..N
    training_share: float = 0.5  # share of the array's read rate that goes to training


@dataclass(frozen=True)
class ValidateSettings:
    link_min_ratio: float = 0.90  # each link >= this x line rate, all-mounts phase
    link_balance: float = 0.10  # links within +-10 % of their mean
    single_mount_max_links: float = 1.05  # one mount (one TCP flow) <= one link's line rate
    all_vs_single_min: float = 1.8  # all mounts >= 1.8 x one mount (two links)
    stray_max_ratio: float = 0.05  # "one link alone": other links below this x line rate
    fio_runtime_s: int = 10
    fio_block_size: str = "4M"
    file_size_mb: int = 32  # per VIP; fio loops over it (time-based)
    test_dir: str = ".railmount"  # created inside the filesystem for test files
    fault_max_stall_s: float = 10.0  # lab fault suite: longest a mount may read nothing
    fault_max_resume_s: float = 15.0  # ... and until every mount reads again after recovery
    workload: WorkloadSettings = WorkloadSettings()
    checkpoint: CheckpointSettings = CheckpointSettings()
    fleet: FleetSettings = FleetSettings()


@dataclass(frozen=True)
class SizingRow:
    """Read rate one host needs to keep its GPUs busy on a workload at an image size."""

    name: str
    image_size: str  # must be one of railmount_validate.workload.image_sizes to be judged
    read_mb_s: float  # MB/s (10^6 bytes/s) per host


@dataclass(frozen=True)
class SizingSettings:
    reference: bool = True  # include the reference architecture's table
    workloads: tuple[SizingRow, ...] = ()  # the site's own rows, added to the reference


@dataclass(frozen=True)
class RolloutSettings:
    # Ansible's serial: a count, a percentage or a list of them (batch sizes in turn).
    # Default: a canary host first, then the rest.
    serial: tuple[int | str, ...] = (1, "100%")
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
    array_rate_mbit: int | None = None  # shape the array's uplinks to this total (fleet knee)


@dataclass(frozen=True)
class Inventory:
    array: Array
    nfs: NfsOptions
    clients: tuple[Client, ...]
    switches: tuple[str, ...]
    validate: ValidateSettings = ValidateSettings()
    rollout: RolloutSettings = RolloutSettings()
    failover: FailoverSettings = FailoverSettings()
    sizing: SizingSettings = SizingSettings()
    lab: LabSettings | None = None

    def client(self, name: str) -> Client:
        for client in self.clients:
            if client.name == name:
                return client
        raise KeyError(name)
