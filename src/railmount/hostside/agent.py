"""railmount-failover: keep a storage port's address reachable while its link is down.

Why: each NFS mount's TCP connection is bound to the source address of the port its VIP
is pinned to. When that port loses carrier the kernel already routes the VIP through the
backup /32 route (ignore_routes_with_linkdown=1, netplan ignore-carrier keeps the
address), but the array still sends replies to the dead port's MAC, and with
arp_ignore=1 no other port answers ARP for that address. So on carrier loss this agent
adds the dead port's address as a /32 to its backup port and announces it with
gratuitous ARP; when carrier returns it removes it and announces the address from its
own port again. Everything it does comes from the host's plan (/etc/railmount/plan.json).
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from . import garp
from .plan import backup_routes, load

STATE = os.environ.get("RAILMOUNT_FAILOVER_STATE", "/run/railmount-failover.json")
POLL_S = 0.1  # only without netlink; with it a carrier change wakes the agent at once
WAKE_S = 1.0  # poll anyway this often, in case a netlink message was dropped
RTMGRP_LINK = 1
ROUTES_EVERY_S = 5.0


@dataclass
class Port:
    name: str
    ip: str
    backup: str
    moved_to: str | None = None  # port currently holding this port's address


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}", flush=True)


def carrier(port: str) -> bool:
    try:
        with open(f"/sys/class/net/{port}/carrier") as handle:
            return handle.read().strip() == "1"
    except OSError:  # reading carrier of an admin-down port fails with EINVAL
        return False


def announce(port: str, ip: str) -> None:
    try:
        garp.announce(port, [ip])
    except OSError as err:
        log(f"gratuitous ARP for {ip} on {port} failed: {err}")


def ip_cmd(*args: str) -> bool:
    return subprocess.run(["ip", *args], capture_output=True, check=False).returncode == 0


def ip_json(*args: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["ip", "-j", "-4", *args], capture_output=True, text=True, check=False
    ).stdout
    data = json.loads(out or "[]")
    return data if isinstance(data, list) else []


def holders(ip: str) -> list[str]:
    """Ports that carry ip as a /32 (the takeover form)."""
    return [
        link["ifname"]
        for link in ip_json("addr", "show")
        for addr in link.get("addr_info", [])
        if addr.get("local") == ip and addr.get("prefixlen") == 32
    ]


def take_over(port: Port) -> None:
    if ip_cmd("addr", "replace", f"{port.ip}/32", "dev", port.backup, "noprefixroute"):
        port.moved_to = port.backup
        log(f"{port.name} lost carrier: {port.ip} now also answers on {port.backup}")
        announce(port.backup, port.ip)


def give_back(port: Port) -> None:
    assert port.moved_to is not None
    ip_cmd("addr", "del", f"{port.ip}/32", "dev", port.moved_to)
    log(f"{port.name} has carrier again: {port.ip} back on {port.name} only")
    port.moved_to = None
    announce(port.name, port.ip)


def missing_routes(
    routes: list[dict[str, Any]], table: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Planned routes absent from `ip -j route show proto static` output."""
    have = {(r.get("dst"), r.get("dev"), r.get("metric")) for r in table}
    return [r for r in routes if (str(r["vip_address"]), r["dev"], r["metric"]) not in have]


def ensure_routes(routes: list[dict[str, Any]]) -> None:
    """Install the planned backup routes that are missing.

    Why: networkd (252) skips a route whose preferred source is another port's address
    when that port gets its address later, and never retries; without the backup route
    new connections to the VIP pick the wrong source while the primary port is down.
    """
    for r in missing_routes(routes, ip_json("route", "show", "proto", "static")):
        argv = ["route", "replace", str(r["to"]), "dev", str(r["dev"]), "src", str(r["src"])]
        argv += ["metric", str(r["metric"]), "scope", "link", "proto", "static"]
        if ip_cmd(*argv):
            log(f"installed missing backup route {r['to']} dev {r['dev']} src {r['src']}")


def write_state(ports: list[Port]) -> None:
    state = {
        p.name: {"ip": p.ip, "carrier": carrier(p.name), "moved_to": p.moved_to} for p in ports
    }
    tmp = f"{STATE}.tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle)
    os.replace(tmp, STATE)


def step(ports: list[Port]) -> bool:
    """One look at every port's carrier; returns True when something changed."""
    changed = False
    for port in ports:
        if port.moved_to is None and not carrier(port.name) and carrier(port.backup):
            take_over(port)
            changed = True
        elif port.moved_to is not None and carrier(port.name):
            give_back(port)
            changed = True
    return changed


def ports_of(plan: dict[str, Any]) -> list[Port]:
    ports = [Port(p["name"], p["ip"], p["backup"]) for p in plan["failover"]["ports"]]
    for port in ports:  # adopt a takeover left by a previous run
        held = [h for h in holders(port.ip) if h != port.name]
        port.moved_to = held[0] if held else None
    return ports


def link_events() -> socket.socket | None:
    """Netlink socket that becomes readable on every link change (no busy polling)."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        sock.bind((0, RTMGRP_LINK))
    except OSError as err:
        log(f"no netlink link events ({err}); polling every {POLL_S} s")
        return None
    sock.setblocking(False)
    return sock


def wait(events: socket.socket | None) -> None:
    if events is None:
        time.sleep(POLL_S)
        return
    if select.select([events], [], [], WAKE_S)[0]:
        try:
            while events.recv(65536):
                pass
        except BlockingIOError:
            pass


def main(argv: list[str]) -> int:
    plan = load(argv[0] if argv else None)
    if not plan["failover"]["enabled"]:
        log("failover is disabled in the plan; nothing to do")
        return 0
    ports, routes = ports_of(plan), backup_routes(plan)
    events = link_events()
    log("watching " + ", ".join(f"{p.name}({p.ip})->{p.backup}" for p in ports))
    write_state(ports)
    next_routes = 0.0
    while True:
        if step(ports):
            write_state(ports)
        if time.monotonic() >= next_routes:
            ensure_routes(routes)
            next_routes = time.monotonic() + ROUTES_EVERY_S
        wait(events)
