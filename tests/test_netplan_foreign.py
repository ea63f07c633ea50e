"""Another netplan file (the installer's, cloud-init's) defining a planned storage port:
railmount-host netplan-foreign finds it with netplan's own parser (`netplan generate
--root-dir` of the other files alone) and the deploy refuses before writing anything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from railmount.hostside import netplan
from railmount.inventory import load_plans
from railmount.render import host_files, plan_data

REPO = Path(__file__).resolve().parents[1]
needs_netplan = pytest.mark.skipif(not shutil.which("netplan"), reason="netplan.io not installed")

PORTS = [
    {
        "name": "ens1f0np0",
        "mac": "aa:bb:cc:00:00:01",
        "netplan_file": "/etc/netplan/60-railmount-ens1f0np0.yaml",
    },
    {
        "name": "ens1f1np1",
        "mac": "aa:bb:cc:00:00:02",
        "netplan_file": "/etc/netplan/60-railmount-ens1f1np1.yaml",
    },
]
PLAN = {"ports": PORTS}

# As Subiquity writes it: every port the installer saw, dhcp4 on the one with a lease.
INSTALLER = """\
# This is the network config written by 'subiquity'
network:
  ethernets:
    eno1:
      dhcp4: true
    ens1f0np0:
      dhcp4: true
  version: 2
"""
# As cloud-init writes it: matched by MAC, renamed, a static address.
CLOUD_INIT = """\
network:
    ethernets:
        eth1:
            match:
                macaddress: aa:bb:cc:00:00:02
            set-name: eth1
            addresses:
            - 10.9.0.5/24
        mgmt:
            match:
                macaddress: aa:bb:cc:00:00:99
            set-name: eno1
            dhcp4: true
    version: 2
"""
MANAGEMENT_ONLY = """\
network:
  version: 2
  ethernets:
    eno1:
      dhcp4: true
