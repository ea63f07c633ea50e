"""Lab faults as commands: what a switch or VIP fault does to the fabric and the array
(recorded by a stand-in for proc.run and QMP, nothing is run)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fakelab import FakeHost, make_spec

from railmount.lab import faults, guest, netns, proc
from railmount.lab.spec import GuestNic, GuestSpec, LabSpec

GARP = f"ip netns exec rmt-array {sys.executable} -m railmount.hostside.garp"


def port(name: str, master: str | None, carrier: bool = True) -> dict[str, Any]:
    flags = ["UP", "LOWER_UP"] if carrier else ["UP"]
    return {"ifname": name, "master": master, "flags": flags, "address": "02:00:00:00:00:01"}


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    fake = FakeHost(tmp_path / "netns")
    fake.netns_dir.mkdir()
    for ns in ("rmt-tor1", "rmt-tor2", "rmt-array"):
        (fake.netns_dir / ns).touch()
    fake.links = {
        "rmt-tor1": [port("tor1", None), *(port(n, "tor1") for n in ("fm1", "peerlink", "rm1em1"))],
        "rmt-array": [port("lo", None), port("fm1", None, carrier=False), port("fm2", None)],
    }
    monkeypatch.setattr(netns, "NETNS_DIR", fake.netns_dir)
    monkeypatch.setattr(proc, "run", fake.run)
    monkeypatch.setattr(
        guest, "set_link", lambda spec, g, p, up: fake.commands.append(f"QMP {g.name} {p} {up}")
    )
    return fake


def lab(tmp_path: Path) -> LabSpec:
    nic = GuestNic("em1", "02:00:00:00:01:01", "tor1", "rm1em1", 200, 9000)
    dgx = GuestSpec("dgx-1-1", 2291, 2, 1024, (nic,))
    return replace(make_spec(state=tmp_path / "state"), guests=(dgx,))


def test_switch_down_cuts_guests_then_ports_then_announces_on_survivors(
    host: FakeHost, tmp_path: Path
) -> None:
    entry = faults.set_switch(lab(tmp_path), "tor1", False)
    assert entry["event"] == "switch-down"
    assert host.commands == [
        "QMP dgx-1-1 em1 False",
        "ip -n rmt-tor1 link set fm1 down",
        "ip -n rmt-tor1 link set peerlink down",
        "ip -n rmt-tor1 link set rm1em1 down",
        "ip -n rmt-tor1 link set tor1 down",
        f"{GARP} fm2 198.18.115.6 198.18.115.7",
    ]


def test_switch_up_forwards_before_guests_see_carrier(host: FakeHost, tmp_path: Path) -> None:
    faults.set_switch(lab(tmp_path), "tor1", True)
    assert host.commands == [
        "ip -n rmt-tor1 link set tor1 up",
        "ip -n rmt-tor1 link set fm1 up",
        "ip -n rmt-tor1 link set peerlink up",
        "ip -n rmt-tor1 link set rm1em1 up",
        "bridge -n rmt-tor1 -j link show",
        "QMP dgx-1-1 em1 True",
    ]


def test_vip_up_announces_on_links_with_carrier(host: FakeHost, tmp_path: Path) -> None:
    faults.set_vip(lab(tmp_path), "198.18.115.7", True)
    assert host.commands == [
        "ip -n rmt-array addr replace 198.18.115.7/32 dev lo",
        f"{GARP} fm2 198.18.115.6 198.18.115.7",
    ]
    host.commands.clear()
    faults.set_vip(lab(tmp_path), "198.18.115.7", False)
    assert host.commands == ["ip -n rmt-array addr del 198.18.115.7/32 dev lo"]


def test_unknown_switch_or_vip_is_a_fault_error(host: FakeHost, tmp_path: Path) -> None:
    with pytest.raises(faults.FaultError, match="no switch 'tor9'"):
        faults.set_switch(lab(tmp_path), "tor9", False)
    with pytest.raises(faults.FaultError, match="no VIP"):
        faults.set_vip(lab(tmp_path), "198.18.115.9", True)
    assert host.commands == []
