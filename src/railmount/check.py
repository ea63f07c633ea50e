"""Turn raw Ansible variables into the typed model, collecting every problem at once.

Each problem names the host (or `all` for group-wide keys), the dotted field and a fix,
so `railmount check` and the first play of site.yml can refuse a bad inventory before
any host is touched.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any, TypeVar

from railmount.model import (
    Array,
    ArrayLink,
    CheckpointSettings,
    Client,
    FailoverSettings,
    FleetSettings,
    Inventory,
    LabSettings,
    NfsOptions,
    Port,
    RolloutSettings,
    SizingRow,
    SizingSettings,
    ValidateSettings,
    Vip,
    WorkloadSettings,
)

CLIENT_GROUP = "storage_clients"
SWITCH_GROUP = "switches"
GLOBAL_KEYS = (
    "railmount_array",
    "railmount_nfs",
    "railmount_validate",
    "railmount_rollout",
    "railmount_failover",
    "railmount_sizing",
    "railmount_lab",
)
CLIENT_KEYS = ("railmount_ports", "railmount_vip_ports", "railmount_management_interface")
KNOWN_KEYS = GLOBAL_KEYS + CLIENT_KEYS
# Options railmount sets itself from railmount_nfs; in extra_options they would conflict.
MANAGED_OPTIONS = ("vers", "nfsvers", "proto", "rsize", "wsize", "hard", "soft", "nconnect", "fsc")
IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    host: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.host}: {self.field}: {self.message} — fix: {self.fix}"


class InventoryError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Reader:
    """Reads one mapping, recording problems against `host` and a dotted path."""

    def __init__(self, problems: list[Problem], host: str, path: str, data: Any) -> None:
        self.problems = problems
        self.host = host
        self.path = path
        self.ok = isinstance(data, Mapping)
        self.data: Mapping[str, Any] = data if self.ok else {}
        if not self.ok and data is not None:
            self.fail(f"expected a mapping, got {type(data).__name__}", "write it as key: value")

    def at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, message: str, fix: str, key: str | int | None = None) -> None:
        where = self.path if key is None else self.at(key)
        self.problems.append(Problem(self.host, where, message, fix))

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (
                    f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(allowed)}"
                )
                self.fail("unknown key", f"remove it or correct the spelling ({hint})", str(key))

    def value(
        self,
        key: str,
        kind: str,
        parse: Callable[[Any], T],
        default: T | None = None,
        required: bool = False,
        fix: str = "",
    ) -> T | None:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail("missing", fix or f"set {self.at(key)}", key)
            return default
        raw = self.data[key]
        try:
            return parse(raw)
        except (ValueError, TypeError) as err:
            detail = f": {err}" if str(err) else ""
            self.fail(f"{raw!r} is not {kind}{detail}", fix or f"give {kind}", key)
            return None

    def child(self, key: str) -> Reader:
        return Reader(self.problems, self.host, self.at(key), self.data.get(key))

    def items(self, key: str) -> list[Reader]:
        raw = self.data.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail(f"expected a list, got {type(raw).__name__}", "write it as a YAML list", key)
            return []
        return [
            Reader(self.problems, self.host, f"{self.at(key)}[{i}]", v) for i, v in enumerate(raw)
        ]


def _str(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise ValueError
    return raw


def _name(raw: Any) -> str:
    if not isinstance(raw, str) or not NAME.match(raw):
        raise ValueError("letters, digits, '.', '_' and '-' only")
    return raw


def _ifname(raw: Any) -> str:
    if not isinstance(raw, str) or not IFNAME.match(raw):
        raise ValueError("1-15 characters of letters, digits, '.', '_', '-'")
    return raw


def _abs_path(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.startswith("/"):
        raise ValueError("relative")
    return raw.rstrip("/") or "/"


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            raise ValueError(f"must be an integer from {lo} to {hi}")
        return raw

    return parse


def _float(lo: float, hi: float) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not lo <= raw <= hi:
            raise ValueError(f"must be a number from {lo} to {hi}")
        return float(raw)

    return parse


def _bool(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("must be true or false")
    return raw


def _mac(raw: Any) -> str:
    if isinstance(raw, int):
        # YAML 1.1 reads an unquoted 02:00:00:00:01:01 as a base-60 number.
        raise ValueError("YAML read it as a number; quote the MAC")
    if not isinstance(raw, str) or not MAC.match(raw.lower()):
        raise ValueError("expected six hex pairs like 02:00:00:00:01:01")
    if int(raw[:2], 16) & 1:
        raise ValueError("multicast MAC (first octet is odd)")
    return raw.lower()


def _ip(raw: Any) -> IPv4Address:
    if not isinstance(raw, str) or "/" in raw:
        raise ValueError("expected a plain IPv4 address like 10.21.115.6")
    return IPv4Address(raw)


def _host_cidr(raw: Any) -> IPv4Interface:
    if not isinstance(raw, str) or "/" not in raw:
        raise ValueError("expected address/prefix like 10.21.115.120/24")
    iface = IPv4Interface(raw)
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        raise ValueError("that is the network or broadcast address of its subnet")
    return iface


def _network(raw: Any) -> IPv4Network:
    if not isinstance(raw, str) or "/" not in raw:
        raise ValueError("expected network/prefix like 10.21.115.0/24")
    return IPv4Network(raw)


def _nfs_version(raw: Any) -> str:
    text = str(raw)
    if text not in ("3", "4.1", "4.2"):
        raise ValueError("supported: 3, 4.1, 4.2")
    return text


def _proto(raw: Any) -> str:
    # A ValueError, not a KeyError: Reader.value turns it into a Problem.
    if raw != "tcp":
        raise ValueError("only tcp is supported")
    return raw


def _size(raw: Any) -> int:
    value = _int(4096, 1048576)(raw)
    if value & (value - 1):
        raise ValueError("must be a power of two")
    return value


def _options(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(o, str) and o for o in raw):
        raise ValueError("expected a list of option strings")
    for opt in raw:
        if opt.split("=", 1)[0] in MANAGED_OPTIONS:
            raise ValueError(f"'{opt}' is managed by railmount_nfs; set that key instead")
    return tuple(raw)


def _batch(raw: Any) -> int | str:
    text = str(raw)
    if isinstance(raw, bool) or not re.fullmatch(r"[1-9][0-9]*%?", text):
        raise ValueError("expected a count like 1 or a percentage like 50%")
    if text.endswith("%"):
        if int(text[:-1]) > 100:
            raise ValueError("a percentage is at most 100%")
        return text
    return int(text)


def _serial(raw: Any) -> tuple[int | str, ...]:
    if isinstance(raw, list):
        if not raw:
            raise ValueError("an empty list; give batch sizes like [1, 25%, 100%]")
        return tuple(_batch(item) for item in raw)
    return (_batch(raw),)


def _size_label(raw: Any) -> str:
    if not isinstance(raw, str) or not re.fullmatch(r"[1-9][0-9]*(KB|MB|KiB|MiB)", raw):
        raise ValueError("expected a size like 150KB or 1MB")
    return raw


def _tuple_of(parse: Callable[[Any], T]) -> Callable[[Any], tuple[T, ...]]:
    def parse_list(raw: Any) -> tuple[T, ...]:
        if not isinstance(raw, list) or not raw:
            raise ValueError("expected a non-empty list")
        return tuple(parse(item) for item in raw)

    return parse_list


def _settings(reader: Reader, cls: type[T], parsers: Mapping[str, Callable[[Any], Any]]) -> T:
    """Read a flat settings mapping whose keys are the dataclass fields."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    reader.reject_unknown(names)
    values = {}
    for name in names:
        value = reader.value(name, "valid", parsers[name], fix=f"correct {reader.at(name)}")
        if value is not None:
            values[name] = value
    return cls(**values)