"""


def _root(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        path = tmp_path / "etc" / "netplan" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)
    return str(tmp_path)


@needs_netplan
def test_installer_file_defining_a_port_by_name_is_a_conflict_naming_file_and_fix(tmp_path):
    root = _root(tmp_path, {"00-installer-config.yaml": INSTALLER})
    report = netplan.foreign_report(PLAN, root=root)
    assert [(c["port"], c["netplan_id"], c["files"]) for c in report["conflicts"]] == [
        ("ens1f0np0", "ens1f0np0", ["/etc/netplan/00-installer-config.yaml"])
    ]
    (line,) = report["problems"]
    assert line.startswith("/etc/netplan/00-installer-config.yaml: netplan id ens1f0np0")
    assert "fix: remove the 'ens1f0np0' entry from /etc/netplan/00-installer-config.yaml" in line
    assert "/etc/netplan/60-railmount-ens1f0np0.yaml defines ens1f0np0" in line
    assert "cloud-init" not in line


@needs_netplan
def test_cloud_init_file_matching_a_port_by_mac_is_a_conflict_with_the_cloud_init_fix(tmp_path):
    root = _root(tmp_path, {"50-cloud-init.yaml": CLOUD_INIT})
    report = netplan.foreign_report(PLAN, root=root)
    (conflict,) = report["conflicts"]
    assert conflict["port"] == "ens1f1np1" and conflict["netplan_id"] == "eth1"
    assert "MAC aa:bb:cc:00:00:02" in conflict["matched_by"]
    assert conflict["files"] == ["/etc/netplan/50-cloud-init.yaml"]
    assert "network: {config: disabled}" in report["problems"][0]


@needs_netplan
def test_a_name_glob_matches_the_kernel_name_the_port_has_before_railmount_renames_it(tmp_path):
    glob_file = MANAGEMENT_ONLY.replace("eno1:", 'all-en:\n      match: {name: "enp*"}')
    root = _root(tmp_path, {"01-netcfg.yaml": glob_file})
    assert netplan.foreign_report(PLAN, root=root)["conflicts"] == []
    sysfs = tmp_path / "sys" / "class" / "net" / "enp65s0f0"
    sysfs.mkdir(parents=True)
    (sysfs / "address").write_text("AA:BB:CC:00:00:01\n")
    (conflict,) = netplan.foreign_report(PLAN, root=root)["conflicts"]
    assert conflict["port"] == "ens1f0np0"
    assert conflict["matched_by"] == ["name enp65s0f0 (pattern enp*)"]


@needs_netplan
def test_a_network_manager_renderer_file_matching_by_mac_is_a_conflict(tmp_path):
    desktop = CLOUD_INIT.replace("    version: 2", "    version: 2\n    renderer: NetworkManager")
    root = _root(tmp_path, {"01-network-manager-all.yaml": desktop})
    (conflict,) = netplan.foreign_report(PLAN, root=root)["conflicts"]
    assert (conflict["port"], conflict["netplan_id"]) == ("ens1f1np1", "eth1")
    assert conflict["files"] == ["/etc/netplan/01-network-manager-all.yaml"]


@needs_netplan
def test_files_defining_only_other_interfaces_are_no_conflict(tmp_path):
    root = _root(tmp_path, {"00-installer-config.yaml": MANAGEMENT_ONLY})
    assert netplan.foreign_report(PLAN, root=root) == {"conflicts": [], "problems": []}


@needs_netplan
def test_railmounts_own_files_are_not_foreign(tmp_path):
    own = "network:\n  version: 2\n  ethernets:\n    ens1f0np0:\n      dhcp4: false\n"
    root = _root(tmp_path, {"60-railmount-ens1f0np0.yaml": own})
    assert netplan.foreign_report(PLAN, root=root)["conflicts"] == []


def test_match_conditions_are_anded_and_an_unknown_driver_counts_as_a_match():
    names, mac = {"ens1f0np0"}, "aa:bb:cc:00:00:01"
    assert netplan._matches({"mac": [mac], "name": ["other"]}, names, mac, None) == []
    assert netplan._matches({"mac": [mac], "name": ["ens1f0np0"]}, names, mac, None) == [
        f"MAC {mac}",
        "name ens1f0np0",
    ]
    assert netplan._matches({"driver": ["mlx5_core"]}, names, mac, "ixgbe") == []
    assert netplan._matches({"driver": ["mlx5_*"]}, names, mac, "mlx5_core") == ["driver mlx5_*"]
    assert netplan._matches({"driver": ["mlx5_core"]}, names, mac, None) == ["driver mlx5_core"]
    assert netplan._matches({"name": ["ENS1F0NP0"]}, names, mac, None) == []
    assert netplan._matches({}, names, mac, None) == ["no match conditions (every interface)"]


def test_network_manager_keyfiles_are_read_too(tmp_path):
    keyfile = tmp_path / "netplan-x.nmconnection"
    keyfile.write_text(
        "[connection]\nid=netplan-x\ninterface-name=ens1f0np0\n\n[ethernet]\nmac-address=AA:BB:CC:00:00:01\n"
    )
    assert netplan.match_conditions(str(keyfile)) == {
        "name": ["ens1f0np0"],
        "mac": ["aa:bb:cc:00:00:01"],
    }


def test_netplan_apply_refuses_a_foreign_definition_and_puts_its_own_files_back(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(
        netplan,
        "foreign_definitions",
        lambda plan, root="/", runner=None: [
            {
                "port": "ens1f0np0",
                "netplan_id": "ens1f0np0",
                "files": ["/etc/netplan/00-installer-config.yaml"],
                "matched_by": ["netplan id ens1f0np0"],
            }
        ],
    )
    monkeypatch.setattr(netplan, "pending_foreign", lambda plan, **k: [])
    calls = []
    report = netplan.apply(PLAN, str(tmp_path / "snap"), runner=lambda argv: calls.append(argv))
    assert not report["applied"] and "applied nothing" in report["message"]
    assert report["problems"][0].startswith("/etc/netplan/00-installer-config.yaml: netplan id")
    assert calls == []  # neither generate nor apply ran


@needs_netplan
def test_the_cli_prints_the_report_and_exits_1(tmp_path):
    root = _root(tmp_path, {"00-installer-config.yaml": INSTALLER})
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(PLAN))
    run = subprocess.run(
        [sys.executable, "-m", "railmount.hostside", "netplan-foreign", "--root", root],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, RAILMOUNT_PLAN=str(plan_file)),
    )
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["conflicts"][0]["netplan_id"] == "ens1f0np0"


@needs_netplan
def test_netplan_generates_the_installer_file_beside_railmounts_once_the_entry_is_removed(tmp_path):
    """The documented fix, checked with netplan itself: the installer file minus the
    port's entry and railmount's file generate together, and the port has one .network."""
    hosts = load_plans(REPO / "inventory" / "reference")[1]
    plan = plan_data(next(iter(hosts.values())))
    port = plan["ports"][0]
    installer = INSTALLER.replace("ens1f0np0", port["name"])
    root = _root(tmp_path, {"00-installer-config.yaml": installer})
    conflicts = netplan.foreign_report(plan, root=root)["conflicts"]
    assert [c["netplan_id"] for c in conflicts] == [port["name"]]
    files, _ = host_files(plan)
    for f in files:
        if f.group == "netplan":
            _root(tmp_path, {os.path.basename(f.path): f.content})
    _root(tmp_path, {"00-installer-config.yaml": MANAGEMENT_ONLY})  # the entry removed
    assert netplan.foreign_report(plan, root=root)["conflicts"] == []
    done = subprocess.run(
        ["netplan", "generate", "--root-dir", root], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    network = sorted(p.name for p in (tmp_path / "run/systemd/network").glob("*.network"))
    assert network == sorted(
        ["10-netplan-eno1.network", *(f"10-netplan-{p['name']}.network" for p in plan["ports"])]
    )


@needs_netplan
def test_deploy_in_check_mode_refuses_before_writing_and_names_file_port_and_fix(tmp_path):
    from test_ansible import _write  # the host_config action + module, pointed at a directory

    inventory = REPO / "inventory" / "reference"
    out = tmp_path / "out"
    hosts = load_plans(inventory)[1]
    for host, plan in hosts.items():
        port = plan.ports[0].name
        _root(out / host, {"00-installer-config.yaml": INSTALLER.replace("ens1f0np0", port)})
    run = _write(tmp_path, inventory, out, "--check", "--diff")
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "Traceback" not in output
    for host, plan in hosts.items():
        port = plan.ports[0].name
        assert f"00-installer-config.yaml: netplan id {port} also defines storage port" in output
        assert not (
            out / host / "etc/netplan" / os.path.basename(plan.ports[0].netplan_file)
        ).exists()
    assert "railmount changed nothing" in output
