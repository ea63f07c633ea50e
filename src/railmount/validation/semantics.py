"""The semantics suite's measurements: do the per-VIP mounts behave as one filesystem?

Every mount of a host is its own NFS client of the same filesystem, with its own lookup,
attribute and page caches and its own lock path. This module plans rounds over the hosts
(each host paired with a few others, never N x N), runs railmount.validation.semantics_agent
on every host of a round at once and turns what the agents saw into one record per
(writer mount, reader mount) pair:

- visibility (one round): a new file, an in-place overwrite seen on reopen
  (close-to-open), an append's size and mtime seen by stat (N-012), a rename, an unlink,
  a new directory entry in a listing, and a 1 MiB write read back through every mount of
  the host with its content verified (N-006). Each reader looked the name up (read the
  data, the attributes, the listing) before the write, as a polling data loader does.
  Delay = the reader's first correct observation minus the writer's close, both moved onto
  the controller's clock (same host: one clock, exact; two hosts: +- the offsets' error).
- locks (one round): flock and POSIX exclusive locks held through one mount; every other
  mount of the host and every mount of its peers tries while it is held (must be denied)
  and after it is released (must be granted).

Files live under <mount>/<test_dir>/semantics-<run>/ and are removed at the end, also when
the run fails; every agent runs under `timeout -s KILL`, so no process or lock outlives it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railmount.planner import HostPlan
from railmount.validation import fleet
from railmount.validation.semantics_agent import seeded

Runner = Callable[[str, str], str]

VISIBILITY_KINDS = ("new_file", "overwrite", "append", "rename", "unlink", "listing", "readback")
LOCK_KINDS = ("flock", "posix")
READBACK_BYTES = 1 << 20
POLL_S = 0.01


@dataclass(frozen=True)
class Timing:
    """When things happen in a round, in seconds. The margins are wide because a lock's
    attempt is judged only if it fell inside (or after) the hold on the aligned clocks."""

    lead_s: float = 4.0  # every host's agent started (python3 on a busy host) before writes
    hold_s: float = 3.0  # how long the holder keeps its lock
    try_held_s: float = 1.5  # an attempt this long after the holder's start: inside the hold
    try_free_s: float = 4.5  # and this long after it: after the release


SETUP_BOUND_S = 60.0
AGENT_SLACK_S = 10.0  # python3 start-up and the answer on a busy host


class SemanticsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Endpoint:
    host: str
    mount: str  # mount path

    def __str__(self) -> str:
        return f"{self.host}:{self.mount}"


@dataclass
class Pair:
    """One observation: what `reader` saw of `writer`'s operation (or lock)."""

    kind: str
    writer: Endpoint
    reader: Endpoint
    delay_s: float | None = None  # None: not seen before the deadline
    error_s: float = 0.0  # clock error of the delay (0 on one host)
    detail: str = ""  # lock outcome, or why it could not be judged
    ok: bool | None = None  # locks: the outcome judged here; visibility: by the verdict

    @property
    def same_host(self) -> bool:
        return self.writer.host == self.reader.host

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "writer": str(self.writer),
            "reader": str(self.reader),
            "delay_s": None if self.delay_s is None else round(self.delay_s, 3),
            "error_s": round(self.error_s, 3),
            "detail": self.detail,
            "ok": self.ok,
        }


@dataclass
class SemanticsResult:
    pairs: dict[str, Pair] = field(default_factory=dict)  # by pair id (pair_ids())
    deadline_s: float = 0.0
    offsets: dict[str, float] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # per host: agent errors
    seconds: float = 0.0

    def of(self, kind: str) -> list[Pair]:
        return [p for p in self.pairs.values() if p.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "deadline_s": self.deadline_s,
            "seconds": round(self.seconds, 1),
            "errors": self.errors,
            "pairs": [p.to_json() for p in self.pairs.values()],
        }


def peers(hosts: Sequence[str], count: int) -> dict[str, list[str]]:
    """Each host's peers: the next `count` hosts around the ring (every host is a reader
    of `count` others and read by `count` others; hosts x count pairs, not N x N)."""
    n = len(hosts)
    k = min(count, n - 1)
    return {h: [hosts[(i + j) % n] for j in range(1, k + 1)] for i, h in enumerate(hosts)}


