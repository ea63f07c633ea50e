"""`railmount validate`."""

from __future__ import annotations

import argparse


def add_validate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    validate = sub.add_parser("validate", help="run the validation suites against hosts")
    validate.set_defaults(func=lambda args: validate.print_help() or 2)
