"""One lldpd per lab switch, advertising the switch's name on every port of its bridge.

The guests' cabling check reads the LLDP neighbour of each storage port (system name =
switch, port ID = the switch port's name), so each switch namespace runs its own lldpd
with its own control socket, pidfile, config and log.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from railmount.lab import netns, proc
from railmount.lab.spec import LabSpec

LLDP_TX_INTERVAL_S = 5  # guests should see their neighbour within seconds of booting
UNIX_PATH_MAX = 107
RUN_ROOT = Path("/run/railmount")


class LldpError(RuntimeError):
    pass


def state_dir(spec: LabSpec) -> Path:
    """lldpd's pidfiles and logs (<state_dir>/fabric: the fabric's only state so far)."""
    return spec.state_dir / "fabric"


def run_dir(spec: LabSpec) -> Path:
    """lldpd's control socket and config. Not under state_dir: lldpcli is setuid _lldpd
    and must reach both, while state_dir may be private (0700)."""
    return RUN_ROOT / spec.prefix


def paths(spec: LabSpec, switch: str) -> tuple[Path, Path, Path, Path]:
    """(control socket, pidfile, config file, log) of one switch's lldpd."""
    run, state = run_dir(spec), state_dir(spec)
    sock = run / f"lldpd-{switch}.sock"
    if len(str(sock)) > UNIX_PATH_MAX:
        raise LldpError(f"unix socket path too long: {sock}")
    conf = run / f"lldpd-{switch}.conf"
    return sock, state / f"lldpd-{switch}.pid", conf, state / f"lldpd-{switch}.log"


def config(switch: str) -> str:
    return "\n".join(
        [
            # The host's name would be the same on every switch.
            f"configure system hostname {switch}",
            f'configure system description "railmount lab switch {switch}"',
            # Port ID = the bridge-port name (default: its MAC), what the cabling check reads.
            "configure lldp portidsubtype ifname",
            f"configure lldp tx-interval {LLDP_TX_INTERVAL_S}",
            "",
        ]
    )


def ensure(spec: LabSpec, switch: str) -> None:
    """Start the switch's lldpd unless ours already runs; wait until it uses its config."""
    ns = spec.switch_netns(switch)
    sock, pidfile, conf, log = paths(spec, switch)
    pid = proc.read_pidfile(pidfile)
    if pid is not None and _is_ours(pid, ns):
        return
    # Every device in the namespace except lo and the bridge itself is a bridge port;
    # a pattern (not a list) also covers taps attached later.
    pattern = f"*,!lo,!{switch}"
    conf.write_text(config(switch))
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    argv = ["lldpd", "-u", str(sock), "-p", str(pidfile), "-O", str(conf), "-I", pattern, "-k"]
    with log.open("ab") as out:
        res = proc.run(netns.exec_argv(ns, argv), check=False)
        out.write((res.stdout + res.stderr).encode())
    if res.returncode != 0:
        raise LldpError(f"lldpd for {switch} failed to start:\n{res.stderr.strip()}")
    # lldpd applies conf through (setuid) lldpcli after start; the name proves it did.
    proc.wait_until(
        lambda: _sysname(sock) == switch, timeout=10, what=f"lldpd {switch}", interval=0.2
    )


def _is_ours(pid: int, ns: str) -> bool:
    return proc.pid_matches(pid, "lldpd") and pid in netns.pids(ns)


def _lldpcli(sock: Path, *args: str) -> dict[str, Any] | None:
    res = proc.run(["lldpcli", "-u", str(sock), "-f", "json", *args], check=False)
    if res.returncode != 0:
        return None
    try:
        return json.loads(res.stdout)
    except json.JSONDecodeError:
        return None


def _sysname(sock: Path) -> str | None:
    data = _lldpcli(sock, "show", "chassis") if sock.exists() else None
    chassis = (data or {}).get("local-chassis", {}).get("chassis", {})
    return next(iter(chassis), None)  # {"tor1": {...}}: keyed by system name


def stop(spec: LabSpec, switch: str) -> None:
    sock, pidfile, _, _ = paths(spec, switch)
    proc.stop_pidfile(pidfile, expect="lldpd")
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()


def remove_run_dir(spec: LabSpec) -> None:
    """After every lldpd of the lab is stopped: its sockets and configs go."""
    shutil.rmtree(run_dir(spec), ignore_errors=True)
    with contextlib.suppress(OSError):
        RUN_ROOT.rmdir()  # only if no other lab uses it


def stats(spec: LabSpec, switch: str) -> dict[str, dict[str, int]]:
    """Per-port LLDP counters of a switch's lldpd: {port: {"tx": n, "rx": n}}."""
    sock = paths(spec, switch)[0]
    data = _lldpcli(sock, "show", "statistics")
    if not data:
        return {}
    ifaces = data.get("lldp", {}).get("interface", [])
    if isinstance(ifaces, dict):  # lldpcli collapses a one-element list into a dict
        ifaces = [{k: v} for k, v in ifaces.items()]
    counters_by_port: dict[str, dict[str, int]] = {}
    for entry in ifaces:
        for name, counters in entry.items():
            # Each counter looks like {"tx": {"tx": "12"}}.
            counters_by_port[name] = {k: int(counters.get(k, {}).get(k, 0)) for k in ("tx", "rx")}
    return counters_by_port


def status(spec: LabSpec, switch: str) -> dict[str, Any]:
    """{"lldpd": {pid, running}, "lldp": per-port counters} of one switch."""
    pid = proc.read_pidfile(paths(spec, switch)[1])
    running = pid is not None and _is_ours(pid, spec.switch_netns(switch))
    return {
        "lldpd": {"pid": pid if running else None, "running": running},
        "lldp": stats(spec, switch) if running else {},
    }