def deadline_for(max_visibility_s: float) -> float:
    """How long readers watch: long enough to measure a miss of the bound, not a minute
    of caching defaults."""
    return max(5.0, 5 * max_visibility_s)


@dataclass
class _Job:
    prepare: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)
    watch: list[dict[str, Any]] = field(default_factory=list)
    locks: list[dict[str, Any]] = field(default_factory=list)
    setup: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Plan:
    """Every host's job and, per watch/lock id, the pair it measures."""

    jobs: dict[str, _Job]
    pairs: dict[str, Pair]  # watch or lock-try id -> pair
    writes: dict[str, str]  # watch id -> the write id it waits for
    write_host: dict[str, str]  # write id -> host
    holders: dict[str, str]  # lock-try id -> the holder's lock id
    dirs: list[str]  # relative directories to create
    mount_of: dict[str, str]  # host -> its first mount path


def _readers(
    host: str, writer_mount: str, plans: dict[str, HostPlan], peer_hosts: list[str]
) -> list[Endpoint]:
    own = [Endpoint(host, m.path) for m in plans[host].mounts if m.path != writer_mount]
    return own + [Endpoint(p, m.path) for p in peer_hosts for m in plans[p].mounts]


def _token(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]


def pair_ids(
    plans: dict[str, HostPlan], hosts: Sequence[str], test_dir: str, n_peers: int
) -> dict[str, Pair]:
    """Every pair a run measures, by id (stable across runs: the suite's test ids)."""
    return plan_rounds(plans, hosts, test_dir, "ids", n_peers).pairs


