"""semantics: the per-VIP mounts behave as one filesystem, across mounts and hosts.

One verdict per (writer mount, reader mount) pair. What bounds each delay (nfs(5)):
- a new file, an overwrite seen on reopen and an unlink are bounded by lookup caching and
  close-to-open, not by a timer: within `max_visibility_s`;
- a 1 MiB read-back (N-006) is judged on its content, read from the server through every
  mount of the host (the writer's too); its time is reported;
- an append's size and mtime seen by stat (no open), a new entry in a directory listing
  and a rename's old name going away wait for the attribute cache of the file (acregmax)
  or the directory (acdirmax): within that window (N-012 "within the documented
  attribute-cache window"), plus `max_visibility_s` for the round trip and the poll.
A reader looks every 10 ms; on a starved host its looks are further apart, and a change
that came between two looks straddling the bound is reported as not judged, not passed.
Locks: an exclusive lock held through one mount is denied through every other mount and
host while held and granted after release.
"""

from __future__ import annotations

from railmount.planner import HostPlan
from railmount.validation.registry import check
from railmount.validation.semantics import READBACK_DEADLINE_S, Pair, SemanticsResult
from railmount.validation.verdicts.result import CheckResult

# nfs(5) defaults, in seconds, where the mount options say nothing.
DEFAULT_WINDOWS = {"acregmax": 60.0, "acdirmax": 60.0}
# A renamed file's old name goes when the reader revalidates its cached entry, which waits
# for the directory's attributes to expire, as a listing does.
WINDOW_OF = {"append": "acregmax", "listing": "acdirmax", "rename": "acdirmax"}
WHAT = {
    "new_file": "new file read by name",
    "overwrite": "overwrite seen on reopen",
    "append": "append: size and mtime by stat",
    "rename": "rename seen",
    "unlink": "unlink seen",
    "listing": "new entry in the listing",
    "readback": "1 MiB read back, content verified",
    "flock_held": "flock excluded while held",
    "flock_free": "flock granted after release",
    "posix_held": "POSIX lock excluded while held",
    "posix_free": "POSIX lock granted after release",
}


def attribute_window(plan: HostPlan, mount_path: str, which: str) -> float:
    """acregmax/acdirmax of a planned mount in seconds (actimeo sets both; noac is 0)."""
    mount = next(m for m in plan.mounts if m.path == mount_path)
    options = dict(option.partition("=")[::2] for option in mount.options.split(","))
    if "noac" in options:
        return 0.0
    for key in (which, "actimeo"):
        if options.get(key, "").isdigit():
            return float(options[key])
    return DEFAULT_WINDOWS[which]


def bound_s(pair: Pair, reader_plan: HostPlan, max_visibility_s: float) -> float:
    if pair.kind == "readback":
        return READBACK_DEADLINE_S  # judged on its content; the time is what 1 MiB took
    which = WINDOW_OF.get(pair.kind)
    if which is None:
        return max_visibility_s
    return attribute_window(reader_plan, pair.reader.mount, which) + max_visibility_s


def _visibility(
    pair: Pair, reader_plan: HostPlan, max_visibility_s: float, deadline_s: float
) -> CheckResult:
    bound = bound_s(pair, reader_plan, max_visibility_s)
    item = f"{pair.writer} -> {pair.reader}"
    expected = f"<= {bound:g} s"
    if pair.unjudged:
        why = f"{WHAT[pair.kind]}: {pair.unjudged}"
        return CheckResult(pair.writer.host, item, WHAT[pair.kind], expected, "not measured",
                           False, why)  # fmt: skip
    if pair.delay_s is None:
        actual = pair.detail or f"not seen within {deadline_s:g} s"
        skipped = None
        if not pair.detail and bound > deadline_s:
            skipped = (
                f"{WHAT[pair.kind]}: not seen within {deadline_s:g} s, and the "
                f"attribute cache window allows {bound:g} s: not judged"
            )
        return CheckResult(pair.writer.host, item, WHAT[pair.kind], expected, actual, False,
                           skipped)  # fmt: skip
    error = f" (+-{pair.error_s:.3f} s clock)" if pair.error_s else ""
    actual = f"{pair.delay_s:.3f} s{error}"
    if pair.earliest_s <= bound < pair.delay_s - pair.error_s:
        # The change came between two looks that straddle the bound: too busy to tell.
        why = (
            f"{WHAT[pair.kind]}: between {pair.earliest_s:.3f} and {pair.delay_s:.3f} s "
            f"after the write (the reader's looks were that far apart: host too busy to tell "
            f"against {bound:g} s): not judged"
        )
        return CheckResult(pair.writer.host, item, WHAT[pair.kind], expected, actual, False,
                           why)  # fmt: skip
    return CheckResult(pair.writer.host, item, WHAT[pair.kind], expected, actual,
                       pair.delay_s - pair.error_s <= bound)  # fmt: skip


