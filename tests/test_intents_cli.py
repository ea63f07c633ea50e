"""The intents from the outside: `railmount render --target`, the storage path in
`railmount plan`, `railmount array-check`, and the intent action inside ansible-playbook."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from test_ansible import ansible_playbook

from railmount.cli import main

ROOT = Path(__file__).parent.parent
REFERENCE = str(ROOT / "inventory" / "reference")
FIXTURES = ROOT / "tests" / "data" / "purefb_info"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_render_array_prints_the_intent() -> None:
    code, out, _ = run("render", "-i", REFERENCE, "--target", "array")
    assert code == 0
    body = json.loads(out.split("\n", 1)[1])
    assert (body["vlan"], body["gateway"], body["mtu"], body["nfs_rules"]) == (
        2115,
        "10.21.115.1",
        1500,
        "*(rw,no_root_squash)",
    )


def test_render_switches_prints_each_switch_and_the_catalog() -> None:
    code, out, _ = run("render", "-i", REFERENCE, "--target", "switches")
    assert code == 0
    heads = [line for line in out.splitlines() if line.startswith("### ")]
    assert heads == [
        "### switches: tor1.eos.cfg",
        "### switches: tor2.eos.cfg",
        "### switches: anta-catalog.yml",
    ]


def test_render_without_a_fabric_names_the_missing_key(tmp_path: Path) -> None:
    (tmp_path / "hosts.yml").write_text(
        (ROOT / "inventory" / "reference" / "hosts.yml").read_text()
    )
    code, _, err = run("render", "-i", str(tmp_path), "--target", "array")
    assert code == 2
    assert "all: railmount_fabric: missing — fix: define railmount_fabric" in err


def test_plan_shows_the_whole_path() -> None:
    code, out, _ = run("plan", "-i", REFERENCE, "--host", "dgx-1-2")
    assert code == 0
    path = out.split("storage path", 1)[1].splitlines()
    assert [line.split()[:5] for line in path[2:]] == [
        ["dgx-1-2", "em1", "tor1", "Ethernet2", "2115"],
        ["dgx-1-2", "em2", "tor2", "Ethernet2", "2115"],
    ]
    assert "Port-Channel100: Ethernet31 (CH1.FM1.ETH1), Ethernet32 (CH1.FM2.ETH1)" in path[2]
    assert path[2].endswith("nfs0 10.21.115.6, nfs2 10.21.115.8")


def test_array_check_exit_codes() -> None:
    code, out, _ = run(
        "array-check", "-i", REFERENCE, "--info", str(FIXTURES / "reference-pass.json")
    )
    assert (code, out.splitlines()[-1]) == (0, "array fb01: 32 passed, 0 failed")
    code, out, _ = run(
        "array-check", "-i", REFERENCE, "--info", str(FIXTURES / "reference-fail.json")
    )
    assert (code, out.splitlines()[-1]) == (1, "array fb01: 26 passed, 6 failed")
    assert "FAIL  fb01 subnet vlan2115 vlan: expected 2115, actual 2116" in out


def test_intent_action_cross_checks_inside_ansible(tmp_path: Path) -> None:
    """The action the array_check playbook runs, fed a fixture instead of purefb_info."""
    play = tmp_path / "check.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  connection: local\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - railmount.storage.intent:\n"
        "        target: array_check\n"
        "        info: \"{{ lookup('file', fixture) | from_json }}\"\n"
    )
    good = ansible_playbook(
        "-i", REFERENCE, str(play), "-e", f"fixture={FIXTURES / 'reference-pass.json'}"
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = ansible_playbook(
        "-i", REFERENCE, str(play), "-e", f"fixture={FIXTURES / 'reference-fail.json'}"
    )
    assert bad.returncode == 2, bad.stdout
    assert (
        "fb01 export policy railmount-nfs0 rule 1 access: expected no-squash, actual" in bad.stdout
    )
