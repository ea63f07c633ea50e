"""The intended EOS config of a switch, rendered by the arista.eos resource modules
themselves (`state: rendered`), then the eos_config lines they do not cover (MLAG).

The modules run in this process, as Ansible's own "run a module directly" path does
(arguments and the legacy JSON profile in ansible.module_utils.basic, the result on
stdout): no device and no persistent network_cli connection, which cost ~40 s for the
reference through ansible-playbook against ~1 s here. It leans on those two module-side
globals of ansible-core (2.19); if they move, the golden test fails loudly.

The modules emit an interface's or VLAN's lines in set order, which changes with
PYTHONHASHSEED; `stable` sorts the lines inside each block (order there carries no
meaning) so the golden files are reproducible. Nothing else is touched.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
from typing import Any

from ansible.module_utils import basic

from railmount.intents.intent import SwitchIntent
from railmount.intents.switches import eos_blocks_text, eos_resources

RESOURCE_MODULES = (
    "eos_vlans",
    "eos_interfaces",
    "eos_l2_interfaces",
    "eos_lag_interfaces",
    "eos_l3_interfaces",
)


class RenderError(RuntimeError):
    pass


def run_module(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run arista.eos.<name> with `args`; its result dict."""
    module = importlib.import_module(f"ansible_collections.arista.eos.plugins.modules.{name}")
    saved = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE  # type: ignore[attr-defined]
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()  # type: ignore[attr-defined]
    basic._ANSIBLE_PROFILE = "legacy"  # type: ignore[attr-defined]
    out = io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.suppress(SystemExit),
        ):
            module.main()
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = saved  # type: ignore[attr-defined]
    result: dict[str, Any] = json.loads(out.getvalue())
    if result.get("failed"):
        raise RenderError(f"arista.eos.{name}: {result.get('msg')}")
    return result


BLOCK_HEADS = ("interface ", "vlan ")


def stable(lines: list[str]) -> list[str]:
    """Blocks kept in order, the lines inside each block sorted."""
    out: list[str] = []
    body: list[str] = []
    for line in lines:
        if line.startswith(BLOCK_HEADS):
            out += sorted(body)
            out.append(line)
            body = []
        else:
            body.append(line)
    return out + sorted(body)


def render_eos(intent: SwitchIntent) -> str:
    """The switch's intended config: each resource module's rendered lines, in order."""
    resources = eos_resources(intent)
    out = [f"! {intent.name}: intended config from railmount (MLAG domain {intent.domain})"]
    for name in RESOURCE_MODULES:
        rendered = run_module(name, {"config": resources[name], "state": "rendered"})
        out.append(f"! arista.eos.{name} state=rendered")
        out += stable(rendered["rendered"])
    out.append("! arista.eos.eos_config lines")
    out += eos_blocks_text(resources["config_blocks"])
    return "\n".join(out) + "\n"
