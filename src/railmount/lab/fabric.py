"""The lab's storage fabric: an MLAG switch pair and the array's front-end ports.

Built from network namespaces (the host kernel has no bonding, VLAN or dummy devices):

    <prefix>-<switch>   one per switch: a bridge named after the switch, its ports
                        (guest taps, the array link cabled to it, the MLAG peer link)
                        and an lldpd advertising the switch name on every port.
    <prefix>-array      the NFS array: one veth per array link, cabled into that
                        link's switch bridge; VIPs as /32 on lo.

Consecutive switches in spec.switches form an MLAG pair joined by a veth "peer link",
so the pair is one L2 domain. The array is a router-less host with one address per
link in the storage subnet; it answers ARP for its VIPs on every link (arp_ignore=0),
and when a switch dies its link loses carrier, `ignore_routes_with_linkdown` moves the
return path to the surviving link and a gratuitous ARP re-points the clients.

Guest taps are shaped on the switch side (egress towards the guest = the guest's
read direction) with tbf. Nothing here is created in the root namespace: veths are
created directly inside their namespaces, and taps are moved out of it.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from railmount.lab import array, netns, proc
from railmount.lab.spec import ArrayLink, GuestNic, LabSpec

PEER_LINK = "peerlink"  # the MLAG peer-link port name inside each switch namespace
KERNEL_HZ = 250  # Debian's CONFIG_HZ; tbf burst must cover one tick of tokens
TBF_LATENCY_S = 0.025  # tbf queue depth in time (see tbf_params)
TBF_MIN_QUEUE = 512 * 1024  # ... but never below this many bytes (low rates)
LLDP_TX_INTERVAL_S = 5  # guests should see their neighbour within seconds of booting
UNIX_PATH_MAX = 107
RUN_ROOT = Path("/run/railmount")

# IPv6 off in every lab namespace: lab traffic stays on 198.18.0.0/15, no link-local chatter.
QUIET_SYSCTLS = {
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
}

# The array namespace. "default" is set too so links created afterwards inherit it.
ARRAY_SYSCTLS = {
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


class FabricError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- names


def state_dir(spec: LabSpec) -> Path:
    return spec.state_dir / "fabric"


def run_dir(spec: LabSpec) -> Path:
    """lldpd's control socket and config. Not under state_dir: lldpcli is setuid _lldpd
    and must reach both, while state_dir may be private (0700)."""
    return RUN_ROOT / spec.prefix


def lldpd_paths(spec: LabSpec, switch: str) -> tuple[Path, Path, Path, Path]:
    """(control socket, pidfile, config file, log) of one switch's lldpd."""
    run, state = run_dir(spec), state_dir(spec)
    sock = run / f"lldpd-{switch}.sock"
    if len(str(sock)) > UNIX_PATH_MAX:
        raise FabricError(f"unix socket path too long: {sock}")
    conf = run / f"lldpd-{switch}.conf"
    return sock, state / f"lldpd-{switch}.pid", conf, state / f"lldpd-{switch}.log"


def mlag_pairs(spec: LabSpec) -> list[tuple[str, str]]:
    """Switches pair up in order: (s0, s1), (s2, s3), ...; an odd last one stands alone."""
    sw = spec.switches
    return list(zip(sw[0::2], sw[1::2], strict=False))


def lab_namespaces(spec: LabSpec) -> list[str]:
    return [*(spec.switch_netns(sw) for sw in spec.switches), spec.array_netns]


def array_link(spec: LabSpec, name: str) -> ArrayLink:
    for link in spec.array.links:
        if link.name == name:
            return link
    raise FabricError(f"no array link {name!r}")


def _check_switch(spec: LabSpec, switch: str) -> str:
    if switch not in spec.switches:
        raise FabricError(f"unknown switch {switch!r} (lab has {', '.join(spec.switches)})")
    return spec.switch_netns(switch)


# ---------------------------------------------------------------------------- up


