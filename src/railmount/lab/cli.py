"""`railmount lab up|down|status|ssh|console|fault` subcommands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from railmount.lab.spec import LabSpec


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
    from railmount.lab.faults import add_fault_parser

    add_fault_parser(verbs)
