"""Workload reads, checkpoint write/restore and the fleet maths: scripts, parsing and
verdicts without a host — and the checkpoint's verification run for real with this
machine's fio on a local directory (a flipped byte must fail the restore)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from captured import plan, settings

from railmount.model import CheckpointSettings, WorkloadSettings
from railmount.validation import bandwidth, checkpoint, fio_run, fleet, records, workload
from railmount.validation.records import FleetStep
from railmount.validation.verdicts import checkpoint as cp_verdicts
from railmount.validation.verdicts import fleet as fleet_verdicts
from railmount.validation.verdicts import workload as wl_verdicts

PORTS = ["em1", "em2"]


def fio_output(rx0, rx1, tx0, tx1, jobs, rc=0, seconds=(100.0, 110.0), stderr="", reported=None):
    """What fio_run.script prints: counters before/after, fio's JSON, stderr, rc."""
    m = fio_run.MARK
    report = {"jobs": jobs} if reported is None else {"timestamp_ms": reported * 1000, "jobs": jobs}
    lines = [f"{m}t0", str(seconds[0]), *map(str, rx0), *map(str, tx0)]
    lines += [f"{m}t1", str(seconds[1]), *map(str, rx1), *map(str, tx1)]
    lines += [f"{m}fio", "fio: opendir added 32 files", json.dumps(report)]
    lines += [f"{m}stderr", stderr, f"{m}rc", str(rc)]
    return "\n".join(lines)


# --- fio_run ----------------------------------------------------------------------------


def test_fio_run_attributes_counters_and_totals():
    out = fio_output(
        (0, 0),
        (50_000_000, 30_000_000),
        (10, 10),
        (1010, 2010),
        [
            {"read": {"bw_bytes": 5e6, "iops": 30}, "error": 0},
            {"read": {"bw_bytes": 3e6, "iops": 20}, "error": 0},
        ],
    )
    run = fio_run.parse(out, PORTS)
    assert run.seconds == 10.0
    assert run.rates("rx") == {"em1": 5e6, "em2": 3e6}
    assert run.tx == {"em1": 1000, "em2": 2000}
    assert run.total("read", "bw_bytes") == 8e6 and run.total("read", "iops") == 50
    assert not run.failed


def test_fio_run_failure_is_kept_with_fios_words():
    out = fio_output(
        (0, 0),
        (1, 1),
        (0, 0),
        (0, 0),
        [{"read": {}, "error": 84}],
        rc=1,
        stderr="crc32c: verify failed at file /mnt/nfs0/x offset 4194304",
    )
    run = fio_run.parse(out, PORTS)
    assert run.failed and run.job_errors == 84
    assert run.errors == ["crc32c: verify failed at file /mnt/nfs0/x offset 4194304"]


# --- workload ---------------------------------------------------------------------------


def test_image_sizes_and_data_sets():
    assert workload.size_bytes("150KB") == 150_000
    assert workload.size_bytes("1MB") == 1_000_000
    assert workload.size_bytes("128KiB") == 131_072
    with pytest.raises(ValueError):
        workload.size_bytes("1GB")
    s = replace(settings(), workload=WorkloadSettings(dataset_mb=24))
    ds = workload.data_set("150KB", s, readers=8)
    assert (ds.files, ds.file_bytes) == (160, 150_000)
    assert workload.data_set("1MB", s, readers=8).files == 32  # at least 4 per reader


def test_workload_reads_open_every_sample_on_every_mount():
    p = plan("dgx-1-1")
    s = replace(settings(), workload=WorkloadSettings(readers_per_mount=3, runtime_s=7))
    ds = workload.data_set("150KB", s, readers=12)
    args = workload.fio_args(p, s, ds)
    # one file per sample, opened and closed per read, at random, for 7 s
    for arg in (
        "--rw=randread",
        "--bs=150000",
        "--openfiles=1",
        "--file_service_type=random",
        "--direct=1",
        "--runtime=7",
    ):
        assert arg in args
    assert not any(a.startswith(("--time_based", "--ramp_time")) for a in args)
    dirs = [a.split("=", 1)[1] for a in args if a.startswith("--opendir=")]
    assert dirs == [f"/mnt/nfs{i}/.railmount/dataset-150KB" for i in range(4)]
    assert args.count("--numjobs=3") == 4
    script = workload.read_script(p, s, ds, start_at=1000.0)
    # caches dropped, the data set listed through every mount, then the start barrier, fio
    listing = "ls -f -l " + " ".join(dirs)
    order = [fio_run.DROP_CACHES, listing, "awk -v t=1000.000", "fio --output-format=json"]
    assert [script.index(part) for part in order] == sorted(script.index(p) for p in order)
    prepare = workload.prepare_script(p, s, ds)
    assert "/mnt/nfs0/.railmount/dataset-150KB/.complete" in prepare
    assert f"--nrfiles={ds.files}" in prepare and "/mnt/nfs1/" not in prepare


