"""Value types of the inventory schema: parsing, refusal with a reason and a fix, and docs.

Each type is `Annotated[T, PlainValidator(...), Doc(...)]`: the validator takes the raw
YAML value (never coerced by pydantic), returns the typed value or raises `Invalid`, which
the checker turns into `'<raw>' is not <kind>: <detail> — fix: <fix>`. `Doc` feeds the
README key table and the roles' argument_specs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import (
    AddressValueError,
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    NetmaskValueError,
)
from typing import Annotated, Any

import netaddr
from pydantic import AfterValidator, BeforeValidator, PlainValidator
from pydantic_core import PydanticCustomError

from railmount import paths
from railmount.nfs import option_problem

ERROR_TYPE = "railmount"  # pydantic error type of every refusal raised here


@dataclass(frozen=True)
class Doc:
    """How a value type is documented: README values column, argument_specs type."""

    kind: str  # noun phrase for messages: "a MAC address"
    values: str = ""  # what is accepted, for the README
    argspec: str = "str"  # Ansible argument_spec type
    choices: tuple[Any, ...] = ()
    fix: str = ""  # when the refusal itself names none


class Invalid(ValueError):
    """A refused value: `detail` says why, `fix` what to write instead ('' = generic)."""

    def __init__(self, detail: str, fix: str = "", *, whole: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix
        self.whole = whole  # detail is the whole message (it quotes the value itself)


def refusal(kind: str, detail: str, fix: str, fallback: str = "") -> PydanticCustomError:
    """`fix` is the refusal's own; `fallback` applies when neither it nor the field has one."""
    ctx = {"kind": kind, "detail": detail, "fix": fix, "fallback": fallback}
    return PydanticCustomError(ERROR_TYPE, "{detail}", ctx)


def value_type(tp: Any, doc: Doc, parse: Callable[[Any], Any]) -> Any:
    """An Annotated type validated by `parse` alone (no pydantic coercion)."""

    def validate(raw: Any) -> Any:
        try:
            return parse(raw)
        except Invalid as err:
            kind = "" if err.whole else doc.kind
            raise refusal(kind, err.detail, err.fix, doc.fix or f"give {doc.kind}") from None

    return Annotated[tp, PlainValidator(validate), doc]


# --- text --------------------------------------------------------------------------------


def yaml_hint(raw: Any) -> str:
    """Why a non-string arrived where text was expected (YAML 1.1 typing)."""
    if isinstance(raw, bool):
        return "YAML read it as true/false; quote it"
    if isinstance(raw, int | float):
        return "YAML read it as a number; quote it"
    return f"expected text, got {type(raw).__name__}"


def text(raw: Any) -> str:
    """A non-empty string without leading or trailing whitespace."""
    if not isinstance(raw, str):
        raise Invalid(yaml_hint(raw))
    if not raw.strip():
        raise Invalid("empty")
    if raw != raw.strip():
        raise Invalid(
            "has leading or trailing whitespace (a YAML block scalar adds a newline)",
            f"write it as {raw.strip()!r}",
        )
    return raw


def matching(pattern: str, detail: str) -> Callable[[Any], str]:
    """Text that matches `pattern` whole (fullmatch: `$` would let a trailing newline by)."""
    regex = re.compile(pattern)

    def parse(raw: Any) -> str:
        value = text(raw)
        if not regex.fullmatch(value):
            raise Invalid(detail)
        return value

    return parse


name = matching(
    r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}",
    "letters, digits, '.', '_' and '-' only, starting with a letter or digit",
)


