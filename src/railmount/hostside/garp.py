"""Gratuitous ARP: the frame, and sending it. Used by the failover agent on the hosts and
by the lab's array when a switch or VIP comes back."""

from __future__ import annotations

import socket
import struct
import time

BROADCAST = b"\xff" * 6


def frame(hwaddr: bytes, ip: str) -> bytes:
    """Gratuitous ARP request, broadcast: sender and target protocol address are both ip."""
    addr = socket.inet_aton(ip)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + hwaddr + addr + b"\x00" * 6 + addr
    # Padded to Ethernet's 60-byte minimum: virtual NICs (veth, tap) do not pad for us.
    return (BROADCAST + hwaddr + b"\x08\x06" + arp).ljust(60, b"\x00")


def mac_bytes(text: str) -> bytes:
    return bytes.fromhex(text.strip().replace(":", ""))


def interface_mac(port: str) -> bytes:
    with open(f"/sys/class/net/{port}/address") as handle:
        return mac_bytes(handle.read())


def announce(port: str, ips: list[str], count: int = 3, gap_s: float = 0.3) -> None:
    """Send `count` rounds of gratuitous ARP for every ip from `port` (raises OSError)."""
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((port, 0))
        frames = [frame(interface_mac(port), ip) for ip in ips]
        for round_ in range(count):
            for data in frames:
                sock.send(data)
            if round_ + 1 < count:
                time.sleep(gap_s)


def main(argv: list[str]) -> int:
    """`python -m railmount.hostside.garp PORT IP...`: announce once (the lab's array)."""
    port, *ips = argv
    announce(port, ips, count=1)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