def up(spec: LabSpec) -> None:
    """Build (or repair) switches, peer links, array links and lldpd. Idempotent."""
    state_dir(spec).mkdir(parents=True, exist_ok=True)
    run_dir(spec).mkdir(parents=True, exist_ok=True, mode=0o755)
    for ns in lab_namespaces(spec):
        if netns.create(ns):
            # Before any device exists, so every device inherits the "default" values.
            netns.sysctl(ns, QUIET_SYSCTLS)
    netns.sysctl(spec.array_netns, ARRAY_SYSCTLS)
    for sw in spec.switches:
        _ensure_bridge(spec, sw)
    for a, b in mlag_pairs(spec):
        _ensure_veth(spec.switch_netns(a), PEER_LINK, spec.switch_netns(b), PEER_LINK, spec.mtu)
        _enslave(spec.switch_netns(a), PEER_LINK, a, spec.mtu)
        _enslave(spec.switch_netns(b), PEER_LINK, b, spec.mtu)
    _ensure_array_net(spec)
    for sw in spec.switches:
        _ensure_lldpd(spec, sw)


def _ensure_bridge(spec: LabSpec, switch: str) -> None:
    ns = spec.switch_netns(switch)
    if not netns.device_exists(switch, ns):
        # No STP: the topology is loop-free by construction (the array does not bridge
        # its links), and STP's listening delay would only slow the lab down.
        netns.ip(ns, "link", "add", switch, "type", "bridge",
                 "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")  # fmt: skip
    # An explicit MTU pins the bridge so a 1500-byte guest port cannot shrink it.
    netns.ip(ns, "link", "set", switch, "mtu", str(spec.mtu), "up")


def _ensure_veth(ns_a: str, name_a: str, ns_b: str, name_b: str, mtu: int) -> None:
    """A veth cable between two namespaces, created in place (never in the root ns)."""
    if netns.device_exists(name_a, ns_a):
        if netns.device_exists(name_b, ns_b):
            return
        netns.ip(ns_a, "link", "del", name_a)  # half-cabled leftover: recreate
    netns.ip(None, "link", "add", name_a, "netns", ns_a, "mtu", str(mtu),
             "type", "veth", "peer", "name", name_b, "netns", ns_b, "mtu", str(mtu))  # fmt: skip


def _enslave(ns: str, dev: str, bridge: str, mtu: int) -> None:
    netns.ip(ns, "link", "set", dev, "mtu", str(mtu), "master", bridge, "up")


def _ensure_array_net(spec: LabSpec) -> None:
    ans = spec.array_netns
    for vip in spec.array.vips:
        netns.ip(ans, "addr", "replace", f"{vip}/32", "dev", "lo")
    for link in spec.array.links:
        sw_ns = _check_switch(spec, link.switch)
        _ensure_veth(ans, link.name, sw_ns, link.name, spec.mtu)
        _enslave(sw_ns, link.name, link.switch, spec.mtu)
        netns.ip(ans, "link", "set", link.name, "mtu", str(spec.array.mtu), "up")
        netns.ip(ans, "addr", "replace", link.address, "dev", link.name)
        if link.rate_mbit:
            # The array's transmit side is the clients' read direction.
            _shape(ans, link.name, link.rate_mbit, spec.array.mtu)


# ---------------------------------------------------------------------------- lldpd


def _lldpd_config(switch: str) -> str:
    return "\n".join(
        [
            # The host's name would be the same on every switch.
            f"configure system hostname {switch}",
            f'configure system description "railmount lab switch {switch}"',
            # Port ID = the bridge-port name (default: its MAC), what the cabling check reads.
            "configure lldp portidsubtype ifname",
            f"configure lldp tx-interval {LLDP_TX_INTERVAL_S}",
            "",
        ]
    )