def test_workload_result_and_its_verdicts():
    p = plan("dgx-1-1")
    s = settings()
    ds = workload.data_set("1MB", s, readers=8)
    job = {
        "read": {
            "bw_bytes": 20e6,
            "iops": 20.0,
            "clat_ns": {"percentile": {"50.000000": 150e6, "99.000000": 480e6}},
        },
        "error": 0,
    }
    good = workload.summarize(p, s, ds, fio_output((0, 0), (10**8, 10**8), (0, 0), (0, 0), [job]))
    assert (good.files_per_s, good.read_bytes_per_s) == (20.0, 20e6)
    assert (good.p50_latency_ms, good.p99_latency_ms) == (150.0, 480.0)
    assert good.links == {"em1": {"read_bytes_per_s": 10e6}, "em2": {"read_bytes_per_s": 10e6}}
    assert wl_verdicts.workload_reads(p, "1MB", good).passed
    assert wl_verdicts.workload_on_planned_ports(p, "1MB", good, 0.10).passed
    # all of it arrived on em2: the split no longer follows the pinning
    skewed = workload.summarize(p, s, ds, fio_output((0, 0), (0, 2 * 10**8), (0, 0), (0, 0), [job]))
    check = wl_verdicts.workload_on_planned_ports(p, "1MB", skewed, 0.10)
    assert not check.passed
    assert check.message == (
        "dgx-1-1 1MB read share per port: expected em1 50%, em2 50% (±10%), actual em1 0%, em2 100%"
    )
    broken = workload.summarize(
        p,
        s,
        ds,
        fio_output(
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
            [{"read": {}, "error": 5}],
            rc=1,
            stderr="fio: io_u error on file /mnt/nfs0/x",
        ),
    )
    check = wl_verdicts.workload_reads(p, "1MB", broken)
    assert not check.passed and "io_u error" in check.actual


# --- checkpoint -------------------------------------------------------------------------


def test_checkpoint_sizing_follows_mlperf_and_the_lab_shard():
    full = checkpoint.sizing(CheckpointSettings(model="8B"))
    assert full.hosts == 1 and full.model_bytes == pytest.approx(8.03e9 * 14)
    assert full.measured_bytes == pytest.approx(full.model_bytes_per_host, rel=0.01)
    big = checkpoint.sizing(CheckpointSettings(model="70B", gpus_per_host=8))
    assert big.hosts == 8  # 64 GPUs
    assert big.model_bytes_per_host == pytest.approx(70.6e9 * 14 / 8)
    lab = checkpoint.sizing(CheckpointSettings(model="8B", shard_mb=32))
    assert lab.ranks == 8 and lab.rank_bytes == checkpoint.BLOCK
    assert lab.measured_bytes == 8 * checkpoint.BLOCK
    own = checkpoint.sizing(CheckpointSettings(parameters=2e9, bytes_per_parameter=12))
    assert own.model == "2B parameters" and own.model_bytes == 24e9


def test_checkpoint_ranks_spread_over_the_mounts_and_ports():
    p = plan("dgx-1-1")
    s = replace(settings(), checkpoint=CheckpointSettings(shard_mb=32))
    files = checkpoint.shard_files(p, s)
    assert [vip for vip, _ in files] == ["nfs0", "nfs1", "nfs2", "nfs3"] * 2
    assert files[5][1] == "/mnt/nfs1/.railmount/checkpoint-dgx-1-1/rank-005"
    assert checkpoint.planned_shares(p, s) == {"em1": 0.5, "em2": 0.5}
    write = checkpoint.write_script(p, s)
    assert "--end_fsync=1" in write and "--verify=crc32c" in write and "--do_verify=0" in write
    restore = checkpoint.restore_script(p, s)
    assert "--verify_only=1" in restore and fio_run.DROP_CACHES in restore


def _result(write_tx, restore_rx, errors=()):
    p = plan("dgx-1-1")
    s = replace(settings(), checkpoint=CheckpointSettings(shard_mb=32))
    size = checkpoint.sizing(s.checkpoint)
    write = checkpoint.Pass(2.0, size.measured_bytes, size.measured_bytes / 2, write_tx)
    restore = checkpoint.Pass(
        4.0, size.measured_bytes, size.measured_bytes / 4, restore_rx, list(errors)
    )
    shares = checkpoint.planned_shares(p, s)
    return p, checkpoint.CheckpointResult(size, write, restore, 0.05, shares)


