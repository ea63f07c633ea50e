"""`railmount-host COMMAND`: the host-side tools, each reading /etc/railmount/plan.json.

    agent                   the failover agent (systemd: railmount-failover.service)
    verify                  storage path check; exit 1 with one line per broken VIP
    netplan-apply           pending check, generate, apply, verify, roll back on failure
    netplan-foreign [--root DIR]
                            other netplan files' definitions of a planned storage port;
                            exit 1 with one line per conflict (host_config runs it)
    converge [--check] [--reload] [--restart-agent]
                            load the sysctls where running values differ; the failover
                            agent running and enabled (or stopped when failover is off)

netplan-apply, netplan-foreign and converge print one JSON object (the deploy reads it).
"""

from __future__ import annotations

import json
import sys

from . import agent, netplan, service, sysctl, verify
from .plan import load


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else ""
    if command == "agent":
        return agent.main(args)
    plan = load()
    if command == "verify":
        found = verify.problems(plan)
        print("\n".join(found) or "storage path OK: every VIP via its planned port and source")
        return 1 if found else 0
    if command == "netplan-apply":
        report = netplan.apply(plan)
        print(json.dumps(report))
        return 1 if report["problems"] else 0
    if command == "netplan-foreign":
        root = args[args.index("--root") + 1] if "--root" in args[:-1] else "/"
        foreign = netplan.foreign_report(plan, root=root)
        print(json.dumps(foreign))
        return 1 if foreign["problems"] else 0
    if command == "converge":
        check = "--check" in args
        sysctls = sysctl.sync(plan, check=check)
        unit = service.ensure(plan, "--reload" in args, "--restart-agent" in args, check)
        report = {
            "changed": sysctls["changed"] or unit["changed"],
            "sysctl": sysctls,
            "agent": unit,
            "failed": bool(sysctls.get("failed") or unit.get("failed")),
        }
        print(json.dumps(report))
        return 1 if report["failed"] else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
