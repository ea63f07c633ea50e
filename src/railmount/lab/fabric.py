"""The lab's storage fabric as a whole: build it, tear it down, say what exists.

Built from network namespaces (the host kernel has no bonding, VLAN or dummy devices):

    <prefix>-<switch>   one per switch: a bridge named after the switch, its ports
                        (guest taps, the array link cabled to it, the MLAG peer link)
                        and an lldpd advertising the switch name on every port.
    <prefix>-array      the NFS array: one veth per array link, cabled into that
                        link's switch bridge; VIPs as /32 on lo.

The parts live in their own modules: switches.py (namespaces' bridges, peer links, ports
and their admin state), array_net.py (the array's links, VIPs, gratuitous ARP), lldp.py
(lldpd per switch) and shaping.py (tbf). This module only puts them in order; control.py
calls up(), down() and status(). Nothing here is created in the root namespace: veths
are created directly inside their namespaces, and taps are moved out of it.
"""

from __future__ import annotations

import time
from typing import Any

from railmount.lab import array, array_net, lldp, netns, proc, shaping, switches
from railmount.lab.spec import LabSpec

# IPv6 off in every lab namespace: lab traffic stays on 198.18.0.0/15, no link-local chatter.
QUIET_SYSCTLS = {
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
}


def lab_namespaces(spec: LabSpec) -> list[str]:
    return [*(spec.switch_netns(sw) for sw in spec.switches), spec.array_netns]


def up(spec: LabSpec) -> None:
    """Build (or repair) switches, peer links, array links and lldpd. Idempotent."""
    lldp.state_dir(spec).mkdir(parents=True, exist_ok=True)
    lldp.run_dir(spec).mkdir(parents=True, exist_ok=True, mode=0o755)
    for ns in lab_namespaces(spec):
        if netns.create(ns):
            # Before any device exists, so every device inherits the "default" values.
            netns.sysctl(ns, QUIET_SYSCTLS)
    netns.sysctl(spec.array_netns, array_net.SYSCTLS)
    for sw in spec.switches:
        switches.ensure_bridge(spec, sw)
    switches.ensure_peer_links(spec)
    array_net.ensure(spec)
    for sw in spec.switches:
        lldp.ensure(spec, sw)


def down(spec: LabSpec) -> None:
    """Stop lab daemons and delete every `<prefix>-*` namespace (with all devices in it).

    Safe to run twice and after a crash: pidfiles are checked against the process,
    and anything still running inside a lab namespace is killed by PID before the
    namespace goes (a namespace with live processes would linger after `ip netns del`).
    Nothing outside the lab's namespaces is touched.
    """
    array.stop(spec)
    for sw in spec.switches:
        lldp.stop(spec, sw)
    for ns in netns.list_ns(f"{spec.prefix}-"):
        for pid in netns.pids(ns):
            proc.kill_pid(pid, timeout=5)
        netns.delete(ns)
    _wait_gone(spec)
    lldp.remove_run_dir(spec)


def _wait_gone(spec: LabSpec, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while netns.list_ns(f"{spec.prefix}-") and time.monotonic() < deadline:
        time.sleep(0.1)


def status(spec: LabSpec) -> dict[str, Any]:
    """What exists right now: namespaces, bridges, ports (with carrier, MTU, tbf rate),
    lldpd and its per-port LLDP counters, array links and VIPs."""
    return {
        "prefix": spec.prefix,
        "namespaces": netns.list_ns(f"{spec.prefix}-"),
        "switches": {sw: _switch_status(spec, sw) for sw in spec.switches},
        "mlag_pairs": switches.mlag_pairs(spec),
        "array": array_net.status(spec),
    }


def _switch_status(spec: LabSpec, switch: str) -> dict[str, Any]:
    ns = spec.switch_netns(switch)
    devs = {d["ifname"]: d for d in netns.links(ns)}
    rates = shaping.tbf_rates(ns) if devs else {}
    ports = {
        name: netns.link_status(dev) | {"tbf_bit": rates.get(name)}
        for name, dev in devs.items()
        if dev.get("master") == switch
    }
    bridge = devs.get(switch)
    return {
        "netns": ns,
        "exists": netns.exists(ns),
        "bridge": netns.link_status(bridge) if bridge else None,
        "ports": ports,
        **lldp.status(spec, switch),
    }
