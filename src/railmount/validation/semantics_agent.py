"""Runs on a storage client (python3, stdlib only): one round of the semantics suite.

The controller ships this file's source with a JSON job (railmount.validation.semantics
builds both) and runs it on every host of the round at once under `timeout -s KILL`, so
nothing it starts can outlive the bound. Times are this host's wall clock (time.time());
the controller moves them onto its own clock with the measured offsets.

A job:
    start_at   host clock: when writes begin (after every host's preparation)
    prepare    [{"op": "lookup"|"read"|"stat"|"list", "path"}]: done before start_at, so a
               reader has looked the name up (or cached the data, the attributes, the
               listing) as a polling data loader would have
    writes     [{"id", "op": "create"|"overwrite"|"append"|"rename"|"unlink", "path",
               "data", "to", "after_s"}]: done at start_at + after_s, time taken after close
    watch      [{"id", "group", "kind": "content"|"stat"|"absent"|"listed"|"renamed",
               "path", "expect", "sha256", "size", "to"}]: polled until true or until the
               deadline, a few items per thread (grouped by reader mount)
    locks      [{"id", "role": "hold"|"try", "kind": "flock"|"posix", "path", "at_s",
               "hold_s"}]: each in a child process of its own (a lock's owner is a process:
               two attempts from one process would not conflict), bounded by lock_timeout_s
    deadline_s seconds after start_at that watching may go on
    poll_s     seconds between polls

It prints one JSON object: {"prepared": t, "written": {id: t}, "seen": {id: t | null},
"missed": {id: t}, "mtimes": {id: ns}, "locks": {id: {...}}, "errors": [...]}: an item
became true after its last missed look began and before it was seen.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import signal
import sys
import threading
import time
from typing import Any

WATCH_CHUNK = 4  # watched items per polling thread


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _prepare(step: dict[str, Any]) -> None:
    path, op = step["path"], step["op"]
    try:
        if op == "lookup" or op == "stat":
            os.stat(path)
        elif op == "read":
            _read(path)
        elif op == "list":
            os.listdir(path)
    except OSError:
        pass  # a lookup of a name that does not exist yet is the point


def seeded(seed: str, size: int) -> bytes:
    """Content from a seed (railmount.validation.semantics has the controller's copy)."""
    block = hashlib.sha256(seed.encode()).hexdigest().encode()
    return (block * (size // len(block) + 1))[:size]


def _write(step: dict[str, Any]) -> None:
    op, path = step["op"], step["path"]
    if op == "mkdir":
        os.mkdir(path)
    elif op == "create" and "seed" in step:
        with open(path, "xb") as handle:
            handle.write(seeded(step["seed"], step["size"]))
    elif op == "create":
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(step["data"])
    elif op == "overwrite":
        # In place, same size: a reader must not get away with comparing sizes.
        with open(path, "r+", encoding="utf-8") as handle:
            handle.write(step["data"])
    elif op == "append":
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(step["data"])
    elif op == "rename":
        os.rename(path, step["to"])
    elif op == "unlink":
        os.unlink(path)
    else:
        raise ValueError(f"unknown write op {op!r}")


def _digest(path: str) -> str | None:
    """sha256 of the file as the server has it: the page cache dropped first."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        return h.hexdigest()
    finally:
        os.close(fd)


def _seen(item: dict[str, Any], mtimes: dict[str, int]) -> bool:
    kind, path = item["kind"], item["path"]
    if kind == "content" and "sha256" in item:
        return _digest(path) == item["sha256"]
    if kind == "content":
        return _read(path) == item["expect"]
    if kind == "stat":
        try:
            st = os.stat(path)  # attributes only: no open, so no close-to-open revalidation
        except OSError:
            return False
        if st.st_size != item["size"]:
            return False
        mtimes[item["id"]] = st.st_mtime_ns
        return True
    if kind == "absent":
        return _read(path) is None and not os.path.exists(path)
    if kind == "listed":
        try:
            return item["expect"] in os.listdir(path)
        except OSError:
            return False
    if kind == "renamed":
        return not os.path.exists(path) and _read(item["to"]) == item["expect"]
    raise ValueError(f"unknown watch kind {kind!r}")


def _lock_child(lock: dict[str, Any], start_at: float, lock_timeout_s: float, pipe_w: int) -> None:
    """In a forked child: wait for the lock's moment, try or hold, report, exit."""
    out: dict[str, Any] = {}
    try:
        sleep_until(start_at + lock["at_s"])
        fd = os.open(lock["path"], os.O_RDWR)
        out["tried"] = time.time()
        # The holder takes a free lock. An attempt after the release ("wait") tries again
        # while the other attempts of that moment hold it for an instant, until its bound:
        # non-blocking each time, since a blocked NLM request is granted by the array
        # calling the client back by its hostname, which the lab's array cannot resolve.
        flags = fcntl.LOCK_EX | fcntl.LOCK_NB
        give_up = time.time() + (lock_timeout_s - 1.0 if lock.get("wait") else 0.0)
        take = fcntl.flock if lock["kind"] == "flock" else fcntl.lockf
        while True:
            try:
                take(fd, flags if lock["role"] == "try" else fcntl.LOCK_EX)
                out["granted"] = time.time()
                break
            except OSError as err:
                if err.errno in (errno.EAGAIN, errno.EACCES) and time.time() < give_up:
                    time.sleep(0.05)
                    continue
                out["answered"] = time.time()
                out["denied"] = errno.errorcode.get(err.errno or 0, str(err.errno))
                break
        if "granted" in out:
            if lock["role"] == "hold":
                sleep_until(out["granted"] + lock["hold_s"])
            # Unlock before close: the release time is when the server was told.
            if lock["kind"] == "flock":
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                fcntl.lockf(fd, fcntl.LOCK_UN)
            out["released"] = time.time()
        os.close(fd)
    except Exception as err:  # reported, never a traceback on the host
        out["error"] = f"{type(err).__name__}: {err}"
    os.write(pipe_w, json.dumps(out).encode())
    os._exit(0)


def sleep_until(t: float) -> None:
    delay = t - time.time()
    if delay > 0:
        time.sleep(delay)


def _start_locks(job: dict[str, Any]) -> dict[str, tuple[int, int]]:
    children: dict[str, tuple[int, int]] = {}
    for lock in job.get("locks", []):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _lock_child(lock, job["start_at"], job.get("lock_timeout_s", 10.0), w)
        os.close(w)
        children[lock["id"]] = (pid, r)
    return children


def _collect_locks(
    job: dict[str, Any], children: dict[str, tuple[int, int]]
) -> dict[str, dict[str, Any]]:
    """Wait for every lock child until its bound; one that hangs (a lock request that
    never returns: statd, NLM or a firewall) is killed and reported as such."""
    out: dict[str, dict[str, Any]] = {}
    by_id = {lock["id"]: lock for lock in job.get("locks", [])}
    for lock_id, (pid, r) in children.items():
        lock = by_id[lock_id]
        bound = job["start_at"] + lock["at_s"] + lock.get("hold_s", 0) + job["lock_timeout_s"]
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done or time.time() > bound:
                break
            time.sleep(0.02)
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            out[lock_id] = {"hung_s": round(time.time() - job["start_at"] - lock["at_s"], 2)}
        else:
            data = os.read(r, 65536)
            out[lock_id] = json.loads(data) if data else {"error": "no answer"}
        os.close(r)
    return out


def _watch(
    items: list[dict[str, Any]],
    seen: dict[str, float | None],
    missed: dict[str, float],
    mtimes: dict[str, int],
    start_at: float,
    deadline: float,
    poll: float,
) -> None:
    """Poll `items` until each is true or the deadline passes (one thread per few items:
    a pass over every item in one loop would be as slow as all their round trips
    together, and that pass time would be counted in every delay)."""
    sleep_until(start_at)
    pending = list(items)
    while pending and time.time() <= deadline:
        for item in list(pending):
            began = time.time()
            try:
                ok = _seen(item, mtimes)
            except OSError:
                ok = False
            if ok:
                seen[item["id"]] = time.time()
                pending.remove(item)
            else:
                missed[item["id"]] = began  # the change came after this look, if at all
        time.sleep(poll)


def run(job: dict[str, Any]) -> dict[str, Any]:
    errors: list[str] = []
    for step in job.get("prepare", []):
        _prepare(step)
    prepared = time.time()  # after start_at: this host's readers were not ready in time
    children = _start_locks(job)
    start_at = job["start_at"]
    written: dict[str, float] = {}
    mtimes: dict[str, int] = {}  # append: the writer's mtime after close, each reader's
    watch = job.get("watch", [])
    seen: dict[str, float | None] = {item["id"]: None for item in watch}
    missed: dict[str, float] = {}  # the start of each item's last look that failed
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in watch:
        groups.setdefault(item.get("group", ""), []).append(item)
    # A few items per thread: a pass over a thread's items is a few round trips, so an
    # item's delay is not inflated by the others (names not there yet cost a LOOKUP each).
    chunks = [
        g[i : i + WATCH_CHUNK] for g in groups.values() for i in range(0, len(g), WATCH_CHUNK)
    ]
    deadline = start_at + job.get("deadline_s", 5.0)
    poll = job.get("poll_s", 0.01)
    threads = [
        threading.Thread(target=_watch, args=(c, seen, missed, mtimes, start_at, deadline, poll))
        for c in chunks
    ]
    # A read-back reads what was written, not whether a name shows up: its readers start
    # once the writes are done.
    after_writes = job.get("watch_after_writes", False)
    if not after_writes:
        for thread in threads:
            thread.start()
    sleep_until(start_at)
    for step in sorted(job.get("writes", []), key=lambda w: w.get("after_s", 0.0)):
        sleep_until(start_at + step.get("after_s", 0.0))
        try:
            _write(step)
            written[step["id"]] = time.time()
            if step.get("report_mtime"):
                mtimes[step["id"]] = os.stat(step["path"]).st_mtime_ns
        except OSError as err:
            errors.append(f"{step['op']} {step['path']}: {err.strerror or err}")
    if after_writes:
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join()
    locks = _collect_locks(job, children)
    return {
        "prepared": prepared,
        "written": written,
        "seen": seen,
        "missed": missed,
        "mtimes": mtimes,
        "locks": locks,
        "errors": errors,
    }


if __name__ == "__main__":
    # The job is the last argument (the controller runs this source through `python3 -c`).
    print(json.dumps(run(json.loads(sys.argv[-1]))))
