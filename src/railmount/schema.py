"""The inventory schema: which railmount_* keys exist, where, and what each holds.

The sections are the model's pydantic dataclasses (railmount.model); this module adds the
top-level keys and a walker over the types, which `railmount.rules` (messages, did-you-mean),
the roles' argument_specs and the README key table are generated from.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from railmount.intents.model import Fabric
from railmount.model import (
    Array,
    FailoverSettings,
    LabSettings,
    NfsOptions,
    Port,
    RolloutSettings,
    SizingSettings,
    ValidateSettings,
)
from railmount.values import Doc, IfName, Name, list_of, refusal

CLIENT_GROUP = "storage_clients"
SWITCH_GROUP = "switches"


def _require_mapping(raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise refusal(
            "",
            f"expected a mapping VIP name -> port name, got {type(raw).__name__}",
            "write it like {nfs2: em1}",
        )
    return raw


VipPorts = Annotated[dict[Name, IfName], BeforeValidator(_require_mapping)]


@dataclass(frozen=True)
class Key:
    """A top-level inventory key."""

    name: str
    type: Any
    doc: str
    required: bool = False
    missing: tuple[str, str] = ("missing", "")  # (message, fix) when required and absent
    default: Callable[[], Any] | None = None  # the value when absent (None: None)


GLOBAL = (
    Key(
        "railmount_array",
        Array,
        "the array: filesystem, export, the VIPs' subnet and the data VIPs",
        required=True,
        missing=(
            "missing",
            "define railmount_array (name, filesystem, export, subnet, vips) in all.vars",
        ),
    ),
    Key("railmount_nfs", NfsOptions, "NFS mount options", default=NfsOptions),
    Key(
        "railmount_failover",
        FailoverSettings,
        "surviving a dead link or switch",
        default=FailoverSettings,
    ),
    Key("railmount_rollout", RolloutSettings, "batches of the deploy", default=RolloutSettings),
    Key(
        "railmount_validate",
        ValidateSettings,
        "thresholds and sizes of the validation",
        default=ValidateSettings,
    ),
    Key(
        "railmount_sizing", SizingSettings, "read rates the workloads need", default=SizingSettings
    ),
    Key("railmount_lab", LabSettings, "the lab (inventory/lab only)"),
    Key(
        "railmount_fabric",
        Fabric,
        "the data VLAN, the array's filesystem and uplinks, the switches",
    ),
)
CLIENT = (
    Key(
        "railmount_ports",
        list_of(Port, empty=("no storage ports", "list the host's storage ports")),
        "the host's storage ports",
        required=True,
        missing=("no storage ports", "list the host's storage ports"),
    ),
    Key("railmount_vip_ports", VipPorts, "per-VIP override: VIP name -> port name", default=dict),
    Key(
        "railmount_management_interface",
        IfName,
        "the interface Ansible reaches the host through; never touched, never a port",
    ),
)
KEYS = {key.name: key for key in GLOBAL + CLIENT}
GLOBAL_KEYS = tuple(key.name for key in GLOBAL)
CLIENT_KEYS = tuple(key.name for key in CLIENT)
KNOWN_KEYS = GLOBAL_KEYS + CLIENT_KEYS


@functools.cache
def adapter(tp: Any) -> TypeAdapter[Any]:
    """One TypeAdapter per type (building one is the expensive part)."""
    return TypeAdapter(tp)


# --- walking the types -------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One type with what is known about it: its Doc, and whether None is allowed."""

    tp: Any  # bare type: a section class, tuple[X, ...], dict[K, V] or a scalar
    doc: Doc | None
    optional: bool


def node(tp: Any) -> Node:
    """Strip Annotated and `| None` off a type, keeping its Doc."""
    doc = None
    optional = False
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            doc = next((m for m in tp.__metadata__ if isinstance(m, Doc)), doc)
            tp = tp.__origin__
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            optional = optional or len(rest) < len(typing.get_args(tp))
            if len(rest) != 1:
                return Node(tp, doc, optional)
            tp = rest[0]
        else:
            return Node(tp, doc, optional)


def is_section(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__pydantic_fields__")


def item_type(tp: Any) -> Any | None:
    """X for tuple[X, ...] and dict[K, X], else None."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    if typing.get_origin(tp) is dict:
        return args[1]
    return None


@dataclass(frozen=True)
class SchemaField:
    key: str  # the inventory key (alias)
    name: str  # the model attribute
    tp: Any  # full type, Annotated metadata included
    info: FieldInfo

    @property
    def required(self) -> bool:
        return self.info.default is PydanticUndefined and not self.extra.get("default_text")

    @property
    def extra(self) -> dict[str, Any]:
        extra = self.info.json_schema_extra
        return extra if isinstance(extra, dict) else {}

    @property
    def default(self) -> Any:
        return None if self.info.default is PydanticUndefined else self.info.default


def fields(section: type) -> Iterator[SchemaField]:
    for name, info in section.__pydantic_fields__.items():  # type: ignore[attr-defined]
        tp = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        yield SchemaField(info.alias or name, name, tp, info)


def walk(key: str, loc: tuple[str | int, ...]) -> tuple[Any, SchemaField | None] | None:
    """(type, field) at a location inside top-level `key`; field is None for a list item."""
    tp = KEYS[key].type
    found = None
    for step in loc:
        bare = node(tp).tp
        if isinstance(step, str) and is_section(bare):
            found = next((f for f in fields(bare) if f.key == step), None)
            if found is None:
                return None
            tp = found.tp
        else:
            item = item_type(bare)
            if item is None:
                return None
            found, tp = None, item
    return tp, found


def field_at(key: str, loc: tuple[str | int, ...]) -> SchemaField | None:
    walked = walk(key, loc)
    return walked[1] if walked else None


def section_at(key: str, loc: tuple[str | int, ...]) -> type | None:
    """The section class the mapping at `loc` inside `key` is validated as."""
    walked = walk(key, loc)
    bare = node(walked[0]).tp if walked else None
    return bare if is_section(bare) else None