def plan_rounds(
    plans: dict[str, HostPlan],
    hosts: Sequence[str],
    test_dir: str,
    run_id: str,
    n_peers: int,
    timing: Timing = Timing(),
) -> _Plan:
    """The visibility and lock jobs of every host (pure: unit-tested without hosts)."""
    jobs = {h: _Job() for h in hosts}
    pairs: dict[str, Pair] = {}
    waits: dict[str, str] = {}
    write_host: dict[str, str] = {}
    holders: dict[str, str] = {}
    base = f"{test_dir}/semantics-{run_id}"
    dirs = [base] + [f"{base}/{k}" for k in (*VISIBILITY_KINDS, "locks")]
    ring = peers(list(hosts), n_peers)

    def watch(kind: str, wid: str, w: Endpoint, r: Endpoint, item: dict[str, Any]) -> None:
        pid = f"{wid}>{r}"
        jobs[r.host].watch.append({"id": pid, "kind": item["kind"], **item})
        pairs[pid] = Pair(kind, w, r)
        waits[pid] = wid

    for h_index, host in enumerate(hosts):
        mounts = [m.path for m in plans[host].mounts]
        k = len(mounts)
        if not k:
            continue
        job = jobs[host]
        for kind_index, kind in enumerate(VISIBILITY_KINDS):
            # new files and read-backs through every mount; the others round-robin
            writers = range(k) if kind in ("new_file", "readback") else [(h_index + kind_index) % k]
            for i in writers:
                wm = mounts[i]
                w = Endpoint(host, wm)
                rel = f"{base}/{kind}/{host}-{i}"
                wid = f"{kind}:{host}:{i}"
                write_host[wid] = host
                token = _token(run_id, wid)
                if kind == "readback":
                    readers = [Endpoint(host, m) for m in mounts]  # the writer's own too
                else:
                    readers = _readers(host, wm, plans, ring[host])
                if kind == "new_file":
                    job.writes.append(
                        {"id": wid, "op": "create", "path": f"{wm}/{rel}", "data": token}
                    )
                    for r in readers:
                        jobs[r.host].prepare.append({"op": "lookup", "path": f"{r.mount}/{rel}"})
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {"kind": "content", "path": f"{r.mount}/{rel}", "expect": token},
                        )
                elif kind == "readback":
                    data = seeded(token, READBACK_BYTES)
                    job.writes.append(
                        {
                            "id": wid,
                            "op": "create",
                            "path": f"{wm}/{rel}",
                            "seed": token,
                            "size": READBACK_BYTES,
                        }
                    )
                    for r in readers:
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {
                                "kind": "content",
                                "path": f"{r.mount}/{rel}",
                                "sha256": hashlib.sha256(data).hexdigest(),
                                "direct": True,
                            },
                        )
                elif kind == "overwrite":
                    old = "0" * len(token)
                    job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": old})
                    job.writes.append(
                        {"id": wid, "op": "overwrite", "path": f"{wm}/{rel}", "data": token}
                    )
                    for r in readers:
                        jobs[r.host].prepare.append({"op": "read", "path": f"{r.mount}/{rel}"})
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {"kind": "content", "path": f"{r.mount}/{rel}", "expect": token},
                        )
                elif kind == "append":
                    first = "0" * len(token)
                    job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": first})
                    job.writes.append(
                        {
                            "id": wid,
                            "op": "append",
                            "path": f"{wm}/{rel}",
                            "data": token,
                            "report_mtime": True,
                        }
                    )
                    for r in readers:
                        jobs[r.host].prepare.append({"op": "stat", "path": f"{r.mount}/{rel}"})
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {"kind": "stat", "path": f"{r.mount}/{rel}", "size": 2 * len(token)},
                        )
                elif kind == "rename":
                    job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": token})
                    job.writes.append(
                        {
                            "id": wid,
                            "op": "rename",
                            "path": f"{wm}/{rel}",
                            "to": f"{wm}/{rel}.renamed",
                        }
                    )
                    for r in readers:
                        jobs[r.host].prepare += [
                            {"op": "read", "path": f"{r.mount}/{rel}"},
                            {"op": "lookup", "path": f"{r.mount}/{rel}.renamed"},
                        ]
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {
                                "kind": "renamed",
                                "path": f"{r.mount}/{rel}",
                                "to": f"{r.mount}/{rel}.renamed",
                                "expect": token,
                            },
                        )
                elif kind == "unlink":
                    job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": token})
                    job.writes.append({"id": wid, "op": "unlink", "path": f"{wm}/{rel}"})
                    for r in readers:
                        jobs[r.host].prepare.append({"op": "read", "path": f"{r.mount}/{rel}"})
                        watch(kind, wid, w, r, {"kind": "absent", "path": f"{r.mount}/{rel}"})
                elif kind == "listing":
                    job.setup.append({"op": "mkdir", "path": f"{wm}/{rel}"})
                    job.writes.append(
                        {"id": wid, "op": "create", "path": f"{wm}/{rel}/{token}", "data": token}
                    )
                    for r in readers:
                        jobs[r.host].prepare.append({"op": "list", "path": f"{r.mount}/{rel}"})
                        watch(
                            kind,
                            wid,
                            w,
                            r,
                            {"kind": "listed", "path": f"{r.mount}/{rel}", "expect": token},
                        )
        for kind_index, kind in enumerate(LOCK_KINDS):
            wm = mounts[(h_index + kind_index) % k]
            rel = f"{base}/locks/{host}-{kind}"
            hold = f"{kind}:{host}:hold"
            job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": ""})
            job.locks.append(
                {
                    "id": hold,
                    "role": "hold",
                    "kind": kind,
                    "path": f"{wm}/{rel}",
                    "at_s": 0.0,
                    "hold_s": timing.hold_s,
                }
            )
            for r in _readers(host, wm, plans, ring[host]):
                for phase, at in (("held", timing.try_held_s), ("free", timing.try_free_s)):
                    tid = f"{kind}:{host}:{phase}>{r}"
                    jobs[r.host].locks.append(
                        {
                            "id": tid,
                            "role": "try",
                            "kind": kind,
                            "path": f"{r.mount}/{rel}",
                            "at_s": at,
                        }
                    )
                    pairs[tid] = Pair(f"{kind}_{phase}", Endpoint(host, wm), r)
                    holders[tid] = hold
    first_mounts = {h: plans[h].mounts[0].path for h in hosts if plans[h].mounts}
    return _Plan(jobs, pairs, waits, write_host, holders, dirs, first_mounts)


def agent_command(job: dict[str, Any], bound_s: float) -> str:
    """The shell command that runs the agent with `job`, killed after bound_s."""
    source = Path(__file__).with_name("semantics_agent.py").read_bytes()
    code = base64.b64encode(source).decode()
    loader = (
        "import base64,sys;"
        "exec(compile(base64.b64decode(sys.argv[1]),'railmount-semantics','exec'))"
    )
    return (
        f"timeout -s KILL {int(bound_s) + 1} python3 -c {shlex.quote(loader)} {code} "
        f"{shlex.quote(json.dumps(job, separators=(',', ':')))}"
    )


