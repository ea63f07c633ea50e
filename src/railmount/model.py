"""The inventory data model, typed; its sections are the inventory schema.

Each section is a frozen pydantic dataclass: the field names and types are what the
planner and the suites read, the aliases and `Field` docs are the inventory keys, and
validating a section (`railmount.rules`) refuses unknown keys and bad values. Positional
construction works as with plain dataclasses (tests build models directly).
`Client` and `Inventory` are assembled from several hosts and groups, not read from one
mapping, so they are plain dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, ValidationInfo, model_validator
from pydantic.dataclasses import dataclass as section

from railmount.array_profiles import ARRAY_PROFILES, DEFAULT_VENDOR, profile
from railmount.values import (
    Bool,
    Choice,
    Doc,
    ExportPath,
    FioSize,
    Float,
    HostCidr,
    IfName,
    Int,
    Ipv4,
    Mac,
    ModelName,
    MountOption,
    MountPath,
    Name,
    NfsVersion,
    PowerOfTwo,
    Proto,
    RelativeDir,
    Serial,
    SizeLabel,
    Subnet,
    Text,
    ascending,
    choice,
    list_of,
    unique,
    value_type,
)

SECTION = ConfigDict(extra="forbid")
DEFAULT_MOUNT_ROOT = "/mnt"

# Constrained value types (bounds are the sane range, not the hardware's).
IoSize = PowerOfTwo(4096, 1048576)
Connections = Int(1, 16)
Mtu = Int(1280, 9216)
LineRate = Int(1, 800_000, "a line rate in Mbit/s")
Ratio = Float(0.0, 1.0, "a ratio")
Seconds = Float(0.0, 600.0, "seconds")
Percent = Int(0, 100, "a percentage")
_DEFAULTS = profile(DEFAULT_VENDOR).defaults  # railmount_nfs defaults without a vendor


def _BY_VENDOR(key: str) -> dict[str, str]:
    return {"default_text": f"{_DEFAULTS[key]} ({DEFAULT_VENDOR}; per vendor)"}


# Checked against the profile table itself, so a new row is a valid vendor at once.
Vendor = value_type(
    str,
    Doc("an array vendor", ", ".join(ARRAY_PROFILES), choices=tuple(ARRAY_PROFILES)),
    choice(ARRAY_PROFILES),
)


@section(frozen=True, config=SECTION)
class Section:
    """Base of every section: a key left empty (`mtu:` or `mtu: null`) takes its default,
    but for the keys in NULL_KEEPS, where null says "not railmount's to set"."""

    NULL_KEEPS: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None or k in cls.NULL_KEEPS}
        return data


def default_mount_path(vip_name: str, mount_root: str | None) -> str:
    return f"{(mount_root or DEFAULT_MOUNT_ROOT).rstrip('/')}/{vip_name}"


@section(frozen=True, config=SECTION)
class Vip(Section):
    name: Name = Field(description="VIP name; names the default mount path")
    vip_address: Ipv4 = Field(
        alias="address", description="the data VIP, inside railmount_array.subnet"
    )
    # Never None once validated: the default depends on railmount_nfs.mount_root, which
    # the checker passes as validation context.
    mount_path: MountPath = Field(
        None,
        description="where this VIP's mount goes",
        json_schema_extra={"default_text": "<mount_root>/<name>"},
    )

    @model_validator(mode="after")
    def _default_mount_path(self, info: ValidationInfo) -> Vip:
        if self.mount_path is None:
            root = (info.context or {}).get("mount_root")
            object.__setattr__(self, "mount_path", default_mount_path(self.name, root))
        return self


@section(frozen=True, config=SECTION)
class Array(Section):
    name: Name = Field(description="the array's name")
    filesystem: Name = Field(description="the filesystem mounted through every VIP")
    export: ExportPath = Field(description="the NFS export path, like /nfs0")
    subnet: Subnet = Field(description="the data VIPs' subnet; every storage port is in it")
    vips: list_of(
        Vip, empty=("no VIPs", "list the array's data VIPs under vips: [{name, address}]")
    ) = Field(description="the data VIPs, in mount order")
    vendor: Vendor = Field(
        DEFAULT_VENDOR, description="which array profile railmount_nfs is checked against"
    )


@section(frozen=True, config=SECTION)
class NfsOptions(Section):
    # null: the NFS client's own behaviour, the option not written (a site that chooses it)
    NULL_KEEPS: ClassVar[frozenset[str]] = frozenset({"lookupcache", "actimeo", "local_lock"})

    # version, rsize and wsize default to the array profile's (these are the default one's).
    version: NfsVersion = Field(
        _DEFAULTS["version"], description="NFS version", json_schema_extra=_BY_VENDOR("version")
    )
    proto: Proto = Field("tcp", description="transport")
    rsize: IoSize = Field(
        _DEFAULTS["rsize"], description="read size", json_schema_extra=_BY_VENDOR("rsize")
    )
    wsize: IoSize = Field(
        _DEFAULTS["wsize"], description="write size", json_schema_extra=_BY_VENDOR("wsize")
    )
    hard: Bool = Field(True, description="hard mount (false: soft)")
    nconnect: Connections | None = Field(None, description="TCP connections per mount")
    # Defaults measured on the lab (README "One filesystem, however many mounts"): with the
    # client's own (all, 3..60 s) a new file stayed invisible through the other mounts for
    # ~50 s; these bound every delay to ~1 s for one more GETATTR per file read.
    lookupcache: Choice("a lookup cache mode", "all", "positive", "none") | None = Field(
        "positive",
        description="directory entry caching; positive: names not found are looked up "
        "again (null: the client's default, all)",
    )
    actimeo: Int(0, 3600, "seconds") | None = Field(
        1, description="attribute cache time, all four ac* timeouts (null: the client's 3..60 s)"
    )
    local_lock: Choice("a local lock mode", "none", "all", "flock", "posix") | None = Field(
        None, description="locks kept on the client, not the array (unset: none)"
    )
    extra_options: list_of(MountOption) = Field(
        (), description="more mount options, like [timeo=600]; not managed ones"
    )
    accept_locks_per_mount: Bool = Field(
        False,
        description="allow nolock or local_lock other than none with several mounts of the "
        "filesystem: a lock then excludes only its own mount, not the other mounts or hosts",
    )
    mount_root: MountPath = Field(
        DEFAULT_MOUNT_ROOT, description="parent of the default mount paths"
    )


@section(frozen=True, config=SECTION)
class Port(Section):
    name: IfName = Field(description="interface name after set-name")
    mac: Mac = Field(
        description="the port's MAC; netplan matches it",
        json_schema_extra={"fix": 'quote it: "02:00:00:00:01:01"'},
    )
    interface: HostCidr = Field(alias="address", description="address/prefix in the subnet")
    switch: Text = Field(
        description="the host of group `switches` it is cabled to",
        json_schema_extra={"fix": "name the switch it is cabled to, one of: {switches}"},
    )
    mtu: Mtu = Field(1500, description="MTU")
    speed_mbps: LineRate | None = Field(
        None, description="line rate in Mbit/s the bandwidth verdicts compare against"
    )


@dataclass(frozen=True)
class Client:
    name: str
    ports: tuple[Port, ...]
    vip_ports: dict[str, str] = field(default_factory=dict)  # per-VIP override: VIP -> port
    management_interface: str | None = None


@section(frozen=True, config=SECTION)
class WorkloadSettings(Section):
    """File-per-sample training reads (issue: size against the real workload)."""

    enabled: Bool = Field(True, description="run the workload read test")
    image_sizes: list_of(
        SizeLabel, empty=("no image sizes", "list sizes like [150KB, 1MB]"), check=unique
    ) = Field(("150KB", "1MB"), description="one data set per size; KB/MB = 10^3/10^6 bytes")
    dataset_mb: Int(1, 10_000_000) = Field(
        1024, description="MB per image size, shared by every host (like a training set)"
    )
    readers_per_mount: Int(1, 256) = Field(4, description="concurrent readers (fio jobs) per mount")
    runtime_s: Int(2, 3600) = Field(10, description="seconds per image size")


@section(frozen=True, config=SECTION)
class CheckpointSettings(Section):
    """Checkpoint write + restore per host, sized from a model."""

    enabled: Bool = Field(True, description="run the checkpoint test")
    model: ModelName = Field("8B", description="MLPerf Storage checkpoint model")
    parameters: Float(1e6, 1e14) | None = Field(
        None, description="parameter count; overrides `model`'s"
    )
    bytes_per_parameter: Float(0.5, 64.0) = Field(14.0, description="weights + optimizer state")
    gpus_per_host: Int(1, 64) = Field(8, description="GPUs (checkpoint shards) per host")
    shard_mb: Int(1, 100_000_000) | None = Field(
        None, description="MB measured per host (lab); unset: the host's full share"
    )
    write_budget: Float(0.001, 1.0) = Field(
        0.05, description="share of the checkpoint interval the write may take"
    )


@section(frozen=True, config=SECTION)
class FleetSettings(Section):
    """All hosts reading at once: how many hosts the array feeds."""

    enabled: Bool = Field(True, description="run when 2+ hosts are validated")
    steps: (
        list_of(
            Int(1, 100_000), empty=("no steps", "list host counts like [1, 2, 4]"), check=ascending
        )
        | None
    ) = Field(None, description="host counts to measure, ascending; unset: 1..N")
    training_share: Float(0.01, 1.0) = Field(
        0.5, description="share of the array's read rate that goes to training"
    )
    min_fairness: Ratio = Field(
        0.5, description="hosts reading together: slowest host >= this x the fastest"
    )


@section(frozen=True, config=SECTION)
class SemanticsSettings(Section):
    """The per-VIP mounts behave as one filesystem: visibility and locks across mounts."""

    enabled: Bool = Field(True, description="run the semantics suite")
    max_visibility_s: Float(0.01, 60.0) = Field(
        1.0,
        description="a write seen through every other mount and host within this "
        "(new file, overwrite on reopen, rename, unlink, read-back)",
    )
    peers: Int(1, 16) = Field(
        2, description="other hosts that read each host's writes and contend for its locks"
    )
    lock_timeout_s: Float(1.0, 120.0) = Field(
        10.0, description="a lock request that has not returned by then fails as hung"
    )


@section(frozen=True, config=SECTION)
class ValidateSettings(Section):
    link_min_ratio: Ratio = Field(
        0.90, description="each link >= this x line rate, all-mounts phase"
    )
    link_balance: Ratio = Field(0.10, description="links within +- this of their mean")
    single_mount_max_links: Float(0.5, 4.0) = Field(
        1.05, description="one mount (one TCP flow) <= this x one link's line rate"
    )
    all_vs_single_min: Float(0.0, 64.0) = Field(1.8, description="all mounts >= this x one mount")
    stray_max_ratio: Ratio = Field(
        0.05, description="'one link alone': other links below this x line rate"
    )
    fio_runtime_s: Int(2, 600) = Field(10, description="seconds per bandwidth phase")
    fio_block_size: FioSize(4096, 64 << 20) = Field("4M", description="fio block size")
    file_size_mb: Int(1, 65536) = Field(32, description="test file per VIP (fio loops over it)")
    test_dir: RelativeDir = Field(
        ".railmount", description="directory for test files, inside the filesystem"
    )
    fault_max_stall_s: Seconds = Field(
        10.0, description="fault suite: longest a mount may read nothing"
    )
    fault_max_resume_s: Seconds = Field(
        15.0, description="fault suite: until every mount reads again after recovery"
    )
    workload: WorkloadSettings = Field(WorkloadSettings(), description="training-read test")
    checkpoint: CheckpointSettings = Field(CheckpointSettings(), description="checkpoint test")
    fleet: FleetSettings = Field(FleetSettings(), description="all hosts at once")
    semantics: SemanticsSettings = Field(
        SemanticsSettings(), description="visibility and locks across mounts and hosts"
    )


@section(frozen=True, config=SECTION)
class SizingRow(Section):
    """Read rate one host needs to keep its GPUs busy on a workload at an image size."""

    name: Text = Field(description="workload name")
    image_size: SizeLabel = Field(description="one of railmount_validate.workload.image_sizes")
    read_mb_s: Float(0.001, 1e9) = Field(description="MB/s (10^6 bytes/s) one host needs")


@section(frozen=True, config=SECTION)
class SizingSettings(Section):
    reference: Bool = Field(True, description="include the reference architecture's table")
    workloads: list_of(SizingRow) = Field(
        (), description="the site's own rows, added to the reference"
    )


@section(frozen=True, config=SECTION)
class RolloutSettings(Section):
    # Ansible's serial: a count, a percentage or a list of them (batch sizes in turn).
    # Default: a canary host first, then the rest.
    serial: Serial = Field(
        (1, "100%"), description="batch sizes (Ansible serial); default: one canary, then all"
    )
    max_fail_percentage: Percent = Field(0, description="Ansible max_fail_percentage")


@section(frozen=True, config=SECTION)
class FailoverSettings(Section):
    enabled: Bool = Field(True, description="backup routes and the failover agent")


@section(frozen=True, config=SECTION)
class ArrayLink(Section):
    """Lab only: an array front-end uplink (like FlashBlade FM1/FM2) into a switch."""

    name: IfName = Field(description="uplink interface name")
    switch: Text = Field(description="the switch it is cabled to")
    interface: HostCidr = Field(alias="address", description="address/prefix in the subnet")


@section(frozen=True, config=SECTION)
class LabSettings(Section):
    guest_cpus: Int(1, 8) = Field(2, description="vCPUs per guest")
    guest_memory_mb: Int(256, 16384) = Field(1024, description="MiB per guest")
    ssh_port_base: Int(1024, 65000) = Field(2221, description="first guest's SSH port")
    array_links: list_of(ArrayLink) = Field((), description="array uplinks, like FM1/FM2")
    array_rate_mbit: Int(1, 10_000_000) | None = Field(
        None, description="shape the array's uplinks to this total (fleet knee)"
    )


@dataclass(frozen=True)
class Inventory:
    array: Array
    nfs: NfsOptions
    clients: tuple[Client, ...]
    switches: tuple[str, ...]
    validate: ValidateSettings = field(default_factory=ValidateSettings)
    rollout: RolloutSettings = field(default_factory=RolloutSettings)
    failover: FailoverSettings = field(default_factory=FailoverSettings)
    sizing: SizingSettings = field(default_factory=SizingSettings)
    lab: LabSettings | None = None
    fabric: Any = None  # railmount.intents.model.Fabric (the array and switch intents)

    def client(self, name: str) -> Client:
        for client in self.clients:
            if client.name == name:
                return client
        raise KeyError(name)
