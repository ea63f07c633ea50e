"""Write an N-host railmount inventory shaped like a real DGX BasePOD/SuperPOD site.

    python benchmarks/gen_inventory.py --hosts 1000 OUT_DIR

Scalable units of racks; each rack holds a few DGX hosts and its own MLAG pair of storage
leaf switches; every host has two storage ports, one on each leaf. The files are split
the way sites write them: hosts.yml (groups only), group_vars/all/ (array, NFS, rollout,
and site settings railmount does not read), group_vars/storage_clients.yml, and one
host_vars file per host (management address, storage ports). Names are FQDN-like, MACs
and addresses unique; the storage subnet grows with N (at least a /22).
"""

from __future__ import annotations

import argparse
import math
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml

DOMAIN = "pod1.example.com"
HOSTS_PER_RACK = 4  # DGX H100 racks hold four systems
RACKS_PER_SU = 8  # 32 DGX per scalable unit, as in a SuperPOD
VIPS = 8
STORAGE_BASE = IPv4Address("10.40.0.0")
MGMT_BASE = IPv4Address("10.16.0.0")  # never contacted: the plan stage runs on the controller
PORT_NAMES = ("enp170s0f0np0", "enp41s0f0np0")  # two ConnectX ports, one per leaf
FIRST_PORT_OFFSET = 32  # .1-.31 of the subnet: gateway, array VIPs, spare


def storage_subnet(hosts: int) -> IPv4Network:
    """The smallest subnet (at least a /22) holding the VIPs and two ports per host."""
    needed = FIRST_PORT_OFFSET + 2 * hosts + 2  # + network and broadcast
    prefix = min(22, 32 - math.ceil(math.log2(needed)))
    return IPv4Network(f"{STORAGE_BASE}/{prefix}")


def host_name(index: int) -> str:
    su, rest = divmod(index, HOSTS_PER_RACK * RACKS_PER_SU)
    rack, node = divmod(rest, HOSTS_PER_RACK)
    return f"dgx-su{su + 1:02d}-r{rack + 1:02d}-n{node + 1}.{DOMAIN}"


def rack_group(index: int) -> str:
    su, rest = divmod(index, HOSTS_PER_RACK * RACKS_PER_SU)
    return f"su{su + 1:02d}_rack{rest // HOSTS_PER_RACK + 1:02d}"


def leaf_names(group: str) -> tuple[str, str]:
    su, rack = group.split("_")
    return (f"leaf-{su}-{rack}-a.{DOMAIN}", f"leaf-{su}-{rack}-b.{DOMAIN}")


def mac(index: int, port: int) -> str:
    # Locally administered unicast prefix 02:, host index in two octets.
    return f"02:d6:{index >> 8 & 0xFF:02x}:{index & 0xFF:02x}:00:{port + 1:02x}"


def site_vars(hosts: int) -> dict[str, Any]:
    subnet = storage_subnet(hosts)
    vips = [
        {"name": f"nfs{i}", "address": str(subnet.network_address + 11 + i)} for i in range(VIPS)
    ]
    return {
        "railmount_array": {
            "name": "fb-pod1",
            "filesystem": "datasets",
            "export": "/datasets",
            "subnet": str(subnet),
            "vips": vips,
        },
        "railmount_nfs": {
            "version": 3,
            "proto": "tcp",
            "rsize": 1048576,
            "wsize": 1048576,
            "hard": True,
            "nconnect": 4,
            "mount_root": "/mnt/datasets",
        },
        "railmount_failover": {"enabled": True},
        "railmount_rollout": {"serial": [1, "100%"], "max_fail_percentage": 0},
    }


def other_site_vars() -> dict[str, Any]:
    """Settings a site keeps beside railmount's (other roles' variables)."""
    return {
        "site_name": "pod1",
        "timezone": "UTC",
        "ntp_servers": ["10.16.255.1", "10.16.255.2"],
        "dns_servers": ["10.16.255.53", "10.16.255.54"],
        "dns_search": [DOMAIN],
        "syslog_server": "10.16.255.10",
    }


def host_vars(index: int, subnet: IPv4Network, leaves: tuple[str, str]) -> dict[str, Any]:
    first = subnet.network_address + FIRST_PORT_OFFSET + 2 * index
    return {
        "ansible_host": str(MGMT_BASE + 256 + index),
        "railmount_ports": [
            {
                "name": PORT_NAMES[p],
                "mac": mac(index, p),
                "address": f"{first + p}/{subnet.prefixlen}",
                "switch": leaves[p],
                "mtu": 9000,
                "speed_mbps": 200000,
            }
            for p in range(2)
        ],
    }


def write(out: Path, hosts: int) -> Path:
    """Write the inventory into `out` (created); returns `out`."""
    if hosts < 1:
        raise ValueError("at least one host")
    subnet = storage_subnet(hosts)
    racks: dict[str, list[str]] = {}
    for i in range(hosts):
        racks.setdefault(rack_group(i), []).append(host_name(i))
    # Switch order matters: consecutive switches of `switches` are MLAG peers.
    tree = {
        "all": {
            "children": {
                "storage_clients": {
                    "children": {g: {"hosts": dict.fromkeys(h)} for g, h in racks.items()}
                },
                "switches": {
                    "children": {
                        f"{g}_leaves": {"hosts": dict.fromkeys(leaf_names(g))} for g in racks
                    }
                },
            }
        }
    }
    (out / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (out / "host_vars").mkdir(exist_ok=True)
    dump(out / "hosts.yml", tree)
    dump(out / "group_vars" / "all" / "railmount.yml", site_vars(hosts))
    dump(out / "group_vars" / "all" / "site.yml", other_site_vars())
    dump(
        out / "group_vars" / "storage_clients.yml",
        {"ansible_user": "ops", "railmount_management_interface": "enp1s0f0"},
    )
    for i in range(hosts):
        leaves = leaf_names(rack_group(i))
        dump(out / "host_vars" / f"{host_name(i)}.yml", host_vars(i, subnet, leaves))
    return out


def dump(path: Path, data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    # Unquoted empty hosts read as null: write them as `host:` like sites do.
    path.write_text("---\n" + text.replace(": null\n", ":\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, required=True, help="number of storage clients")
    parser.add_argument("out", type=Path, help="directory to write the inventory into")
    args = parser.parse_args()
    print(write(args.out, args.hosts))


if __name__ == "__main__":
    main()
