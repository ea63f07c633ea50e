"""Render what a deploy writes on a storage client from its plan — the only renderer.

The host_config action plugin (what the storage_ports role runs) and `railmount render`
both call `host_files()`, so the deploy and the preview cannot differ. Templates in
templates/ use only core Jinja.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources as package_files
from typing import Any

import jinja2

from railmount import resources
from railmount.hostside.layout import NETPLAN_GLOB, PLAN_FILE
from railmount.planner import HostPlan

HOST_LIB = "/usr/local/lib/railmount"
HOST_PACKAGE = "railmount_host"  # railmount.hostside, under the name it has on the hosts
HOST_TOOL = "/usr/local/sbin/railmount-host"
AGENT_UNIT = "/etc/systemd/system/railmount-failover.service"
# Files of railmount 0.1 that the host-side tools replaced.
LEGACY = (
    "/usr/local/sbin/railmount-failover",
    "/usr/local/sbin/railmount-verify-path",
    "/etc/railmount/failover.json",
)

TOOL_WRAPPER = f"""#!/bin/sh
# Managed by railmount: the host-side tools (failover agent, netplan apply with rollback,
# sysctl sync, storage path check). `railmount-host` alone lists the commands.
PYTHONPATH={HOST_LIB} exec /usr/bin/python3 -m {HOST_PACKAGE} "$@"
"""

AGENT_SERVICE = f"""# Managed by railmount.
[Unit]
Description=railmount storage port failover (address takeover on carrier loss)
Documentation=file://{PLAN_FILE}
After=systemd-networkd.service
Wants=systemd-networkd.service

[Service]
ExecStart={HOST_TOOL} agent
# on-failure: with failover off in the plan the agent exits 0 and stays down.
Restart=on-failure
RestartSec=1

[Install]
WantedBy=multi-user.target
"""


@dataclass(frozen=True)
class HostFile:
    path: str
    content: str
    mode: str
    group: str  # netplan | sysctl | plan | tool | agent
    show_diff: bool = True


@dataclass(frozen=True)
class Stale:
    glob: str  # files matching it that are not planned are removed
    group: str


def _env() -> jinja2.Environment:
    # Ansible's template defaults, so files look as they did when roles templated them.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates()),
        trim_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def plan_data(plan: HostPlan) -> dict[str, Any]:
    """The plan as JSON types, as the railmount_plan_json fact carries it (parsed)."""
    data: dict[str, Any] = json.loads(json.dumps(plan.to_dict()))
    return data


def hostside_sources() -> dict[str, str]:
    """railmount.hostside's modules: file name -> source."""
    package = package_files.files("railmount.hostside")
    return {
        item.name: item.read_text()
        for item in sorted(package.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".py")
    }


def host_files(plan: dict[str, Any]) -> tuple[list[HostFile], list[Stale]]:
    """Every file railmount keeps on the host, and globs of its files to remove."""
    env = _env()
    files = [
        HostFile(
            port["netplan_file"],
            env.get_template("netplan-port.yaml.j2").render(plan=plan, port=port),
            "0600",
            "netplan",
        )
        for port in plan["ports"]
    ]
    files.append(
        HostFile(
            plan["sysctl_file"],
            env.get_template("sysctl.conf.j2").render(plan=plan),
            "0644",
            "sysctl",
        )
    )
    files.append(HostFile(plan["plan_file"], json.dumps(plan, indent=1) + "\n", "0644", "plan"))
    for name, source in hostside_sources().items():
        path = f"{HOST_LIB}/{HOST_PACKAGE}/{name}"
        files.append(HostFile(path, source, "0644", "tool", show_diff=False))
    files.append(HostFile(HOST_TOOL, TOOL_WRAPPER, "0755", "tool"))
    # Installed even with failover off: `railmount-host converge` then keeps it stopped.
    files.append(HostFile(AGENT_UNIT, AGENT_SERVICE, "0644", "agent"))
    return files, [Stale(NETPLAN_GLOB, "netplan"), *(Stale(path, "legacy") for path in LEGACY)]


def fstab_lines(plan: dict[str, Any]) -> str:
    """The fstab lines ansible.posix.mount writes (shown by `railmount render`)."""
    return _env().get_template("fstab.j2").render(plan=plan)


def render_files(plan: HostPlan) -> dict[str, str]:
    """Destination -> content of every railmount file on the host, for preview/goldens
    (the host-side tool sources are listed by name only: they are the package's code)."""
    data = plan_data(plan)
    files, _ = host_files(data)
    out = {f.path: f.content for f in files if f.group != "tool"}
    out[HOST_TOOL] = TOOL_WRAPPER
    out["/etc/fstab (railmount lines)"] = fstab_lines(data)
    return out
