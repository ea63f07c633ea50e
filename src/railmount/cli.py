"""`railmount` command line: check, plan, render, lab, validate."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence

from railmount.model import Inventory
from railmount.planner import HostPlan
from railmount.rules import InventoryError
from railmount.vault import VaultError, VaultOptions, add_vault_arguments

DEBUG_ENV = "RAILMOUNT_DEBUG"


def _load(args: argparse.Namespace) -> dict[str, HostPlan]:
    from railmount.inventory import load_plans

    return load_plans(args.inventory, VaultOptions.from_args(args))[1]


def _check(args: argparse.Namespace) -> Inventory:
    from railmount.inventory import load

    return load(args.inventory, VaultOptions.from_args(args))


def _select(plans: dict[str, HostPlan], host: str | None) -> dict[str, HostPlan]:
    if host is None:
        return plans
    if host not in plans:
        raise SystemExit(f"railmount: no storage client '{host}' (have: {', '.join(plans)})")
    return {host: plans[host]}


def format_table(plans: dict[str, HostPlan]) -> str:
    """Human view: ports, then routes and mounts in the shape `ip route` and mtab print."""
    out: list[str] = []
    for name, plan in plans.items():
        out.append(f"{name}")
        out.append("  ports:")
        rows = [("PORT", "MAC", "ADDRESS", "MTU", "SPEED", "SWITCH", "VIPS")]
        rows += [
            (
                p.name,
                p.mac,
                p.address,
                str(p.mtu),
                f"{p.speed_mbps}M" if p.speed_mbps else "-",
                p.switch,
                ",".join(p.vips),
            )
            for p in plan.ports
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out += [
            "    " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
        out.append("  routes:")
        out += [
            f"    {r.to.removesuffix('/32')} dev {r.dev} src {r.src}"
            for r in plan.routes
            if not r.backup
        ]
        backups = [r for r in plan.routes if r.backup]
        if backups:
            out.append("  failover routes (used only while the primary port has no carrier):")
            out += [
                f"    {r.to.removesuffix('/32')} dev {r.dev} src {r.src} metric {r.metric}"
                for r in backups
            ]
        out.append("  mounts:")
        out += [
            f"    :{m.export} {m.path} {m.fstype} addr={m.vip_address}  ({m.options})"
            for m in plan.mounts
        ]
        out.append("")
    return "\n".join(out)


def cmd_check(args: argparse.Namespace) -> int:
    inv = _check(args)  # the model only: planning a checked inventory cannot fail
    clients, vips = len(inv.clients), len(inv.array.vips)
    print(f"{args.inventory}: OK — {clients} storage client(s), {vips} VIP(s) each")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from railmount.inventory import load_plans

    inv, all_plans = load_plans(args.inventory, VaultOptions.from_args(args))
    plans = _select(all_plans, args.host)
    if args.format == "json":
        # Indented for a person; compact for a program (json's C encoder, 4x faster at scale).
        indent = 2 if sys.stdout.isatty() else None
        print(json.dumps({"hosts": {h: p.to_dict() for h, p in plans.items()}}, indent=indent))
    else:
        print(format_table(plans), end="")
        if inv.fabric is not None:
            from railmount.intents.cli import format_path

            print(format_path(inv, all_plans, plans), end="")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    if args.target != "hosts":
        from railmount.intents.cli import render_target

        return render_target(args)
    from railmount.render import render_files

    for host, plan in _select(_load(args), args.host).items():
        for path, text in render_files(plan).items():
            print(f"### {host}: {path}")
            print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _inventory_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-i", "--inventory", required=True)
    add_vault_arguments(parser)


CORE_COMMANDS = ("check", "plan", "render")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (for one of CORE_COMMANDS) just that part: the lab, validate and
    report commands import more than a `railmount check` at 1,000 hosts should pay for."""
    parser = argparse.ArgumentParser(prog="railmount", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate an inventory; every problem at once")
    _inventory_arguments(check)
    check.set_defaults(func=cmd_check)

    plan = sub.add_parser("plan", help="print the per-host plan")
    _inventory_arguments(plan)
    plan.add_argument("--host")
    plan.add_argument("--format", choices=["table", "json"], default="table")
    plan.set_defaults(func=cmd_plan)

    render = sub.add_parser("render", help="print the files a deploy writes")
    _inventory_arguments(render)
    render.add_argument("--host")
    render.add_argument(
        "--target",
        choices=["hosts", "array", "switches"],
        default="hosts",
        help="hosts: the deploy's files; array, switches: their intended configuration",
    )
    render.set_defaults(func=cmd_render)
    if command in CORE_COMMANDS:
        return parser

    from railmount.intents.cli import add_array_check_parser

    add_array_check_parser(sub, _inventory_arguments)

    from railmount.lab.cli import add_lab_parser
    from railmount.report import add_report_parser
    from railmount.validation.cli import add_validate_parser

    add_lab_parser(sub)
    add_validate_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InventoryError as err:
        print(f"railmount: {args.inventory}: {len(err.problems)} problem(s)", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (FileNotFoundError, VaultError) as err:
        print(f"railmount: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `railmount plan | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:  # one line, not a traceback; the traceback on request
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        detail = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(
            f"railmount: internal error: {type(err).__name__}{': ' + detail if detail else ''}; "
            f"set {DEBUG_ENV}=1 for the traceback",
            file=sys.stderr,
        )
        return 70  # EX_SOFTWARE


if __name__ == "__main__":
    sys.exit(main())
