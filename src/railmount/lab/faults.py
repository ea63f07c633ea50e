"""`railmount lab fault ...`: cut and restore links, switches, VIPs; restart the array."""

from __future__ import annotations

import argparse


def add_fault_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    fault = verbs.add_parser("fault", help="inject a fault (see the faults issue)")
    fault.set_defaults(func=lambda args: fault.print_help() or 2)
