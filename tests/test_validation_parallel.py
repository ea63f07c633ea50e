"""Hosts are validated in parallel by pytest-xdist, all of one host's tests on one worker
(--dist loadgroup): this keeps that promise checked against the installed pytest and
xdist (pytest-xdist#1386: grouping silently stops on pytest 9.2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUITE = """
import os, pytest
from railmount.validation.plugin import _on

@pytest.mark.parametrize("host", [_on(f"h{i % 3}", f"h{i % 3}", f"t{i}") for i in range(12)])
def test_worker(host):
    with open(os.environ["OUT"], "a") as out:
        out.write(f"{host} {os.environ['PYTEST_XDIST_WORKER']}\\n")
"""


def test_one_worker_per_host(tmp_path: Path):
    (tmp_path / "test_grouped.py").write_text(SUITE)
    out = tmp_path / "workers.txt"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "3", "--dist", "loadgroup", "-q",
         "-p", "no:cacheprovider", "-o", "addopts=", str(tmp_path / "test_grouped.py")],
        cwd=tmp_path, env={**__import__("os").environ, "OUT": str(out)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    pairs = [line.split() for line in out.read_text().splitlines()]
    assert len(pairs) == 12
    workers = {host: {w for h, w in pairs if h == host} for host, _ in pairs}
    assert all(len(w) == 1 for w in workers.values()), workers