def _ensure_lldpd(spec: LabSpec, switch: str) -> None:
    ns = spec.switch_netns(switch)
    sock, pidfile, conf, log = lldpd_paths(spec, switch)
    pid = proc.read_pidfile(pidfile)
    if pid is not None and _lldpd_is_ours(pid, ns):
        return
    # Every device in the namespace except lo and the bridge itself is a bridge port;
    # a pattern (not a list) also covers taps attached later.
    pattern = f"*,!lo,!{switch}"
    conf.write_text(_lldpd_config(switch))
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    argv = ["lldpd", "-u", str(sock), "-p", str(pidfile), "-O", str(conf), "-I", pattern, "-k"]
    with log.open("ab") as out:
        res = proc.run(netns.exec_argv(ns, argv), check=False)
        out.write((res.stdout + res.stderr).encode())
    if res.returncode != 0:
        raise FabricError(f"lldpd for {switch} failed to start:\n{res.stderr.strip()}")
    # lldpd applies conf through (setuid) lldpcli after start; the name proves it did.
    proc.wait_until(
        lambda: _lldpd_sysname(sock) == switch, timeout=10, what=f"lldpd {switch}", interval=0.2
    )


def _lldpd_is_ours(pid: int, ns: str) -> bool:
    return proc.pid_matches(pid, "lldpd") and pid in netns.pids(ns)


def _lldpcli(sock: Path, *args: str) -> dict[str, Any] | None:
    res = proc.run(["lldpcli", "-u", str(sock), "-f", "json", *args], check=False)
    if res.returncode != 0:
        return None
    try:
        return json.loads(res.stdout)
    except json.JSONDecodeError:
        return None


def _lldpd_sysname(sock: Path) -> str | None:
    data = _lldpcli(sock, "show", "chassis") if sock.exists() else None
    chassis = (data or {}).get("local-chassis", {}).get("chassis", {})
    return next(iter(chassis), None)  # {"tor1": {...}}: keyed by system name


def _stop_lldpd(spec: LabSpec, switch: str) -> None:
    sock, pidfile, _, _ = lldpd_paths(spec, switch)
    proc.stop_pidfile(pidfile, expect="lldpd")
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()


def lldp_stats(spec: LabSpec, switch: str) -> dict[str, dict[str, int]]:
    """Per-port LLDP counters of a switch's lldpd: {port: {"tx": n, "rx": n}}."""
    sock = lldpd_paths(spec, switch)[0]
    data = _lldpcli(sock, "show", "statistics")
    if not data:
        return {}
    ifaces = data.get("lldp", {}).get("interface", [])
    if isinstance(ifaces, dict):  # lldpcli collapses a one-element list into a dict
        ifaces = [{k: v} for k, v in ifaces.items()]
    stats: dict[str, dict[str, int]] = {}
    for entry in ifaces:
        for name, counters in entry.items():
            # Each counter looks like {"tx": {"tx": "12"}}.
            stats[name] = {k: int(counters.get(k, {}).get(k, 0)) for k in ("tx", "rx")}
    return stats


# ---------------------------------------------------------------------------- taps


def tbf_params(rate_mbit: int, mtu: int) -> tuple[int, int]:
    """(burst, limit) in bytes for a tbf at rate_mbit on a port of this MTU.

    burst covers one timer tick of tokens, two full frames and a whole 64 KiB TSO/GSO
    packet from the veth (tbf would otherwise split it). limit queues TBF_LATENCY_S of
    data but at least TBF_MIN_QUEUE, so a single reno flow keeps the link busy through
    the 1 MiB bursts of NFS reads: measured ~98 % of 200 Mbit (MTU 9000), ~95 % (1500).
    """
    rate_bytes = rate_mbit * 1_000_000 / 8
    frame = mtu + 14
    burst = max(math.ceil(rate_bytes / KERNEL_HZ), 2 * frame, 65536 + frame)
    limit = burst + max(math.ceil(rate_bytes * TBF_LATENCY_S), TBF_MIN_QUEUE)
    return burst, limit


def _shape(ns: str, dev: str, rate_mbit: int, mtu: int) -> None:
    burst, limit = tbf_params(rate_mbit, mtu)
    tbf = ["tbf", "rate", f"{rate_mbit}mbit", "burst", str(burst), "limit", str(limit)]
    netns.run(None, ["tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", *tbf])