# Interface names: the kernel refuses '/', ':', whitespace, '.', '..' and more than 15 bytes;
# sysctl has net.ipv4.conf.{all,default}; a dot makes net.ipv4.conf.em1.2115.* a wrong path.
IFNAME = re.compile(r"[A-Za-z0-9_-]{1,15}")
IFNAME_RESERVED = {
    "all": "'all' is the sysctl scope of every interface (net.ipv4.conf.all)",
    "default": "'default' is the sysctl scope of new interfaces (net.ipv4.conf.default)",
    "lo": "'lo' is the loopback interface",
}
IFNAME_FIX = "rename the port (netplan set-name) to 1-15 letters, digits, '_' or '-'"
VLAN_FIX = (
    "tag the storage VLAN on the switch port (access mode) and use the port itself, "
    "or rename the port without a dot"
)


def ifname(raw: Any) -> str:
    value = text(raw)
    if value in IFNAME_RESERVED:
        raise Invalid(IFNAME_RESERVED[value], "use the port's real interface name")
    if value in (".", ".."):
        raise Invalid("the kernel refuses '.' and '..' as interface names", IFNAME_FIX)
    if "." in value:
        raise Invalid(
            "a dot in an interface name (VLAN-style) turns net.ipv4.conf.<name>.* into a "
            "wrong sysctl path; VLAN sub-interfaces are not supported",
            VLAN_FIX,
        )
    if re.search(r"[/:\s]", value):
        raise Invalid("the kernel refuses '/', ':' and whitespace in interface names", IFNAME_FIX)
    if len(value.encode()) > 15:
        raise Invalid("longer than 15 bytes (the kernel's IFNAMSIZ limit)", IFNAME_FIX)
    if not IFNAME.fullmatch(value):
        raise Invalid("letters, digits, '_' and '-' only", IFNAME_FIX)
    return value


MAC_CHARS = re.compile(r"[0-9A-Fa-f:.-]+")
MAC_CANONICAL = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")


