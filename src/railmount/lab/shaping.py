"""Traffic shaping in the lab: a tbf per port, sized so one NFS reader fills the link.

The lab's links run at planned speeds (guest ports, optionally array links) though every
device is a veth or tap that would otherwise go as fast as the CPU allows. A port is
shaped on its transmit side, so the tbf on the switch's guest port is the guest's read
direction and the one on an array link is the array's send (the clients' read) direction.
"""

from __future__ import annotations

import contextlib
import json
import math

from railmount.lab import netns, proc

KERNEL_HZ = 250  # Debian's CONFIG_HZ; tbf burst must cover one tick of tokens
TBF_LATENCY_S = 0.025  # tbf queue depth in time (see tbf_params)
TBF_MIN_QUEUE = 512 * 1024  # ... but never below this many bytes (low rates)


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


def shape(ns: str, dev: str, rate_mbit: int, mtu: int) -> None:
    """Set (or replace) the root tbf of dev in ns: egress of dev runs at rate_mbit."""
    burst, limit = tbf_params(rate_mbit, mtu)
    tbf = ["tbf", "rate", f"{rate_mbit}mbit", "burst", str(burst), "limit", str(limit)]
    netns.run(None, ["tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", *tbf])


def tbf_rates(ns: str) -> dict[str, int]:
    """{device: tbf rate in bit/s} for every root tbf in ns."""
    res = proc.run(["tc", "-n", ns, "-j", "qdisc", "show"], check=False)
    rates: dict[str, int] = {}
    with contextlib.suppress(json.JSONDecodeError):
        for q in json.loads(res.stdout or "[]"):
            if q.get("kind") == "tbf" and q.get("root"):
                rates[q["dev"]] = int(q.get("options", {}).get("rate", 0) * 8)
    return rates
