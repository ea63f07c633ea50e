"""What the lab should be built from, so a wrong intent breaks the lab as it would a site:
per switch the bridge's VLAN and MTU and the ports on it (each host port, the array's
uplinks), and the array's NFS exports in nfs-ganesha's terms (clients, access, squash,
protocols) from the export rules. Pure; the lab (railmount.lab) consumes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from railmount.intents.intent import array_intent, switch_intents
from railmount.model import Inventory
from railmount.planner import HostPlan

GANESHA_SQUASH = {
    "root-squash": "Root_Squash",
    "no-squash": "No_Root_Squash",
    "all-squash": "All_Squash",
}
GANESHA_ACCESS = {"rw": "RW", "ro": "RO"}
GANESHA_PROTOCOLS = {"nfsv3": "3", "nfsv4.1": "4"}


@dataclass(frozen=True)
class LabBridge:
    switch: str
    vlan: int  # the data VLAN (an access VLAN on every port below)
    mtu: int  # bridge and port MTU
    host_ports: tuple[tuple[str, str, str], ...]  # (host, host port, switch port)
    array_ports: tuple[tuple[str, str], ...]  # (switch port, array port)


@dataclass(frozen=True)
class GaneshaClient:
    clients: str  # *, a host, an address or a CIDR
    access_type: str  # RW, RO
    squash: str  # Root_Squash, No_Root_Squash, All_Squash


@dataclass(frozen=True)
class GaneshaExport:
    path: str  # the export path the hosts mount
    protocols: tuple[str, ...]  # "3", "4"
    clients: tuple[GaneshaClient, ...]  # in rule order; ganesha takes the first match
    vips: tuple[str, ...]  # the addresses ganesha serves, all in the data VLAN's subnet
    subnet: str
    gateway: str

    def client_blocks(self) -> str:
        """The EXPORT's CLIENT blocks in ganesha.conf syntax."""
        return "".join(
            f"    CLIENT {{ Clients = {c.clients}; Access_Type = {c.access_type}; "
            f"Squash = {c.squash}; }}\n"
            for c in self.clients
        )


def lab_bridges(inv: Inventory, plans: dict[str, HostPlan]) -> dict[str, LabBridge]:
    return {
        name: LabBridge(
            name,
            s.vlan,
            s.mtu,
            tuple((p.host, p.host_port, p.switch_port) for p in s.access_ports),
            s.array_ports,
        )
        for name, s in switch_intents(inv, plans).items()
    }


def ganesha_export(inv: Inventory) -> GaneshaExport:
    intent = array_intent(inv)
    protocols = [GANESHA_PROTOCOLS["nfsv3"]] if intent.nfsv3 else []
    protocols += [GANESHA_PROTOCOLS["nfsv4.1"]] if intent.nfsv4 else []
    return GaneshaExport(
        path=inv.array.export,
        protocols=tuple(protocols),
        clients=tuple(
            GaneshaClient(r.client, GANESHA_ACCESS[r.permission], GANESHA_SQUASH[r.access])
            for r in intent.export_rules
        ),
        vips=tuple(address for _, address in intent.vips),
        subnet=intent.prefix,
        gateway=intent.gateway,
    )
