"""Switch intent -> what each vendor's tooling takes, AVD style.

- Arista EOS: the `config` of the arista.eos resource modules (eos_vlans, eos_interfaces,
  eos_l2_interfaces, eos_lag_interfaces, eos_l3_interfaces) and the eos_config blocks
  the resource modules do not cover (MLAG). playbooks/switches.yml feeds them to the
  modules; with `state: rendered` the modules print the intended config offline.
- NVIDIA Cumulus NVUE: the NVUE object tree (validated by nvueschema's models) and the
  `nv set` commands, which are that tree's paths.
- ANTA: a test catalog from the same intents, one set of tests per switch (tag = name).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from railmount.intents.intent import SwitchIntent, plain_data

DATA_VLAN_NAME = "storage"
PEER_VLAN_NAME = "mlag-peer"
PEER_TRUNK_GROUP = "mlagpeer"
NVUE_BRIDGE = "br_default"
NVUE_PEERLINK = "peerlink"
NVUE_ARRAY_BOND = "array"


def _po(channel: int) -> str:
    return f"Port-Channel{channel}"


def eos_resources(s: SwitchIntent) -> dict[str, Any]:
    """{module: config} for the arista.eos resource modules, plus `config_blocks` for
    eos_config ({parents, lines})."""
    array, peer = _po(s.array_channel), _po(s.peer_link_channel)
    physical = [
        {"name": p.switch_port, "description": p.description, "mtu": s.mtu, "enabled": True}
        for p in s.access_ports
    ]
    physical += [
        {"name": port, "description": f"array {uplink}", "mtu": s.mtu, "enabled": True}
        for port, uplink in s.array_ports
    ]
    physical += [
        {"name": port, "description": f"MLAG peer link to {s.peer}", "enabled": True}
        for port in s.peer_link_ports
    ]
    channels = [
        {"name": array, "description": "array uplinks (MLAG)", "mtu": s.mtu, "enabled": True},
        {"name": peer, "description": f"MLAG peer link to {s.peer}", "enabled": True},
    ]
    access = {"mode": "access", "access": {"vlan": s.vlan}}
    return plain_data(
        {
            "eos_vlans": [
                {"vlan_id": s.vlan, "name": DATA_VLAN_NAME, "state": "active"},
                {"vlan_id": s.peer_vlan, "name": PEER_VLAN_NAME, "state": "active"},
            ],
            "eos_interfaces": physical + channels,
            "eos_l2_interfaces": [
                *({"name": p.switch_port, **access} for p in s.access_ports),
                {"name": array, **access},
                {
                    "name": peer,
                    "mode": "trunk",
                    "trunk": {"trunk_allowed_vlans": [str(s.vlan), str(s.peer_vlan)]},
                },
            ],
            "eos_lag_interfaces": [
                {
                    "name": array,
                    "members": [{"member": port, "mode": "active"} for port, _ in s.array_ports],
                },
                {
                    "name": peer,
                    "members": [{"member": port, "mode": "active"} for port in s.peer_link_ports],
                },
            ],
            "eos_l3_interfaces": [
                {"name": f"Vlan{s.peer_vlan}", "ipv4": [{"address": s.local_address}]}
            ],
            "config_blocks": [
                {"parents": [f"vlan {s.peer_vlan}"], "lines": [f"trunk group {PEER_TRUNK_GROUP}"]},
                {
                    "parents": [f"interface {peer}"],
                    "lines": [f"switchport trunk group {PEER_TRUNK_GROUP}"],
                },
                {"parents": [f"interface Vlan{s.peer_vlan}"], "lines": ["no autostate"]},
                {"parents": [f"interface {array}"], "lines": [f"mlag {s.array_channel}"]},
                {
                    "parents": ["mlag configuration"],
                    "lines": [
                        f"domain-id {s.domain}",
                        f"local-interface Vlan{s.peer_vlan}",
                        f"peer-address {s.peer_address}",
                        f"peer-link {peer}",
                    ],
                },
            ],
        }
    )


def eos_blocks_text(blocks: list[dict[str, Any]]) -> list[str]:
    """eos_config blocks as the lines a device would get (EOS indents by three)."""
    out = []
    for block in blocks:
        out += block["parents"]
        out += [f"   {line}" for line in block["lines"]]
    return out


def switch_facts(intents: dict[str, SwitchIntent]) -> dict[str, Any]:
    """What playbooks/switches.yml reads per switch: the intent, and for EOS the modules'
    configs and the eos_config lines as text."""
    out = {}
    for name, s in intents.items():
        data = s.to_dict()
        if s.os == "eos":
            eos = eos_resources(s)
            eos["config_lines"] = eos_blocks_text(eos["config_blocks"])
            data["eos"] = eos
        out[name] = data
    return out


# --- NVUE ----------------------------------------------------------------------------------


def nvue_tree(s: SwitchIntent) -> dict[str, Any]:
    """The switch's NVUE object tree (what `nv config show` prints), for the storage path."""
    access = {"domain": {NVUE_BRIDGE: {"access": s.vlan}}}
    interfaces: dict[str, Any] = {}
    for p in s.access_ports:
        interfaces[p.switch_port] = {
            "type": "swp",
            "description": p.description,
            "link": {"mtu": s.mtu, "state": {"up": {}}},
            "bridge": access,
        }
    for port, uplink in s.array_ports:
        interfaces[port] = {
            "type": "swp",
            "description": f"array {uplink}",
            "link": {"mtu": s.mtu, "state": {"up": {}}},
        }
    for port in s.peer_link_ports:
        interfaces[port] = {"type": "swp", "description": f"MLAG peer link to {s.peer}"}
    interfaces[NVUE_ARRAY_BOND] = {
        "type": "bond",
        "description": "array uplinks (MLAG)",
        "bond": {
            "member": {port: {} for port, _ in s.array_ports},
            "mlag": {"id": s.array_channel},
        },
        "link": {"mtu": s.mtu},
        "bridge": access,
    }
    interfaces[NVUE_PEERLINK] = {
        "type": "peerlink",
        "bond": {"member": {port: {} for port in s.peer_link_ports}},
    }
    interfaces[f"{NVUE_PEERLINK}.{s.peer_vlan}"] = {
        "type": "sub",
        "base-interface": NVUE_PEERLINK,
        "vlan": s.peer_vlan,
    }
    return plain_data(
        {
            "interface": interfaces,
            "bridge": {"domain": {NVUE_BRIDGE: {"vlan": {str(s.vlan): {}}}}},
            "mlag": {
                "state": "enabled",  # NVUE 5.18 (5.14 and older: enable on)
                "mac-address": "auto",
                "peer-ip": "linklocal",
                "backup": {s.peer_address: {}},
            },
        }
    )


