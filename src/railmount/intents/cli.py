"""The intents' part of the command line: `render --target array|switches`, the storage
path under `railmount plan`, and `railmount array-check`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from railmount.intents.array_check import array_check
from railmount.intents.intent import NoFabric, array_intent, storage_path, switch_intents
from railmount.model import Inventory
from railmount.planner import HostPlan
from railmount.vault import VaultOptions


def format_path(inv: Inventory, all_plans: dict[str, HostPlan], shown: dict[str, HostPlan]) -> str:
    """host port -> switch port -> VLAN -> the array's port-channel on that switch -> VIPs."""
    intents = switch_intents(inv, all_plans)
    rows = [("HOST", "PORT", "SWITCH", "SWITCH PORT", "VLAN", "ARRAY UPLINKS", "VIPS")]
    for row in storage_path(inv, all_plans):
        if row.host not in shown:
            continue
        channel = intents[row.switch].array_channel if row.switch in intents else "?"
        rows.append(
            (
                row.host,
                row.host_port,
                row.switch,
                row.switch_port,
                str(row.vlan),
                f"Port-Channel{channel}: " + ", ".join(row.array_uplinks),
                ", ".join(row.vips),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["storage path (host port -> switch port -> VLAN -> array uplinks -> VIPs):"]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines) + "\n"


def _no_fabric(args: argparse.Namespace, err: NoFabric) -> int:
    """Printed like an inventory problem (`railmount check` passes without the key)."""
    print(f"railmount: {args.inventory}: 1 problem(s)\n  {err}", file=sys.stderr)
    return 2


def render_target(args: argparse.Namespace) -> int:
    from railmount.intents.render import array_files, switch_files
    from railmount.inventory import load_plans

    inv, plans = load_plans(args.inventory, VaultOptions.from_args(args))
    try:
        files = array_files(inv) if args.target == "array" else switch_files(inv, plans)
    except NoFabric as err:
        return _no_fabric(args, err)
    for name, text in files.items():
        print(f"### {args.target}: {name}")
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def cmd_array_check(args: argparse.Namespace) -> int:
    from railmount.inventory import load

    try:
        intent = array_intent(load(args.inventory, VaultOptions.from_args(args)))
    except NoFabric as err:
        return _no_fabric(args, err)
    try:
        info = json.loads(Path(args.info).read_text())
    except (OSError, ValueError) as err:
        raise SystemExit(f"railmount array-check: {args.info}: {err}") from None
    checks = array_check(intent, info)
    failed = [c for c in checks if not c.passed]
    for check in checks:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.message}")
    print(f"array {intent.name}: {len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def add_array_check_parser(
    sub: argparse._SubParsersAction, inventory_arguments: Callable[[argparse.ArgumentParser], None]
) -> None:
    parser = sub.add_parser(
        "array-check",
        help="compare the array's purefb_info read-back with the model, one check per item",
    )
    inventory_arguments(parser)
    parser.add_argument(
        "--info",
        required=True,
        help="purefb_info result as JSON (gather_subset subnets, network, filesystems, "
        "policies, lags); live: ansible-playbook railmount.storage.array_check",
    )
    parser.set_defaults(func=cmd_array_check)
