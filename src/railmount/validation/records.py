"""The results records: one typed record per result the writers (the validation phases and
the fleet) put into results.json and the readers (report, terminal summary) read back.

A writer builds the record and writes `to_json()`; a reader gets the same class back with
`parse()`, which is tolerant: a value missing or of the wrong type (an older file, a
partial run) comes back as "", False or None, never as an error. Figures derived from
measurements (a step's fairness, line rates) are worked out once, where the record is
built, and stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def as_int(value: Any) -> int | None:
    number = as_float(value)
    return None if number is None else int(number)


def as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_str(value: Any, default: str = "") -> str:
    return default if value is None else str(value)


# Readers of the annotated field types that `scalars` fills from the JSON by field name.
_READ = {
    "str": as_str,
    "str | None": lambda v: v if isinstance(v, str) else None,
    "bool": bool,
    "bool | None": as_bool,
    "float | None": as_float,
    "int | None": as_int,
}


def scalars(cls: type[T], data: Mapping[str, Any], **given: Any) -> T:
    """cls from data: the fields not `given` read by name as their annotated type; a value
    missing or of the wrong type comes back as "", False or None, never as an error."""
    return cls(
        **{
            f.name: given[f.name] if f.name in given else _READ[str(f.type)](data.get(f.name))
            for f in fields(cls)  # type: ignore[arg-type]
        }
    )


class Parses(Protocol[T_co]):
    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> T_co: ...


def parse_list(cls: type[Parses[T]], value: Any) -> list[T]:
    """A JSON list of objects as records; anything that is not an object is left out."""
    return [cls.parse(v) for v in as_list(value) if as_map(v)]


def parse_map(cls: type[Parses[T]], value: Any) -> dict[str, T]:
    """A JSON object of objects (image size -> ...) as records by key."""
    return {str(k): cls.parse(v) for k, v in as_map(value).items() if as_map(v)}


def parse_optional(cls: type[Parses[T]], value: Any) -> T | None:
    """An optional section: None when missing or empty."""
    return cls.parse(as_map(value)) if as_map(value) else None


class Flat:
    """A dataclass of scalars only, read from a JSON object by `scalars`."""

    @classmethod
    def parse(cls: type[T], data: Mapping[str, Any]) -> T:
        return scalars(cls, data)


def port_rates(value: Any, key: str) -> dict[str, float | None]:
    """{PORT: {key: X}} -> {PORT: X}."""
    return {port: as_float(as_map(entry).get(key)) for port, entry in as_map(value).items()}


@dataclass
class Phase:
    """One bandwidth phase: these VIPs' mounts read together, rx bytes/s per port."""

    name: str  # "single:nfs0", "link:em1", "all"
    mounts: list[str]  # VIP names read in this phase
    links: dict[str, float] = field(default_factory=dict)  # port -> rx bytes/s
    fio_bytes_per_s: float | None = 0.0
    errors: int = 0  # fio job errors
    window_s: float | None = 0.0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Phase:
        links = {p: as_float(v) for p, v in as_map(data.get("links")).items()}
        return scalars(
            cls,
            data,
            mounts=[str(m) for m in as_list(data.get("mounts"))],
            links={p: v for p, v in links.items() if v is not None},
            errors=as_int(data.get("errors")) or 0,
        )


@dataclass
class Bandwidth:
    """A host's big-block reads (fio phases) with per-port rx counters (the `bandwidth`
    object of a host in results.json)."""

    # port -> read_bytes_per_s (all mounts together), line_rate_bytes_per_s
    links: dict[str, dict[str, float | None]]
    single_mount_bytes_per_s: float | None
    all_mounts_bytes_per_s: float | None
    phases: list[Phase]
    checksums: dict[str, str]  # mount path -> digest of the test files read through it
    expected_checksum: str = ""  # the digest of the sha256s recorded at write time

    @property
    def read(self) -> dict[str, float | None]:
        return {port: link.get("read_bytes_per_s") for port, link in self.links.items()}

    @property
    def line_rate(self) -> dict[str, float | None]:
        return {port: link.get("line_rate_bytes_per_s") for port, link in self.links.items()}

    @property
    def ports(self) -> list[str]:
        ports = list(self.links)
        for phase in self.phases:
            ports += [p for p in phase.links if p not in ports]
        return ports

    @property
    def line_rate_total(self) -> float | None:
        rates = [r for r in self.line_rate.values() if r]
        return sum(rates) if rates else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Bandwidth:
        keys = ("read_bytes_per_s", "line_rate_bytes_per_s")
        return scalars(
            cls,
            data,
            links={
                str(port): {k: as_float(as_map(link).get(k)) for k in keys}
                for port, link in as_map(data.get("links")).items()
            },
            phases=[Phase.parse(p) for p in as_list(data.get("phases")) if isinstance(p, Mapping)],
            checksums={str(k): as_str(v) for k, v in as_map(data.get("checksums")).items()},
        )