def test_checkpoint_figures_and_verdicts():
    p, result = _result({"em1": 17e6, "em2": 17e6}, {"em1": 17e6, "em2": 17e6})
    data = result.to_json()
    assert records.Checkpoint.parse(data) == result.record()  # the report reads it back as is
    assert data["verified"] is True
    assert data["write_s"] == pytest.approx(
        data["model_bytes_per_host"] / data["write_bytes_per_s"], rel=0.01
    )
    assert data["interval_min_s"] == pytest.approx(data["write_s"] / 0.05, rel=0.01)
    assert cp_verdicts.checkpoint_restored_intact(p, result).passed
    assert cp_verdicts.checkpoint_write_on_planned_port(p, result, "em1", 0.10).passed


def test_writes_leaving_from_the_wrong_port_fail_with_the_shares():
    """nfs0's writes out of em2: em1 carries a quarter instead of half."""
    p, result = _result({"em1": 8e6, "em2": 24e6}, {"em1": 16e6, "em2": 16e6})
    check = cp_verdicts.checkpoint_write_on_planned_port(p, result, "em1", 0.10)
    assert not check.passed
    assert check.message == (
        "dgx-1-1 em1 checkpoint write (tx): expected 50% of the bytes (the ranks on nfs0,nfs2, "
        "±10%), actual 25%"
    )
    assert cp_verdicts.checkpoint_restore_on_planned_port(p, result, "em1", 0.10).passed


def test_a_mismatch_read_back_fails_the_restore():
    p, result = _result(
        {"em1": 1, "em2": 1},
        {"em1": 1, "em2": 1},
        ["crc32c: verify failed at file rank-002 offset 4194304"],
    )
    check = cp_verdicts.checkpoint_restored_intact(p, result)
    assert not check.passed and result.to_json()["verified"] is False
    assert check.message.endswith(
        "actual 33554432 bytes read back; crc32c: verify failed at file rank-002 offset 4194304"
    )


@pytest.mark.skipif(shutil.which("fio") is None, reason="fio is not installed")
def test_checkpoint_write_and_restore_for_real_with_a_flipped_byte(tmp_path):
    """The checkpoint's own scripts, run by bash with this machine's fio on local
    directories standing in for the mounts: clean, then one flipped byte on the "array"."""
    p = plan("dgx-1-1")
    mounts = tuple(replace(m, path=str(tmp_path / m.vip)) for m in p.mounts)
    local = replace(p, mounts=mounts)
    s = replace(settings(), checkpoint=CheckpointSettings(gpus_per_host=2, shard_mb=8))

    def bash(script: str) -> str:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout

    assert (
        checkpoint.summarize("write", bash(checkpoint.write_script(local, s)), PORTS).errors == []
    )
    clean = checkpoint.summarize("read", bash(checkpoint.restore_script(local, s)), PORTS)
    assert clean.errors == [] and clean.bytes == checkpoint.sizing(s.checkpoint).measured_bytes
    victim = Path(checkpoint.shard_files(local, s)[1][1])
    data = bytearray(victim.read_bytes())
    data[1_000_000] ^= 0xFF
    victim.write_bytes(bytes(data))
    broken = checkpoint.summarize("read", bash(checkpoint.restore_script(local, s)), PORTS)
    assert broken.errors and "verify failed" in broken.errors[0] and str(victim) in broken.errors[0]


# --- fleet ------------------------------------------------------------------------------


def _step(k: int, total: float, per_host: list[float]) -> FleetStep:
    hosts = [f"h{i}" for i in range(k)]
    return FleetStep(hosts, total, dict(zip(hosts, per_host, strict=True)), {}, k * 25e6)


def test_the_knee_is_the_arrays_limit():
    """Hosts of 2 x 100 Mbit/s (25 MB/s) behind an array of 300 Mbit/s (37.5 MB/s)."""
    plans = {f"h{i}": plan("dgx-1-1") for i in range(3)}
    plans = {
        h: replace(p, ports=tuple(replace(x, speed_mbps=100) for x in p.ports))
        for h, p in plans.items()
    }
    rates = {h: bandwidth.line_rates(p, {}) for h, p in plans.items()}
    steps = [
        _step(1, 24.9e6, [24.9e6]),
        _step(2, 37.3e6, [18.5e6, 18.8e6]),
        _step(3, 37.8e6, [10.6e6, 12e6, 15.2e6]),
    ]
    scale = fleet.scaling(steps, rates, 0.9)
    assert scale.array_limit_bytes_per_s == 37.8e6 and scale.knee_hosts == 2
    assert scale.hosts_fed_at_line_rate == 1 and not scale.at_least
    fed = fleet.scaling(steps[:1], rates, 0.9)
    assert fed.array_limit_bytes_per_s is None and fed.at_least and fed.hosts_fed_at_line_rate == 1
    # the same knee when the inventory has no speed_mbps and the driver reports 100 Mbit/s:
    # the fleet takes a link's rate from bandwidth.line_rates like the bandwidth suite
    unset = replace(
        plan("dgx-1-1"), ports=tuple(replace(x, speed_mbps=None) for x in plan("dgx-1-1").ports)
    )
    reported = {p.name: 100 for p in unset.ports}
    driver = {f"h{i}": bandwidth.line_rates(unset, reported) for i in range(3)}
    assert fleet.scaling(steps, driver, 0.9) == scale
    rows = fleet.workload_rows(
        [("Net", "150KB", 4.3e6), ("Net", "1MB", 29e6)],
        scale,
        steps,
        {"150KB": records.FleetWorkloadIO.parse({"read_bytes_per_s": 36.5e6})},
        0.5,
    )
    assert [(r.hosts_fed, r.source) for r in rows] == [(4, "workload_io"), (0, "bandwidth")]
    assert steps[2].fairness == pytest.approx(10.6 / 15.2, rel=0.01)
    unfair = fleet_verdicts.fleet_step_fair_share(steps[2], 0.8)
    assert not unfair.passed and unfair.actual == "0.70 (slowest h0)"
    assert fleet_verdicts.fleet_step_fair_share(steps[2], 0.5).passed


