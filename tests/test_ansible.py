"""Ansible end of things, on this machine only: the first play refuses a bad inventory,
and Ansible renders the templates exactly as railmount.render does (what the golden
files and `railmount render` show is what a deploy writes).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from railmount.inventory import load_plans
from railmount.render import plan_data, render_files

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "inventories" / "bad"
BIN = Path(sys.executable).parent
TEMPLATES = REPO / "templates"
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
    assert "PLAY [Check the inventory before touching any host]" in output
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


# --- render equivalence -----------------------------------------------------------------

# Mirrors the template tasks of roles/storage_ports and the mount task of roles/nfs_mounts
# (same templates, same `plan`/`port` variables, same module), writing under `out`.
# test_roles_render_as_mirrored keeps this mirror honest.
RENDER_PLAYBOOK = """
- name: Render railmount's files as the roles would, into a directory
  hosts: storage_clients
  connection: local
  gather_facts: false
  tasks:
    - name: Check the inventory and compute this host's plan
      railmount_plan:
      check_mode: false

    - name: Write one netplan file per storage port
      ansible.builtin.template:
        src: "{{ templates }}/netplan-port.yaml.j2"
        dest: "{{ out }}/{{ inventory_hostname }}{{ port.netplan_file }}"
        mode: "0600"
      vars:
        plan: "{{ railmount_plan }}"
      loop: "{{ railmount_plan.ports }}"
      loop_control:
        loop_var: port

    - name: Write the storage sysctls
      ansible.builtin.template:
        src: "{{ templates }}/sysctl.conf.j2"
        dest: "{{ out }}/{{ inventory_hostname }}{{ railmount_plan.sysctl_file }}"
        mode: "0644"
      vars:
        plan: "{{ railmount_plan }}"

    - name: Create the sbin directory
      ansible.builtin.file:
        path: "{{ out }}/{{ inventory_hostname }}/usr/local/sbin"
        state: directory
        mode: "0755"

    - name: Install the storage path check
      ansible.builtin.template:
        src: "{{ templates }}/verify-storage-path.sh.j2"
        dest: "{{ out }}/{{ inventory_hostname }}{{ railmount_plan.verify_script }}"
        mode: "0755"
      vars:
        plan: "{{ railmount_plan }}"

    - name: Create the failover config directory
      ansible.builtin.file:
        path: "{{ out }}/{{ inventory_hostname }}/etc/railmount"
        state: directory
        mode: "0755"

    - name: Write the failover config
      ansible.builtin.template:
        src: "{{ templates }}/failover.json.j2"
        dest: "{{ out }}/{{ inventory_hostname }}{{ railmount_plan.failover.config_file }}"
        mode: "0644"
      vars:
        plan: "{{ railmount_plan }}"

    - name: Write fstab entries as nfs_mounts does (state present - fstab only)
      ansible.posix.mount:
        src: "{{ mount.server }}:{{ mount.export }}"
        path: "{{ mount.path }}"
        fstype: "{{ mount.fstype }}"
        opts: "{{ mount.options }}"
        dump: "0"
        passno: "0"
        state: present
        fstab: "{{ out }}/{{ inventory_hostname }}/etc/fstab"
      loop: "{{ railmount_plan.mounts }}"
      loop_control:
        loop_var: mount
