"""The failover agent's decisions (take over, give back, reinstall routes) with faked I/O,
and the gratuitous ARP frame it and the lab's array send."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from railmount.hostside import agent as agent_module
from railmount.hostside import garp

GOLDEN_PLAN = Path(__file__).parent / "golden" / "lab" / "dgx-1-1" / "plan.json"


@pytest.fixture
def agent(monkeypatch):
    calls: list[tuple] = []
    carriers = {"em1": True, "em2": True}
    monkeypatch.setattr(agent_module, "carrier", lambda port: carriers[port])
    monkeypatch.setattr(agent_module, "announce", lambda port, ip: calls.append(("garp", port, ip)))
    monkeypatch.setattr(agent_module, "ip_cmd", lambda *a: calls.append(("ip", *a)) or True)
    agent_module.calls, agent_module.carriers = calls, carriers  # type: ignore[attr-defined]
    return agent_module


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


def test_gratuitous_arp_frame_layout():
    mac = bytes.fromhex("020000000101")
    frame = garp.frame(mac, "198.18.115.120")
    ip = socket.inet_aton("198.18.115.120")
    assert frame[:6] == b"\xff" * 6 and frame[6:12] == mac and frame[12:14] == b"\x08\x06"
    assert frame[14:22] == bytes.fromhex("0001080006040001")  # Ethernet/IPv4 ARP request
    assert frame[22:28] == mac and frame[28:32] == ip
    assert frame[32:38] == b"\x00" * 6 and frame[38:42] == ip
    assert len(frame) == 60 and frame[42:] == b"\x00" * 18  # padded to Ethernet's minimum


def test_missing_backup_routes_are_reinstalled_and_present_ones_left(agent, monkeypatch):
    plan = json.loads(GOLDEN_PLAN.read_text())
    routes = [r for r in plan["routes"] if r["backup"]]
    have = [{"dst": r["vip_address"], "dev": r["dev"], "metric": r["metric"]} for r in routes[1:]]
    monkeypatch.setattr(
        agent.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=json.dumps(have)),
    )
    agent.ensure_routes(routes)
    first = routes[0]
    assert agent.calls == [
        ("ip", "route", "replace", first["to"], "dev", first["dev"], "src", first["src"],
         "metric", str(first["metric"]), "scope", "link", "proto", "static"),
    ]  # fmt: skip


def test_agent_follows_the_plan_file(agent, monkeypatch, tmp_path):
    """ports_of() reads the plan's failover ports and adopts a takeover left running."""
    plan = json.loads(GOLDEN_PLAN.read_text())
    monkeypatch.setattr(agent, "holders", lambda ip: ["em2"] if ip == "198.18.115.120" else [])
    ports = agent.ports_of(plan)
    assert [(p.name, p.ip, p.backup, p.moved_to) for p in ports] == [
        ("em1", "198.18.115.120", "em2", "em2"),
        ("em2", "198.18.115.113", "em1", None),
    ]