def _run_agents(
    run: Runner, hosts: Sequence[str], jobs: dict[str, dict[str, Any]], bound_s: float
) -> dict[str, dict[str, Any]]:
    def one(host: str) -> dict[str, Any]:
        out = run(host, agent_command(jobs[host], bound_s))
        line = out.strip().splitlines()[-1] if out.strip() else ""
        try:
            data = json.loads(line)
        except ValueError:
            return {"written": {}, "seen": {}, "locks": {}, "errors": [f"agent: {out[-300:]}"]}
        return data  # type: ignore[no-any-return]

    return fleet.on_all(hosts, one)


def measure(
    run: Runner,
    plans: dict[str, HostPlan],
    hosts: Sequence[str],
    test_dir: str,
    max_visibility_s: float,
    n_peers: int,
    lock_timeout_s: float,
    timing: Timing = Timing(),
    deadline_s: float | None = None,
) -> SemanticsResult:
    """Both rounds on every host; files removed afterwards whatever happens."""
    t0 = time.monotonic()
    run_id = uuid.uuid4().hex[:10]
    plan = plan_rounds(plans, hosts, test_dir, run_id, n_peers, timing)
    active = [h for h in hosts if plans[h].mounts]
    first = next((h for h in active), None)
    result = SemanticsResult(deadline_s=deadline_s or deadline_for(max_visibility_s))
    if first is None:
        return result
    root = f"{plans[first].mounts[0].path}/{test_dir}/semantics-{run_id}"
    try:
        _setup(run, plan, first)
        clock = fleet.clocks(run, active)
        result.offsets = {h: round(c[0], 4) for h, c in clock.items()}
        _visibility_round(run, plan, active, result, clock, timing)
        _lock_round(run, plan, active, result, clock, timing, lock_timeout_s)
    finally:
        run(first, f"rm -rf -- {shlex.quote(root)}")
    result.seconds = time.monotonic() - t0
    return result


def _setup(run: Runner, plan: _Plan, first: str) -> None:
    """Directories through the first host's first mount, then each host's initial files
    through its writer mounts, so that readers find them before the rounds start."""
    root = plan_root(plan, first)
    run(first, "mkdir -p -- " + " ".join(shlex.quote(f"{root}/{d}") for d in plan.dirs))
    jobs = {
        h: {
            "start_at": 0.0,
            "writes": [{**w, "id": f"setup{i}"} for i, w in enumerate(j.setup)],
            "deadline_s": 0.0,
        }
        for h, j in plan.jobs.items()
        if j.setup
    }
    out = _run_agents(run, list(jobs), jobs, SETUP_BOUND_S)
    problems = [f"{h}: {e}" for h, o in out.items() for e in o.get("errors", [])]
    if problems:
        raise SemanticsError("could not create the test files: " + "; ".join(problems[:5]))


def plan_root(plan: _Plan, host: str) -> str:
    """The first mount of `host`: where the directories are made and removed."""
    return plan.mount_of[host]


def _round(
    run: Runner,
    plan: _Plan,
    hosts: Sequence[str],
    offsets: dict[str, float],
    job_of: Callable[[_Job], dict[str, Any]],
    lead_s: float,
    bound_s: float,
) -> dict[str, dict[str, Any]]:
    """Every host's part of a round at once; writes begin at the same controller moment."""
    at = time.time() + lead_s
    jobs = {h: {**job_of(plan.jobs[h]), "start_at": at + offsets[h]} for h in hosts}
    return _run_agents(run, hosts, jobs, lead_s + bound_s)


