"""Bring the whole lab up and down: image, fabric, array, guests. Called by `railmount lab`.

<state_dir> holds state.json (what was started, phase timings), id_ed25519 (the lab key
the running guests accept, copied from the image so a recipe change mid-lab does not
lock us out), ssh_config (Host <guest> entries for ssh -F / Ansible / testinfra), last-up.json
(phase timings of the last successful up, kept after down) and guests/<name>/ (guest.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from railmount.lab import array, fabric, guest, netns
from railmount.lab.image import KEY_NAME, GuestImage, ensure_image, find_image
from railmount.lab.proc import Progress, read_pidfile, run, stop_pidfile
from railmount.lab.spec import GuestSpec, LabSpec

T = TypeVar("T")


class LabError(RuntimeError):
    pass


def up(
    spec: LabSpec, progress: Progress = print, *, ssh_timeout: float = guest.SSH_TIMEOUT
) -> dict[str, Any]:
    """Build the image if needed, start fabric and array, boot all guests concurrently and
    wait until each answers SSH. Idempotent: running guests are left alone.

    Returns (and records in state.json) the phase timings in seconds. On failure raises
    LabError with what is running left in place for inspection; call down() to clean up.
    """
    start = time.monotonic()
    spec.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    timings: dict[str, Any] = {}

    def phase(name: str, fn: Callable[[], T]) -> T:
        t0 = time.monotonic()
        result = fn()
        timings[name] = round(time.monotonic() - t0, 1)
        progress(f"lab: {name} done in {timings[name]:.1f}s")
        return result

    image = phase("image", lambda: ensure_image(spec.image_dir, progress))
    timings["image_build_seconds"] = image.build_seconds
    key = _install_key(spec, image)
    _write_known_hosts(spec, image)
    phase("fabric", lambda: fabric.up(spec))
    phase("array", lambda: array.start(spec))

    state = _read_state(spec)
    state.update(prefix=spec.prefix, image=str(image.dir), ssh_key=str(key))
    started = phase("boot", lambda: _boot_all(spec, image, progress))
    state["guests"] = {
        g.name: {"pid": guest.pid(spec, g), "ssh_port": g.ssh_port, "taps": _taps(g)}
        for g in spec.guests
    }
    _write_state(spec, state)  # before waiting: down() after a crash here sees the PIDs

    waited = phase("ssh", lambda: _wait_all(spec, key, started, ssh_timeout, progress))
    timings["boot_to_ssh"] = waited
    timings["total"] = round(time.monotonic() - start, 1)
    state.update(timings=timings, up_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _write_state(spec, state)
    # Kept after down() so the README/CI can quote the last lab-up time.
    (spec.state_dir / "last-up.json").write_text(json.dumps(timings, indent=2) + "\n")
    _write_ssh_config(spec, key)
    progress(f"lab: up in {timings['total']:.0f}s ({len(spec.guests)} guests)")
    return timings


def down(spec: LabSpec, progress: Progress = print) -> None:
    """Stop guests, array and fabric and remove taps. Safe twice and after a crash:
    leftovers are found by pidfiles under state_dir and by the device name prefix."""
    errors: list[str] = []

    def attempt(what: str, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception as exc:
            errors.append(f"{what}: {exc}")

    for g in spec.guests:
        attempt(f"stop {g.name}", lambda g=g: guest.stop(spec, g, progress))
    attempt("stray QEMU", lambda: _stop_stray_qemu(spec, progress))
    attempt("array", lambda: array.stop(spec))
    attempt("fabric", lambda: fabric.down(spec))
    attempt("taps", lambda: _delete_prefixed_taps(spec, progress))
    for path in (_state_path(spec), ssh_config(spec), known_hosts(spec)):
        path.unlink(missing_ok=True)
    if errors:
        raise LabError("lab down incomplete:\n  " + "\n  ".join(errors))
    progress("lab: down")


def status(spec: LabSpec) -> dict[str, Any]:
    """What is up: namespaces, array, guest QEMU PIDs, SSH reachability, last timings."""
    key = ssh_key(spec)
    pids = {g.name: guest.pid(spec, g) for g in spec.guests}

    def reachable(g: GuestSpec) -> bool:
        return pids[g.name] is not None and key.exists() and guest.ssh_ok(spec, g, key, 15.0)

    with ThreadPoolExecutor(max_workers=max(1, len(spec.guests))) as pool:
        reach = dict(zip(pids, pool.map(reachable, spec.guests), strict=True))
    guests: dict[str, Any] = {}
    for g in spec.guests:
        p = guest.paths(spec, g)
        guests[g.name] = {
            "pid": pids[g.name],
            "ssh_port": g.ssh_port,
            "ssh": reach[g.name],
            "console_log": str(p.console_log),
        }
    try:
        array_status: dict[str, Any] = dict(array.status(spec))
    except Exception as exc:
        array_status = {"error": str(exc)}
    result = {
        "prefix": spec.prefix,
        "state_dir": str(spec.state_dir),
        "namespaces": {ns: netns.exists(ns) for ns in fabric.lab_namespaces(spec)},
        "array": array_status,
        "guests": guests,
        "timings": _read_state(spec).get("timings", {}),
        "last_up": _read_json(spec.state_dir / "last-up.json"),
    }
    result["up"] = all(result["namespaces"].values()) and all(
        g["pid"] and g["ssh"] for g in guests.values()
    )
    return result


def ssh_key(spec: LabSpec) -> Path:
    """Private key the guests accept (the running lab's copy, else the cached image's)."""
    copy = spec.state_dir / KEY_NAME
    if copy.exists():
        return copy
    image = find_image(spec.image_dir)
    return image.ssh_key if image else copy


def ssh_config(spec: LabSpec) -> Path:
    """ssh_config with one Host per guest (`ssh -F <it> dgx-1-1`); written by up()."""
    return spec.state_dir / "ssh_config"


def known_hosts(spec: LabSpec) -> Path:
    """known_hosts for every guest's forwarded port (all share the image's host key)."""
    return guest.known_hosts(spec)


def _write_known_hosts(spec: LabSpec, image: GuestImage) -> None:
    key = image.host_key()
    lines = [f"[127.0.0.1]:{g.ssh_port} {key}" for g in spec.guests]
    known_hosts(spec).write_text("\n".join(lines) + "\n")


def ssh_command(spec: LabSpec, host: str) -> list[str]:
    """argv for an interactive root ssh to a guest (append a command to run one)."""
    return guest.ssh_argv(_guest(spec, host), ssh_key(spec), known_hosts(spec))


def console(spec: LabSpec, host: str) -> int:
    """Attach to a guest's serial console (Ctrl-] detaches); blocks until detached."""
    argv = guest.console_argv(spec, _guest(spec, host))
    if argv[0] == "socat":
        print(f"[console {host}: root autologin; Ctrl-] to detach]", file=sys.stderr)
    else:
        print(f"[console {host}: following the log only; Ctrl-C to stop]", file=sys.stderr)
    return subprocess.run(argv, check=False).returncode