def mac(raw: Any) -> str:
    """Any notation netaddr reads (colons, dashes, Cisco dots, bare hex) -> aa:bb:cc:dd:ee:ff."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        # YAML 1.1 reads an unquoted 52:54:00:12:34:56 as a base-60 number.
        raise Invalid("YAML read it as a number; quote the MAC")
    value = text(raw)
    if MAC_CANONICAL.fullmatch(value.lower()):  # the usual notation: no netaddr needed (fast)
        normal = value.lower()
    elif MAC_CHARS.fullmatch(value):
        try:
            normal = str(netaddr.EUI(value, version=48, dialect=netaddr.mac_unix_expanded))
        except (netaddr.AddrFormatError, TypeError, ValueError):
            raise Invalid("expected six hex pairs like 02:00:00:00:01:01") from None
    else:
        raise Invalid("expected six hex pairs like 02:00:00:00:01:01")
    number = int(normal.replace(":", ""), 16)
    if number == 0:
        raise Invalid("the all-zero MAC is no NIC's address", "use the port's burned-in MAC")
    if number == (1 << 48) - 1:
        raise Invalid("the broadcast MAC is no NIC's address", "use the port's burned-in MAC")
    if number >> 40 & 1:
        raise Invalid("multicast MAC (first octet is odd)", "use the port's burned-in MAC")
    return normal


# --- addresses ---------------------------------------------------------------------------


def ipv4(raw: Any) -> IPv4Address:
    if isinstance(raw, IPv4Address):
        return raw
    value = text(raw)
    if "/" in value:
        raise Invalid("expected a plain IPv4 address like 10.21.115.6")
    try:
        return IPv4Address(value)
    except AddressValueError as err:
        raise Invalid(str(err)) from None


def host_cidr(raw: Any) -> IPv4Interface:
    if isinstance(raw, IPv4Interface):
        return raw
    value = text(raw)
    if "/" not in value:
        raise Invalid("expected address/prefix like 10.21.115.120/24")
    try:
        iface = IPv4Interface(value)
    except (AddressValueError, NetmaskValueError, ValueError) as err:
        raise Invalid(str(err)) from None
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        raise Invalid(
            "that is the network or broadcast address of its subnet",
            "use a host address of the subnet",
        )
    return iface


def subnet(raw: Any) -> IPv4Network:
    if isinstance(raw, IPv4Network):
        return raw
    value = text(raw)
    if "/" not in value:
        raise Invalid("expected network/prefix like 10.21.115.0/24")
    try:
        net = IPv4Network(value, strict=False)
    except (AddressValueError, NetmaskValueError, ValueError) as err:
        raise Invalid(str(err), "write it like 10.21.115.0/24") from None
    if str(net) != value and IPv4Interface(value).ip != net.network_address:
        raise Invalid("has host bits set", f"write the network address: {net}")
    if net.prefixlen > 30:
        raise Invalid(
            f"a /{net.prefixlen} has no room for VIPs and ports",
            "use the storage VLAN's real subnet, like 10.21.115.0/24",
        )
    return net


# --- paths -------------------------------------------------------------------------------


def _checked(rule: Callable[[str], tuple[str, str] | None]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = text(raw)
        problem = rule(value)
        if problem:
            raise Invalid(*problem)
        return value

    return parse


def _export_problem(path: str) -> tuple[str, str] | None:
    if path == "/":
        return "the array exports filesystems by name, never '/'", "write it like /nfs0"
    return paths.path_syntax_problem(path)


mount_path = _checked(paths.mount_path_problem)
export_path = _checked(_export_problem)
relative_dir = _checked(paths.relative_dir_problem)


# --- numbers -----------------------------------------------------------------------------


def _quoted_number(raw: Any) -> None:
    """YAML keeps a quoted number as text: say so rather than just 'not a number'."""
    if isinstance(raw, str):
        try:
            float(raw)
        except ValueError:
            return
        raise Invalid("a quoted number is text to YAML", f"write it without quotes: {raw.strip()}")


def integer(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        _quoted_number(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            raise Invalid(
                f"must be an integer from {lo} to {hi}", f"write an integer from {lo} to {hi}"
            )
        return raw

    return parse


def number(lo: float, hi: float) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        _quoted_number(raw)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not lo <= raw <= hi:
            raise Invalid(
                f"must be a number from {lo:g} to {hi:g}", f"write a number from {lo:g} to {hi:g}"
            )
        return float(raw)

    return parse


def boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise Invalid("must be true or false")
    return raw


def power_of_two(lo: int, hi: int) -> Callable[[Any], int]:
    bounded = integer(lo, hi)

    def parse(raw: Any) -> int:
        value = bounded(raw)
        if value & (value - 1):
            raise Invalid("must be a power of two")
        return value

    return parse


FIO_SIZE = re.compile(r"([1-9][0-9]*)([kmg]?)(i?b)?", re.IGNORECASE)
FIO_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}  # fio's default kb_base=1024


def fio_size(lo: int, hi: int) -> Callable[[Any], str]:
    """fio's size syntax (4M, 512k, 1MiB, 1048576), a multiple of 4 KiB (O_DIRECT)."""

    def parse(raw: Any) -> str:
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        value = text(raw)
        match = FIO_SIZE.fullmatch(value)
        if not match or (match.group(3) and not match.group(2)):
            raise Invalid("expected a fio size like 4M, 512k or 1048576", "write it like 4M")
        size = int(match.group(1)) * FIO_UNITS[match.group(2).lower()]
        if not lo <= size <= hi or size % 4096:
            raise Invalid(f"must be a multiple of 4k from {lo >> 10}k to {hi >> 20}M")
        return value

    return parse


# --- NFS and rollout ---------------------------------------------------------------------

# NFS version -> None (supported) or why not. To refuse one, give its reason here.
NFS_VERSIONS: dict[str, str | None] = {"3": None, "4.1": None, "4.2": None}


