"""The semantics suite without hosts: its rounds planned from the plan, the host-side agent
run for real on a local directory (each "mount" a path to it: one filesystem, one clock)
and against separate directories (each mount its own world, as per-mount caches that never
expire would be), and the verdicts on measured pairs."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from inv_factory import valid

from railmount.planner import HostPlan, plan_inventory
from railmount.validation import semantics
from railmount.validation.semantics import Endpoint, Pair
from railmount.validation.verdicts import semantics as verdicts


def _plans(hosts: int = 2) -> dict[str, HostPlan]:
    plans = plan_inventory(valid().build())
    return dict(list(plans.items())[:hosts])


def _local(plans: dict[str, HostPlan], root: Path, shared: bool) -> dict[str, HostPlan]:
    """Each mount path replaced by a local one: links to one directory (shared) or a
    directory of its own (every mount a separate filesystem)."""
    (root / "fs").mkdir()
    out = {}
    for host, plan in plans.items():
        mounts = []
        for m in plan.mounts:
            path = root / f"{host}{m.path.replace('/', '_')}"
            if shared:
                path.symlink_to(root / "fs")
            else:
                path.mkdir()
            mounts.append(dataclasses.replace(m, path=str(path)))
        out[host] = dataclasses.replace(plan, mounts=tuple(mounts))
    return out


QUICK = semantics.Timing(lead_s=0.5, hold_s=1.0, try_held_s=0.5, try_free_s=1.5)


def _run(host: str, script: str) -> str:
    del host
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    return done.stdout


def test_pairs_scale_with_hosts_not_their_square() -> None:
    plans = plan_inventory(valid().build())
    hosts = list(plans)
    ids = semantics.pair_ids(plans, hosts, ".railmount", n_peers=1)
    k = len(plans[hosts[0]].mounts)
    # per host: new files from every mount, read by the other mounts and one peer's;
    # five more kinds from one mount each; a read-back through every mount; two locks.
    readers = (k - 1) + k
    per_host = k * readers + 5 * readers + k * k + 2 * 2 * readers
    assert len(ids) == len(hosts) * per_host
    writers = {p.writer.host for p in ids.values()}
    assert writers == set(hosts)
    for pair in ids.values():
        assert pair.writer != pair.reader or pair.kind == "readback"


def test_peers_are_a_ring_without_self() -> None:
    assert semantics.peers(["a", "b", "c"], 2) == {
        "a": ["b", "c"],
        "b": ["c", "a"],
        "c": ["a", "b"],
    }
    assert semantics.peers(["a", "b", "c", "d"], 1) == {
        "a": ["b"],
        "b": ["c"],
        "c": ["d"],
        "d": ["a"],
    }
    assert semantics.peers(["a"], 2) == {"a": []}


def test_one_filesystem_passes_every_pair(tmp_path: Path) -> None:
    plans = _local(_plans(), tmp_path, shared=True)
    hosts = list(plans)
    result = semantics.measure(_run, plans, hosts, ".railmount", 1.0, 1, 5.0, QUICK, deadline_s=3.0)
    assert set(result.pairs) == set(semantics.pair_ids(plans, hosts, ".railmount", 1))
    for pair in result.pairs.values():
        check = verdicts.judge(pair, plans[pair.reader.host], 1.0, result.deadline_s)
        assert check.passed, check.message
        assert check.check == f"semantics.{pair.kind}"
    # nothing left behind
    assert list((tmp_path / "fs" / ".railmount").iterdir()) == []


def test_separate_filesystems_fail_naming_the_pair(tmp_path: Path) -> None:
    plans = _local(_plans(), tmp_path, shared=False)
    hosts = list(plans)
    mounts = [m.path for plan in plans.values() for m in plan.mounts]

    def run(host: str, script: str) -> str:
        # the suite makes its directories through one mount; here every mount is its own
        # filesystem, so make them in all (what is tested is what each mount then sees)
        if script.startswith("mkdir -p -- "):
            script += " " + " ".join(
                d.replace(mounts[0], m, 1) for d in script.split()[3:] for m in mounts[1:]
            )
        return _run(host, script)

    result = semantics.measure(run, plans, hosts, ".railmount", 0.5, 1, 5.0, QUICK, deadline_s=1.0)
    new = [p for p in result.of("new_file")]
    assert new and all(p.delay_s is None for p in new)
    check = verdicts.judge(new[0], plans[new[0].reader.host], 0.5, result.deadline_s)
    assert not check.passed
    assert check.message.startswith(f"{new[0].writer.host} {new[0].writer} -> {new[0].reader}")
    assert "expected <= 0.5 s, actual not seen within 1 s" in check.message
    held = result.of("flock_held")
    # (the other mounts do not even have the holder's file: no attempt can be denied)
    assert held and not any(p.ok for p in held)
    # the read-back through the writer's own mount still works
    own = [p for p in result.of("readback") if p.writer == p.reader]
    assert own and all(p.delay_s is not None for p in own)


def _pair(kind: str, delay: float | None, **kw: object) -> Pair:
    return Pair(kind, Endpoint("a", "/mnt/nfs0"), Endpoint("b", "/mnt/nfs1"), delay, **kw)


def _plan_with(options: str) -> HostPlan:
    plan = list(_plans(3).values())[1]
    mounts = tuple(
        dataclasses.replace(m, path=f"/mnt/nfs{i}", options=options)
        for i, m in enumerate(plan.mounts)
    )
    return dataclasses.replace(plan, mounts=mounts)


def test_visibility_verdict_bounds() -> None:
    plan = _plan_with("vers=3,hard,lookupcache=positive,actimeo=1")
    assert verdicts.judge(_pair("new_file", 0.4), plan, 1.0, 5.0).passed
    failed = verdicts.judge(_pair("new_file", 1.2, error_s=0.01, earliest_s=1.15), plan, 1.0, 5.0)
    assert not failed.passed and failed.skipped is None
    assert failed.message == (
        "a a:/mnt/nfs0 -> b:/mnt/nfs1 new file read by name: expected <= 1 s, "
        "actual 1.200 s (+-0.010 s clock)"
    )
    # the reader last looked 0.3 s after the write and next saw it at 1.2 s: a busy host
    # cannot tell whether it was within 1 s; said so, neither passed nor failed
    unsure = verdicts.judge(_pair("new_file", 1.2, earliest_s=0.3), plan, 1.0, 5.0)
    assert not unsure.passed and unsure.skipped == (
        "new file read by name: between 0.300 and 1.200 s after the write (the reader's "
        "looks were that far apart: host too busy to tell against 1 s): not judged"
    )
    # a rename's old name waits for the directory's attributes (acdirmax: actimeo=1)
    assert verdicts.judge(_pair("rename", 1.6, earliest_s=1.5), plan, 1.0, 5.0).passed
    assert not verdicts.judge(_pair("rename", 2.5, earliest_s=2.4), plan, 1.0, 5.0).passed


def test_caching_defaults_leave_the_attribute_kinds_unjudged_within_the_deadline() -> None:
    # the client's own caching: acregmax 60 s; readers that gave up after 5 s cannot say
    plan = _plan_with("vers=3,hard")
    late = verdicts.judge(_pair("append", None), plan, 1.0, 5.0)
    assert late.skipped and "allows 61 s" in late.skipped
    assert not verdicts.judge(_pair("new_file", None), plan, 1.0, 5.0).passed


@pytest.mark.parametrize(
    ("options", "which", "window"),
    [
        ("vers=3,hard", "acregmax", 60.0),
        ("vers=3,actimeo=1", "acdirmax", 1.0),
        ("vers=3,actimeo=3,acdirmax=2", "acdirmax", 2.0),
        ("vers=3,noac", "acregmax", 0.0),
    ],
)
def test_attribute_window(options: str, which: str, window: float) -> None:
    plan = next(iter(_plans(1).values()))
    mount = dataclasses.replace(plan.mounts[0], options=options)
    plan = dataclasses.replace(plan, mounts=(mount,))
    assert verdicts.attribute_window(plan, mount.path, which) == window


def _lock(phase: str, held: dict, tried: dict) -> tuple[bool, str]:
    return semantics.judge_lock(phase, held, tried, 10.0, _pair(f"flock_{phase}", None))


def test_lock_judgement_on_one_clock() -> None:
    held = {"tried": 0.0, "granted": 0.1, "released": 3.1}
    assert _lock("held", held, {"tried": 1.5, "answered": 1.6, "denied": "EAGAIN"}) == (
        True,
        "denied (EAGAIN) while held",
    )
    assert _lock("held", held, {"tried": 1.5, "granted": 1.6}) == (False, "granted while held")
    ok, why = _lock("held", held, {"tried": 3.2, "answered": 3.3, "denied": "EAGAIN"})
    assert not ok and "timing slipped" in why
    assert _lock("free", held, {"tried": 4.5, "granted": 4.6})[0]
    assert _lock("free", held, {"tried": 4.5, "answered": 4.6, "denied": "EAGAIN"}) == (
        False,
        "denied (EAGAIN) after release",
    )
    ok, why = _lock("free", held, {"hung_s": 10.2})
    assert not ok and "did not return within 10 s on b:/mnt/nfs1" in why
    assert "rpc-statd" in why and "rpcinfo -p VIP" in why