_VISIBILITY = ["railmount_validate.semantics.max_visibility_s", "railmount_nfs.lookupcache"]
_WINDOWED = ["railmount_validate.semantics.max_visibility_s", "railmount_nfs.actimeo"]


@check(per="mount pair", reads=_VISIBILITY)
def new_file(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """A new file is read by name with its content through every other mount and host.

    Each reader looked the name up before the write, as a polling data loader does."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=_VISIBILITY)
def overwrite(
    pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float
) -> CheckResult:
    """An in-place overwrite is read on reopen through every other mount and host.

    Same size, and every reader had the old content cached: close-to-open must see it."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=_WINDOWED)
def append(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """An append's size and mtime show by stat within the attribute window (acregmax).

    No open, so no close-to-open revalidation: the attribute cache decides (N-012)."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=_WINDOWED)
def rename(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """A rename shows through every other mount and host within acdirmax.

    The old name is gone and the new one readable."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=_VISIBILITY)
def unlink(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """An unlinked file can no longer be opened through any other mount or host."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=_WINDOWED)
def listing(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """A new entry shows in every other mount's directory listing within acdirmax."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


@check(per="mount pair", reads=["railmount_validate.test_dir"])
def readback(pair: Pair, plan: HostPlan, max_visibility_s: float, deadline_s: float) -> CheckResult:
    """1 MiB written through a mount reads back intact through every mount of the host.

    Compared by sha256, read from the server with the page cache dropped (N-006)."""
    return _visibility(pair, plan, max_visibility_s, deadline_s)


def lock_outcome(pair: Pair) -> CheckResult:
    """Judged when measured (railmount.validation.semantics.judge_lock, on one clock)."""
    want = "denied" if pair.kind.endswith("_held") else "granted"
    item = f"{pair.writer} -> {pair.reader}"
    skipped = f"{WHAT[pair.kind]}: {pair.unjudged}" if pair.unjudged else None
    return CheckResult(pair.writer.host, item, WHAT[pair.kind], want,
                       pair.detail or "not measured", bool(pair.ok), skipped)  # fmt: skip


_LOCKS = ["railmount_nfs.local_lock", "railmount_validate.semantics.lock_timeout_s"]


@check(per="mount pair", reads=_LOCKS)
def flock_held(pair: Pair) -> CheckResult:
    """An exclusive flock held through one mount is denied through every other mount and host."""
    return lock_outcome(pair)


@check(per="mount pair", reads=_LOCKS)
def flock_free(pair: Pair) -> CheckResult:
    """Once the holder releases its flock, every other mount and host is granted it."""
    return lock_outcome(pair)


@check(per="mount pair", reads=_LOCKS)
def posix_held(pair: Pair) -> CheckResult:
    """An exclusive POSIX lock held through one mount is denied through the others (N-010)."""
    return lock_outcome(pair)


@check(per="mount pair", reads=_LOCKS)
def posix_free(pair: Pair) -> CheckResult:
    """Once the holder releases its POSIX lock, every other mount and host is granted it."""
    return lock_outcome(pair)


@check(per="kind of pair", reads=["railmount_validate.semantics.peers"])
def measured(result: SemanticsResult, kind: str) -> CheckResult:
    """Some pairs of each kind were judged, not all left unjudged by a busy host."""
    pairs = result.of(kind)
    judged = [p for p in pairs if not p.unjudged]
    return CheckResult(
        "(all)", kind, "pairs judged", f">= 1 of {len(pairs)}", f"{len(judged)} of {len(pairs)}",
        bool(judged),
    )  # fmt: skip


VERDICTS = {
    "new_file": new_file, "overwrite": overwrite, "append": append, "rename": rename,
    "unlink": unlink, "listing": listing, "readback": readback,
}  # fmt: skip
LOCK_VERDICTS = {
    "flock_held": flock_held, "flock_free": flock_free, "posix_held": posix_held,
    "posix_free": posix_free,
}  # fmt: skip


def judge(
    pair: Pair, reader_plan: HostPlan, max_visibility_s: float, deadline_s: float
) -> CheckResult:
    """The registered check of the pair's kind, on the pair."""
    if pair.kind in LOCK_VERDICTS:
        return LOCK_VERDICTS[pair.kind](pair)
    return VERDICTS[pair.kind](pair, reader_plan, max_visibility_s, deadline_s)