def test_fleet_steps():
    assert fleet.step_counts(3, None) == [1, 2, 3]
    assert fleet.step_counts(100, (1, 10, 50, 200)) == [1, 10, 50, 100]


def test_wait_until_sleeps_until_the_hosts_clock_reads_the_start():
    """The start barrier, run by this machine's bash/awk/sleep as a host would."""
    import time

    def waited(start_at: float) -> float:
        t0 = time.monotonic()
        subprocess.run(["bash", "-c", fio_run.wait_until(start_at)], check=True)
        return time.monotonic() - t0

    assert 0.6 <= waited(time.time() + 0.7) < 1.5
    assert waited(time.time() - 30) < 0.5  # already past: fio starts at once


def test_fleet_reads_start_together_and_count_every_byte_once(monkeypatch):
    """Two hosts whose clocks disagree by 100 s: each waits for the same moment on its own
    clock, and the aggregate is all bytes over the first I/O to the last (fio's own
    figures, not fio's set-up), not the sum of the hosts' own rates (which would count the
    late host's window as extra throughput)."""
    import time

    monkeypatch.setattr(fleet, "START_LEAD_S", 0.0)
    p, s = plan("dgx-1-1"), settings()
    s = replace(s, workload=replace(s.workload, image_sizes=("1MB",)))
    plans = {"a": p, "b": p}
    clock = {"a": 0.0, "b": 100.0}  # host clock minus the controller's
    waits: dict[str, float] = {}

    def job(ios: int) -> dict:
        return {"read": {"bw_bytes": ios * 1e6 / 10, "iops": ios / 10, "io_bytes": ios * 10**6,
                         "total_ios": ios, "runtime": 10_000}, "error": 0}  # fmt: skip

    def run(host: str, script: str) -> str:
        if script == "date +%s.%N":
            return f"{time.time() + clock[host]:.6f}\n"
        if "--opendir" not in script:
            return ""  # the data set exists
        start = float(script.split("awk -v t=")[1].split()[0])
        waits[host] = start - clock[host]
        # fio launched at 100 on the controller's clock; a read 101..111, b (slower to set
        # up) 103..113, and both took a second to exit
        io_end = 111.0 + clock[host] + (2.0 if host == "b" else 0.0)
        return fio_output((0, 0), (10**8, 10**8), (0, 0), (0, 0), [job(100)],
                          seconds=(100.0 + clock[host], io_end + 1), reported=io_end)  # fmt: skip

    result = fleet.workload_all(run, plans, s)["1MB"]
    assert abs(waits["a"] - waits["b"]) < 0.05  # the same moment on both clocks
    assert (result.window_s, result.start_skew_s) == (12.0, 2.0)
    assert result.read_bytes_per_s == pytest.approx(200e6 / 12)  # not 2 x 10 MB/s
    assert result.files_per_s == pytest.approx(200 / 12, abs=0.05)


def test_shares_and_the_checkpoint_interval_have_one_definition():
    """fio_run.shares splits a total by port for the workload and checkpoint figures and
    verdicts; checkpoint.interval_min_s is the one host's and the fleet's interval."""
    assert fio_run.shares({"em1": 30, "em2": 10}) == {"em1": 0.75, "em2": 0.25}
    assert fio_run.shares({"em1": 0, "em2": 0}) == {"em1": 0.0, "em2": 0.0}
    assert checkpoint.seconds_for(1e9, 50e6) == 20.0
    assert checkpoint.seconds_for(1e9, 0.0) is None
    assert checkpoint.interval_min_s(20.0, 0.05) == 400.0
    assert checkpoint.interval_min_s(None, 0.05) is None