def nfs_version(raw: Any) -> str:
    value = str(raw).strip() if isinstance(raw, int | float | str) else ""
    supported = ", ".join(v for v, why in NFS_VERSIONS.items() if why is None)
    if isinstance(raw, bool) or value not in NFS_VERSIONS:
        hint = "; plain 4 lets client and server pick the minor version" if value == "4" else ""
        raise Invalid(f"supported: {supported}{hint}", f"write one of: {supported}")
    reason = NFS_VERSIONS[value]
    if reason:
        raise Invalid(f"{reason} (supported: {supported})", f"write one of: {supported}")
    return value


def proto(raw: Any) -> str:
    if raw != "tcp":
        raise Invalid("only tcp is supported (one TCP connection per mount and port)", "use tcp")
    return raw


def mount_option(raw: Any) -> str:
    """One extra_options item; commas split it into several mount options."""
    if not isinstance(raw, str):
        raise Invalid(yaml_hint(raw) if not isinstance(raw, dict) else "expected an option")
    for option in raw.split(","):
        problem = option_problem(option)
        if problem:
            why, fix = problem
            where = f" (in {raw!r})" if option != raw else ""
            raise Invalid(f"{why}{where}", fix, whole=True)
    return raw


BATCH = re.compile(r"[1-9][0-9]*%?")


def batch(raw: Any) -> int | str:
    value = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not BATCH.fullmatch(value):
        raise Invalid("expected a host count like 1 or a percentage like 50%")
    if value.endswith("%"):
        if int(value[:-1]) > 100:
            raise Invalid("a percentage is at most 100%")
        return value
    return int(value)


