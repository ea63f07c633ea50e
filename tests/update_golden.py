#!/usr/bin/env python3
"""Regenerate tests/golden/ from the current code: `python tests/update_golden.py`
(or `pytest --update-golden`). Review the diff before committing it.

tests/golden/<inventory>/<host>/<file> holds every file railmount.render.render_files
produces for inventory/<inventory> (named by the destination's base name; the fstab
lines as `fstab`), plus plan.json (`railmount plan --format json`) and plan.txt (table);
tests/golden/intents/ the array's and switches' files (tests/intents_golden.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
INVENTORIES = ("reference", "lab")


def golden_name(path: str) -> str:
    """/etc/netplan/60-railmount-em1.yaml -> 60-railmount-em1.yaml; fstab lines -> fstab."""
    return Path(path.split(" ", 1)[0]).name


def _cli(*argv: str) -> str:
    from railmount.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"railmount {' '.join(argv)} exited {code}")
    return out.getvalue()


def expected_files(inventory: str) -> dict[str, str]:
    """Relative path under tests/golden/<inventory>/ -> content."""
    from railmount.inventory import load_plans
    from railmount.render import render_files

    source = REPO / "inventory" / inventory
    files: dict[str, str] = {}
    for host, plan in load_plans(source)[1].items():
        for path, text in render_files(plan).items():
            name = f"{host}/{golden_name(path)}"
            if name in files:
                raise RuntimeError(f"two rendered files map to golden {name}")
            files[name] = text
    # Kept indented for review; the CLI prints compact JSON when not on a terminal.
    plan = json.loads(_cli("plan", "-i", str(source), "--format", "json"))
    files["plan.json"] = json.dumps(plan, indent=2) + "\n"
    files["plan.txt"] = _cli("plan", "-i", str(source))
    return files


def write(inventory: str) -> list[Path]:
    """Rewrite tests/golden/<inventory>/, removing files no longer produced."""
    root = GOLDEN / inventory
    files = expected_files(inventory)
    changed: list[Path] = []
    for rel, text in files.items():
        target = root / rel
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(target)
    if root.exists():
        for stale in sorted(root.rglob("*"), reverse=True):
            rel = stale.relative_to(root).as_posix()
            if stale.is_file() and rel not in files:
                stale.unlink()
                changed.append(stale)
            elif stale.is_dir() and not any(stale.iterdir()):
                stale.rmdir()
    return changed


def main() -> int:
    import intents_golden  # the array's and the switches' files (tests/golden/intents/)

    for inventory in INVENTORIES:
        for path in write(inventory):
            print(f"updated {path.relative_to(REPO)}")
    for name in intents_golden.INVENTORIES:
        for path in intents_golden.write(name):
            print(f"updated {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
