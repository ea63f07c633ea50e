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
import dataclasses
import hashlib
import json
import shlex
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railmount.planner import HostPlan
from railmount.validation import fleet
from railmount.validation.semantics_agent import seeded, sleep_until

Runner = Callable[[str, str], str]

VISIBILITY_KINDS = ("new_file", "overwrite", "append", "rename", "unlink", "listing", "readback")
LOCK_KINDS = ("flock", "posix")
LOCK_PHASES = tuple(f"{k}_{p}" for k in LOCK_KINDS for p in ("held", "free"))
READBACK_BYTES = 1 << 20
READBACK_DEADLINE_S = 30.0  # a read-back is judged on its content; its time is reported
POLL_S = 0.01


@dataclass(frozen=True)
class Timing:
    """When things happen in a round, in seconds. The margins are wide because a lock's
    attempt is judged only if it fell inside (or after) the hold on the aligned clocks."""

    lead_s: float = 4.0  # every host's agent started (python3 on a busy host) before writes
    hold_s: float = 8.0  # how long the holder keeps its lock (NLM answers can take seconds)
    try_held_s: float = 2.0  # an attempt this long after the holder's start: inside the hold
    try_free_s: float = 10.0  # and this long after it: after the release


SETUP_BOUND_S = 60.0
MAX_LEAD_S = 30.0
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
    earliest_s: float = 0.0  # the reader's last look before it saw the change (a busy host
    # looks seldom: the change came between earliest_s and delay_s after the write)
    error_s: float = 0.0  # clock error of the delay (0 on one host)
    detail: str = ""  # lock outcome, or why it failed
    ok: bool | None = None  # locks: the outcome judged here; visibility: by the verdict
    unjudged: str = ""  # why the measurement says nothing (a host too busy to keep time)

    @property
    def same_host(self) -> bool:
        return self.writer.host == self.reader.host

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "writer": str(self.writer),
            "reader": str(self.reader),
            "delay_s": None if self.delay_s is None else round(self.delay_s, 3),
            "earliest_s": round(self.earliest_s, 3),
            "error_s": round(self.error_s, 3),
            "detail": self.detail,
            "ok": self.ok,
            "unjudged": self.unjudged,
        }


@dataclass
class SemanticsResult:
    pairs: dict[str, Pair] = field(default_factory=dict)  # by pair id (pair_ids())
    deadline_s: float = 0.0
    lead_s: float = 0.0  # how long before a round's writes its agents were started
    offsets: dict[str, float] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # per host: agent errors
    seconds: float = 0.0

    def of(self, kind: str) -> list[Pair]:
        return [p for p in self.pairs.values() if p.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "deadline_s": self.deadline_s,
            "lead_s": self.lead_s,
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
class _Watch:
    """One round of writes and what readers watch for."""

    prepare: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)
    watch: list[dict[str, Any]] = field(default_factory=list)
    after_writes: bool = False  # readers start once the host's writes are done

    def job(self, deadline_s: float) -> dict[str, Any]:
        return {
            "prepare": self.prepare,
            "writes": self.writes,
            "watch": self.watch,
            "deadline_s": deadline_s,
            "poll_s": POLL_S,
            "watch_after_writes": self.after_writes,
        }


@dataclass
class _Job:
    """A host's part of every round."""

    setup: list[dict[str, Any]] = field(default_factory=list)
    visibility: _Watch = field(default_factory=_Watch)
    readback: _Watch = field(default_factory=lambda: _Watch(after_writes=True))
    locks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Plan:
    """Every host's job and, per watch/lock id, the pair it measures."""

    jobs: dict[str, _Job]
    pairs: dict[str, Pair]  # watch or lock-try id -> pair
    writes: dict[str, str]  # watch id -> the write id it waits for
    holders: dict[str, str]  # lock-try id -> the holder's lock id
    dirs: list[str]  # relative directories to create
    mount_of: dict[str, str]  # host -> its first mount path


def _readers(
    host: str, writer_mount: str, plans: dict[str, HostPlan], peer_hosts: list[str]
) -> list[Endpoint]:
    own = [Endpoint(host, m.path) for m in plans[host].mounts if m.path != writer_mount]
    return own + [Endpoint(p, m.path) for p in peer_hosts for m in plans[p].mounts]


