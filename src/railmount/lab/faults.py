"""Lab faults: cut and restore a link, a whole switch or a VIP; restart the array.

Each fault is what the hardware would do: a dead host link is carrier loss on the
guest NIC (QEMU set_link) plus the switch port going down; a dead switch is every port
of that switch, its array uplink and the MLAG peer link, with carrier loss on every
guest NIC cabled to it and the array re-announcing its VIPs on the links it has left.
Every event is appended to <state_dir>/faults.jsonl with the time it happened, so a
fault suite can line events up with its measurements. This module only puts the steps in
order; the steps are in switches.py, array_net.py, guest.py and array.py.

Plain functions that return the journal entry; `railmount lab fault ...` (lab/cli.py)
and the fault suite (validate/test_faults.py) call them. Nothing here knows argparse.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from railmount.lab import array, array_net, guest, switches
from railmount.lab.spec import GuestNic, GuestSpec, LabSpec


class FaultError(ValueError):
    pass


def journal(spec: LabSpec) -> Path:
    return spec.state_dir / "faults.jsonl"


def record(spec: LabSpec, event: str, **details: Any) -> dict[str, Any]:
    entry = {"time": time.time(), "event": event, **details}
    spec.state_dir.mkdir(parents=True, exist_ok=True)
    with journal(spec).open("a") as handle:
        handle.write(json.dumps(entry) + "\n")
    return entry


def _guest(spec: LabSpec, host: str) -> GuestSpec:
    for g in spec.guests:
        if g.name == host:
            return g
    raise FaultError(f"no lab guest {host!r} (have: {', '.join(g.name for g in spec.guests)})")


def _nic(g: GuestSpec, port: str) -> GuestNic:
    for nic in g.nics:
        if nic.port == port:
            return nic
    raise FaultError(f"{g.name} has no storage port {port!r}")


def set_host_link(spec: LabSpec, host: str, port: str, up: bool) -> dict[str, Any]:
    g = _guest(spec, host)
    nic = _nic(g, port)
    if up:  # switch side first so frames flow the moment the guest sees carrier
        switches.set_nic(spec, nic, True)
        guest.set_link(spec, g, port, True)
    else:
        guest.set_link(spec, g, port, False)
        switches.set_nic(spec, nic, False)
    return record(spec, "link-up" if up else "link-down", host=host, port=port)


def set_link_rate(spec: LabSpec, host: str, port: str, mbit: int | None) -> dict[str, Any]:
    """Re-shape a host link's read direction (None: back to the planned rate)."""
    nic = _nic(_guest(spec, host), port)
    rate = mbit or nic.rate_mbit
    switches.attach_tap(spec, replace(nic, rate_mbit=rate))  # idempotent: re-applies tbf
    return record(spec, "link-rate", host=host, port=port, mbit=rate)


def set_port_mtu(spec: LabSpec, host: str, port: str, mtu: int | None) -> dict[str, Any]:
    """The switch port a host port is cabled to left at another MTU (None: back to the
    fabric's): frames larger than it are dropped, as a mis-configured switch port does."""
    nic = _nic(_guest(spec, host), port)
    value = mtu or nic.mtu
    switches.set_port_mtu(spec, nic, value)
    return record(spec, "port-mtu", host=host, port=port, switch=nic.switch, tap=nic.tap,
                  mtu=value)  # fmt: skip


def reboot(spec: LabSpec, host: str) -> dict[str, Any]:
    """Reboot a guest as an admin would (systemctl reboot) and wait until SSH is back."""
    g = _guest(spec, host)
    t0 = time.monotonic()
    down_s, up_s = guest.reboot(spec, g)
    return record(spec, "reboot", host=host, seconds_down=down_s, seconds_to_ssh=up_s,
                  seconds=round(time.monotonic() - t0, 1))  # fmt: skip


def set_switch(spec: LabSpec, switch: str, up: bool) -> dict[str, Any]:
    if switch not in spec.switches:
        raise FaultError(f"no switch {switch!r} (have: {', '.join(spec.switches)})")
    cabled = [(g, nic) for g in spec.guests for nic in g.nics if nic.switch == switch]
    if up:
        switches.set_switch(spec, switch, True)
        for g, nic in cabled:
            guest.set_link(spec, g, nic.port, True)
    else:
        for g, nic in cabled:
            guest.set_link(spec, g, nic.port, False)
        switches.set_switch(spec, switch, False)
        # The array re-announces its VIPs on the surviving links, so clients drop ARP
        # entries that point at the dead link's MAC.
        survivors = [link for link in spec.array.links if link.switch != switch]
        array_net.announce_vips(spec, survivors)
    return record(spec, "switch-up" if up else "switch-down", switch=switch)


def set_vip(spec: LabSpec, vip: str, up: bool) -> dict[str, Any]:
    if vip not in spec.array.vips:
        raise FaultError(f"no VIP {vip!r} (have: {', '.join(spec.array.vips)})")
    array_net.set_vip(spec, vip, up)
    if up:
        array_net.announce_vips(spec)
    return record(spec, "vip-up" if up else "vip-down", vip=vip)


def array_restart(spec: LabSpec) -> dict[str, Any]:
    t0 = time.monotonic()
    array.stop(spec)
    array.start(spec)
    return record(spec, "array-restart", seconds=round(time.monotonic() - t0, 2))
