"""railmount-host on a storage client: netplan apply with verify and rollback, the
pending-change guard, sysctl drift and the agent's unit — with the system faked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from railmount.hostside import netplan, service, sysctl, verify

PLAN = json.loads((Path(__file__).parent / "golden/lab/dgx-1-1/plan.json").read_text())
MACS = {p["name"]: p["mac"] for p in PLAN["ports"]}
GOOD_ROUTES = {
    "198.18.115.6": ("em1", "198.18.115.120"),
    "198.18.115.7": ("em2", "198.18.115.113"),
    "198.18.115.8": ("em1", "198.18.115.120"),
    "198.18.115.9": ("em2", "198.18.115.113"),
}


def done(argv, rc=0, out="", err=""):
    return subprocess.CompletedProcess(argv, rc, stdout=out, stderr=err)


class FakeHost:
    """Answers ip route get / ping / netplan like a host whose routes are `routes`."""

    def __init__(self, routes=None, generate_rc=0, apply_breaks=False, setup="configured"):
        self.routes = dict(routes or GOOD_ROUTES)
        self.setup = setup
        self.generate_rc = generate_rc
        self.apply_breaks = apply_breaks
        self.calls: list[list[str]] = []

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[:3] == ["ip", "-j", "route"]:
            if argv[-1] not in self.routes:
                return done(argv, rc=2, err="RTNETLINK answers: Network is unreachable\n")
            dev, src = self.routes[argv[-1]]
            return done(argv, out=json.dumps([{"dst": argv[-1], "dev": dev, "prefsrc": src}]))
        if argv[0] == "networkctl":
            rows = [f"{i} {p['name']} ether routable {self.setup}" for i, p in
                    enumerate(PLAN["ports"], 3)]  # fmt: skip
            return done(argv, out="1 lo loopback carrier unmanaged\n" + "\n".join(rows))
        if argv[0] == "ping":
            return done(argv, rc=0 if argv[-1] in self.routes else 1)
        if argv[:2] == ["netplan", "generate"]:
            if "--root-dir" in argv:
                return done(argv)  # no foreign files: nothing generated either side
            return done(argv, rc=self.generate_rc, err="bad yaml" if self.generate_rc else "")
        if argv[:2] == ["netplan", "apply"]:
            if self.apply_breaks:
                self.routes["198.18.115.6"] = ("em2", "198.18.115.113")
            return done(argv)
        raise AssertionError(f"unexpected command {argv}")


@pytest.fixture
def snapshot(tmp_path):
    """A deploy that replaced em1's file and created em2's."""
    etc = tmp_path / "etc"
    etc.mkdir()
    em1, em2 = etc / "60-railmount-em1.yaml", etc / "60-railmount-em2.yaml"
    em1.write_text("new em1\n")
    em2.write_text("new em2\n")
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "em1").write_text("old em1\n")
    manifest = {"created": [str(em2)], "replaced": {str(em1): str(snap / "em1")}, "removed": {}}
    (snap / "manifest.json").write_text(json.dumps(manifest))
    return snap, em1, em2


def test_apply_verifies_and_keeps_a_good_change(snapshot, monkeypatch):
    monkeypatch.setattr(netplan, "pending_foreign", lambda plan, **k: [])
    snap, em1, em2 = snapshot
    host = FakeHost()
    report = netplan.apply(PLAN, str(snap), runner=host, verify_timeout_s=0, mac_of=MACS.get)
    assert report["problems"] == [] and report["applied"] and not report["rolled_back"]
    assert em1.read_text() == "new em1\n" and em2.exists()
    assert ["netplan", "apply"] in host.calls


def test_apply_rolls_back_when_the_storage_path_breaks(snapshot, monkeypatch):
    monkeypatch.setattr(netplan, "pending_foreign", lambda plan, **k: [])
    snap, em1, em2 = snapshot
    host = FakeHost(apply_breaks=True)
    report = netplan.apply(PLAN, str(snap), runner=host, verify_timeout_s=0, mac_of=MACS.get)
    assert report["rolled_back"] is True
    assert report["problems"] == [
        "nfs0 (198.18.115.6): expected dev em1 src 198.18.115.120, "
        "actual dev em2 src 198.18.115.113"
    ]
    assert em1.read_text() == "old em1\n" and not em2.exists()  # previous files back
    assert host.calls.count(["netplan", "apply"]) == 2  # the new, then the previous


def test_apply_rolls_back_when_netplan_refuses_the_files(snapshot, monkeypatch):
    monkeypatch.setattr(netplan, "pending_foreign", lambda plan, **k: [])
    snap, em1, _ = snapshot
    host = FakeHost(generate_rc=1)
    report = netplan.apply(PLAN, str(snap), runner=host, verify_timeout_s=0, mac_of=MACS.get)
    assert report["rolled_back"] and report["problems"][0] == "bad yaml"
    assert "netplan generate refused" in report["message"]
    assert em1.read_text() == "old em1\n"
    assert ["netplan", "apply"] not in host.calls[:3]  # never applied the refused files


def test_apply_refuses_a_pending_change_in_another_netplan_file(snapshot, monkeypatch):
    monkeypatch.setattr(netplan, "pending_foreign", lambda plan, **k: ["10-netplan-mgmt0.network"])
    snap, em1, em2 = snapshot
    host = FakeHost()
    report = netplan.apply(PLAN, str(snap), runner=host, verify_timeout_s=0, mac_of=MACS.get)
    assert not report["applied"] and report["problems"] == [
        "pending change in 10-netplan-mgmt0.network"
    ]
    assert "would apply them too" in report["message"]
    assert em1.read_text() == "old em1\n" and not em2.exists()
    assert host.calls == []  # nothing generated or applied


def _networkd(root: Path, files: dict[str, str]) -> None:
    d = root / "run/systemd/network"
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(text)


def test_pending_foreign_compares_only_interfaces_railmount_does_not_manage(tmp_path):
    root = tmp_path / "host"
    (root / "etc/netplan").mkdir(parents=True)
    (root / "etc/netplan/01-mgmt.yaml").write_text("mgmt as edited\n")
    (root / "etc/netplan/60-railmount-em1.yaml").write_text("ours\n")
    _network = {"10-netplan-mgmt0.network": "applied mgmt\n", "10-netplan-em1.network": "x\n"}
    _networkd(root, _network)

    def generate(argv):  # what netplan would generate from the files copied for it
        tmp = Path(argv[-1])
        copied = sorted(p.name for p in (tmp / "etc/netplan").iterdir())
        assert copied == ["01-mgmt.yaml"]  # railmount's own files are left out
        _networkd(tmp, {"10-netplan-mgmt0.network": (tmp / "etc/netplan/01-mgmt.yaml").read_text()})
        return done(argv)

    assert netplan.pending_foreign(PLAN, root=str(root) + "/", runner=generate) == [
        "10-netplan-mgmt0.network"
    ]
    _networkd(root, {"10-netplan-mgmt0.network": "mgmt as edited\n"})  # applied since
    assert netplan.pending_foreign(PLAN, root=str(root) + "/", runner=generate) == []


def test_verify_names_every_broken_vip():
    host = FakeHost(routes={**GOOD_ROUTES, "198.18.115.9": ("em1", "198.18.115.120")})
    del host.routes["198.18.115.7"]
    assert verify.problems(PLAN, runner=host, mac_of=MACS.get) == [
        "nfs1 (198.18.115.7): expected dev em2 src 198.18.115.113, "
        "actual RTNETLINK answers: Network is unreachable",
        "nfs3 (198.18.115.9): expected dev em2 src 198.18.115.113, "
        "actual dev em1 src 198.18.115.120",
    ]


def test_sysctl_drift_and_missing_ports(tmp_path):
    for sysctl_plan in PLAN["sysctls"]:
        path = tmp_path / sysctl.proc_path(sysctl_plan["name"]).lstrip("/")
        if "em2" in sysctl_plan["name"]:
            continue  # em2 does not exist (yet)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{sysctl_plan['value']}\n")
    (tmp_path / "proc/sys/net/ipv4/conf/all/rp_filter").write_text("1\n")
    differing, missing = sysctl.drift(PLAN, root=str(tmp_path))
    assert differing == ["net.ipv4.conf.all.rp_filter: planned 2, running 1"]
    assert missing == [s["name"] for s in PLAN["sysctls"] if ".em2." in s["name"]]


@pytest.mark.parametrize(
    ("enabled", "active", "is_enabled", "restart", "want"),
    [
        (True, True, True, False, []),
        (True, False, False, False, ["enable", "start"]),
        (True, True, True, True, ["restart"]),
        (False, True, True, False, ["disable", "stop"]),
        (False, False, False, False, []),
    ],
)
def test_agent_unit_follows_the_plan(monkeypatch, enabled, active, is_enabled, restart, want):
    monkeypatch.setattr(service, "state", lambda: (active, is_enabled))
    ran = []
    monkeypatch.setattr(service, "systemctl", lambda *a: ran.append(a) or done(list(a)))
    plan = {**PLAN, "failover": {**PLAN["failover"], "enabled": enabled}}
    assert service.ensure(plan, reload=False, restart=restart, check=True)["do"] == want
    assert ran == []  # check mode touches nothing
    report = service.ensure(plan, reload=False, restart=restart, check=False)
    assert report["changed"] is bool(want)
    assert ran == [(action, service.UNIT) for action in want]


def test_verify_names_a_port_whose_netplan_no_longer_matches_it():
    """A MAC typo: the renamed port keeps its old addresses (routes and pings still work),
    but the port's MAC is not the planned one, or networkd no longer manages it."""
    typo = {
        **PLAN,
        "ports": [dict(PLAN["ports"][0]), {**PLAN["ports"][1], "mac": "02:00:00:00:01:99"}],
    }
    assert verify.problems(typo, runner=FakeHost(), mac_of=MACS.get) == [
        "em2: MAC 02:00:00:00:01:02, planned 02:00:00:00:01:99"
    ]  # the VIPs still route and answer: only the port check catches it
    unmanaged = FakeHost(setup="unmanaged")
    assert verify.port_problems(PLAN, unmanaged, MACS.get) == [
        "em1: networkd setup unmanaged, expected configured",
        "em2: networkd setup unmanaged, expected configured",
    ]
    assert verify.port_problems(PLAN, FakeHost(), {"em1": MACS["em1"]}.get) == [
        "em2: no such interface (planned MAC 02:00:00:00:01:02)"
    ]


def test_apply_refuses_when_the_other_netplan_files_do_not_generate(snapshot, monkeypatch):
    def broken(plan, **_):
        raise netplan.ForeignBroken("ERROR: mgmt0: networkd requires that use-dns ...")

    monkeypatch.setattr(netplan, "pending_foreign", broken)
    snap, em1, em2 = snapshot
    host = FakeHost()
    report = netplan.apply(PLAN, str(snap), runner=host, verify_timeout_s=0, mac_of=MACS.get)
    assert report["problems"] == ["ERROR: mgmt0: networkd requires that use-dns ..."]
    assert "do not generate" in report["message"] and not report["applied"]
    assert em1.read_text() == "old em1\n" and not em2.exists() and host.calls == []