def attach_tap(spec: LabSpec, nic: GuestNic) -> None:
    """Move a guest tap from the root namespace into its switch and shape it. Idempotent.

    Moving keeps QEMU's open fd working. The tbf on the switch side is the guest's
    read direction (switch -> guest).
    """
    ns = _check_switch(spec, nic.switch)
    if not netns.device_exists(nic.tap, ns):
        if not netns.device_exists(nic.tap):
            raise FabricError(f"tap {nic.tap} is neither in the root namespace nor in {ns}")
        netns.ip(None, "link", "set", nic.tap, "netns", ns)
    netns.ip(ns, "link", "set", nic.tap, "mtu", str(nic.mtu), "master", nic.switch, "up")
    _shape(ns, nic.tap, nic.rate_mbit, nic.mtu)


# ---------------------------------------------------------------------------- faults


def set_port(spec: LabSpec, switch: str, port: str, up: bool) -> None:
    """Admin up/down one port of a switch (a guest tap, an array link or the peer link).

    A veth port going down drops carrier on its far end (the array sees NO-CARRIER); a
    tap going down only drops traffic: QEMU does not pass carrier to the guest (use QMP
    set_link for that).
    """
    ns = _check_switch(spec, switch)
    netns.ip(ns, "link", "set", port, "up" if up else "down")


def set_array_link(spec: LabSpec, name: str, up: bool) -> None:
    """Admin up/down the switch port of one array link; the array side loses carrier."""
    link = array_link(spec, name)
    set_port(spec, link.switch, link.name, up)


def set_nic(spec: LabSpec, nic: GuestNic, up: bool) -> None:
    """Admin up/down the switch port a guest NIC is cabled to."""
    set_port(spec, nic.switch, nic.tap, up)


def switch_ports(spec: LabSpec, switch: str) -> list[str]:
    ns = _check_switch(spec, switch)
    return sorted(d["ifname"] for d in netns.links(ns) if d.get("master") == switch)


def set_switch(spec: LabSpec, switch: str, up: bool) -> None:
    """Power a whole switch off (every bridge port, so also its array link and the peer
    link) or back on. On power-off the array re-announces its VIPs on the surviving links
    so clients drop ARP entries that point at the dead link's MAC."""
    ns = _check_switch(spec, switch)
    state = "up" if up else "down"
    if up:
        netns.ip(ns, "link", "set", switch, "up")
    for port in switch_ports(spec, switch):
        netns.ip(ns, "link", "set", port, state)
    if up:
        wait_forwarding(spec, switch)
    else:
        netns.ip(ns, "link", "set", switch, "down")
        survivors = [link for link in spec.array.links if link.switch != switch]
        announce_vips(spec, survivors)


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
    ns = _check_switch(spec, switch)
    return proc.wait_until(
        lambda: not _stuck_ports(ns), timeout=timeout, what=f"{switch} ports", interval=0.05
    )


# A gratuitous ARP request (sender = target = VIP) per VIP, sent raw on one link.
_GARP = """
import socket, sys
dev, mac, *vips = sys.argv[1:]
hw = bytes.fromhex(mac.replace(":", ""))
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind((dev, 0))
    for vip in vips:
        ip = socket.inet_aton(vip)
        arp = bytes.fromhex("0001080006040001") + hw + ip + bytes(6) + ip
        s.send((b"\\xff" * 6 + hw + b"\\x08\\x06" + arp).ljust(60, b"\\0"))
"""


def announce_vips(spec: LabSpec, links: list[ArrayLink] | None = None) -> list[str]:
    """Send a gratuitous ARP for every VIP out of each given (default: all) array link
    that has carrier. Returns the links used."""
    used = []
    for link in spec.array.links if links is None else links:
        info = netns.link(spec.array_netns, link.name)
        if not info or "LOWER_UP" not in info.get("flags", []):
            continue
        argv = [sys.executable, "-c", _GARP, link.name, info["address"], *spec.array.vips]
        netns.run(spec.array_netns, argv)
        used.append(link.name)
    return used


# ---------------------------------------------------------------------------- down