def _paths(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in tree.items():
        path = (*prefix, str(key))
        if isinstance(value, dict):
            if value:
                yield from _paths(value, path)
            else:
                yield path
        else:
            yield (*path, str(value))


def nvue_commands(s: SwitchIntent) -> list[str]:
    """`nv set` commands: every leaf path of the NVUE tree, in tree order."""
    return [
        "nv set " + " ".join(f'"{p}"' if " " in p else p for p in path)
        for path in _paths(nvue_tree(s))
    ]


# --- ANTA ----------------------------------------------------------------------------------


def anta_catalog(intents: dict[str, SwitchIntent]) -> dict[str, Any]:
    """An ANTA catalog: per EOS switch (ANTA device tag = switch name) the LLDP neighbour
    of every DGX port, interface status, port-channels, LACP members, MLAG, L2 MTU."""
    connectivity: list[dict[str, Any]] = []
    interfaces: list[dict[str, Any]] = []
    mlag: list[dict[str, Any]] = []
    for s in intents.values():
        if s.os != "eos":
            continue  # ANTA's tests run EOS commands
        tags = {"filters": {"tags": [s.name]}}
        array, peer = _po(s.array_channel), _po(s.peer_link_channel)
        connectivity.append(
            {
                "VerifyLLDPNeighbors": {
                    **tags,
                    "require_fqdn": False,
                    "neighbors": [
                        {
                            "port": p.switch_port,
                            "neighbor_device": p.host,
                            "neighbor_port": p.host_port,
                        }
                        for p in s.access_ports
                    ],
                }
            }
        )
        status = [
            {
                "name": p.switch_port,
                "description": p.description,
                "status": "up",
                "line_protocol_status": "up",
            }
            for p in s.access_ports
        ]
        status += [
            {"name": name, "status": "up", "line_protocol_status": "up"} for name in (array, peer)
        ]
        interfaces += [
            {"VerifyInterfacesStatus": {**tags, "interfaces": status}},
            {"VerifyPortChannels": {**tags, "interfaces": [array, peer]}},
            {
                "VerifyLACPInterfacesStatus": {
                    **tags,
                    "interfaces": [
                        {"name": port, "portchannel": array} for port, _ in s.array_ports
                    ]
                    + [{"name": port, "portchannel": peer} for port in s.peer_link_ports],
                }
            },
            {
                "VerifyL2MTU": {
                    **tags,
                    "mtu": s.mtu,
                    "specific_mtu": [{p.switch_port: s.mtu} for p in s.access_ports]
                    + [{array: s.mtu}],
                }
            },
        ]
        mlag += [
            {"VerifyMlagStatus": tags},
            {"VerifyMlagInterfaces": tags},
            {"VerifyMlagConfigSanity": tags},
        ]
    return plain_data(
        {
            "anta.tests.connectivity": connectivity,
            "anta.tests.interfaces": interfaces,
            "anta.tests.mlag": mlag,
        }
    )