def _boot_all(spec: LabSpec, image: GuestImage, progress: Progress) -> dict[str, float]:
    """Start every guest that is not running, concurrently; returns their start times."""

    def boot(g: GuestSpec) -> float | None:
        if guest.pid(spec, g) is not None:
            progress(f"{g.name}: already running")
            return None
        t0 = time.monotonic()
        qemu_pid = guest.start(spec, g, image)
        guest.attach(spec, g)
        progress(f"{g.name}: QEMU PID {qemu_pid}, ssh port {g.ssh_port}")
        return t0

    results = _parallel(spec.guests, boot)
    return {name: t0 for name, t0 in results.items() if t0 is not None}


def _wait_all(
    spec: LabSpec, key: Path, started: dict[str, float], timeout: float, progress: Progress
) -> dict[str, float | None]:
    """Wait for SSH on all guests concurrently; seconds from QEMU start to SSH per guest
    (None for guests that were already running)."""

    def wait(g: GuestSpec) -> float | None:
        waited = guest.wait_ssh(spec, g, key, timeout=timeout)
        if g.name not in started:  # was already running: no boot time to report
            progress(f"{g.name}: ssh ok")
            return None
        seconds = round(time.monotonic() - started[g.name], 1)
        progress(f"{g.name}: ssh ok ({seconds:.0f}s after QEMU start, {waited:.0f}s waiting)")
        return seconds

    return _parallel(spec.guests, wait)


