"""`railmount lab ...` subcommands."""

from __future__ import annotations

import argparse


def add_lab_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = sub.add_parser("lab", help="build and run the QEMU/namespace lab")
    lab.set_defaults(func=lambda args: lab.print_help() or 2)