def down(spec: LabSpec) -> None:
    """Stop lab daemons and delete every `<prefix>-*` namespace (with all devices in it).

    Safe to run twice and after a crash: pidfiles are checked against the process,
    and anything still running inside a lab namespace is killed by PID before the
    namespace goes (a namespace with live processes would linger after `ip netns del`).
    Nothing outside the lab's namespaces is touched.
    """
    array.stop(spec)
    for sw in spec.switches:
        _stop_lldpd(spec, sw)
    for ns in netns.list_ns(f"{spec.prefix}-"):
        for pid in netns.pids(ns):
            proc.kill_pid(pid, timeout=5)
        netns.delete(ns)
    _wait_gone(spec)
    shutil.rmtree(run_dir(spec), ignore_errors=True)
    with contextlib.suppress(OSError):
        RUN_ROOT.rmdir()  # only if no other lab uses it


def _wait_gone(spec: LabSpec, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while netns.list_ns(f"{spec.prefix}-") and time.monotonic() < deadline:
        time.sleep(0.1)


# ---------------------------------------------------------------------------- status


def _port_status(dev: dict[str, Any]) -> dict[str, Any]:
    flags = dev.get("flags", [])
    stats = dev.get("stats64", {})
    return {
        "kind": dev.get("linkinfo", {}).get("info_kind"),
        "admin_up": "UP" in flags,
        "carrier": "LOWER_UP" in flags,
        "mtu": dev.get("mtu"),
        "master": dev.get("master"),
        "qdisc": dev.get("qdisc"),
        "rx_bytes": stats.get("rx", {}).get("bytes"),
        "tx_bytes": stats.get("tx", {}).get("bytes"),
    }


def _tbf_rates(ns: str) -> dict[str, int]:
    """{device: tbf rate in bit/s} for every root tbf in ns."""
    res = proc.run(["tc", "-n", ns, "-j", "qdisc", "show"], check=False)
    rates: dict[str, int] = {}
    with contextlib.suppress(json.JSONDecodeError):
        for q in json.loads(res.stdout or "[]"):
            if q.get("kind") == "tbf" and q.get("root"):
                rates[q["dev"]] = int(q.get("options", {}).get("rate", 0) * 8)
    return rates


def _switch_status(spec: LabSpec, switch: str) -> dict[str, Any]:
    ns = spec.switch_netns(switch)
    devs = {d["ifname"]: d for d in netns.links(ns)}
    rates = _tbf_rates(ns) if devs else {}
    _, pidfile, _, _ = lldpd_paths(spec, switch)
    pid = proc.read_pidfile(pidfile)
    ports = {}
    for name, dev in devs.items():
        if dev.get("master") != switch:
            continue
        ports[name] = _port_status(dev) | {"tbf_bit": rates.get(name)}
    bridge = devs.get(switch)
    lldpd_up = pid is not None and _lldpd_is_ours(pid, ns)
    return {
        "netns": ns,
        "exists": netns.exists(ns),
        "bridge": _port_status(bridge) if bridge else None,
        "ports": ports,
        "lldpd": {"pid": pid if lldpd_up else None, "running": lldpd_up},
        "lldp": lldp_stats(spec, switch) if lldpd_up else {},
    }


def _array_net_status(spec: LabSpec) -> dict[str, Any]:
    ns = spec.array_netns
    devs = {d["ifname"]: d for d in netns.links(ns)}
    on_lo = netns.addresses(ns, "lo") if devs else []
    return {
        "netns": ns,
        "exists": netns.exists(ns),
        "vips": {vip: f"{vip}/32" in on_lo for vip in spec.array.vips},
        "links": {
            link.name: (
                _port_status(devs[link.name])
                | {"switch": link.switch, "addresses": netns.addresses(ns, link.name)}
                if link.name in devs
                else None
            )
            for link in spec.array.links
        },
    }


def status(spec: LabSpec) -> dict[str, Any]:
    """What exists right now: namespaces, bridges, ports (with carrier, MTU, tbf rate),
    lldpd and its per-port LLDP counters, array links and VIPs."""
    return {
        "prefix": spec.prefix,
        "namespaces": netns.list_ns(f"{spec.prefix}-"),
        "switches": {sw: _switch_status(spec, sw) for sw in spec.switches},
        "mlag_pairs": mlag_pairs(spec),
        "array": _array_net_status(spec),
    }
