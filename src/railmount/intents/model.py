"""The storage path beyond the hosts, typed: the data VLAN, the array's filesystem and
uplinks, the MLAG pair and its host-facing ports (inventory key `railmount_fabric`).

Same rules as railmount.model: frozen pydantic sections that *are* the schema, every
value parsed by a railmount value type (no coercion), every refusal with a fix. The
rules across keys and hosts are in railmount.intents.rules.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field
from pydantic.dataclasses import dataclass as section

from railmount.model import SECTION, Mtu, Section
from railmount.values import (
    Doc,
    Int,
    Invalid,
    Ipv4,
    Name,
    Subnet,
    Text,
    choice,
    list_of,
    matching,
    unique,
    value_type,
)

SIZE = re.compile(r"([1-9][0-9]*)([KMGTP])")
UNITS = "KMGTP"
ACCESS = ("root-squash", "no-squash", "all-squash")  # purefb_policy access values
PERMISSIONS = ("rw", "ro")
PROTOCOLS = ("nfsv3", "nfsv4.1")
SWITCH_OS = ("eos", "nvue")  # Arista EOS, NVIDIA Cumulus Linux (NVUE)


def fs_size(raw: Any) -> str:
    """A size like 1T or 500G (binary units, as the array's modules take them)."""
    if not isinstance(raw, str) or not SIZE.fullmatch(raw):
        raise Invalid("expected a whole number and a unit K, M, G, T or P, like 1T")
    return raw


def size_bytes(size: str) -> int:
    match = SIZE.fullmatch(size)
    assert match, size  # validated by fs_size
    return int(match[1]) << (10 * (UNITS.index(match[2]) + 1))


def export_client(raw: Any) -> str:
    """`*`, a host name, an address or a CIDR: what an NFS export rule names as client."""
    value = matching(r"[A-Za-z0-9_.:/*-]{1,255}", "expected *, a host, an address or a CIDR")(raw)
    if "*" in value and value != "*":
        raise Invalid("a wildcard is the whole client (*), not part of a name", "write *")
    return value


SwitchPort = value_type(
    str,
    Doc("a switch port name", "like Ethernet1, Ethernet1/1 or swp1"),
    matching(r"[A-Za-z][A-Za-z0-9/._-]{0,63}", "letters, digits, '/', '.', '_', '-'"),
)
FsSize = value_type(str, Doc("a size", "like 1T or 500G (binary units)"), fs_size)
Vlan = Int(2, 4094, "a VLAN id")
ChannelId = Int(1, 2000, "a port-channel id")
Access = value_type(str, Doc("an access", ", ".join(ACCESS), choices=ACCESS), choice(ACCESS))
Permission = value_type(
    str, Doc("a permission", ", ".join(PERMISSIONS), choices=PERMISSIONS), choice(PERMISSIONS)
)
Protocol = value_type(
    str, Doc("a protocol", ", ".join(PROTOCOLS), choices=PROTOCOLS), choice(PROTOCOLS)
)
SwitchOs = value_type(
    str, Doc("a switch OS", ", ".join(SWITCH_OS), choices=SWITCH_OS), choice(SWITCH_OS)
)
ExportClient = value_type(
    str, Doc("an export client", "*, a host, an address or a CIDR"), export_client
)


@section(frozen=True, config=SECTION)
class ExportRule(Section):
    client: ExportClient = Field(description="who may mount: *, a host, an address or a CIDR")
    access: Access = Field(
        "root-squash", description="root-squash, no-squash (root stays root) or all-squash"
    )
    permission: Permission = Field("rw", description="rw or ro")


@section(frozen=True, config=SECTION)
class Filesystem(Section):
    size: FsSize = Field(description="provisioned size, like 1T")
    protocols: list_of(
        Protocol, empty=("no protocols", "list [nfsv3] or [nfsv3, nfsv4.1]"), check=unique
    ) = Field(("nfsv3",), description="protocols the filesystem serves")
    export_policy: Name = Field(
        "railmount", description="name of the array's NFS export policy for the rules"
    )
    export_rules: list_of(
        ExportRule, empty=("no export rules", "list rules like [{client: '*', access: no-squash}]")
    ) = Field(description="NFS export rules, in order")


@section(frozen=True, config=SECTION)
class UplinkPort(Section):
    name: Name = Field(description="the array's port, like CH1.FM1.ETH1")
    switch: Text = Field(
        description="the host of group `switches` it is cabled to",
        json_schema_extra={"fix": "name the switch it is cabled to, one of: {switches}"},
    )
    switch_port: SwitchPort = Field(description="the switch's port it is cabled to")


@section(frozen=True, config=SECTION)
class ArrayUplinks(Section):
    lag: Name = Field("uplink", description="the array's LAG over all its uplink ports")
    port_channel: ChannelId = Field(
        description="the switches' MLAG port-channel id towards the array"
    )
    ports: list_of(
        UplinkPort, empty=("no uplink ports", "list the array's ports and where they are cabled")
    ) = Field(description="the array's uplink ports (FM1/FM2 to both switches)")


@section(frozen=True, config=SECTION)
class PeerLink(Section):
    port_channel: ChannelId = Field(description="the peer link's port-channel id")
    ports: list_of(SwitchPort, empty=("no peer link ports", "list the ports"), check=unique) = (
        Field(description="member ports of the peer link, the same on both switches")
    )
    vlan: Vlan = Field(4094, description="MLAG peer VLAN")
    subnet: Subnet = Field(
        description="the peer VLAN's subnet; the first switch takes its first address"
    )


@section(frozen=True, config=SECTION)
class MlagPair(Section):
    domain: Name = Field(description="MLAG domain id")
    os: SwitchOs = Field(
        "eos", description="the pair's switch OS: eos (Arista) or nvue (Cumulus, swpN ports)"
    )
    switches: list_of(Text, empty=("no switches", "list the pair's two switches"), check=unique) = (
        Field(description="the pair's two switches, hosts of group `switches`")
    )
    peer_link: PeerLink = Field(description="the link between the two switches")


@section(frozen=True, config=SECTION)
class Fabric(Section):
    vlan: Vlan = Field(description="the data subnet's VLAN (access VLAN of every storage port)")
    gateway: Ipv4 = Field(description="the data subnet's gateway, inside railmount_array.subnet")
    mtu: Mtu = Field(1500, description="the data VLAN's MTU; every storage port's MTU equals it")
    filesystem: Filesystem = Field(description="the array's filesystem: size, protocols, exports")
    array_uplinks: ArrayUplinks = Field(description="the array's uplinks into the MLAG pair")
    mlag: list_of(MlagPair, empty=("no MLAG pairs", "list the switch pairs")) = Field(
        description="MLAG switch pairs"
    )
    host_ports: dict[Text, dict[Text, SwitchPort]] = Field(
        description="switch -> host -> the switch port that host's storage port is cabled to"
    )