def _lock_jobs(
    jobs: dict[str, _Job],
    kind: str,
    holder: Endpoint,
    rel: str,
    readers: Sequence[Endpoint],
    hold_s: float,
    tries: Sequence[tuple[str, float]],
    prefix: str,
) -> dict[str, tuple[Pair, str]]:
    """The holder's lock on <mount>/rel and every reader's attempts at it; per attempt id,
    (the pair it measures, the holder's lock id)."""
    hold = f"{prefix}:hold"
    jobs[holder.host].locks.append(
        {
            "id": hold,
            "role": "hold",
            "kind": kind,
            "path": f"{holder.mount}/{rel}",
            "at_s": 0.0,
            "hold_s": hold_s,
        }
    )
    out = {}
    for r in readers:
        for phase, at in tries:
            tid = f"{prefix}:{phase}>{r}"
            jobs[r.host].locks.append(
                {
                    "id": tid,
                    "role": "try",
                    "kind": kind,
                    "path": f"{r.mount}/{rel}",
                    "at_s": at,
                    "wait": phase == "free",
                }
            )
            out[tid] = (Pair(f"{kind}_{phase}", holder, r), hold)
    return out


def _token(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]


def pair_ids(
    plans: dict[str, HostPlan], hosts: Sequence[str], test_dir: str, n_peers: int
) -> dict[str, Pair]:
    """Every pair a run measures, by id (stable across runs: the suite's test ids)."""
    return plan_rounds(plans, hosts, test_dir, "ids", n_peers).pairs


def _kind_steps(
    kind: str, wm: str, rel: str, token: str
) -> tuple[
    list[dict[str, Any]],
    dict[str, Any],
    Callable[[str], list[dict[str, Any]]],
    Callable[[str], dict[str, Any]],
]:
    """One visibility kind in the writer's own directory `rel`: (setup through the writer
    mount, the write, a reader's preparation and its watch, both given the reader's mount).
    Each writer has a directory of its own, so no reader touches it but by reading."""
    f = f"{rel}/f"
    setup: list[dict[str, Any]] = [{"op": "mkdir", "path": f"{wm}/{rel}"}]
    if kind == "new_file":
        write = {"op": "create", "path": f"{wm}/{f}", "data": token}
        return (
            setup,
            write,
            lambda m: [{"op": "lookup", "path": f"{m}/{f}"}],
            lambda m: {"kind": "content", "path": f"{m}/{f}", "expect": token},
        )
    if kind == "overwrite":  # in place, same size: only the content says it changed
        setup.append({"op": "create", "path": f"{wm}/{f}", "data": "0" * len(token)})
        write = {"op": "overwrite", "path": f"{wm}/{f}", "data": token}
        return (
            setup,
            write,
            lambda m: [{"op": "read", "path": f"{m}/{f}"}],
            lambda m: {"kind": "content", "path": f"{m}/{f}", "expect": token},
        )
    if kind == "append":
        setup.append({"op": "create", "path": f"{wm}/{f}", "data": "0" * len(token)})
        write = {"op": "append", "path": f"{wm}/{f}", "data": token, "report_mtime": True}
        return (
            setup,
            write,
            lambda m: [{"op": "stat", "path": f"{m}/{f}"}],
            lambda m: {"kind": "stat", "path": f"{m}/{f}", "size": 2 * len(token)},
        )
    if kind == "rename":
        setup.append({"op": "create", "path": f"{wm}/{f}", "data": token})
        write = {"op": "rename", "path": f"{wm}/{f}", "to": f"{wm}/{f}.renamed"}
        return (
            setup,
            write,
            lambda m: [
                {"op": "read", "path": f"{m}/{f}"},
                {"op": "lookup", "path": f"{m}/{f}.renamed"},
            ],
            lambda m: {
                "kind": "renamed",
                "path": f"{m}/{f}",
                "to": f"{m}/{f}.renamed",
                "expect": token,
            },
        )
    if kind == "unlink":
        setup.append({"op": "create", "path": f"{wm}/{f}", "data": token})
        write = {"op": "unlink", "path": f"{wm}/{f}"}
        return (
            setup,
            write,
            lambda m: [{"op": "read", "path": f"{m}/{f}"}],
            lambda m: {"kind": "absent", "path": f"{m}/{f}"},
        )
    if kind == "listing":
        write = {"op": "create", "path": f"{wm}/{rel}/{token}", "data": token}
        return (
            setup,
            write,
            lambda m: [{"op": "list", "path": f"{m}/{rel}"}],
            lambda m: {"kind": "listed", "path": f"{m}/{rel}", "expect": token},
        )
    if kind == "readback":
        write = {"op": "create", "path": f"{wm}/{f}", "seed": token, "size": READBACK_BYTES}
        digest = hashlib.sha256(seeded(token, READBACK_BYTES)).hexdigest()
        return (
            setup,
            write,
            lambda m: [],
            lambda m: {"kind": "content", "path": f"{m}/{f}", "sha256": digest},
        )
    raise ValueError(kind)


