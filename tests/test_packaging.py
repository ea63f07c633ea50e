"""`pip install .` ships everything the commands read besides code: the templates, the
validation suites, the report templates, the host-side tools and the Ansible collection
(ansible_collections/railmount/storage, where Ansible finds installed collections)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_carries_templates_suites_and_the_collection(tmp_path: Path):
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    src = tmp_path / "src-tree"  # build a copy: the build leaves build/ and egg-info behind
    for name in tracked:
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (wheel,) = (tmp_path / "dist").glob("railmount-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "railmount/templates/netplan-port.yaml.j2",
        "railmount/suites/conftest.py",
        "railmount/suites/test_fleet.py",
        "railmount/report/templates/report.html.j2",
        "railmount/hostside/agent.py",
        "railmount/schema_argument_specs.yml",
        "ansible_collections/railmount/storage/galaxy.yml",
        "ansible_collections/railmount/storage/meta/runtime.yml",
        "ansible_collections/railmount/storage/playbooks/site.yml",
        "ansible_collections/railmount/storage/roles/storage_ports/tasks/main.yml",
        "ansible_collections/railmount/storage/roles/plan/tasks/main.yml",
        "ansible_collections/railmount/storage/plugins/action/plan.py",
        "ansible_collections/railmount/storage/plugins/modules/host_config.py",
        "ansible_collections/railmount/storage/templates/sysctl.conf.j2",
    ):
        assert name in names, name
    assert not [n for n in names if n.startswith("ansible_collections/") and "setup.py" in n]
