"""fabric.up builds the lab's namespaces, switches, array links and lldpd in one fixed
order; the commands are recorded by a stand-in for proc.run, nothing is run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakelab import FakeHost, make_spec

from railmount.lab import array_net, fabric, lldp, netns, proc


def test_lab_namespaces_use_prefix() -> None:
    assert fabric.lab_namespaces(make_spec()) == ["rmt-tor1", "rmt-tor2", "rmt-array"]


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    fake = FakeHost(tmp_path / "netns")
    fake.netns_dir.mkdir()
    monkeypatch.setattr(netns, "NETNS_DIR", fake.netns_dir)
    monkeypatch.setattr(proc, "run", fake.run)
    monkeypatch.setattr(proc, "wait_until", lambda *args, **kwargs: 0.0)
    monkeypatch.setattr(lldp, "RUN_ROOT", tmp_path / "run")
    return fake


def test_up_from_nothing(host: FakeHost, tmp_path: Path) -> None:
    spec = make_spec(state=tmp_path / "state", fm1_rate=400)
    fabric.up(spec)
    quiet = "net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
    array_sysctls = " ".join(f"{k}={v}" for k, v in array_net.SYSCTLS.items())
    run, state = tmp_path / "run" / "rmt", tmp_path / "state" / "fabric"

    def lldpd(sw: str) -> str:
        return (
            f"ip netns exec rmt-{sw} lldpd -u {run}/lldpd-{sw}.sock -p {state}/lldpd-{sw}.pid "
            f"-O {run}/lldpd-{sw}.conf -I *,!lo,!{sw} -k"
        )

    assert host.commands == [
        *(
            cmd
            for ns in ("rmt-tor1", "rmt-tor2", "rmt-array")
            for cmd in (
                f"ip netns add {ns}",
                f"ip -n {ns} link set lo up",
                f"ip netns exec {ns} sysctl -q -w {quiet}",
            )
        ),
        f"ip netns exec rmt-array sysctl -q -w {array_sysctls}",
        "ip -n rmt-tor1 link add tor1 type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
        "ip -n rmt-tor1 link set tor1 mtu 9000 up",
        "ip -n rmt-tor2 link add tor2 type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
        "ip -n rmt-tor2 link set tor2 mtu 9000 up",
        "ip link add peerlink netns rmt-tor1 mtu 9000 type veth "
        "peer name peerlink netns rmt-tor2 mtu 9000",
        "ip -n rmt-tor1 link set peerlink mtu 9000 master tor1 up",
        "ip -n rmt-tor2 link set peerlink mtu 9000 master tor2 up",
        "ip -n rmt-array addr replace 198.18.115.6/32 dev lo",
        "ip -n rmt-array addr replace 198.18.115.7/32 dev lo",
        "ip link add fm1 netns rmt-array mtu 9000 type veth peer name fm1 netns rmt-tor1 mtu 9000",
        "ip -n rmt-tor1 link set fm1 mtu 9000 master tor1 up",
        "ip -n rmt-array link set fm1 mtu 9000 up",
        "ip -n rmt-array addr replace 198.18.115.2/24 dev fm1",
        "tc -n rmt-array qdisc replace dev fm1 root tbf rate 400mbit burst 200000 limit 1450000",
        "ip link add fm2 netns rmt-array mtu 9000 type veth peer name fm2 netns rmt-tor2 mtu 9000",
        "ip -n rmt-tor2 link set fm2 mtu 9000 master tor2 up",
        "ip -n rmt-array link set fm2 mtu 9000 up",
        "ip -n rmt-array addr replace 198.18.115.3/24 dev fm2",
        lldpd("tor1"),
        lldpd("tor2"),
    ]
    assert (run / "lldpd-tor1.conf").read_text() == lldp.config("tor1")
