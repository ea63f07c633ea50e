"""The `railmount` command line: check, plan (table/json), render, host selection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from railmount.cli import main

REPO = Path(__file__).resolve().parents[1]
REFERENCE = str(REPO / "inventory" / "reference")
BAD = REPO / "tests" / "inventories" / "bad"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_json_schema(capsys):
    code, out, err = run(capsys, "plan", "-i", REFERENCE, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["hosts"]
    assert list(data["hosts"]) == ["dgx-1-1", "dgx-1-2"]
    host = data["hosts"]["dgx-1-1"]
    assert [p["name"] for p in host["ports"]] == ["em1", "em2"]
    for port in host["ports"]:
        assert {"name", "mac", "address", "ip", "mtu", "switch", "vips"} <= set(port)
    for route in host["routes"]:
        assert {"to", "dev", "src", "metric", "backup", "vip"} <= set(route)
        assert route["to"].endswith("/32")
    for mount in host["mounts"]:
        assert {"path", "vip_address", "export", "fstype", "options"} <= set(mount)
    assert host["mounts"][0] == {
        "path": "/mnt/nfs0",
        "source": "10.21.115.6:/nfs0",
        "vip_address": "10.21.115.6",
        "export": "/nfs0",
        "fstype": "nfs",
        "expected_fstype": "nfs",
        "options": "vers=3,proto=tcp,rsize=524288,wsize=524288,hard,"
        "lookupcache=positive,actimeo=1,_netdev",
        "vip": "nfs0",
        "dev": "em1",
        "src": "10.21.115.120",
        "expected_options": [
            ["vers", "3"],
            ["proto", "tcp"],
            ["rsize", "524288"],
            ["wsize", "524288"],
            ["hard", ""],
            ["lookupcache", "pos"],
            ["acregmin", "1"],
            ["acregmax", "1"],
            ["acdirmin", "1"],
            ["acdirmax", "1"],
            ["addr", "10.21.115.6"],
        ],
    }
    primary = [(r["to"], r["dev"], r["src"]) for r in host["routes"] if not r["backup"]]
    assert primary == [
        ("10.21.115.6/32", "em1", "10.21.115.120"),
        ("10.21.115.7/32", "em2", "10.21.115.113"),
        ("10.21.115.8/32", "em1", "10.21.115.120"),
        ("10.21.115.9/32", "em2", "10.21.115.113"),
    ]


def test_plan_host_selection(capsys):
    code, out, _ = run(capsys, "plan", "-i", REFERENCE, "--format", "json", "--host", "dgx-1-2")
    assert code == 0
    data = json.loads(out)
    assert list(data["hosts"]) == ["dgx-1-2"]
    assert data["hosts"]["dgx-1-2"]["ports"][0]["address"] == "10.21.115.121/24"


def test_plan_table(capsys):
    code, out, _ = run(capsys, "plan", "-i", REFERENCE, "--host", "dgx-1-1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "dgx-1-1"
    assert "    10.21.115.6 dev em1 src 10.21.115.120" in lines
    assert "    10.21.115.9 dev em2 src 10.21.115.113" in lines
    assert "    10.21.115.6 dev em2 src 10.21.115.120 metric 200" in lines
    assert "dgx-1-2" not in out


def test_unknown_host(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "-i", REFERENCE, "--host", "dgx-9-9"])
    assert str(exc.value.code) == "railmount: no storage client 'dgx-9-9' (have: dgx-1-1, dgx-1-2)"
    with pytest.raises(SystemExit) as exc:
        main(["render", "-i", REFERENCE, "--host", "tor1"])
    assert "no storage client 'tor1'" in str(exc.value.code)


def test_render_host(capsys):
    code, out, _ = run(capsys, "render", "-i", REFERENCE, "--host", "dgx-1-2")
    assert code == 0
    headers = [line for line in out.splitlines() if line.startswith("### ")]
    assert headers == [
        "### dgx-1-2: /etc/netplan/60-railmount-em1.yaml",
        "### dgx-1-2: /etc/netplan/60-railmount-em2.yaml",
        "### dgx-1-2: /etc/sysctl.d/60-railmount.conf",
        "### dgx-1-2: /etc/railmount/plan.json",
        "### dgx-1-2: /etc/systemd/system/railmount-failover.service",
        "### dgx-1-2: /usr/local/sbin/railmount-host",
        "### dgx-1-2: /etc/fstab (railmount lines)",
    ]
    assert "10.21.115.6:/nfs0 /mnt/nfs0 nfs" in out


def test_check_ok(capsys):
    code, out, _ = run(capsys, "check", "-i", REFERENCE)
    assert code == 0
    assert out.strip() == f"{REFERENCE}: OK — 2 storage client(s), 4 VIP(s) each"


def test_check_missing_inventory(capsys, tmp_path):
    code, _, err = run(capsys, "check", "-i", str(tmp_path / "nope"))
    assert code == 2
    assert "does not exist" in err


def expected_problems() -> list[str]:
    lines = (BAD / "expected-problems.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_check_bad_inventory_lists_every_problem(capsys):
    code, out, err = run(capsys, "check", "-i", str(BAD))
    assert code == 2
    assert out == ""
    expected = expected_problems()
    assert len(expected) >= 10
    assert err.splitlines()[0] == f"railmount: {BAD}: {len(expected)} problem(s)"
    printed = [line.removeprefix("  ") for line in err.splitlines()[1:]]
    assert sorted(printed) == sorted(expected)


def railmount(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "railmount"), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_bad_inventory_through_the_real_command():
    # Exit 2, all problems, no traceback.
    run = railmount("check", "-i", "tests/inventories/bad", cwd=REPO)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    for line in expected_problems():
        assert f"  {line}\n" in run.stderr, line
    assert f"railmount: tests/inventories/bad: {len(expected_problems())} problem(s)" in run.stderr


def test_every_bad_host_has_a_problem():
    # AVD style: each dgx-<mistake> host is named in at least one expected problem.
    import yaml

    children = yaml.safe_load((BAD / "hosts.yml").read_text())["all"]["children"]
    hosts = children["storage_clients"]["hosts"]
    bad = [h for h in hosts if h != "dgx-good"]
    assert len(bad) >= 9
    problems = expected_problems()
    for host in bad:
        assert any(line.startswith(f"{host}: ") for line in problems), host
    assert not any(line.startswith("dgx-good: ") for line in problems)


@pytest.mark.parametrize("command", ["check", "plan", "render", "validate"])
def test_inventory_commands_take_the_vault_options(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for option in ("--vault-password-file", "--ask-vault-pass", "--vault-id"):
        assert option in out


def test_an_unexpected_error_is_one_line_not_a_traceback(capsys, monkeypatch):
    import railmount.inventory

    def broken(*_args, **_kwargs):
        raise RuntimeError("planner fell over\nsecond line")

    monkeypatch.setattr(railmount.inventory, "load", broken)
    monkeypatch.delenv("RAILMOUNT_DEBUG", raising=False)
    code, out, err = run(capsys, "check", "-i", REFERENCE)
    assert code == 70
    assert out == ""
    assert err == (
        "railmount: internal error: RuntimeError: planner fell over; "
        "set RAILMOUNT_DEBUG=1 for the traceback\n"
    )
    monkeypatch.setenv("RAILMOUNT_DEBUG", "1")
    code, _, err = run(capsys, "check", "-i", REFERENCE)
    assert code == 70
    assert "Traceback (most recent call last)" in err
    assert err.endswith("set RAILMOUNT_DEBUG=1 for the traceback\n")


def test_a_broken_inventory_file_is_a_problem_line_through_the_real_command(tmp_path):
    inv = tmp_path / "inv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.yml").write_text((Path(REFERENCE) / "hosts.yml").read_text())
    (inv / "group_vars" / "all.yml").write_text("railmount_nfs: {version: 3\n")
    run = railmount("check", "-i", "inv", cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "railmount: inv: 1 problem(s)",
        "  inv/group_vars/all.yml: line 2: YAML parsing failed: While parsing a flow mapping "
        "did not find expected ',' or '}'. — fix: correct the YAML there (indentation, quotes, "
        "brackets)",
    ]
