"""`railmount lab up|down|status|ssh|console|fault` subcommands.

All argparse wiring of the lab lives here; the modules behind it (control, faults) take
a LabSpec and plain arguments and never import this module.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from railmount.lab import faults
from railmount.lab.spec import LabSpec

FaultAction = Callable[[LabSpec, argparse.Namespace], dict[str, Any]]


def _inventory_dir(path: str) -> Path:
    p = Path(path)
    return p if p.is_dir() else p.parent


def _spec(args: argparse.Namespace) -> LabSpec:
    from railmount.inventory import load
    from railmount.lab.topology import lab_spec

    return lab_spec(load(args.inventory), getattr(args, "hosts", None))


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    from railmount.lab import control
    from railmount.lab.topology import write_connection

    spec = _spec(args)
    timings = control.up(spec, _progress)
    path = write_connection(
        _inventory_dir(args.inventory), spec, control.ssh_key(spec), control.known_hosts(spec)
    )
    _progress(f"lab: Ansible connection written to {path}")
    print(json.dumps({"timings": timings, "hosts": [g.name for g in spec.guests]}))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from railmount.lab import control
    from railmount.lab.topology import remove_connection

    control.down(_spec(args), _progress)
    remove_connection(_inventory_dir(args.inventory))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from railmount.lab import control

    state = control.status(_spec(args))
    print(json.dumps(state, indent=2, default=str))
    return 0


def cmd_ssh(args: argparse.Namespace) -> int:
    from railmount.lab import control

    argv = control.ssh_command(_spec(args), args.host) + list(args.command)
    os.execvp(argv[0], argv)
    return 127  # not reached


def cmd_console(args: argparse.Namespace) -> int:
    from railmount.lab import control

    return control.console(_spec(args), args.host)


def add_lab_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = sub.add_parser("lab", help="build and run the QEMU/namespace lab")
    lab.add_argument("-i", "--inventory", default="inventory/lab")
    verbs = lab.add_subparsers(dest="verb", required=True)
    up = verbs.add_parser("up", help="build the image if needed, fabric, array, guests")
    up.add_argument("--hosts", type=int, help="boot only the first N storage clients")
    up.set_defaults(func=cmd_up)
    verbs.add_parser("down", help="remove everything the lab made").set_defaults(func=cmd_down)
    verbs.add_parser("status", help="what is up (JSON)").set_defaults(func=cmd_status)
    ssh = verbs.add_parser("ssh", help="ssh to a guest as root")
    ssh.add_argument("host")
    ssh.add_argument("command", nargs=argparse.REMAINDER)
    ssh.set_defaults(func=cmd_ssh)
    console = verbs.add_parser("console", help="attach to a guest's serial console")
    console.add_argument("host")
    console.set_defaults(func=cmd_console)
    _add_fault_parser(verbs)


def _fault_cmd(action: FaultAction) -> Callable[[argparse.Namespace], int]:
    """A `lab fault` handler: run action, print its journal entry as JSON. A FaultError
    (no such host, port, switch or VIP) is a usage error: message and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            entry = action(_spec(args), args)
        except faults.FaultError as err:
            print(f"railmount lab fault: {err}", file=sys.stderr)
            return 2
        print(json.dumps(entry))
        return 0

    return run


def _add_fault_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    fault = verbs.add_parser("fault", help="inject or clear a fault; each event is recorded")
    kinds = fault.add_subparsers(dest="fault", required=True)
    for verb, up in (("link-down", False), ("link-up", True)):
        p = kinds.add_parser(verb, help="carrier of one host storage port")
        p.add_argument("host")
        p.add_argument("port")
        p.set_defaults(
            func=_fault_cmd(lambda s, a, up=up: faults.set_host_link(s, a.host, a.port, up))
        )
    for verb, up in (("switch-down", False), ("switch-up", True)):
        p = kinds.add_parser(verb, help="every port of one switch")
        p.add_argument("switch")
        p.set_defaults(func=_fault_cmd(lambda s, a, up=up: faults.set_switch(s, a.switch, up)))
    for verb, up in (("vip-down", False), ("vip-up", True)):
        p = kinds.add_parser(verb, help="one array data VIP")
        p.add_argument("vip")
        p.set_defaults(func=_fault_cmd(lambda s, a, up=up: faults.set_vip(s, a.vip, up)))
    p = kinds.add_parser("link-rate", help="re-shape a host link (no MBIT: the planned rate)")
    p.add_argument("host")
    p.add_argument("port")
    p.add_argument("mbit", type=int, nargs="?")
    p.set_defaults(func=_fault_cmd(lambda s, a: faults.set_link_rate(s, a.host, a.port, a.mbit)))
    p = kinds.add_parser("array-restart", help="stop and start the NFS server")
    p.set_defaults(func=_fault_cmd(lambda s, a: faults.array_restart(s)))
    p = kinds.add_parser(
        "port-mtu", help="MTU of the switch port a host port is cabled to (no MTU: the plan's)"
    )
    p.add_argument("host")
    p.add_argument("port")
    p.add_argument("mtu", type=int, nargs="?")
    p.set_defaults(func=_fault_cmd(lambda s, a: faults.set_port_mtu(s, a.host, a.port, a.mtu)))
    p = kinds.add_parser("reboot", help="reboot a host (systemctl reboot) and wait for SSH")
    p.add_argument("host")
    p.set_defaults(func=_fault_cmd(lambda s, a: faults.reboot(s, a.host)))
