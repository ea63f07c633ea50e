"""site.yml's plan stage (what benchmarks/plan_scale.py times) on the benchmark's generated
site inventory: the inventory is valid, the stage runs on the controller only and gives
every host its own plan, templated values are rendered (or reported), and the plan role on
its own still plans every host. No timing here: benchmarks/plan_scale.py measures.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from test_ansible import ansible_playbook

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOSTS = 20

# site.yml, then one line per host naming the host its railmount_plan belongs to.
SHOW_PLANS = """
- name: Site
  ansible.builtin.import_playbook: {site}

- name: Show whose plan each host holds
  hosts: storage_clients
  gather_facts: false
  tasks:
    - name: Show the plan's host and first port
      ansible.builtin.debug:
        msg: "plan-of={{{{ plan.host }}}} port={{{{ plan.ports[0].address }}}}"
      vars:
        plan: "{{{{ railmount_plan_json | from_json }}}}"
      tags: [always]
"""


def generate(out: Path, hosts: int) -> Path:
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gen_inventory.py"), "--hosts", str(hosts), out],
        check=True,
        capture_output=True,
    )
    return out


def railmount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "railmount"), *args], capture_output=True, text=True, check=False
    )


def plan_owners(output: str) -> dict[str, str]:
    """{host: the host its railmount_plan belongs to}, from the debug task's output."""
    return dict(re.findall(r"^ok: \[(\S+)\] =>\s+msg: plan-of=(\S+)", output, re.M))


def test_generated_inventory_is_a_valid_site(tmp_path):
    inventory = generate(tmp_path / "inventory", HOSTS)
    run = railmount("check", "-i", str(inventory))
    assert run.returncode == 0, run.stderr
    assert f"{HOSTS} storage client(s), 8 VIP(s) each" in run.stdout
    plans = json.loads(railmount("plan", "-i", str(inventory), "--format", "json").stdout)
    ports = [p for plan in plans["hosts"].values() for p in plan["ports"]]
    assert len({p["mac"] for p in ports}) == len({p["address"] for p in ports}) == 2 * HOSTS
    # Each host's two ports sit on the two leaves of its own rack (an MLAG pair).
    for host, plan in plans["hosts"].items():
        rack = re.match(r"dgx-(su\d+)-(r\d+)-", host)
        assert rack, host
        su, r = rack.groups()
        assert [p["switch"].split(".")[0] for p in plan["ports"]] == [
            f"leaf-{su}-rack{r[1:]}-a",
            f"leaf-{su}-rack{r[1:]}-b",
        ]


def test_site_plan_stage_gives_each_host_its_plan_without_contacting_it(tmp_path):
    inventory = generate(tmp_path / "inventory", HOSTS)
    playbook = tmp_path / "show.yml"
    playbook.write_text(SHOW_PLANS.format(site=REPO / "playbooks" / "site.yml"))
    # A tag no task has: only the `always` parts run (the first play, the plan role).
    run = ansible_playbook("-i", str(inventory), str(playbook), "--tags", "no-such-tag", "-vvv")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    # The hosts (management addresses in 10.16.0.0/16) were never connected to.
    assert "ESTABLISH" not in output and "UNREACHABLE" not in output
    assert "storage_ports" not in output and "nfs_mounts" not in output
    shown = plan_owners(output)
    expected = json.loads(railmount("plan", "-i", str(inventory), "--format", "json").stdout)
    assert len(shown) == HOSTS
    assert all(owner == host for host, owner in shown.items())
    for host, plan in expected["hosts"].items():
        assert f"plan-of={host} port={plan['ports'][0]['address']}" in output
    recap = output.split("PLAY RECAP", 1)[1]
    assert len(re.findall(r"^dgx-\S+\s+: ok=\d+ .*unreachable=0\s+failed=0", recap, re.M)) == HOSTS


def test_plan_role_on_its_own_plans_once_for_every_host(tmp_path):
    """Without site.yml's first play, the plan role still hands every host its own plan."""
    inventory = generate(tmp_path / "inventory", 4)
    playbook = tmp_path / "role.yml"
    playbook.write_text(
        """
- name: The plan role alone
  hosts: storage_clients
  gather_facts: false
  roles:
    - role: railmount.storage.plan
  tasks:
    - name: Show the plan's host
      ansible.builtin.debug:
        msg: "plan-of={{ (railmount_plan_json | from_json).host }}"
"""
    )
    run = ansible_playbook("-i", str(inventory), str(playbook))
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    shown = plan_owners(output)
    assert len(shown) == 4 and all(owner == host for host, owner in shown.items())


def test_plan_stage_templates_values_that_hold_templates(tmp_path):
    inventory = generate(tmp_path / "inventory", 2)
    with (inventory / "group_vars" / "all" / "site.yml").open("a") as site:
        site.write("storage_base: 10.40.0\n")
    host_vars = sorted((inventory / "host_vars").iterdir())
    first = host_vars[0].read_text()
    host_vars[0].write_text(
        first.replace("address: 10.40.0.32/22", 'address: "{{ storage_base }}.200/22"')
    )
    playbook = tmp_path / "show.yml"
    playbook.write_text(SHOW_PLANS.format(site=REPO / "playbooks" / "site.yml"))
    run = ansible_playbook("-i", str(inventory), str(playbook), "--tags", "no-such-tag")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert f"plan-of={host_vars[0].stem} port=10.40.0.200/22" in output

    # A template that cannot be rendered is a problem of the check, before any host.
    host_vars[1].write_text(
        host_vars[1].read_text().replace("10.40.0.34/22", '"{{ nowhere }}.1/22"')
    )
    run = ansible_playbook("-i", str(inventory), str(playbook), "--tags", "no-such-tag")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert f"{host_vars[1].stem}: railmount_ports: cannot template it:" in output
    assert "PLAY [Configure storage ports and mount the array]" not in output


def test_plan_stage_accepts_what_railmount_check_accepts():
    """The odd-but-legal inventory (FQDN and upper-case names, group-wide values templated
    from variables only the clients have): the first play checks and plans it too."""
    odd = REPO / "tests" / "inventories" / "odd"
    run = ansible_playbook("-i", str(odd), str(REPO / "playbooks" / "site.yml"),
                           "--tags", "no-such-tag")  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "problem(s)" not in output
