"""Packaging: the wheel ships what the commands read besides code (templates, validation
suites, report templates, host-side tools) and not the Ansible collection, which is
installed as a collection (one copy, upgraded by a newer tarball); one version number;
the collection tarball is the collection only; the plugins say how to install a missing
railmount package."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())


def tracked_copy(dest: Path) -> Path:
    """The tracked files only: a build leaves build/ and egg-info behind."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        path = REPO / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            target.symlink_to(os.readlink(path))
        elif path.is_file():
            shutil.copy2(path, target)
    return dest


def test_wheel_carries_templates_and_suites_but_not_the_collection(tmp_path: Path):
    src = tracked_copy(tmp_path / "src-tree")
    dist = tmp_path / "dist"
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    (wheel,) = dist.glob("railmount-*.whl")
    assert wheel.name.startswith(f"railmount-{GALAXY['version']}-"), wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "railmount/templates/netplan-port.yaml.j2",
        "railmount/suites/conftest.py",
        "railmount/suites/test_fleet.py",
        "railmount/report/templates/report.html.j2",
        "railmount/hostside/agent.py",
        "railmount/schema_argument_specs.yml",
    ):
        assert name in names, name
    # No second copy of the collection that could shadow or drift from an installed one.
    assert not [n for n in names if n.startswith("ansible_collections/")]
    metadata = (
        zipfile.ZipFile(wheel).read(f"railmount-{GALAXY['version']}.dist-info/METADATA").decode()
    )
    requires = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)(.*)$", metadata, re.M)
    runtime = {name.lower() for name, rest in requires if "extra ==" not in rest}
    assert "ansible-core" in runtime and "ansible" not in runtime, runtime


def test_one_version_for_package_and_collection():
    assert importlib.metadata.version("railmount") == GALAXY["version"]


def test_collection_dependencies_are_declared_once_and_alike():
    requirements = yaml.safe_load((REPO / "collections" / "requirements.yml").read_text())
    listed = {c["name"]: c["version"] for c in requirements["collections"]}
    assert listed == GALAXY["dependencies"]
    # Every collection the playbooks and roles name is declared (ansible.builtin is core).
    used = set()
    for path in [*REPO.glob("playbooks/*.yml"), *REPO.glob("roles/*/tasks/*.yml")]:
        used |= set(re.findall(r"^\s*-?\s*([a-z_]+\.[a-z_]+)\.[a-z_]+:", path.read_text(), re.M))
    assert used - {"ansible.builtin", "railmount.storage"} == set(listed), used


def test_a_plain_clone_resolves_the_collection_through_the_committed_link():
    link = REPO / "collections" / "ansible_collections" / "railmount" / "storage"
    assert link.is_symlink() and link.resolve() == REPO
    cfg = (REPO / "ansible.cfg").read_text()
    assert re.search(r"^collections_path = collections:", cfg, re.M), cfg


def test_collection_tarball_is_the_collection_only(tmp_path: Path):
    src = tracked_copy(tmp_path / "src-tree")
    build = [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path)]
    run = subprocess.run(
        [*build, str(src)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    tarball = tmp_path / f"railmount-storage-{GALAXY['version']}.tar.gz"
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    top = {n.split("/")[0] for n in names}
    assert top == {
        "CHANGELOG.rst", "FILES.json", "LICENSE", "MANIFEST.json", "README.md",
        "changelogs", "meta", "playbooks", "plugins", "roles", "tests",
    }  # fmt: skip
    assert {n for n in names if n.startswith("tests/") and "." in n} == {
        "tests/sanity/ignore-2.19.txt"
    }
    for role in ("plan", "storage_ports", "nfs_mounts"):
        assert f"roles/{role}/README.md" in names, role
        assert f"roles/{role}/meta/argument_specs.yml" in names, role


def test_plugins_without_the_railmount_package_say_how_to_install_it(tmp_path: Path):
    # A railmount package that cannot be imported, ahead of the real one on the path.
    fake = tmp_path / "hide" / "railmount"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'railmount'\")\n")
    env = dict(
        os.environ,
        PYTHONPATH=str(tmp_path / "hide"),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
    )
    adhoc = [str(BIN / "ansible"), "localhost", "-i", "localhost,", "-c", "local"]
    for module, args in (
        ("railmount.storage.plan", "scope=inventory"),
        ("railmount.storage.host_config", ""),
    ):
        run = subprocess.run(
            [*adhoc, "-m", module, "-a", args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        output = run.stdout + run.stderr
        assert run.returncode != 0, output
        assert "Traceback" not in output
        assert f"{module} needs the railmount Python package" in output, output
        assert "-m pip install railmount" in output, output