def serial(raw: Any) -> tuple[int | str, ...]:
    """Ansible's serial: one batch size or a list of them (used in turn, the last repeats)."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    if not items:
        raise Invalid("an empty list", "give batch sizes like [1, 25%, 100%]")
    out = []
    for index, item in enumerate(items):
        try:
            out.append(batch(item))
        except Invalid as err:
            where = f" (item {index})" if items is raw else ""
            raise Invalid(
                f"{err.detail}{where}", "write it like 1, 50% or [1, 25%, 100%]"
            ) from None
    return tuple(out)


size_label = matching(
    r"[1-9][0-9]*(KB|MB|KiB|MiB)", "expected a size like 150KB or 1MB (KB/MB = 10^3/10^6 bytes)"
)


def choice(options: Sequence[str]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw not in options:
            raise Invalid(f"one of {', '.join(options)}", f"write one of: {', '.join(options)}")
        return raw

    return parse


# --- lists -------------------------------------------------------------------------------


def _require_list(raw: Any) -> Any:
    if not isinstance(raw, list | tuple):
        got = "a mapping" if isinstance(raw, dict) else type(raw).__name__
        raise refusal("", f"expected a list, got {got}", "write it as a YAML list")
    return raw


def list_of(
    item: Any,
    *,
    empty: tuple[str, str] | None = None,
    check: Callable[[tuple[Any, ...]], None] | None = None,
) -> Any:
    """tuple[item, ...] from a YAML list; `empty`: (message, fix) when it may not be empty;
    `check`: a whole-list rule raising Invalid."""

    def after(value: tuple[Any, ...]) -> tuple[Any, ...]:
        if not value and empty:
            raise refusal("", *empty)
        if check:
            try:
                check(value)
            except Invalid as err:
                raise refusal("", err.detail, err.fix) from None
        return value

    return Annotated[tuple[item, ...], BeforeValidator(_require_list), AfterValidator(after)]


def unique(value: tuple[Any, ...]) -> None:
    seen = set()
    for item in value:
        if item in seen:
            raise Invalid(f"{item!r} is listed twice", "list each once")
        seen.add(item)


def ascending(value: tuple[Any, ...]) -> None:
    if any(b <= a for a, b in itertools.pairwise(value)):
        raise Invalid("must be strictly ascending", f"write them in order: {sorted(set(value))}")


# --- the types ---------------------------------------------------------------------------

Text = value_type(
    str, Doc("text", "non-empty, no leading/trailing spaces", fix="give a non-empty value"), text
)
Name = value_type(
    str,
    Doc(
        "a name",
        "letters, digits, `.` `_` `-`",
        fix="use letters, digits, '.', '_' and '-', like nfs0",
    ),
    name,
)
IfName = value_type(
    str, Doc("an interface name", "1-15 bytes of letters, digits, `_` `-`; no dots"), ifname
)
Mac = value_type(str, Doc("a MAC address", 'unicast, quoted: `"02:00:00:00:01:01"`'), mac)
Ipv4 = value_type(
    IPv4Address, Doc("an IPv4 address", "like 10.21.115.6", fix="write it like 10.21.115.6"), ipv4
)
HostCidr = value_type(
    IPv4Interface,
    Doc("an IPv4 address/prefix", "like 10.21.115.120/24", fix="write it like 10.21.115.120/24"),
    host_cidr,
)
Subnet = value_type(
    IPv4Network,
    Doc(
        "an IPv4 network", "like 10.21.115.0/24; /30 or larger", fix="write it like 10.21.115.0/24"
    ),
    subnet,
)
MountPath = value_type(
    str,
    Doc(
        "a mount path",
        "canonical absolute path, not a system directory",
        fix="write it like /mnt/nfs0",
    ),
    mount_path,
)
ExportPath = value_type(
    str, Doc("an export path", "canonical absolute path", fix="write it like /nfs0"), export_path
)
RelativeDir = value_type(
    str,
    Doc(
        "a directory inside the filesystem",
        "canonical relative path",
        fix="give a directory inside the filesystem, like .railmount",
    ),
    relative_dir,
)
Bool = value_type(
    bool, Doc("true or false", "true/false", "bool", fix="write true or false"), boolean
)
NfsVersion = value_type(str, Doc("an NFS version", ", ".join(NFS_VERSIONS), "raw"), nfs_version)
Proto = value_type(str, Doc("a transport", "tcp", choices=("tcp",)), proto)
MountOption = value_type(str, Doc("a mount option", "not a managed option"), mount_option)
Serial = value_type(
    tuple[int | str, ...],
    Doc("a batch size", "count, N% or a list of them", "raw"),
    serial,
)
SizeLabel = value_type(
    str, Doc("an image size", "like 150KB or 1MB", fix="write it like 150KB or 1MB"), size_label
)
# MLPerf Storage checkpointing (Llama 3): parameters and the GPUs whose shards make one
# checkpoint, by model name (the accepted values of railmount_validate.checkpoint.model).
CHECKPOINT_MODELS: dict[str, tuple[float, int]] = {
    "8B": (8.03e9, 8),
    "70B": (70.6e9, 64),
    "405B": (405.9e9, 512),
    "1T": (1.0e12, 1024),
}
ModelName = value_type(
    str,
    Doc("a checkpoint model", ", ".join(CHECKPOINT_MODELS), choices=tuple(CHECKPOINT_MODELS)),
    choice(tuple(CHECKPOINT_MODELS)),
)


def Choice(kind: str, *options: str) -> Any:
    return value_type(str, Doc(kind, ", ".join(options), choices=options), choice(options))


def Int(lo: int, hi: int, kind: str = "an integer") -> Any:
    return value_type(int, Doc(kind, f"{lo}..{hi}", "int"), integer(lo, hi))


def Float(lo: float, hi: float, kind: str = "a number") -> Any:
    return value_type(float, Doc(kind, f"{lo:g}..{hi:g}", "float"), number(lo, hi))


def PowerOfTwo(lo: int, hi: int) -> Any:
    return value_type(
        int, Doc("a size in bytes", f"power of two, {lo}..{hi}", "int"), power_of_two(lo, hi)
    )


def FioSize(lo: int, hi: int) -> Any:
    doc = Doc(
        "a fio block size",
        f"fio size (4M, 512k, 1048576), 4k multiple, {lo >> 10}k..{hi >> 20}M",
        "raw",
    )
    return value_type(str, doc, fio_size(lo, hi))