def plan_rounds(
    plans: dict[str, HostPlan],
    hosts: Sequence[str],
    test_dir: str,
    run_id: str,
    n_peers: int,
    timing: Timing = Timing(),
) -> _Plan:
    """Every host's jobs for the visibility, read-back and lock rounds (pure: unit-tested
    without hosts). New files and read-backs go through every mount of a host; the other
    kinds and the locks round-robin over its mounts."""
    jobs = {h: _Job() for h in hosts}
    pairs: dict[str, Pair] = {}
    waits: dict[str, str] = {}
    holders: dict[str, str] = {}
    base = f"{test_dir}/semantics-{run_id}"
    dirs = [base] + [f"{base}/{k}" for k in (*VISIBILITY_KINDS, "locks")]
    ring = peers(list(hosts), n_peers)
    for h_index, host in enumerate(hosts):
        mounts = [m.path for m in plans[host].mounts]
        k = len(mounts)
        if not k:
            continue
        job = jobs[host]
        for kind_index, kind in enumerate(VISIBILITY_KINDS):
            every = kind in ("new_file", "readback")
            for i in range(k) if every else [(h_index + kind_index) % k]:
                wm, wid = mounts[i], f"{kind}:{host}:{i}"
                setup, write, prepare, watch = _kind_steps(
                    kind, wm, f"{base}/{kind}/{host}-{i}", _token(run_id, wid)
                )
                job.setup += setup
                round_ = job.readback if kind == "readback" else job.visibility
                round_.writes.append({"id": wid, **write})
                readers = (
                    [Endpoint(host, m) for m in mounts]  # the writer's own mount too
                    if kind == "readback"
                    else _readers(host, wm, plans, ring[host])
                )
                for r in readers:
                    target = (
                        jobs[r.host].readback if kind == "readback" else jobs[r.host].visibility
                    )
                    pid = f"{wid}>{r}"
                    target.prepare += prepare(r.mount)
                    target.watch.append({"id": pid, "group": r.mount, **watch(r.mount)})
                    pairs[pid] = Pair(kind, Endpoint(host, wm), r)
                    waits[pid] = wid
        for kind_index, kind in enumerate(LOCK_KINDS):
            wm = mounts[(h_index + kind_index) % k]
            rel = f"{base}/locks/{host}-{kind}"
            job.setup.append({"op": "create", "path": f"{wm}/{rel}", "data": ""})
            tries = (("held", timing.try_held_s), ("free", timing.try_free_s))
            readers = _readers(host, wm, plans, ring[host])
            for tid, (pair, hold) in _lock_jobs(
                jobs, kind, Endpoint(host, wm), rel, readers, timing.hold_s, tries, f"{kind}:{host}"
            ).items():
                pairs[tid] = pair
                holders[tid] = hold
    first_mounts = {h: plans[h].mounts[0].path for h in hosts if plans[h].mounts}
    return _Plan(jobs, pairs, waits, holders, dirs, first_mounts)


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
        began = time.monotonic()
        _setup(run, plan, first)
        # A round starts once every host's agent is running and prepared: about what the
        # set-up (an agent on every host, much the same work) took, within reason; a reader
        # still not ready is reported as such (Pair.unjudged), never judged.
        lead = min(MAX_LEAD_S, max(timing.lead_s, time.monotonic() - began))
        timing = dataclasses.replace(timing, lead_s=lead)
        result.lead_s = round(lead, 1)
        clock = fleet.clocks(run, active)
        result.offsets = {h: round(c[0], 4) for h, c in clock.items()}
        _watch_round(run, plan, active, result, clock, timing, lambda j: j.visibility)
        _watch_round(
            run, plan, active, result, clock, timing, lambda j: j.readback, READBACK_DEADLINE_S
        )
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


