"""Ansible end of things, on this machine only: the first play refuses a bad inventory,
and the host_config action + module (what storage_ports runs) write exactly what
`railmount render` shows, idempotently, with diffs in check mode, keeping a snapshot of
what a netplan change replaced.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from railmount.inventory import load_plans
from railmount.render import HOST_LIB, HOST_PACKAGE, hostside_sources, render_files

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "inventories" / "bad"
BIN = Path(sys.executable).parent
FSTAB = "/etc/fstab (railmount lines)"


def expected_problems() -> list[str]:
    lines = (BAD / "expected-problems.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def ansible_playbook(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_PIPELINING="1",
        # No SSH multiplexing sockets or other state in the user's home.
        ANSIBLE_SSH_ARGS="-o ControlMaster=no",
    )
    return subprocess.run(
        [str(BIN / "ansible-playbook"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_site_playbook_refuses_bad_inventory_before_touching_hosts():
    run = ansible_playbook("-i", str(BAD), str(REPO / "playbooks" / "site.yml"))
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "Traceback" not in output
    # The first play ran and failed on localhost, listing every problem.
    assert (
        "PLAY [Check the inventory and plan every host, once, before any host is touched]" in output
    )
    assert f"inventory has {len(expected_problems())} problem(s)" in output
    for line in expected_problems():
        assert line in output, f"missing from the playbook output: {line}"
    # The second play never started: no storage client was contacted.
    assert "PLAY [Configure storage ports and mount the array]" not in output
    assert "Gathering Facts" not in output and "TASK [Gather the facts" not in output
    recap = output.split("PLAY RECAP", 1)[1]
    hosts = re.findall(r"^(\S+)\s+: ok=", recap, flags=re.MULTILINE)
    assert hosts == ["localhost"], recap
    assert re.search(r"^localhost\s+: ok=0\s+changed=0\s+unreachable=0\s+failed=1", recap, re.M)
    assert "UNREACHABLE" not in output
    assert not any(host.startswith("dgx") for host in hosts)


# --- what a deploy writes ---------------------------------------------------------------

# The storage_ports role's first task and the nfs_mounts role's mount task, pointed at a
# directory instead of /: the same action plugin, module and mount module a deploy runs.
WRITE_PLAYBOOK = """
- name: Check and plan once
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Check the whole inventory and plan every host
      railmount.storage.plan:
        scope: inventory
      check_mode: false

- name: Write railmount's files into a directory
  hosts: storage_clients
  connection: local
  gather_facts: false
  roles:
    - role: railmount.storage.plan
  tasks:
    - name: Write netplan per port, sysctls, the host's plan and the host-side tools
      railmount.storage.host_config:
        root: "{{ out }}/{{ inventory_hostname }}"

    - name: Write fstab entries as nfs_mounts does (state present - fstab only)
      ansible.posix.mount:
        src: "{{ mount.source }}"
        path: "{{ mount.path }}"
        fstype: "{{ mount.fstype }}"
        opts: "{{ mount.options }}"
        dump: "0"
        passno: "0"
        state: present
        fstab: "{{ out }}/{{ inventory_hostname }}/etc/fstab"
      loop: "{{ (ansible_facts.railmount_plan_json | from_json).mounts }}"
      loop_control:
        loop_var: mount
