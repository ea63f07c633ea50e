"""The lab's switches: one network namespace per switch, holding a bridge named after it.

Ports of a switch are its bridge's ports: guest taps (moved in from the root namespace,
shaped towards the guest), array links (array_net.py cables them) and the MLAG peer link.
Consecutive switches in spec.switches form an MLAG pair joined by a veth "peer link", so
the pair is one L2 domain. Admin up/down of ports and whole switches is here too; what a
fault does beyond the switch (guest carrier, the array's re-announce) is faults.py's job.
"""

from __future__ import annotations

import json

from railmount.lab import netns, proc, shaping
from railmount.lab.spec import GuestNic, LabSpec

PEER_LINK = "peerlink"  # the MLAG peer-link port name inside each switch namespace


class FabricError(RuntimeError):
    pass


def mlag_pairs(spec: LabSpec) -> list[tuple[str, str]]:
    """Switches pair up in order: (s0, s1), (s2, s3), ...; an odd last one stands alone."""
    sw = spec.switches
    return list(zip(sw[0::2], sw[1::2], strict=False))


def check_switch(spec: LabSpec, switch: str) -> str:
    """The switch's namespace; FabricError if the lab has no such switch."""
    if switch not in spec.switches:
        raise FabricError(f"unknown switch {switch!r} (lab has {', '.join(spec.switches)})")
    return spec.switch_netns(switch)


# ---------------------------------------------------------------------------- build


def ensure_bridge(spec: LabSpec, switch: str) -> None:
    ns = spec.switch_netns(switch)
    if not netns.device_exists(switch, ns):
        # No STP: the topology is loop-free by construction (the array does not bridge
        # its links), and STP's listening delay would only slow the lab down.
        netns.ip(ns, "link", "add", switch, "type", "bridge",
                 "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")  # fmt: skip
    # An explicit MTU pins the bridge so a 1500-byte guest port cannot shrink it.
    netns.ip(ns, "link", "set", switch, "mtu", str(spec.mtu), "up")


def ensure_veth(ns_a: str, name_a: str, ns_b: str, name_b: str, mtu: int) -> None:
    """A veth cable between two namespaces, created in place (never in the root ns)."""
    if netns.device_exists(name_a, ns_a):
        if netns.device_exists(name_b, ns_b):
            return
        netns.ip(ns_a, "link", "del", name_a)  # half-cabled leftover: recreate
    netns.ip(None, "link", "add", name_a, "netns", ns_a, "mtu", str(mtu),
             "type", "veth", "peer", "name", name_b, "netns", ns_b, "mtu", str(mtu))  # fmt: skip


def enslave(ns: str, dev: str, bridge: str, mtu: int) -> None:
    netns.ip(ns, "link", "set", dev, "mtu", str(mtu), "master", bridge, "up")


def ensure_peer_links(spec: LabSpec) -> None:
    """Cable each MLAG pair with a veth enslaved to both bridges. Idempotent."""
    for a, b in mlag_pairs(spec):
        ensure_veth(spec.switch_netns(a), PEER_LINK, spec.switch_netns(b), PEER_LINK, spec.mtu)
        enslave(spec.switch_netns(a), PEER_LINK, a, spec.mtu)
        enslave(spec.switch_netns(b), PEER_LINK, b, spec.mtu)


def attach_tap(spec: LabSpec, nic: GuestNic) -> None:
    """Move a guest tap from the root namespace into its switch and shape it. Idempotent.

    Moving keeps QEMU's open fd working. The tbf on the switch side is the guest's
    read direction (switch -> guest).
    """
    ns = check_switch(spec, nic.switch)
    if not netns.device_exists(nic.tap, ns):
        if not netns.device_exists(nic.tap):
            raise FabricError(f"tap {nic.tap} is neither in the root namespace nor in {ns}")
        netns.ip(None, "link", "set", nic.tap, "netns", ns)
    netns.ip(ns, "link", "set", nic.tap, "mtu", str(nic.mtu), "master", nic.switch, "up")
    shaping.shape(ns, nic.tap, nic.rate_mbit, nic.mtu)


# ---------------------------------------------------------------------------- admin state


def set_port(spec: LabSpec, switch: str, port: str, up: bool) -> None:
    """Admin up/down one port of a switch (a guest tap, an array link or the peer link).

    A veth port going down drops carrier on its far end (the array sees NO-CARRIER); a
    tap going down only drops traffic: QEMU does not pass carrier to the guest (use QMP
    set_link for that).
    """
    ns = check_switch(spec, switch)
    netns.ip(ns, "link", "set", port, "up" if up else "down")


def set_nic(spec: LabSpec, nic: GuestNic, up: bool) -> None:
    """Admin up/down the switch port a guest NIC is cabled to."""
    set_port(spec, nic.switch, nic.tap, up)


def switch_ports(spec: LabSpec, switch: str) -> list[str]:
    ns = check_switch(spec, switch)
    return sorted(d["ifname"] for d in netns.links(ns) if d.get("master") == switch)


def set_switch(spec: LabSpec, switch: str, up: bool) -> None:
    """Power a whole switch off (every bridge port, so also its array link and the peer
    link, then the bridge) or back on (bridge, ports, then wait until they forward)."""
    ns = check_switch(spec, switch)
    state = "up" if up else "down"
    if up:
        netns.ip(ns, "link", "set", switch, "up")
    for port in switch_ports(spec, switch):
        netns.ip(ns, "link", "set", port, state)
    if up:
        wait_forwarding(spec, switch)
    else:
        netns.ip(ns, "link", "set", switch, "down")


def _stuck_ports(ns: str) -> list[str]:
    """Bridge ports with carrier that do not forward yet."""
    out = proc.run(["bridge", "-n", ns, "-j", "link", "show"], check=False).stdout
    ports = json.loads(out) if out.strip() else []
    return [
        p["ifname"]
        for p in ports
        if "LOWER_UP" in p.get("flags", []) and p.get("state") != "forwarding"
    ]


def wait_forwarding(spec: LabSpec, switch: str, timeout: float = 5.0) -> float:
    """Wait until every port with carrier forwards. Carrier-up reaches the bridge through
    the kernel's linkwatch, up to a second later; frames sent before that are lost."""
    ns = check_switch(spec, switch)
    return proc.wait_until(
        lambda: not _stuck_ports(ns), timeout=timeout, what=f"{switch} ports", interval=0.05
    )


def set_port_mtu(spec: LabSpec, nic: GuestNic, mtu: int) -> None:
    """MTU of the switch port a guest NIC is cabled to (a path-MTU fault, or the fix)."""
    netns.ip(spec.switch_netns(nic.switch), "link", "set", nic.tap, "mtu", str(mtu))