def _watch_round(
    run: Runner,
    plan: _Plan,
    hosts: Sequence[str],
    result: SemanticsResult,
    clock: dict[str, tuple[float, float]],
    timing: Timing,
    part: Callable[[_Job], _Watch],
    deadline_s: float | None = None,
) -> None:
    """A round of writes and watchers; each of its pairs gets its delay on one clock."""
    offsets = {h: c[0] for h, c in clock.items()}
    deadline = max(result.deadline_s, deadline_s or 0.0)
    out = _round(
        run,
        plan,
        hosts,
        offsets,
        lambda j: part(j).job(deadline),
        timing.lead_s,
        deadline + AGENT_SLACK_S,
    )
    written = {
        wid: (t - offsets[h], out[h].get("mtimes", {}).get(wid))
        for h in hosts
        for wid, t in out[h].get("written", {}).items()
    }
    ready = {h: out[h].get("prepared", 0.0) - offsets[h] for h in hosts}
    for h in hosts:
        if out[h].get("errors"):
            result.errors.setdefault(h, []).extend(out[h]["errors"])
    ours = {w["id"] for h in hosts for w in part(plan.jobs[h]).watch}
    for pid in ours:
        pair = plan.pairs[pid]
        reader = pair.reader.host
        wrote = written.get(plan.writes[pid])
        seen = out.get(reader, {}).get("seen", {}).get(pid)
        if wrote is None:
            pair.detail = "the write failed: " + "; ".join(result.errors.get(pair.writer.host, []))
        elif ready[reader] > wrote[0]:
            pair.unjudged = (
                f"{reader} finished looking the names up {ready[reader] - wrote[0]:.1f} s after "
                "the write (host too busy to keep the round's time): not judged"
            )
        elif seen is not None:
            pair.delay_s = max(0.0, seen - offsets[reader] - wrote[0])
            missed = out[reader].get("missed", {}).get(pid)
            pair.earliest_s = (
                min(pair.delay_s, max(0.0, missed - offsets[reader] - wrote[0]))
                if missed is not None
                else 0.0
            )
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

    for tid, holder_id in plan.holders.items():
        pair = plan.pairs[tid]
        held = _lock_outcome(out, offsets, pair.writer.host, holder_id)
        tried = _lock_outcome(out, offsets, pair.reader.host, tid)
        _set_lock(pair, judge_lock(pair.kind.rsplit("_", 1)[1], held, tried, lock_timeout_s, pair))
        result.pairs[tid] = pair


def judge_lock(
    phase: str, held: dict[str, Any], tried: dict[str, Any], timeout_s: float, pair: Pair
) -> tuple[bool | None, str]:
    """(ok, what happened) for one attempt against the holder's lock, on one clock; ok is
    None where the timing slipped (a busy host) and the attempt proves nothing.

    The server decides somewhere between an attempt's send and its answer, so: a denial
    counts as "excluded while held" if it was sent while the holder held the lock; a grant
    counts against exclusion only if the whole attempt lay inside the hold; "granted after
    release" needs the answer after the release; anything else is a slipped timing."""
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
    sent, answered = tried["tried"], tried.get("granted", tried.get("answered", tried["tried"]))
    denied = tried.get("denied")
    if phase == "held":
        if denied and start <= sent < end:
            return True, f"denied ({denied}) while held"
        if not denied and start <= sent and answered <= end:
            return False, "granted while held"
        return None, f"the attempt fell outside the hold (timing slipped; {where}): not judged"
    if not denied and answered >= end:
        return True, "granted after release"
    if denied and sent >= end:
        return False, f"denied ({denied}) after release"
    return None, f"the attempt came before the release (timing slipped; {where}): not judged"