def _parallel(guests: tuple[GuestSpec, ...], fn: Callable[[GuestSpec], T]) -> dict[str, T]:
    """Run fn for every guest in threads; all run to the end, then errors are raised."""
    if not guests:
        return {}
    with ThreadPoolExecutor(max_workers=len(guests)) as pool:
        futures = {g.name: pool.submit(fn, g) for g in guests}
    errors = [f"{name}: {f.exception()}" for name, f in futures.items() if f.exception()]
    if errors:
        raise LabError("\n".join(errors))
    return {name: f.result() for name, f in futures.items()}


def _guest(spec: LabSpec, host: str) -> GuestSpec:
    for g in spec.guests:
        if g.name == host:
            return g
    raise LabError(f"no lab guest {host!r} (have: {', '.join(g.name for g in spec.guests)})")


def _taps(g: GuestSpec) -> list[str]:
    return [nic.tap for nic in g.nics]


def _install_key(spec: LabSpec, image: GuestImage) -> Path:
    dest = spec.state_dir / KEY_NAME
    if not dest.exists() or not _any_guest_running(spec):
        shutil.copyfile(image.ssh_key, dest)
        dest.chmod(0o600)
    return dest


def _any_guest_running(spec: LabSpec) -> bool:
    return any(guest.pid(spec, g) is not None for g in spec.guests)


def _stop_stray_qemu(spec: LabSpec, progress: Progress) -> None:
    """QEMUs of guests no longer in the spec (inventory changed while the lab ran)."""
    for pidfile in sorted((spec.state_dir / "guests").glob("*/qemu.pid")):
        if read_pidfile(pidfile) is None:
            continue
        stopped = stop_pidfile(pidfile, expect=str(pidfile))
        if stopped:
            progress(f"{pidfile.parent.name}: stopped stray QEMU PID {stopped}")
        (pidfile.parent / "overlay.qcow2").unlink(missing_ok=True)


def _delete_prefixed_taps(spec: LabSpec, progress: Progress) -> None:
    """Taps left in the root namespace: the spec's and state.json's, plus any tap with our
    prefix that no process holds open (another lab's prefix may extend ours: rm / rmt)."""
    names = {nic.tap for g in spec.guests for nic in g.nics}
    for info in _read_state(spec).get("guests", {}).values():
        names.update(info.get("taps", []))
    listing = run(["ip", "-j", "link", "show", "type", "tun"], check=False).stdout or "[]"
    present = {link["ifname"] for link in json.loads(listing)}
    in_use = _open_taps() if present - names else set()
    for name in sorted(present):
        if name in names or (name.startswith(spec.prefix) and name not in in_use):
            run(["ip", "link", "del", "dev", name])
            progress(f"removed tap {name}")


def _open_taps() -> set[str]:
    """Names of tun/tap devices some process has attached (fdinfo shows `iff: NAME`)."""
    found: set[str] = set()
    for fdinfo in Path("/proc").glob("[0-9]*/fdinfo/*"):
        try:
            text = fdinfo.read_text()
        except OSError:
            continue  # process or fd went away meanwhile
        for line in text.splitlines():
            if line.startswith("iff:"):
                found.add(line.split(":", 1)[1].strip())
    return found


def _state_path(spec: LabSpec) -> Path:
    return spec.state_dir / "state.json"


def _read_state(spec: LabSpec) -> dict[str, Any]:
    return _read_json(_state_path(spec))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(spec: LabSpec, state: dict[str, Any]) -> None:
    path = _state_path(spec)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def _write_ssh_config(spec: LabSpec, key: Path) -> None:
    blocks = [
        f"Host {g.name}\n"
        f"  HostName 127.0.0.1\n"
        f"  Port {g.ssh_port}\n"
        f"  User root\n"
        f"  IdentityFile {key}\n"
        f"  IdentitiesOnly yes\n"
        f"  StrictHostKeyChecking yes\n"
        f"  UserKnownHostsFile {known_hosts(spec)}\n"
        f"  LogLevel ERROR\n"
        for g in spec.guests
    ]
    ssh_config(spec).write_text("\n".join(blocks))
