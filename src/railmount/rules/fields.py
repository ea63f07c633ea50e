"""Validate one top-level key against the schema; pydantic's errors become Problems.

On failure the parts that are valid on their own are kept (`salvage`), so the checks
across fields and hosts still run and every problem is reported in one go.
"""

from __future__ import annotations

import difflib
import typing
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError

from railmount.rules.problems import Report, Unresolved
from railmount.schema import (
    KEYS,
    adapter,
    field_at,
    fields,
    is_section,
    item_type,
    node,
    section_at,
)
from railmount.values import ERROR_TYPE

NOT_A_MAPPING = ("dataclass_type", "dataclass_args_type", "dict_type", "model_type")
UNKNOWN_KEY = ("unexpected_keyword_argument", "extra_forbidden")


def dotted(key: str, loc: tuple[str | int, ...]) -> str:
    path = key
    for step in loc:
        if isinstance(step, int):
            path += f"[{step}]"
        elif step != "[key]":
            path += f".{step}"
    return path


def did_you_mean(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    return f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(allowed)}"


def read_key(
    report: Report,
    host: str,
    key: str,
    raw: Any,
    context: dict[str, Any] | None = None,
) -> tuple[Any, bool]:
    """(value, ok) for `raw` read as top-level `key`. Not ok: every problem is in `report`
    and value holds what validated on its own (None where nothing did)."""
    tp = KEYS[key].type
    try:
        return adapter(tp).validate_python(raw, context=context), True
    except ValidationError as err:
        for error in err.errors(include_url=False):
            _report(report, host, key, error, context or {})
    return salvage(tp, raw, context), False


def _report(report: Report, host: str, key: str, error: Any, context: dict[str, Any]) -> None:
    value = error.get("input")
    if isinstance(value, Unresolved):
        return  # the reader reported why it has no value
    loc = tuple(error["loc"])
    path = dotted(key, loc)
    kind = error["type"]
    field = field_at(key, loc)
    field_fix = field.extra.get("fix", "").format(**context) if field else ""
    if kind == ERROR_TYPE:
        ctx = error["ctx"]
        message = (
            f"{value!r} is not {ctx['kind']}: {ctx['detail']}" if ctx["kind"] else ctx["detail"]
        )
        fix = ctx["fix"] or field_fix or ctx["fallback"] or f"correct {path}"
        report.add(host, path, message, fix)
    elif kind == "missing":
        report.add(host, path, "missing", field_fix or f"set {path}")
    elif kind in UNKNOWN_KEY:
        section = section_at(key, loc[:-1])
        allowed = [f.key for f in fields(section)] if section else []
        hint = did_you_mean(str(loc[-1]), allowed)
        report.add(host, path, "unknown key", f"remove it or correct the spelling ({hint})")
    elif kind in NOT_A_MAPPING:
        got = "a list" if isinstance(value, list) else type(value).__name__
        report.add(host, path, f"expected a mapping, got {got}", "write it as key: value")
    else:  # a pydantic check railmount does not phrase itself
        report.add(host, path, f"{value!r} is not valid: {error['msg']}", f"correct {path}")


def salvage(tp: Any, raw: Any, context: dict[str, Any] | None) -> Any:
    """What of `raw` validates as `tp` part by part: a section becomes a SimpleNamespace
    of its fields (None where invalid), a list keeps its indexes (None items)."""
    if isinstance(raw, Unresolved):
        return None
    try:
        return adapter(tp).validate_python(raw, context=context)
    except ValidationError:
        pass
    bare = node(tp).tp
    if is_section(bare) and isinstance(raw, dict):
        return SimpleNamespace(
            **{
                f.name: salvage(f.tp, raw[f.key], context)
                if raw.get(f.key) is not None
                else f.default
                for f in fields(bare)
            }
        )
    item = item_type(bare)
    if item is not None and typing.get_origin(bare) is tuple and isinstance(raw, list | tuple):
        return tuple(salvage(item, value, context) for value in raw)
    return None
