"""One remote command per host that gathers everything the checks assert on.

testinfra over SSH costs a round trip per call; a GPU server with 2 ports and 4 VIPs
would need dozens. Instead the probe runs one shell script, prints sections between
markers, and `parse()` turns them into a HostState the suites read.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from railmount.planner import HostPlan

MARK = "@@railmount@@"


@dataclass
class Link:
    name: str
    mac: str
    mtu: int
    up: bool  # operstate UP and carrier
    addresses: list[str]  # CIDRs
    speed_mbps: int | None
    rx_errors: int
    rx_dropped: int
    tx_errors: int
    tx_dropped: int
    rx_bytes: int
    tx_bytes: int


@dataclass
class RouteGet:
    dev: str | None
    src: str | None
    error: str | None = None


@dataclass
class MountEntry:
    source: str
    path: str
    fstype: str
    options: dict[str, str]


@dataclass
class HostState:
    links: dict[str, Link] = field(default_factory=dict)
    route_get: dict[str, RouteGet] = field(default_factory=dict)  # by VIP address
    sysctls: dict[str, int] = field(default_factory=dict)
    mounts: dict[str, MountEntry] = field(default_factory=dict)  # by mount path
    lldp: dict[str, tuple[str, str]] = field(default_factory=dict)  # port -> (system, port id)
    arping: dict[str, bool] = field(default_factory=dict)  # VIP address -> answered
    pmtu: dict[str, bool] = field(default_factory=dict)  # VIP address -> DF ping passed
    pmtu_largest: dict[str, int] = field(default_factory=dict)  # VIP -> largest DF size passing
    tcp: list[tuple[str, str]] = field(default_factory=list)  # (local ip, remote ip) to :2049
    neigh: dict[str, tuple[str, str]] = field(default_factory=dict)  # VIP -> (dev, state)


def sysctl_names(plan: HostPlan) -> list[str]:
    """Every sysctl validation reads: the planned ones (rp_filter etc. per scope)."""
    return [s.name for s in plan.sysctls]


# DF ping of the planned size; when it fails, the largest size that passes (binary search
# from 1472, the usual suspect, with 1 s per lost ping: at most ~14 s per VIP).
PMTU_SEARCH = """pmtu() {  # VIP SRC SIZE
    p() { ping -n -q -c 1 -W 1 -M do -s "$1" -I "$3" "$2" >/dev/null 2>&1; }
    if ping -n -q -c 1 -W 2 -M do -s "$3" -I "$2" "$1" >/dev/null 2>&1; then echo ok; return; fi
    lo=0; hi=$3
    if [ "$hi" -gt 1472 ]; then if p 1472 "$1" "$2"; then lo=1472; else hi=1472; fi; fi
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        if p "$mid" "$1" "$2"; then lo=$mid; else hi=$mid; fi
    done
    echo "largest $lo"
}"""


def probe_script(plan: HostPlan, active: bool = True) -> str:
    """The shell script run on the host. `active` adds arping and DF pings per VIP."""
    q = shlex.quote
    lines = [
        PMTU_SEARCH,
        f"echo {MARK}links; ip -j -s -d link show",
        f"echo {MARK}addrs; ip -j addr show",
        f"echo {MARK}mounts; cat /proc/mounts",
        f"echo {MARK}lldp; lldpcli -f json show neighbors 2>/dev/null || echo '{{}}'",
        # The NFS client closes idle connections (~5 min); a statfs on each mount makes it
        # reconnect, from the source address routing picks now, before we look.
        # One stat for all of them: every process costs on a busy host.
        f"timeout 5 stat -f {' '.join(q(m.path) for m in plan.mounts)} >/dev/null 2>&1",
        f"echo {MARK}tcp; ss -Htn state established '( dport = :2049 )' 2>/dev/null",
        f"echo {MARK}neigh; ip -j neigh show",
        f"echo {MARK}sysctl; sysctl -e {' '.join(sysctl_names(plan))} 2>/dev/null",
    ]
    for port in plan.ports:
        lines.append(
            f"echo {MARK}speed {port.name}; cat /sys/class/net/{q(port.name)}/speed "
            "2>/dev/null || echo unknown"
        )
    for route in plan.routes:
        if route.backup:
            continue
        vip = route.to.removesuffix("/32")
        lines.append(f"echo {MARK}route {vip}; ip -j route get {vip} 2>&1")
        if active:
            port = plan.port(route.dev)
            lines.append(
                f"echo {MARK}arping {vip}; arping -c 1 -w 2 -I {q(route.dev)} "
                f"-s {route.src} {vip} >/dev/null 2>&1; echo $?"
            )
            size = port.mtu - 28  # IPv4 + ICMP headers
            lines.append(f"echo {MARK}pmtu {vip}; pmtu {vip} {route.src} {size}")
    return "\n".join(lines) + "\n"


# The end-of-run counter read: only the links section (one command, no pings).
COUNTERS_SCRIPT = f"echo {MARK}links; ip -j -s -d link show\n"


def split_sections(output: str, mark: str = MARK) -> dict[str, list[str]]:
    """Lines of a remote script's output grouped under the `mark NAME` lines it echoed."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(mark):
            current = sections.setdefault(line[len(mark) :].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


def _json(text: str, default: Any) -> Any:
    try:
        return json.loads(text) if text.strip() else default
    except json.JSONDecodeError:
        return default


def parse_mount_options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        options[key] = value
    return options


def _links(
    links_json: list[dict[str, Any]], addrs_json: list[dict[str, Any]], speeds: dict[str, str]
) -> dict[str, Link]:
    addresses = {
        a["ifname"]: [
            f"{i['local']}/{i['prefixlen']}"
            for i in a.get("addr_info", [])
            if i.get("family") == "inet"
        ]
        for a in addrs_json
    }
    links: dict[str, Link] = {}
    for entry in links_json:
        name = entry["ifname"]
        stats = entry.get("stats64", {})
        rx, tx = stats.get("rx", {}), stats.get("tx", {})
        speed = speeds.get(name, "").strip()
        links[name] = Link(
            name=name,
            mac=entry.get("address", "").lower(),
            mtu=int(entry.get("mtu", 0)),
            up=entry.get("operstate") == "UP" and "NO-CARRIER" not in entry.get("flags", []),
            addresses=addresses.get(name, []),
            speed_mbps=int(speed) if speed.lstrip("-").isdigit() and int(speed) > 0 else None,
            rx_errors=rx.get("errors", 0),
            rx_dropped=rx.get("dropped", 0),
            tx_errors=tx.get("errors", 0),
            tx_dropped=tx.get("dropped", 0),
            rx_bytes=rx.get("bytes", 0),
            tx_bytes=tx.get("bytes", 0),
        )
    return links


def _lldp(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """lldpcli JSON: one interface is a dict, several a list; names are dict keys."""
    found: dict[str, tuple[str, str]] = {}
    interfaces = data.get("lldp", {}).get("interface", [])
    if isinstance(interfaces, dict):
        interfaces = [{k: v} for k, v in interfaces.items()]
    for wrapper in interfaces:
        for port, info in wrapper.items():
            chassis = info.get("chassis", {})
            system = next(iter(chassis), "") if isinstance(chassis, dict) else ""
            port_info = info.get("port", {})
            port_id = port_info.get("id", {})
            port_id = port_id.get("value", "") if isinstance(port_id, dict) else str(port_id)
            descr = port_info.get("descr", "")
            found[port] = (system, descr or port_id)
    return found


def _tcp(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        cols = line.split()
        if len(cols) >= 4:
            pairs.append((cols[2].rsplit(":", 1)[0], cols[3].rsplit(":", 1)[0]))
    return pairs


def _exit_ok(text: str) -> bool:
    """The section ends with the command's exit status."""
    lines = text.strip().splitlines()
    return bool(lines) and lines[-1].strip() == "0"


def parse(output: str) -> HostState:
    sections = {k: "\n".join(v) for k, v in split_sections(output).items()}
    state = HostState()
    speeds = {k.split(" ", 1)[1]: v for k, v in sections.items() if k.startswith("speed ")}
    state.links = _links(
        _json(sections.get("links", ""), []), _json(sections.get("addrs", ""), []), speeds
    )
    for line in sections.get("mounts", "").splitlines():
        cols = line.split()
        if len(cols) >= 4:
            state.mounts[cols[1]] = MountEntry(
                cols[0], cols[1], cols[2], parse_mount_options(cols[3])
            )
    state.lldp = _lldp(_json(sections.get("lldp", ""), {}))
    state.tcp = _tcp(sections.get("tcp", ""))
    for entry in _json(sections.get("neigh", ""), []):
        if "dst" in entry:
            state.neigh[entry["dst"]] = (entry.get("dev", ""), ",".join(entry.get("state", [])))
    for line in sections.get("sysctl", "").splitlines():
        name, sep, value = line.partition(" = ")
        if sep and value.strip().lstrip("-").isdigit():
            state.sysctls[name.strip()] = int(value)
    for key, text in sections.items():
        kind, _, vip = key.partition(" ")
        if kind == "route":
            routes = _json(text, None)
            if isinstance(routes, list) and routes:
                state.route_get[vip] = RouteGet(routes[0].get("dev"), routes[0].get("prefsrc"))
            else:
                state.route_get[vip] = RouteGet(None, None, text.strip() or "no route")
        elif kind == "arping":
            state.arping[vip] = _exit_ok(text)
        elif kind == "pmtu":
            words = text.split()
            # "ok" | "largest N" (older probes printed ping's exit status)
            state.pmtu[vip] = words in (["ok"], ["0"])
            if words[:1] == ["largest"] and len(words) > 1 and words[1].isdigit():
                state.pmtu_largest[vip] = int(words[1])
    return state
