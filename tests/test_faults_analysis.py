"""Fault-suite maths on synthetic logs, and the on-host reader run for real on a local file."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from railmount.inventory import load_plans
from railmount.validation import faults as fx

MB = 1_000_000
LAB = Path(__file__).resolve().parents[1] / "inventory" / "lab"


def _lab():
    return load_plans(LAB)


def _logs(mount_rates: dict[str, list[int]], port_rates: list[list[int]] | None = None):
    """Samples every 0.5 s from t=0; rates are bytes per interval per mount."""
    names = list(mount_rates)
    steps = len(next(iter(mount_rates.values())))
    port_rates = port_rates or [[sum(mount_rates[m][i] for m in names), 0] for i in range(steps)]
    logs = fx.Logs(ports=["em1", "em2"], mounts=names)
    mounts, ports = [0] * len(names), [0, 0]
    logs.samples.append(fx.Sample(0.0, list(ports), list(mounts)))
    for i in range(steps):
        mounts = [mounts[j] + mount_rates[m][i] for j, m in enumerate(names)]
        ports = [ports[k] + port_rates[i][k] for k in range(2)]
        logs.samples.append(fx.Sample((i + 1) * 0.5, list(ports), list(mounts)))
    return logs


def test_one_stalled_mount_is_seen_behind_busy_ones():
    # /mnt/nfs1 reads nothing from t=5 to t=11; the others keep the total up
    busy = [MB] * 40
    stalled = [MB] * 10 + [0] * 12 + [MB] * 18
    logs = _logs({"/mnt/nfs0": busy, "/mnt/nfs1": stalled, "/mnt/nfs2": busy})
    f = fx.figures("vip-down", logs, t_fault=5.0, t_recover=9.0, t_end=20.0)
    assert (f.stall_s, f.stalled_mount) == (6.0, "/mnt/nfs1")
    assert f.resume_s == 2.0  # back at t=11, 2 s after the VIP returned at t=9
    assert f.pre_rate_mbit == pytest.approx(3 * MB * 2 * 8 / 1e6)


def test_no_stall_when_every_mount_keeps_reading():
    logs = _logs({"/mnt/nfs0": [MB] * 20, "/mnt/nfs1": [MB] * 20})
    f = fx.figures("link-down em1", logs, 3.0, 6.0, 10.0)
    assert (f.stall_s, f.stalled_mount, f.resume_s) == (0.0, "", 0.0)
    assert f.recovery_s == 0.0


def test_stall_counts_only_after_the_fault_and_before_the_end():
    logs = _logs({"/mnt/nfs0": [0] * 4 + [MB] * 8 + [0] * 8})  # idle 0-2 s and 6-10 s
    assert fx.longest_stall(logs.mount_series("/mnt/nfs0"), 3.0, 8.0) == 2.0
    assert fx.longest_stall(logs.mount_series("/mnt/nfs0"), 0.0, 10.0) == 4.0


def test_a_mount_that_never_resumes_has_no_resume_time():
    logs = _logs({"/mnt/nfs0": [MB] * 4 + [0] * 16, "/mnt/nfs1": [MB] * 20})
    f = fx.figures("array-restart", logs, 2.0, 3.0, 10.0)
    assert f.resume_s is None and f.stall_s == 8.0


def test_recovery_to_full_rate_after_a_slow_period():
    total = [2 * MB] * 10 + [MB] * 10 + [2 * MB] * 10
    logs = _logs({"/mnt/nfs0": total})
    f = fx.figures("switch-down tor1", logs, 5.0, 9.0, 15.0)
    assert f.recovery_s == 1.0  # full again from t=10, 1 s after recovery at t=9


def test_read_results_are_counted_per_kind():
    logs = _logs({"/mnt/nfs0": [MB] * 10})
    logs.reads = [(1.0, "/mnt/nfs0", "ok"), (3.0, "/mnt/nfs0", "ok"), (3.5, "/mnt/nfs0", "error")]
    logs.reads.append((4.0, "/mnt/nfs0", "mismatch"))
    f = fx.figures("x", logs, 2.0, 2.0, 5.0)
    assert (f.read_errors, f.mismatches, f.reads_ok) == (1, 1, 1)


def test_ports_carrying_takes_the_last_window():
    logs = _logs({"/mnt/nfs0": [MB] * 8}, [[MB, 0]] * 4 + [[0, MB]] * 4)
    assert fx.ports_carrying(logs, since=2.0) == {"em1": 0, "em2": 4 * MB}


def test_parse_logs_moves_times_onto_the_lab_clock():
    rx = "ports em1 em2\nmounts /mnt/nfs0 /mnt/nfs1\n100.5 10 20 | 1 2\n101.0 30 40 | 3 4\n"
    logs = fx.parse_logs("100.7 /mnt/nfs0 ok\ngarbage\n", rx, offset=100.0)
    assert logs.ports == ["em1", "em2"] and logs.mounts == ["/mnt/nfs0", "/mnt/nfs1"]
    assert logs.samples[1] == fx.Sample(1.0, [30, 40], [3, 4])
    assert logs.reads == [(pytest.approx(0.7), "/mnt/nfs0", "ok")]


def test_reader_script_reads_verifies_and_samples(tmp_path):
    data = os.urandom(3 << 20)
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_bytes(data)
    bad.write_bytes(data[:-1] + b"\0")
    want = hashlib.sha256(data).hexdigest()
    try:  # O_DIRECT needs a filesystem that supports it (not tmpfs)
        os.close(os.open(good, os.O_RDONLY | os.O_DIRECT))
    except OSError:
        pytest.skip(f"{tmp_path} does not support O_DIRECT")
    cfg = {
        "duration": 1.5,
        "out": str(tmp_path),
        "ports": ["lo"],
        "mounts": [["/m/good", str(good), want], ["/m/bad", str(bad), want]],
        "sample_s": fx.SAMPLE_S,
    }
    script = tmp_path / "reader.py"
    script.write_text(fx.READER)
    subprocess.run([sys.executable, str(script), json.dumps(cfg)], check=True, timeout=30)
    logs = fx.parse_logs((tmp_path / "reads.log").read_text(), (tmp_path / "rx.log").read_text())
    results = {(m, r) for _, m, r in logs.reads}
    assert ("/m/good", "ok") in results and ("/m/bad", "mismatch") in results
    assert ("/m/good", "mismatch") not in results and ("/m/bad", "ok") not in results
    assert logs.mounts == ["/m/good", "/m/bad"] and len(logs.samples) >= 2
    assert logs.samples[-1].mounts[0] >= 3 << 20


def test_start_reader_launches_the_reader_in_the_background(tmp_path, monkeypatch):
    """The shell wrapper writes READER verbatim and starts it detached."""
    inv, plans = _lab()
    plan = plans["dgx-1-1"]
    data = os.urandom(1 << 20)
    bench = tmp_path / "bench"
    bench.write_bytes(data)
    monkeypatch.setattr(fx, "OUT_DIR", str(tmp_path / "out"))
    monkeypatch.setattr(fx, "bench_file", lambda *a: str(bench))
    digests = {m.path: hashlib.sha256(data).hexdigest() for m in plan.mounts}
    monkeypatch.setattr(fx, "digest", lambda *a: digests)

    def run(script: str) -> str:
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True).stdout

    out = Path(fx.start_reader(run, plan, inv.validate, "t", duration=0.5))
    assert (out / "reader.py").read_text() == fx.READER + "\n"
    reads = out / "reads.log"
    for _ in range(100):  # the reader runs detached; wait for a pass on every mount
        if (
            reads.exists()
            and len({line.split()[1] for line in reads.read_text().splitlines()}) == 4
        ):
            break
        time.sleep(0.1)
    assert {tuple(line.split()[1:]) for line in reads.read_text().splitlines()} == {
        (m.path, "ok") for m in plan.mounts
    }
    # this machine has no em1/em2: the header is written, then the sampler stops
    assert (out / "rx.log").read_text().startswith("ports em1 em2\nmounts /mnt/nfs0 /mnt/nfs1")


def test_start_reader_refuses_without_digests(monkeypatch):
    inv, plans = _lab()
    monkeypatch.setattr(fx, "digest", lambda *a: {})
    with pytest.raises(RuntimeError, match="dgx-1-1: no recorded digest"):
        fx.start_reader(lambda s: "", plans["dgx-1-1"], inv.validate, "t", 1)