@dataclass(frozen=True)
class FailoverTiming:
    """The lock-through-failover round: the holder's port goes down while it holds."""

    lead_s: float = 4.0
    down_at_s: float = 2.0  # after the holder took its lock
    up_at_s: float = 14.0  # the port back (the attempts below fall inside the outage)
    try_held_s: float = 8.0  # contenders try while the holder's port is down
    hold_s: float = 18.0  # the holder releases after the port is back
    try_free_s: float = 21.0


def failover_plan(
    plans: dict[str, HostPlan],
    holder: str,
    contenders: Sequence[str],
    rel: str,
    timing: FailoverTiming = FailoverTiming(),
) -> tuple[dict[str, _Job], dict[str, tuple[Pair, str]]]:
    """Jobs and pairs of the failover round (pure; its ids are the suite's test ids)."""
    mount = plans[holder].mounts[0].path
    jobs = {h: _Job() for h in (holder, *contenders)}
    tries = (("held", timing.try_held_s), ("free", timing.try_free_s))
    readers = _readers(holder, mount, plans, list(contenders))
    pairs: dict[str, tuple[Pair, str]] = {}
    for kind in LOCK_KINDS:
        holder_end = Endpoint(holder, mount)
        rel_kind = f"{rel}/failover-{kind}"
        pairs.update(
            _lock_jobs(jobs, kind, holder_end, rel_kind, readers, timing.hold_s, tries, kind)
        )
    return jobs, pairs


def failover_locks(
    run: Runner,
    plans: dict[str, HostPlan],
    holder: str,
    contenders: Sequence[str],
    test_dir: str,
    port_down: Callable[[], Any],
    port_up: Callable[[], Any],
    lock_timeout_s: float,
    timing: FailoverTiming = FailoverTiming(),
) -> dict[str, Pair]:
    """flock and POSIX locks held through the holder's first mount while that mount's port
    is down: every other mount of the holder and every mount of the contenders must still
    be denied, and granted once the holder lets go. The port comes back whatever happens."""
    rel = f"{test_dir}/semantics-{uuid.uuid4().hex[:10]}"
    jobs, pairs = failover_plan(plans, holder, contenders, rel, timing)
    hosts = list(jobs)
    root = f"{plans[holder].mounts[0].path}/{rel}"
    files = " ".join(shlex.quote(f"{root}/failover-{k}") for k in LOCK_KINDS)
    run(holder, f"mkdir -p -- {shlex.quote(root)} && touch -- {files}")
    try:
        offsets = {h: c[0] for h, c in fleet.clocks(run, hosts).items()}
        at = time.time() + timing.lead_s
        runs = {
            h: {
                "locks": jobs[h].locks,
                "start_at": at + offsets[h],
                "lock_timeout_s": lock_timeout_s,
                "deadline_s": 0.0,
            }
            for h in hosts
        }
        bound = timing.lead_s + timing.try_free_s + 2 * lock_timeout_s + AGENT_SLACK_S
        with ThreadPoolExecutor(max_workers=1) as pool:
            agents = pool.submit(_run_agents, run, hosts, runs, bound)
            try:
                sleep_until(at + timing.down_at_s)
                port_down()
                sleep_until(at + timing.up_at_s)
            finally:
                port_up()
            out = agents.result()
    finally:
        run(holder, f"rm -rf -- {shlex.quote(root)}")
    for tid, (pair, hold) in pairs.items():
        held = _lock_outcome(out, offsets, holder, hold)
        tried = _lock_outcome(out, offsets, pair.reader.host, tid)
        _set_lock(pair, judge_lock(pair.kind.rsplit("_", 1)[1], held, tried, lock_timeout_s, pair))
    return {tid: pair for tid, (pair, _) in pairs.items()}


def _set_lock(pair: Pair, verdict: tuple[bool | None, str]) -> None:
    pair.ok, pair.detail = verdict
    if pair.ok is None:
        pair.unjudged = pair.detail


def _lock_outcome(
    out: dict[str, dict[str, Any]], offsets: dict[str, float], host: str, lock_id: str
) -> dict[str, Any]:
    """An agent's report of one lock, its times moved onto the controller's clock."""
    got = out.get(host, {}).get("locks", {}).get(lock_id) or {"error": "no answer"}
    return {
        k: v - offsets[host] if isinstance(v, float) and k != "hung_s" else v
        for k, v in got.items()
    }
