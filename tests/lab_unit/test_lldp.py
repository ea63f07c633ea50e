"""lldpd per lab switch: where its files go and what it advertises."""

from __future__ import annotations

from pathlib import Path

from fakelab import make_spec

from railmount.lab import lldp


def test_lldpd_paths_outside_private_state_dir() -> None:
    sock, pidfile, conf, _ = lldp.paths(make_spec(), "tor1")
    assert sock == Path("/run/railmount/rmt/lldpd-tor1.sock")
    assert conf.parent == sock.parent
    assert pidfile.is_relative_to("/tmp/x")


def test_lldpd_config_names_switch_and_ports() -> None:
    conf = lldp.config("tor1")
    assert "configure system hostname tor1" in conf
    assert "configure lldp portidsubtype ifname" in conf
