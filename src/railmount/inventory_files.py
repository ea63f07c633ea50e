"""Inventory files Ansible cannot read become Problems naming the file (and line).

Ansible only warns about an inventory file no plugin parses and drops its hosts; a broken
group_vars/host_vars file fails every host it applies to with a message that may not
name the file. Both are turned into one problem line per file here.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from railmount.rules import Problem
from railmount.vault import NO_PASSWORD_FIX

YAML_FIX = "correct the YAML there (indentation, quotes, brackets)"
IGNORED_WARNINGS = ("Unable to parse", "No inventory was parsed")


def relative(path: str) -> str:
    """A path as the user would write it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _origin(err: BaseException) -> Any:
    """The first Origin (path, line) Ansible attached anywhere in the exception chain."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        obj = getattr(current, "obj", None)
        if getattr(obj, "path", None):
            return obj
        current = current.__cause__ or current.__context__
    return None


def _message(err: BaseException) -> str:
    text = str(getattr(err, "message", "") or err).strip()
    text = text.splitlines()[0] if text else type(err).__name__
    # "<class '...._AnsibleTaggedList'>" -> "list"
    return re.sub(r"<class '[\w.]*?(?:_AnsibleTagged)?(\w+)'>", lambda m: m[1].lower(), text)


INVENTORY_FIX = "correct it, or move it out of the inventory directory (Ansible reads every file)"
VARS_FIX = "correct the file (variables are key: value mappings)"


def file_problem(
    path: str, err: BaseException | None, line: int | None = None, fix: str = VARS_FIX
) -> Problem:
    """The problem line for a file Ansible failed to load."""
    message = _message(err) if err is not None else "not an inventory"
    where = f"line {line}" if line else "file"
    if "Decryption failed" in message:
        return Problem(
            relative(path),
            where,
            f"cannot decrypt it: {message}",
            "give the vault password (or --vault-id) it was encrypted with",
        )
    if "vault password must be specified" in message or "no vault secrets found" in message:
        return Problem(
            relative(path),
            where,
            "encrypted with ansible-vault, and no vault password was given",
            NO_PASSWORD_FIX,
        )
    if "YAML parsing failed" in message:
        return Problem(relative(path), where, message, YAML_FIX)
    return Problem(relative(path), where, message, fix)


def _from_exception(err: BaseException, fallback: str, fix: str = VARS_FIX) -> Problem:
    origin = _origin(err)
    if origin is not None:
        return file_problem(origin.path, err, getattr(origin, "line_num", None), fix)
    quoted = re.search(r"'(/[^']+)'", _message(err))
    return file_problem(quoted.group(1) if quoted else fallback, err, fix=fix)


class UnparsedRecorder:
    """Builds the InventoryManager, recording every source file no plugin could parse."""

    def __init__(self, loader: Any, source: str) -> None:
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager

        recorder = self
        self.problems: list[Problem] = []
        self.failures: list[tuple[str, BaseException]] = []  # (plugin, error) of this file

        class Manager(InventoryManager):  # type: ignore[misc]
            def parse_source(self, source: str, cache: bool = False) -> bool:
                parsed = bool(super().parse_source(source, cache=cache))
                if not parsed and os.path.isfile(source):
                    recorder.problems.append(recorder._unparsed(source))
                return parsed

        with self._capture_parse_warnings():
            try:
                self.manager = Manager(loader=loader, sources=[source])
            except AnsibleError as err:  # configured to fail on unparsed sources
                self.problems.append(_from_exception(err, source, INVENTORY_FIX))
                self.manager = InventoryManager(loader=loader, sources=[])

    def _unparsed(self, path: str) -> Problem:
        failures, self.failures = self.failures, []
        # The plugin the file was meant for: YAML for .yml/.yaml/.json, else INI.
        want = "yaml" if path.endswith((".yml", ".yaml", ".json")) else "ini"
        chosen = next((e for p, e in failures if p == want), failures[0][1] if failures else None)
        if chosen is None:
            return file_problem(path, None, fix=INVENTORY_FIX)
        return _from_exception(chosen, path, INVENTORY_FIX)

    @contextlib.contextmanager
    def _capture_parse_warnings(self) -> Iterator[None]:
        """Ansible prints plugin failures as warnings; keep them for the problem lines."""
        from ansible.inventory import manager as module

        display = module.display
        original_warning = display.warning

        def error_as_warning(msg: str | None, exception: BaseException, **_: Any) -> None:
            match = re.search(r"with '([^']+)' plugin", str(msg))
            self.failures.append((match[1] if match else "", exception))

        def warning(msg: str, *args: Any, **kwargs: Any) -> None:
            if not str(msg).startswith(IGNORED_WARNINGS):
                original_warning(msg, *args, **kwargs)

        display.error_as_warning = error_as_warning
        display.warning = warning
        try:
            yield
        finally:
            del display.error_as_warning, display.warning


def vars_file_problem(loader: Any, source: Path, host: Any, err: BaseException) -> Problem:
    """The problem for a host whose variables failed to load: the file that fails."""
    if _origin(err) is None:  # Ansible did not say which file (vault, not a mapping): find it
        for path in _vars_files(loader, source, host):
            try:
                data = loader.load_from_file(path, cache="none")
            except Exception as load_err:  # any load failure is the culprit
                return _from_exception(load_err, path)
            if data is not None and not isinstance(data, dict):
                kind = "list" if isinstance(data, list) else "scalar"
                return Problem(
                    relative(path),
                    "file",
                    f"holds a {kind}, not key: value pairs",
                    "write the variables as key: value lines",
                )
    return _from_exception(err, str(source))


def _vars_files(loader: Any, source: Path, host: Any) -> Iterator[str]:
    """The group_vars/host_vars files that apply to `host`, as host_group_vars finds them."""
    base = source if source.is_dir() else source.parent
    for group in host.get_groups():
        yield from loader.find_vars_files(str(base / "group_vars"), group.name)
    yield from loader.find_vars_files(str(base / "host_vars"), host.name)