def _read_vips(array: Reader, subnet: IPv4Network | None, mount_root: str) -> tuple[Vip, ...]:
    readers = array.items("vips")
    if not readers:
        array.fail("no VIPs", "list the array's data VIPs under vips: [{name, address}]", "vips")
    vips: list[Vip] = []
    names: dict[str, str] = {}
    addresses: dict[IPv4Address, str] = {}
    for vip in readers:
        vip.reject_unknown(["name", "address", "mount_path"])
        name = vip.value("name", "a VIP name", _name, required=True)
        address = vip.value("address", "an IPv4 address", _ip, required=True)
        path = vip.value("mount_path", "an absolute path", _abs_path)
        if name in names:
            vip.fail(
                f"duplicate VIP name (also {names[name]})", "give each VIP its own name", "name"
            )
        if address in addresses:
            vip.fail(
                f"duplicate VIP {address} (also {addresses[address]})", "list it once", "address"
            )
        if address and subnet and address not in subnet:
            vip.fail(
                f"{address} is outside subnet {subnet}", "use an address in the subnet", "address"
            )
        if name is None or address is None or name in names or address in addresses:
            continue  # a duplicate is reported once, not again as a mount path clash
        names[name] = vip.path
        addresses[address] = vip.path
        vips.append(Vip(name, address, path or f"{mount_root.rstrip('/')}/{name}"))
    seen: dict[str, str] = {}
    for vip in vips:
        if vip.mount_path in seen:
            array.fail(
                f"mount path {vip.mount_path} used by VIPs {seen[vip.mount_path]} and {vip.name}",
                "give each VIP its own mount_path",
                "vips",
            )
        seen[vip.mount_path] = vip.name
    return tuple(vips)