def _visibility_round(
    run: Runner,
    plan: _Plan,
    hosts: Sequence[str],
    result: SemanticsResult,
    clock: dict[str, tuple[float, float]],
    timing: Timing,
) -> None:
    offsets = {h: c[0] for h, c in clock.items()}
    out = _round(
        run,
        plan,
        hosts,
        offsets,
        lambda j: {
            "prepare": j.prepare,
            "writes": j.writes,
            "watch": j.watch,
            "deadline_s": result.deadline_s,
            "poll_s": POLL_S,
        },
        timing.lead_s,
        result.deadline_s + AGENT_SLACK_S,
    )
    written = {
        wid: (t - offsets[h], out[h].get("mtimes", {}).get(wid))
        for h in hosts
        for wid, t in out[h].get("written", {}).items()
    }
    for h in hosts:
        if out[h].get("errors"):
            result.errors[h] = out[h]["errors"]
    for pid, pair in plan.pairs.items():
        if pid not in plan.writes:
            continue  # a lock attempt
        reader = pair.reader.host
        wrote = written.get(plan.writes[pid])
        seen = out.get(reader, {}).get("seen", {}).get(pid)
        if wrote is None:
            pair.detail = "the write failed: " + "; ".join(result.errors.get(pair.writer.host, []))
        elif seen is not None:
            pair.delay_s = max(0.0, seen - offsets[reader] - wrote[0])
            pair.error_s = 0.0 if pair.same_host else clock[reader][1] + clock[pair.writer.host][1]
            mtime = out[reader].get("mtimes", {}).get(pid)
            if pair.kind == "append" and wrote[1] is not None and mtime != wrote[1]:
                pair.delay_s = None
                pair.detail = f"mtime {mtime} differs from the writer's {wrote[1]}"
        result.pairs[pid] = pair


def _lock_round(
    run: Runner,
    plan: _Plan,
    hosts: Sequence[str],
    result: SemanticsResult,
    clock: dict[str, tuple[float, float]],
    timing: Timing,
    lock_timeout_s: float,
) -> None:
    offsets = {h: c[0] for h, c in clock.items()}
    out = _round(
        run,
        plan,
        hosts,
        offsets,
        lambda j: {"locks": j.locks, "lock_timeout_s": lock_timeout_s, "deadline_s": 0.0},
        timing.lead_s,
        timing.try_free_s + 2 * lock_timeout_s + AGENT_SLACK_S,
    )

    def outcome(host: str, lock_id: str) -> dict[str, Any]:
        got = out.get(host, {}).get("locks", {}).get(lock_id) or {"error": "no answer"}
        return {
            k: v - offsets[host] if isinstance(v, float) and k != "hung_s" else v
            for k, v in got.items()
        }

    for tid, holder_id in plan.holders.items():
        pair = plan.pairs[tid]
        held = outcome(pair.writer.host, holder_id)
        tried = outcome(pair.reader.host, tid)
        pair.ok, pair.detail = judge_lock(
            pair.kind.rsplit("_", 1)[1], held, tried, lock_timeout_s, pair
        )
        result.pairs[tid] = pair


def judge_lock(
    phase: str, held: dict[str, Any], tried: dict[str, Any], timeout_s: float, pair: Pair
) -> tuple[bool, str]:
    """(ok, what happened) for one attempt against the holder's lock, on one clock."""
    where = f"{pair.reader} (lock held through {pair.writer})"
    for side, got in (("holder", held), ("attempt", tried)):
        if "hung_s" in got:
            return False, (
                f"{side} lock request did not return within {timeout_s:g} s on "
                f"{pair.writer if side == 'holder' else pair.reader}: look at rpc-statd on "
                "the host (systemctl status rpc-statd), NLM on the array (rpcinfo -p VIP "
                "| grep nlockmgr) and firewalls between them (portmapper 111, NLM, statd)"
            )
        if "error" in got:
            return False, f"{side}: {got['error']}"
    if "granted" not in held:
        return False, f"the holder was refused: {held.get('denied')} ({where})"
    start, end = held["granted"], held.get("released", held["granted"])
    t0, t1 = tried["tried"], tried.get("granted", tried.get("answered", tried["tried"]))
    if phase == "held":
        if not (start <= t0 and t1 <= end):
            return False, f"the attempt fell outside the hold (timing slipped; {where})"
        if "granted" in tried:
            return False, "granted while held"
        return True, f"denied ({tried.get('denied')}) while held"
    if t0 < end:
        return False, f"the attempt came before the release (timing slipped; {where})"
    if "granted" not in tried:
        return False, f"denied ({tried.get('denied')}) after release"
    return True, "granted after release"
