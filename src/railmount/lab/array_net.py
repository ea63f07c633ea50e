"""The array's network side, in <prefix>-array: front-end links, VIPs and their ARP.

The array is a router-less host with one veth per front-end link (cabled into that
link's switch bridge) and one address per link in the storage subnet; its VIPs are /32
on lo. It answers ARP for the VIPs on every link (arp_ignore=0), and when a switch dies
its link loses carrier, `ignore_routes_with_linkdown` moves the return path to the
surviving link and a gratuitous ARP re-points the clients. The NFS daemons that serve
the VIPs are array.py.
"""

from __future__ import annotations

import sys
from typing import Any

from railmount.lab import netns, shaping, switches
from railmount.lab.spec import ArrayLink, LabSpec

# The array namespace. "default" is set too so links created afterwards inherit it.
SYSCTLS = {
    # Only reno and bbr may be selected inside a netns; reno matches the measured numbers.
    "net.ipv4.tcp_congestion_control": "reno",
    "net.ipv4.ip_forward": "0",
    # A link whose switch died keeps its connected route; skip it so replies leave
    # through the surviving link.
    "net.ipv4.conf.all.ignore_routes_with_linkdown": "1",
    "net.ipv4.conf.default.ignore_routes_with_linkdown": "1",
    # Answer ARP for the VIPs (on lo) on any link, from whichever link the request hit.
    "net.ipv4.conf.all.arp_ignore": "0",
    "net.ipv4.conf.default.arp_ignore": "0",
    "net.ipv4.conf.all.arp_filter": "0",
    "net.ipv4.conf.default.arp_filter": "0",
    # Our own ARP requests carry the link's address, never a VIP from lo.
    "net.ipv4.conf.all.arp_announce": "2",
    "net.ipv4.conf.default.arp_announce": "2",
    # Two links in one subnet: strict reverse-path filtering would drop requests that
    # arrive on the link that is not first in the routing table.
    "net.ipv4.conf.all.rp_filter": "0",
    "net.ipv4.conf.default.rp_filter": "0",
}


def array_link(spec: LabSpec, name: str) -> ArrayLink:
    for link in spec.array.links:
        if link.name == name:
            return link
    raise switches.FabricError(f"no array link {name!r}")


def ensure(spec: LabSpec) -> None:
    """VIPs on lo, then each link cabled into its switch, addressed and (if the plan
    says so) shaped. Idempotent. The namespace and its SYSCTLS come first (fabric.up)."""
    for vip in spec.array.vips:
        set_vip(spec, vip, True)
    for link in spec.array.links:
        sw_ns = switches.check_switch(spec, link.switch)
        switches.ensure_veth(spec.array_netns, link.name, sw_ns, link.name, spec.mtu)
        switches.enslave(sw_ns, link.name, link.switch, spec.mtu)
        netns.ip(spec.array_netns, "link", "set", link.name, "mtu", str(spec.array.mtu), "up")
        netns.ip(spec.array_netns, "addr", "replace", link.address, "dev", link.name)
        if link.rate_mbit:
            # The array's transmit side is the clients' read direction.
            shaping.shape(spec.array_netns, link.name, link.rate_mbit, spec.array.mtu)
    for address, link_name in spec.array.client_routes:
        # If that link dies, ignore_routes_with_linkdown skips this route and the
        # connected subnet route through a surviving link takes over.
        netns.ip(spec.array_netns, "route", "replace", f"{address}/32", "dev", link_name)


def set_vip(spec: LabSpec, vip: str, up: bool) -> None:
    """Put a VIP on the array's lo, or take it away (the array stops answering it)."""
    verb = "replace" if up else "del"
    netns.ip(spec.array_netns, "addr", verb, f"{vip}/32", "dev", "lo")


def set_link(spec: LabSpec, name: str, up: bool) -> None:
    """Admin up/down the switch port of one array link; the array side loses carrier."""
    link = array_link(spec, name)
    switches.set_port(spec, link.switch, link.name, up)


def announce_vips(spec: LabSpec, links: list[ArrayLink] | None = None) -> list[str]:
    """Send a gratuitous ARP for every VIP out of each given (default: all) array link
    that has carrier. Returns the links used.

    The frame is railmount.hostside.garp's, the same the hosts' failover agent sends; it
    runs in the array namespace under this interpreter, so railmount must be importable
    there as it is here.
    """
    used = []
    for link in spec.array.links if links is None else links:
        info = netns.link(spec.array_netns, link.name)
        if not info or "LOWER_UP" not in info.get("flags", []):
            continue
        argv = [sys.executable, "-m", "railmount.hostside.garp", link.name, *spec.array.vips]
        netns.run(spec.array_netns, argv)
        used.append(link.name)
    return used


def status(spec: LabSpec) -> dict[str, Any]:
    """The array namespace's links (carrier, MTU, addresses, switch) and which VIPs are
    on lo."""
    ns = spec.array_netns
    devs = {d["ifname"]: d for d in netns.links(ns)}
    on_lo = netns.addresses(ns, "lo") if devs else []
    return {
        "netns": ns,
        "exists": netns.exists(ns),
        "vips": {vip: f"{vip}/32" in on_lo for vip in spec.array.vips},
        "links": {
            link.name: (
                netns.link_status(devs[link.name])
                | {"switch": link.switch, "addresses": netns.addresses(ns, link.name)}
                if link.name in devs
                else None
            )
            for link in spec.array.links
        },
    }