@dataclass
class FleetStep:
    """Hosts reading at once: the aggregate rate, how it was shared, and the line rate of
    these hosts' links it is judged against (bandwidth.line_rates, stored when measured)."""

    hosts: list[str]
    read_bytes_per_s: float | None
    per_host_read_bytes_per_s: dict[str, float | None]
    per_link_read_bytes_per_s: dict[str, dict[str, float | None]]  # host -> port -> bytes/s
    line_rate_bytes_per_s: float | None  # None in files written before it was stored
    per_host_line_rate_bytes_per_s: dict[str, float | None] = field(default_factory=dict)
    errors: int = 0
    start_skew_s: float | None = None  # last host's I/O window began this much later

    @property
    def fairness(self) -> float | None:
        """Slowest host / fastest host."""
        rates = [r for r in self.per_host_read_bytes_per_s.values() if r is not None]
        return round(min(rates) / max(rates), 3) if rates and max(rates) > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "fairness": self.fairness}

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FleetStep:
        def per_host(key: str) -> dict[str, float | None]:
            return {str(h): as_float(v) for h, v in as_map(data.get(key)).items()}

        return scalars(
            cls,
            data,
            hosts=[str(h) for h in as_list(data.get("hosts"))],
            per_host_read_bytes_per_s=per_host("per_host_read_bytes_per_s"),
            per_link_read_bytes_per_s={
                str(h): {str(p): as_float(v) for p, v in as_map(ports).items()}
                for h, ports in as_map(data.get("per_link_read_bytes_per_s")).items()
            },
            per_host_line_rate_bytes_per_s=per_host("per_host_line_rate_bytes_per_s"),
            errors=as_int(data.get("errors")) or 0,
        )


@dataclass
class WorkloadIO:
    """File-per-sample reads of one image size on one host, as a training input pipeline
    does (the `workload_io[SIZE]` object of results.json)."""

    files_per_s: float | None
    read_bytes_per_s: float | None
    p50_latency_ms: float | None
    p99_latency_ms: float | None
    files: int | None
    file_bytes: int | None
    readers: int | None
    errors: int = 0
    error_text: str = ""
    links: dict[str, dict[str, float | None]] = field(default_factory=dict)  # port -> figures

    @property
    def read_links(self) -> dict[str, float | None]:
        """port -> read bytes/s (fio's rate split by where the bytes arrived)."""
        return {port: link.get("read_bytes_per_s") for port, link in self.links.items()}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> WorkloadIO:
        links = {
            str(port): {"read_bytes_per_s": rate}
            for port, rate in port_rates(data.get("links"), "read_bytes_per_s").items()
        }
        return scalars(cls, data, errors=as_int(data.get("errors")) or 0, links=links)