def _read_array(reader: Reader, mount_root: str) -> Array | None:
    reader.reject_unknown(["name", "filesystem", "export", "subnet", "vips"])
    name = reader.value("name", "a name", _name, required=True)
    filesystem = reader.value("filesystem", "a filesystem name", _name, required=True)
    export = reader.value(
        "export", "an absolute path", _abs_path, required=True, fix="write it like /nfs0"
    )
    subnet = reader.value(
        "subnet", "an IPv4 network", _network, required=True, fix="write it like 10.21.115.0/24"
    )
    vips = _read_vips(reader, subnet, mount_root)
    if subnet is None or not vips:
        return None
    # Incomplete but usable for the cross-host checks; build_inventory still fails on
    # the problems recorded above, so placeholders never reach a plan.
    return Array(name or "?", filesystem or "?", export or "?", subnet, vips)


def _read_nfs(reader: Reader) -> NfsOptions:
    return _settings(
        reader,
        NfsOptions,
        {
            "version": _nfs_version,
            "proto": _proto,
            "rsize": _size,
            "wsize": _size,
            "hard": _bool,
            "nconnect": _int(1, 16),
            "extra_options": _options,
            "mount_root": _abs_path,
        },
    )


def _read_ports(reader: Reader, switches: tuple[str, ...]) -> tuple[Port, ...]:
    items = reader.items("railmount_ports")
    if not items:
        reader.fail("no storage ports", "list the host's storage ports", "railmount_ports")
    ports: list[Port] = []
    names: set[str] = set()
    for item in items:
        item.reject_unknown(["name", "mac", "address", "switch", "mtu", "speed_mbps"])
        name = item.value("name", "an interface name", _ifname, required=True)
        mac = item.value(
            "mac", "a MAC address", _mac, required=True, fix='quote it: "02:00:00:00:01:01"'
        )
        address = item.value("address", "an IPv4 address/prefix", _host_cidr, required=True)
        switch = item.value(
            "switch",
            "a switch name",
            _str,
            required=True,
            fix=f"name the switch it is cabled to, one of: {', '.join(switches)}",
        )
        mtu = item.value("mtu", "an MTU", _int(1280, 9216), default=1500)
        speed = item.value("speed_mbps", "a line rate in Mbit/s", _int(1, 800000))
        if switch is not None and switch not in switches:
            item.fail(
                f"unknown switch '{switch}'",
                f"add it to the '{SWITCH_GROUP}' group or use one of: {', '.join(switches)}",
                "switch",
            )
            switch = None
        if name in names:
            item.fail(f"duplicate port name {name}", "give each port its own name", "name")
        if None in (name, mac, address, switch, mtu):
            continue
        names.add(name)  # type: ignore[arg-type]
        ports.append(Port(name, mac, address, switch, mtu, speed))  # type: ignore[arg-type]
    return tuple(ports)


