"""tests/golden/intents/<inventory>/: what the array and the switches get for the checked-in
inventories (`railmount render --target array|switches`). Written by
`python tests/update_golden.py` with the hosts' golden files."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "intents"
INVENTORIES = {
    "reference": REPO / "inventory" / "reference",  # Arista EOS pair
    "reference-nvue": REPO / "tests" / "inventories" / "reference-nvue",  # Cumulus NVUE pair
}


def expected_files(name: str) -> dict[str, str]:
    from railmount.intents.render import array_files, switch_files
    from railmount.inventory import load_plans

    inv, plans = load_plans(INVENTORIES[name])
    return {**array_files(inv), **switch_files(inv, plans)}


def write(name: str) -> list[Path]:
    root = GOLDEN / name
    files = expected_files(name)
    changed = []
    for rel, text in files.items():
        target = root / rel
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(target)
    for stale in sorted(root.glob("*")):
        if stale.is_file() and stale.name not in files:
            stale.unlink()
            changed.append(stale)
    return changed
