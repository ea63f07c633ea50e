"""The rendered storage path check passes on the planned routes and names every wrong one.

Runs the real script under /bin/sh with fake `ip` and `ping` that print what iproute2
6.x prints, so a pattern that never matches real output fails here, not on a host.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from railmount.inventory import load_plans
from railmount.render import render_files

REPO = Path(__file__).resolve().parents[1]


def _plan():
    return load_plans(REPO / "inventory" / "reference")[1]["dgx-1-1"]


def _run(
    tmp_path: Path, routes: dict[str, str], ping_ok: bool = True
) -> subprocess.CompletedProcess:
    plan = _plan()
    script = tmp_path / "verify"
    script.write_text(render_files(plan)[plan.verify_script])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cases = "\n".join(f'  "{vip}") echo "{line}" ;;' for vip, line in routes.items())
    unreachable = '  *) echo "RTNETLINK answers: Network is unreachable"; exit 2 ;;'
    (bin_dir / "ip").write_text(f'#!/bin/sh\ncase "$4" in\n{cases}\n{unreachable}\nesac\n')
    (bin_dir / "ping").write_text(f"#!/bin/sh\nexit {0 if ping_ok else 1}\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(["/bin/sh", str(script)], capture_output=True, text=True, env=env)


def _as_planned() -> dict[str, str]:
    # `ip -o route get` output, byte for byte as iproute2 6.1 prints it
    return {
        r.address: f"{r.address} dev {r.dev} src {r.src} uid 0 \\    cache "
        for r in _plan().routes
        if not r.backup
    }


def test_passes_on_planned_routes(tmp_path):
    result = _run(tmp_path, _as_planned())
    assert (result.returncode, result.stdout) == (0, "")


def test_names_the_vip_on_the_wrong_port(tmp_path):
    routes = _as_planned()
    routes["10.21.115.7"] = "10.21.115.7 dev em1 src 10.21.115.120 uid 0 \\    cache "
    result = _run(tmp_path, routes)
    assert result.returncode == 1
    assert result.stdout.startswith("10.21.115.7: expected dev em2 src 10.21.115.113, actual: ")
    assert result.stdout.count("\n") == 1


def test_names_the_vip_that_does_not_answer(tmp_path):
    result = _run(tmp_path, _as_planned(), ping_ok=False)
    assert result.returncode == 1
    assert "10.21.115.6: no answer from 10.21.115.120 via em1" in result.stdout


def test_unreachable_vip_fails(tmp_path):
    routes = _as_planned()
    del routes["10.21.115.9"]
    result = _run(tmp_path, routes)
    assert result.returncode == 1
    assert "10.21.115.9: expected dev em2 src 10.21.115.113, actual: RTNETLINK" in result.stdout
