"""NVUE trees checked against NVIDIA's schema as the nvueschema package models it.

nvueschema's models ignore keys they do not know (pydantic's default), so a tree is
valid only if it validates *and* dumps back unchanged: a misspelt or misplaced key
would otherwise vanish silently.
"""

from __future__ import annotations

import importlib
from typing import Any

NVUE_RELEASE = "5.18"  # the newest release nvueschema 0.1.0 models


def nvue_problems(tree: dict[str, Any], release: str = NVUE_RELEASE) -> list[str]:
    from pydantic import ValidationError

    models = importlib.import_module(f"nvueschema.models.v{release.replace('.', '_')}")
    try:
        model = models.NvueConfig.model_validate(tree)
    except ValidationError as err:
        return [
            f"{'/'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in err.errors(include_url=False)
        ]
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return [f"{path}: not in the NVUE {release} schema" for path in _lost(tree, dumped)]


def _lost(given: Any, kept: Any, path: str = "") -> list[str]:
    if not isinstance(given, dict):
        return []
    if not isinstance(kept, dict):
        return [path or "/"]
    out = []
    for key, value in given.items():
        at = f"{path}/{key}"
        out += [at] if key not in kept else _lost(value, kept[key], at)
    return out
