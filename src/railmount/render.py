"""Render the repository's templates/ from a host plan, exactly as the roles do.

The roles hand the same templates the same `plan` (and `port`) to ansible.builtin.template;
this module exists so golden files and `railmount render` show what a deploy would write.
Templates use only core Jinja, so both renderers agree byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from railmount.planner import HostPlan

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _env() -> jinja2.Environment:
    # Ansible's template module defaults: trim_blocks=True, lstrip_blocks=False,
    # keep_trailing_newline=True.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        trim_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def plan_data(plan: HostPlan) -> dict[str, Any]:
    """The plan as the roles receive it (JSON types)."""
    return json.loads(json.dumps(plan.to_dict()))


def render_files(plan: HostPlan) -> dict[str, str]:
    """Destination path on the host -> rendered content, for every file railmount writes."""
    env = _env()
    data = plan_data(plan)
    files = {
        port["netplan_file"]: env.get_template("netplan-port.yaml.j2").render(plan=data, port=port)
        for port in data["ports"]
    }
    files[data["sysctl_file"]] = env.get_template("sysctl.conf.j2").render(plan=data)
    files[data["verify_script"]] = env.get_template("verify-storage-path.sh.j2").render(plan=data)
    if data["failover"]["enabled"]:
        files[data["failover"]["config_file"]] = env.get_template("failover.json.j2").render(
            plan=data
        )
    files["/etc/fstab (railmount lines)"] = env.get_template("fstab.j2").render(plan=data)
    return files
