"""Inventory -> LabSpec: the lab is derived from the same data model as any rack.

Each storage port becomes a QEMU NIC with the inventory's MAC on a tap in its switch,
shaped to the port's speed_mbps; the array's front-end links come from railmount_lab.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from railmount.lab.spec import ArrayLink, ArraySpec, GuestNic, GuestSpec, LabSpec
from railmount.model import Inventory

PREFIX = "rm"
CONNECTION_FILE = "lab-connection.generated.yml"


class NotALab(ValueError):
    pass


def lab_dir() -> Path:
    return Path(os.environ.get("RAILMOUNT_LAB_DIR") or Path.home() / ".cache" / "railmount")


def lab_spec(inv: Inventory, hosts: int | None = None) -> LabSpec:
    """The lab for `inv`; `hosts` limits it to the first N storage clients."""
    if inv.lab is None:
        raise NotALab("this inventory has no railmount_lab settings: it is not a lab inventory")
    if not inv.lab.array_links:
        raise NotALab("railmount_lab.array_links is empty: cable the array to the switches")
    clients = inv.clients[: hosts or len(inv.clients)]
    guests = []
    for index, client in enumerate(clients):
        nics = tuple(
            GuestNic(
                port=port.name,
                mac=port.mac,
                switch=port.switch,
                tap=f"{PREFIX}{index + 1}{port.name}"[:15],
                rate_mbit=port.speed_mbps or 1000,
                mtu=port.mtu,
            )
            for port in client.ports
        )
        guests.append(
            GuestSpec(
                client.name,
                inv.lab.ssh_port_base + index,
                inv.lab.guest_cpus,
                inv.lab.guest_memory_mb,
                nics,
            )
        )
    mtu = max(p.mtu for c in inv.clients for p in c.ports)
    links = inv.lab.array_links
    # railmount_lab.array_rate_mbit is the array's total: each uplink gets its share.
    rate = inv.lab.array_rate_mbit // len(links) if inv.lab.array_rate_mbit else None
    uplink = {}
    for link in links:
        uplink.setdefault(link.switch, link.name)
    array = ArraySpec(
        name=inv.array.name,
        filesystem=inv.array.filesystem,
        export=inv.array.export,
        vips=tuple(str(v.vip_address) for v in inv.array.vips),
        links=tuple(ArrayLink(link.name, link.switch, str(link.interface), rate) for link in links),
        mtu=mtu,
        client_routes=tuple(
            (str(port.interface.ip), uplink[port.switch])
            for client in inv.clients
            for port in client.ports
            if port.switch in uplink
        ),
    )
    root = lab_dir()
    return LabSpec(PREFIX, root / "run", root / "image", inv.switches, array, tuple(guests), mtu)


def write_connection(inventory_dir: Path, spec: LabSpec, key: Path, known_hosts: Path) -> Path:
    """Tell Ansible (and the validation) how to reach the running guests: their forwarded
    SSH ports, the lab key, and a known_hosts with the guests' host key, so host-key
    checking stays on."""
    hosts = {
        g.name: {
            "ansible_host": "127.0.0.1",
            "ansible_port": g.ssh_port,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": str(key),
            "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts}",
        }
        for g in spec.guests
    }
    path = inventory_dir / CONNECTION_FILE
    header = "# Written by `railmount lab up`; removed by `railmount lab down`. Not committed.\n"
    data = {"storage_clients": {"hosts": hosts}}
    path.write_text(header + "---\n" + yaml.safe_dump(data, sort_keys=False))
    return path


def remove_connection(inventory_dir: Path) -> None:
    (inventory_dir / CONNECTION_FILE).unlink(missing_ok=True)
