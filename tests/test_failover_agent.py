"""The failover agent's decisions (take over, give back, reinstall routes) with faked I/O."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

AGENT = Path(__file__).resolve().parents[1] / "roles/storage_ports/files/railmount-failover.py"


@pytest.fixture
def agent(monkeypatch):
    spec = importlib.util.spec_from_file_location("railmount_failover", AGENT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.calls = []
    module.carriers = {"em1": True, "em2": True}
    monkeypatch.setattr(module, "carrier", lambda port: module.carriers[port])
    monkeypatch.setattr(
        module, "announce", lambda port, ip: module.calls.append(("garp", port, ip))
    )
    monkeypatch.setattr(module, "ip_cmd", lambda *a: module.calls.append(("ip", *a)) or True)
    return module


def _ports(agent):
    return [agent.Port("em1", "198.18.115.120", "em2"), agent.Port("em2", "198.18.115.113", "em1")]


def test_carrier_loss_moves_the_address_to_the_backup_and_announces_it(agent):
    ports = _ports(agent)
    assert agent.step(ports) is False and agent.calls == []
    agent.carriers["em1"] = False
    assert agent.step(ports) is True
    assert agent.calls == [
        ("ip", "addr", "replace", "198.18.115.120/32", "dev", "em2", "noprefixroute"),
        ("garp", "em2", "198.18.115.120"),
    ]
    assert ports[0].moved_to == "em2" and ports[1].moved_to is None
    assert agent.step(ports) is False  # no flapping while the link stays down


def test_carrier_back_gives_the_address_back(agent):
    ports = _ports(agent)
    agent.carriers["em1"] = False
    agent.step(ports)
    agent.calls.clear()
    agent.carriers["em1"] = True
    assert agent.step(ports) is True
    assert agent.calls == [
        ("ip", "addr", "del", "198.18.115.120/32", "dev", "em2"),
        ("garp", "em1", "198.18.115.120"),
    ]
    assert ports[0].moved_to is None


def test_no_takeover_when_the_backup_is_down_too(agent):
    ports = _ports(agent)
    agent.carriers.update(em1=False, em2=False)
    assert agent.step(ports) is False and agent.calls == []


def test_gratuitous_arp_frame_layout(agent):
    mac = bytes.fromhex("020000000101")
    frame = agent.garp_frame(mac, "198.18.115.120")
    ip = socket.inet_aton("198.18.115.120")
    assert frame[:6] == b"\xff" * 6 and frame[6:12] == mac and frame[12:14] == b"\x08\x06"
    assert frame[20:22] == b"\x00\x01"  # ARP request
    assert frame[22:28] == mac and frame[28:32] == ip and frame[38:42] == ip
    assert len(frame) == 42


def test_missing_backup_routes_are_reinstalled_and_present_ones_left(agent, monkeypatch):
    config = json.loads((AGENT.parents[3] / "tests/golden/lab/dgx-1-1/failover.json").read_text())
    routes = config["routes"]
    have = [{"dst": r["address"], "dev": r["dev"], "metric": r["metric"]} for r in routes[1:]]
    monkeypatch.setattr(
        agent.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=json.dumps(have)),
    )
    agent.ensure_routes(routes)
    first = routes[0]
    assert agent.calls == [
        (
            "ip",
            "route",
            "replace",
            first["to"],
            "dev",
            first["dev"],
            "src",
            first["src"],
            "metric",
            str(first["metric"]),
            "scope",
            "link",
            "proto",
            "static",
        ),
    ]