"""

FAILOVER_OFF_NCONNECT = {
    "railmount_failover": {"enabled": False},
    "railmount_nfs": {
        "version": "4.1",
        "rsize": 1048576,
        "wsize": 1048576,
        "hard": True,
        "nconnect": 8,
        "extra_options": ["noatime", "timeo=600"],
    },
}


def _inventory(tmp_path: Path, variant: str) -> Path:
    if variant == "reference":
        return REPO / "inventory" / "reference"
    if variant == "lab":
        return REPO / "inventory" / "lab"
    inv = tmp_path / "inventory"
    (inv / "group_vars").mkdir(parents=True)
    shutil.copy(REPO / "inventory" / "reference" / "hosts.yml", inv / "hosts.yml")
    (inv / "group_vars" / "all.yml").write_text(yaml.safe_dump(FAILOVER_OFF_NCONNECT))
    return inv


VARIANTS = ["reference", "lab", "failover-off-nconnect"]


def _ansible_template(name: str, variables: dict) -> str:
    """Render templates/<name> the way ansible.builtin.template's action does (2.19)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    source = TEMPLATES / name
    temp_vars = dict(variables)
    try:  # the template action adds ansible_managed, template_path, ...
        from ansible._internal._templating import _template_vars

        temp_vars.update(
            _template_vars.generate_ansible_template_vars(
                path=name, fullpath=str(source), dest_path="/dest", include_ansible_managed=True
            )
        )
    except ImportError:  # pragma: no cover - other ansible-core versions
        pass
    templar = Templar(loader=DataLoader()).copy_with_new_env(
        searchpath=[str(TEMPLATES)], available_variables=temp_vars
    )
    overrides = {"trim_blocks": True, "lstrip_blocks": False, "newline_sequence": "\n"}
    return templar.template(
        trust_as_template(source.read_text()), escape_backslashes=False, overrides=overrides
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_ansible_templar_renders_like_railmount_render(tmp_path, variant):
    """In-process: Ansible's Templar with the template action's settings, every host."""
    plans = load_plans(_inventory(tmp_path, variant))[1]
    assert plans, "no hosts"
    if variant == "failover-off-nconnect":
        assert "nconnect=8" in plans["dgx-1-1"].mounts[0].options
        assert not any(r.backup for r in plans["dgx-1-1"].routes)
    compared = 0
    for plan in plans.values():
        ours = render_files(plan)
        data = plan_data(plan)
        for port in data["ports"]:
            rendered = _ansible_template("netplan-port.yaml.j2", {"plan": data, "port": port})
            assert rendered == ours[port["netplan_file"]], (plan.host, port["name"])
            compared += 1
        assert _ansible_template("sysctl.conf.j2", {"plan": data}) == ours[data["sysctl_file"]]
        assert _ansible_template("fstab.j2", {"plan": data}) == ours[FSTAB]
        verify = _ansible_template("verify-storage-path.sh.j2", {"plan": data})
        assert verify == ours[data["verify_script"]]
        if data["failover"]["enabled"]:
            failover = _ansible_template("failover.json.j2", {"plan": data})
            assert failover == ours[data["failover"]["config_file"]]
        compared += 2
    assert compared == len(plans) * 4


def test_ansible_playbook_writes_what_railmount_render_shows(tmp_path):
    """The real thing, once: the template and mount modules write into a directory."""
    host = "dgx-1-1"
    inventory = REPO / "inventory" / "reference"
    out = tmp_path / "out"
    for sub in ("etc/netplan", "etc/sysctl.d"):
        (out / host / sub).mkdir(parents=True)
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER_PLAYBOOK)
    run = ansible_playbook(
        "-i",
        str(inventory),
        "--limit",
        host,
        str(playbook),
        "-e",
        f"out={out} templates={TEMPLATES} ansible_python_interpreter={sys.executable}",
    )
    assert run.returncode == 0, run.stdout + run.stderr

    ours = render_files(load_plans(inventory)[1][host])
    assert FSTAB in ours
    for path, text in ours.items():
        target = out / host / ("etc/fstab" if path == FSTAB else path.lstrip("/"))
        assert target.read_text() == text, f"{host} {path} differs under Ansible"
    written = [p for p in (out / host).rglob("*") if p.is_file()]
    assert len(written) == len(ours), written


def _task(tasks: list[dict], name: str) -> dict:
    (task,) = [t for t in tasks if t.get("name") == name]
    return task


def test_roles_render_as_mirrored():
    """The render playbook above must stay what the roles do; fail when a role drifts."""
    mirror = yaml.safe_load(RENDER_PLAYBOOK)[0]["tasks"]
    ports = yaml.safe_load((REPO / "roles/storage_ports/tasks/main.yml").read_text())
    mounts = yaml.safe_load((REPO / "roles/nfs_mounts/tasks/main.yml").read_text())

    for name, template in [
        ("Write one netplan file per storage port", "netplan-port.yaml.j2"),
        ("Write the storage sysctls", "sysctl.conf.j2"),
    ]:
        role, ours = _task(ports, name), _task(mirror, name)
        assert role["ansible.builtin.template"]["src"].endswith("/" + template)
        assert ours["ansible.builtin.template"]["src"].endswith("/" + template)
        assert role.get("vars") == ours.get("vars") == {"plan": "{{ railmount_plan }}"}
        assert role.get("loop") == ours.get("loop")
        assert role.get("loop_control", {}).get("loop_var") == (
            ours.get("loop_control", {}).get("loop_var")
        )
        # The destination is the plan's path (the mirror only prefixes a directory).
        role_dest = role["ansible.builtin.template"]["dest"]
        ours_dest = ours["ansible.builtin.template"]["dest"]
        assert ours_dest.endswith(role_dest.removeprefix("{{ ").removesuffix(" }}") + " }}")

    role_mount = _task(mounts, "Mount the filesystem once per VIP")["ansible.posix.mount"]
    ours_mount = _task(
        mirror, "Write fstab entries as nfs_mounts does (state present - fstab only)"
    )
    ours_mount = ours_mount["ansible.posix.mount"]
    for key in ("src", "path", "fstype", "opts", "dump", "passno"):
        assert role_mount[key] == ours_mount[key], key
    assert (REPO / "roles/storage_ports/defaults/main.yml").read_text().count(
        "{{ role_path }}/../../templates"
    ) == 1