def _read_client(
    host: str, hostvars: Mapping[str, Any], switches: tuple[str, ...], problems: list[Problem]
) -> Client:
    reader = Reader(problems, host, "", hostvars)
    ports = _read_ports(reader, switches)
    mgmt = reader.value("railmount_management_interface", "an interface name", _ifname)
    if mgmt and any(p.name == mgmt for p in ports):
        reader.fail(
            f"port {mgmt} is also the management interface",
            "never list the management interface as a storage port",
            "railmount_ports",
        )
    overrides = reader.data.get("railmount_vip_ports") or {}
    if not isinstance(overrides, Mapping):
        reader.fail(
            "expected a mapping VIP name -> port name", "write {nfs2: em1}", "railmount_vip_ports"
        )
        overrides = {}
    return Client(host, ports, {str(k): str(v) for k, v in overrides.items()}, mgmt)


def _read_lab(reader: Reader) -> LabSettings:
    reader.reject_unknown(
        ["guest_cpus", "guest_memory_mb", "ssh_port_base", "array_links", "array_rate_mbit"]
    )
    links = []
    for item in reader.items("array_links"):
        item.reject_unknown(["name", "switch", "address"])
        name = item.value("name", "an interface name", _ifname, required=True)
        switch = item.value("switch", "a switch name", _str, required=True)
        address = item.value("address", "an IPv4 address/prefix", _host_cidr, required=True)
        if None not in (name, switch, address):
            links.append(ArrayLink(name, switch, address))  # type: ignore[arg-type]
    return LabSettings(
        guest_cpus=reader.value("guest_cpus", "a CPU count", _int(1, 8), default=2),  # type: ignore[arg-type]
        guest_memory_mb=reader.value("guest_memory_mb", "MiB", _int(256, 16384), default=1024),  # type: ignore[arg-type]
        ssh_port_base=reader.value("ssh_port_base", "a TCP port", _int(1024, 65000), default=2221),  # type: ignore[arg-type]
        array_links=tuple(links),
        array_rate_mbit=reader.value("array_rate_mbit", "a rate in Mbit/s", _int(1, 10_000_000)),
    )