"""


def _write(tmp_path: Path, inventory: Path, out: Path, *extra: str):
    playbook = tmp_path / "write.yml"
    playbook.write_text(WRITE_PLAYBOOK)
    return ansible_playbook(
        "-i",
        str(inventory),
        str(playbook),
        "-e",
        f"out={out} ansible_python_interpreter={sys.executable}",
        *extra,
    )


def _recap(output: str) -> dict[str, str]:
    return dict(re.findall(r"^(dgx-\S+)\s+: (ok=.*)$", output, flags=re.M))


def test_deploy_writes_what_railmount_render_shows(tmp_path):
    inventory = REPO / "inventory" / "reference"
    out = tmp_path / "out"
    run = _write(tmp_path, inventory, out)
    assert run.returncode == 0, run.stdout + run.stderr
    for host, plan in load_plans(inventory)[1].items():
        ours = render_files(plan)
        for path, text in ours.items():
            target = out / host / ("etc/fstab" if path == FSTAB else path.lstrip("/"))
            assert target.read_text() == text, f"{host} {path} differs under Ansible"
        for name, source in hostside_sources().items():
            assert (out / host / HOST_LIB.lstrip("/") / HOST_PACKAGE / name).read_text() == source
        netplan = out / host / "etc/netplan/60-railmount-em1.yaml"
        assert oct(netplan.stat().st_mode & 0o777) == "0o600"
        assert os.access(out / host / "usr/local/sbin/railmount-host", os.X_OK)
        # A first deploy replaces nothing: the snapshot only lists what it created (the
        # netplan files and the host's plan that describes them, which a rollback removes).
        manifest = json.loads(
            (out / host / "var/lib/railmount/netplan-previous/manifest.json").read_text()
        )
        assert sorted(manifest["created"]) == sorted(
            str(out / host / path.lstrip("/"))
            for path in (*(p.netplan_file for p in plan.ports), plan.plan_file)
        )
        assert manifest["replaced"] == manifest["removed"] == {}

    again = _write(tmp_path, inventory, out)
    assert again.returncode == 0, again.stdout + again.stderr
    assert all("changed=0" in line for line in _recap(again.stdout).values()), again.stdout


def test_check_mode_on_a_fresh_host_shows_every_file_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    for host in ("dgx-1-1", "dgx-1-2"):  # a host always has one (and ansible.posix.mount
        (out / host / "etc").mkdir(parents=True)  # creates a missing one even in check mode)
        (out / host / "etc/fstab").write_text("")
    run = _write(tmp_path, REPO / "inventory" / "reference", out, "--check", "--diff")
    assert run.returncode == 0, run.stdout + run.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert sorted(str(p.relative_to(out)) for p in files) == [
        "dgx-1-1/etc/fstab",
        "dgx-1-2/etc/fstab",
    ]
    assert all(p.read_text() == "" for p in files)
    for path in ("/etc/netplan/60-railmount-em1.yaml", "/etc/sysctl.d/60-railmount.conf",
                 "/etc/railmount/plan.json", "/usr/local/sbin/railmount-host"):  # fmt: skip
        assert f"+++ after: {out}/dgx-1-1{path}" in run.stdout, path
    assert "+    addresses:" not in run.stdout  # the YAML is shown as written
    assert "        - 10.21.115.120/24" in run.stdout
    assert all("changed=" in line for line in _recap(run.stdout).values())


def test_a_netplan_change_keeps_the_replaced_and_removed_files(tmp_path):
    """The snapshot railmount-host netplan-apply restores on a failed change."""
    inventory = REPO / "inventory" / "reference"
    out = tmp_path / "out"
    assert _write(tmp_path, inventory, out).returncode == 0
    host = out / "dgx-1-1"
    em1 = host / "etc/netplan/60-railmount-em1.yaml"
    before = em1.read_text()
    em1.write_text(before.replace("mtu: 1500", "mtu: 1400"))  # local drift
    stale = host / "etc/netplan/60-railmount-em9.yaml"
    stale.write_text("network: {version: 2}\n")
    run = _write(tmp_path, inventory, out, "--limit", "localhost,dgx-1-1", "--diff")
    assert run.returncode == 0, run.stdout + run.stderr
    assert em1.read_text() == before and not stale.exists()
    assert "-      mtu: 1400" in run.stdout and "+      mtu: 1500" in run.stdout
    snapshot = host / "var/lib/railmount/netplan-previous"
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["created"] == []
    assert Path(manifest["replaced"][str(em1)]).read_text().count("mtu: 1400") == 1
    assert Path(manifest["removed"][str(stale)]).read_text() == "network: {version: 2}\n"