@dataclass
class Checkpoint:
    """A checkpoint shard written and restored by one host (the `checkpoint` object of a
    host in results.json), with the figures derived from the passes stored."""

    model: str
    model_bytes: float | None
    model_bytes_per_host: float | None  # the host's full share of the checkpoint
    hosts_per_checkpoint: int | None
    bytes: float | None  # what was measured (a shard of the share in the lab)
    ranks: int | None
    write_bytes_per_s: float | None
    restore_bytes_per_s: float | None
    write_s: float | None  # the host's full share at the measured write rate
    restore_s: float | None
    verified: bool | None
    interval_min_s: float | None  # shortest interval whose write stays within the budget
    budget: float | None  # share of the interval the write may take
    # port -> write_bytes_per_s, restore_bytes_per_s, planned_share
    links: dict[str, dict[str, float | None]] = field(default_factory=dict)
    write: dict[str, Any] = field(default_factory=dict)  # the write pass as measured
    restore: dict[str, Any] = field(default_factory=dict)

    @property
    def write_links(self) -> dict[str, float | None]:
        return {p: link.get("write_bytes_per_s") for p, link in self.links.items()}

    @property
    def restore_links(self) -> dict[str, float | None]:
        return {p: link.get("restore_bytes_per_s") for p, link in self.links.items()}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Checkpoint:
        keys = ("write_bytes_per_s", "restore_bytes_per_s", "planned_share")
        return scalars(
            cls,
            data,
            model=as_str(data.get("model"), "checkpoint"),
            links={
                str(port): {k: as_float(as_map(link).get(k)) for k in keys}
                for port, link in as_map(data.get("links")).items()
            },
            write=dict(as_map(data.get("write"))),
            restore=dict(as_map(data.get("restore"))),
        )


@dataclass
class FleetWorkload:
    """A sizing row at fleet scale: how many hosts the array feeds for this workload."""

    model: str
    image_size: str
    required_bytes_per_s: float | None  # per host
    capacity_bytes_per_s: float | None  # the array's rate it is judged by
    source: str  # "workload_io" (all hosts' file-per-sample reads) or "bandwidth"
    hosts_fed: int | None
    at_least: bool | None  # no limit was found: the array may feed more

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FleetWorkload:
        return scalars(cls, data)


@dataclass
class FleetWorkloadIO:
    """Every host's file-per-sample reads of one image size at once."""

    hosts: int | None
    files_per_s: float | None  # every host's files over the span of their I/O windows
    read_bytes_per_s: float | None
    window_s: float | None
    start_skew_s: float | None
    p99_latency_ms: float | None
    errors: int = 0
    per_host_files_per_s: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FleetWorkloadIO:
        per_host = as_map(data.get("per_host_files_per_s"))
        return scalars(
            cls,
            data,
            errors=as_int(data.get("errors")) or 0,
            per_host_files_per_s={str(h): as_float(v) for h, v in per_host.items()},
        )


@dataclass
class FleetCheckpoint:
    """Every host's checkpoint shard written at once, then restored at once."""

    hosts: int | None
    bytes: float | None
    write_bytes_per_s: float | None
    restore_bytes_per_s: float | None
    verified: bool | None
    write_s: float | None
    interval_min_s: float | None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FleetCheckpoint:
        return scalars(cls, data, errors=[str(e) for e in as_list(data.get("errors"))])


@dataclass
class Fleet:
    """All hosts at once (the `fleet` object of results.json, when 2+ hosts ran)."""

    steps: list[FleetStep]
    array_limit_bytes_per_s: float | None  # None: the array was never the bottleneck
    hosts_fed_at_line_rate: int | None
    hosts_fed_at_least: bool | None  # the array fed every measured host; it may feed more
    knee_hosts: int | None  # the first step whose hosts did not get their line rate
    training_share: float | None  # share of the array the workload table gives training
    workloads: list[FleetWorkload] = field(default_factory=list)
    workload_io: dict[str, FleetWorkloadIO] = field(default_factory=dict)
    checkpoint: FleetCheckpoint | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "steps": [s.to_json() for s in self.steps]}

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Fleet:
        return scalars(
            cls,
            data,
            steps=parse_list(FleetStep, data.get("steps")),
            workloads=parse_list(FleetWorkload, data.get("workloads")),
            workload_io=parse_map(FleetWorkloadIO, data.get("workload_io")),
            checkpoint=parse_optional(FleetCheckpoint, data.get("checkpoint")),
        )


@dataclass
class SizingRow:
    """A workload at one image size against what this host measured: fed or not."""

    workload: str
    image_size: str
    required_bytes_per_s: float | None
    measured_bytes_per_s: float | None
    fed: bool
    headroom: float | None
    source: str = ""  # "workload_io" (file-per-sample reads) or "bandwidth" (big blocks)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SizingRow:
        return scalars(cls, data)