def _cross_checks(
    inv_array: Array,
    clients: list[Client],
    lab: LabSettings | None,
    switches: tuple[str, ...],
    problems: list[Problem],
) -> None:
    """Checks that span hosts: unique addresses and MACs, subnet membership, overrides."""
    vip_addresses = {v.address: v.name for v in inv_array.vips}
    vip_names = {v.name for v in inv_array.vips}
    owners: dict[object, str] = {}

    def claim(key: object, host: str, field: str, what: str) -> None:
        if key in owners:
            problems.append(
                Problem(
                    host,
                    field,
                    f"{what} already used by {owners[key]}",
                    "give every port its own address and MAC",
                )
            )
        else:
            owners[key] = f"{host} {field}"

    for client in clients:
        for i, port in enumerate(client.ports):
            field = f"railmount_ports[{i}]"
            if port.interface.ip in vip_addresses:
                problems.append(
                    Problem(
                        client.name,
                        f"{field}.address",
                        f"{port.interface.ip} is VIP {vip_addresses[port.interface.ip]}",
                        "use an address the array does not serve",
                    )
                )
            if port.interface.network != inv_array.subnet:
                problems.append(
                    Problem(
                        client.name,
                        f"{field}.address",
                        f"{port.interface} is not in the VIPs' subnet {inv_array.subnet}",
                        f"use an address/prefix in {inv_array.subnet}",
                    )
                )
            claim(
                ("ip", port.interface.ip), client.name, f"{field}.address", str(port.interface.ip)
            )
            claim(("mac", port.mac), client.name, f"{field}.mac", port.mac)
        port_names = {p.name for p in client.ports}
        for vip, port in client.vip_ports.items():
            field = f"railmount_vip_ports.{vip}"
            if vip not in vip_names:
                problems.append(
                    Problem(
                        client.name,
                        field,
                        f"unknown VIP '{vip}'",
                        f"use one of: {', '.join(sorted(vip_names))}",
                    )
                )
            if port not in port_names:
                problems.append(
                    Problem(
                        client.name,
                        field,
                        f"unknown port '{port}'",
                        f"use one of: {', '.join(sorted(port_names))}",
                    )
                )
    for i, link in enumerate(lab.array_links if lab else ()):
        field = f"railmount_lab.array_links[{i}]"
        if link.switch not in switches:
            problems.append(
                Problem(
                    "all",
                    f"{field}.switch",
                    f"unknown switch '{link.switch}'",
                    f"use one of: {', '.join(switches)}",
                )
            )
        if link.interface.network != inv_array.subnet:
            problems.append(
                Problem(
                    "all",
                    f"{field}.address",
                    f"not in subnet {inv_array.subnet}",
                    f"use an address/prefix in {inv_array.subnet}",
                )
            )
        if link.interface.ip in vip_addresses:
            problems.append(Problem("all", f"{field}.address", "is a VIP", "use a free address"))
        claim(("ip", link.interface.ip), "all", f"{field}.address", str(link.interface.ip))


def build_inventory(
    groups: Mapping[str, list[str]], hostvars: Mapping[str, Mapping[str, Any]]
) -> Inventory:
    """Build and check the whole model; raise InventoryError listing every problem."""
    problems: list[Problem] = []
    clients_names = list(groups.get(CLIENT_GROUP, []))
    switches = tuple(groups.get(SWITCH_GROUP, []))
    if not clients_names:
        problems.append(
            Problem(
                "all",
                f"groups.{CLIENT_GROUP}",
                "no storage clients",
                f"put the GPU servers in the '{CLIENT_GROUP}' group",
            )
        )
        raise InventoryError(problems)
    if not switches:
        problems.append(
            Problem(
                "all",
                f"groups.{SWITCH_GROUP}",
                "no switches",
                f"list the top-of-rack switches in the '{SWITCH_GROUP}' group",
            )
        )

    # Unknown railmount_* keys. One set in all.vars reaches every host: report it once.
    hosts = list(dict.fromkeys([*clients_names, *switches]))
    unknown: dict[str, list[str]] = {}
    for host in hosts:
        allowed = KNOWN_KEYS if host in clients_names else GLOBAL_KEYS
        for key in hostvars.get(host, {}):
            if key.startswith("railmount_") and key not in allowed:
                unknown.setdefault(key, []).append(host)
    for key, where in unknown.items():
        values = [hostvars[h][key] for h in where]
        everywhere = where == hosts and all(v == values[0] for v in values)
        for host in ["all"] if everywhere else where:
            allowed = KNOWN_KEYS if host == "all" or host in clients_names else GLOBAL_KEYS
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "it is not a railmount key"
            problems.append(Problem(host, key, "unknown key", f"remove or rename it ({hint})"))

    # Group-wide settings: read once (from the first client) and reported against `all`.
    first = hostvars.get(clients_names[0], {})
    for host in clients_names[1:]:
        for key in GLOBAL_KEYS:
            if hostvars.get(host, {}).get(key) != first.get(key):
                problems.append(
                    Problem(
                        host,
                        key,
                        f"differs from {clients_names[0]}'s",
                        "define it once, in all.vars",
                    )
                )
    top = Reader(problems, "all", "", first)
    nfs = _read_nfs(top.child("railmount_nfs"))
    array = _read_array(top.child("railmount_array"), nfs.mount_root)
    if "railmount_array" not in first:
        top.fail(
            "missing",
            "define railmount_array (name, filesystem, export, subnet, vips) in all.vars",
            "railmount_array",
        )
    validate = _settings(
        top.child("railmount_validate"),
        ValidateSettings,
        {
            "link_min_ratio": _float(0.0, 1.0),
            "link_balance": _float(0.0, 1.0),
            "single_mount_max_links": _float(0.5, 4.0),
            "all_vs_single_min": _float(0.0, 64.0),
            "stray_max_ratio": _float(0.0, 1.0),
            "fio_runtime_s": _int(2, 600),
            "fio_block_size": _str,
            "file_size_mb": _int(1, 65536),
            "test_dir": _name,
            "fault_max_stall_s": _float(0.0, 600.0),
            "fault_max_resume_s": _float(0.0, 600.0),
            "workload": lambda raw: _settings(
                Reader(problems, "all", "railmount_validate.workload", raw),
                WorkloadSettings,
                {
                    "enabled": _bool,
                    "image_sizes": _tuple_of(_size_label),
                    "dataset_mb": _int(1, 10_000_000),
                    "readers_per_mount": _int(1, 256),
                    "runtime_s": _int(2, 3600),
                },
            ),
            "checkpoint": lambda raw: _settings(
                Reader(problems, "all", "railmount_validate.checkpoint", raw),
                CheckpointSettings,
                {
                    "enabled": _bool,
                    "model": _name,
                    "parameters": _float(1e6, 1e14),
                    "bytes_per_parameter": _float(0.5, 64.0),
                    "gpus_per_host": _int(1, 64),
                    "shard_mb": _int(1, 100_000_000),
                    "write_budget": _float(0.001, 1.0),
                },
            ),
            "fleet": lambda raw: _settings(
                Reader(problems, "all", "railmount_validate.fleet", raw),
                FleetSettings,
                {
                    "enabled": _bool,
                    "steps": _tuple_of(_int(1, 100_000)),
                    "training_share": _float(0.01, 1.0),
                },
            ),
        },
    )
    sizing_reader = top.child("railmount_sizing")
    sizing_reader.reject_unknown(["reference", "workloads"])
    rows = []
    for item in sizing_reader.items("workloads"):
        item.reject_unknown(["name", "image_size", "read_mb_s"])
        name = item.value("name", "a workload name", _str, required=True)
        size = item.value("image_size", "an image size", _size_label, required=True)
        rate = item.value("read_mb_s", "a rate in MB/s", _float(0.001, 1e9), required=True)
        if None not in (name, size, rate):
            rows.append(SizingRow(name, size, rate))  # type: ignore[arg-type]
    sizing = SizingSettings(
        reference=sizing_reader.value("reference", "true or false", _bool, default=True),  # type: ignore[arg-type]
        workloads=tuple(rows),
    )
    rollout = _settings(
        top.child("railmount_rollout"),
        RolloutSettings,
        {"serial": _serial, "max_fail_percentage": _int(0, 100)},
    )
    failover = _settings(top.child("railmount_failover"), FailoverSettings, {"enabled": _bool})
    lab = _read_lab(top.child("railmount_lab")) if "railmount_lab" in first else None

    clients = [_read_client(h, hostvars.get(h, {}), switches, problems) for h in clients_names]
    if array is not None:
        _cross_checks(array, clients, lab, switches, problems)
    if problems or array is None:
        raise InventoryError(problems)  # every problem of every host, at once
    return Inventory(array, nfs, tuple(clients), switches, validate, rollout, failover, sizing, lab)
