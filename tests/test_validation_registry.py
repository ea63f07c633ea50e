"""The check registry: every suite test binds to one registered check and back, ids are
derived, the inventory keys a check reads exist, and the README's check table is current."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from captured import Capture, plan

from railmount import schema_docs
from railmount.validation import check_table, registry
from railmount.validation.verdicts import CheckResult, checkpoint, mounts

REPO = Path(__file__).resolve().parents[1]


def _suite_tests(suite: str) -> set[str]:
    tree = ast.parse((REPO / "validate" / f"test_{suite}.py").read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name[:5] == "test_"}


@pytest.mark.parametrize("suite", registry.SUITE_NAMES)
def test_every_suite_test_has_its_check_and_back(suite):
    assert _suite_tests(suite) == {c.test for c in registry.checks([suite])}


def test_ids_are_derived_from_the_function_and_unique():
    ids = [c.id for c in registry.checks()]
    assert len(ids) == len(set(ids))
    assert all(c.id.startswith(f"{c.suite}.") and c.description for c in registry.checks())
    assert registry.bound("checkpoint", "test_checkpoint_written").id == "checkpoint.written"
    assert registry.bound("mounts", "test_tcp_source_address").id == "mounts.tcp_source_address"
    assert registry.bound("mounts", "test_no_such_check") is None


def test_a_verdict_result_carries_its_check_id():
    args = (plan("dgx-1-2"), Capture("dgx-1-2").state(), "/mnt/nfs0")
    assert mounts.mounted(*args).check == "mounts.mounted"
    assert mounts.mounted.__wrapped__(*args).check == ""  # the id comes from the registry
    check = registry.bound("checkpoint", "test_checkpoint_written")
    assert check is not None and check.verdict is checkpoint.checkpoint_written


def test_reads_name_inventory_keys():
    keys = set(re.findall(r"^\| `([^`]+)` \|", schema_docs.key_table(), re.M))
    unknown = {(c.id, k) for c in registry.checks() for k in c.reads if k not in keys}
    assert unknown == set()


def test_suites_are_listed_once():
    from railmount.report import model
    from railmount.validation import cli

    assert (*registry.HOST_SUITES, *registry.CROSS_HOST_SUITES, "fleet") == cli.SUITES
    assert (
        model.suite_key("faults") < model.suite_key("unknown") == (len(registry.SUITES), "unknown")
    )
    assert [model.suite_key(s)[0] for s in registry.SUITE_NAMES] == list(
        range(len(registry.SUITES))
    )


def test_readme_check_table_is_current():
    readme = schema_docs.README.read_text()
    assert readme == check_table.readme_with_checks(readme), (
        "stale: run python -m railmount.schema_docs --write"
    )
    assert "| `mounts.tcp_source_address` | mount |" in check_table.check_table()


def _verdict_in(module: str, doc: str | None):
    def verdict(plan, state, path) -> CheckResult:
        return CheckResult("h", path, "what", "x", "x", True)

    verdict.__module__, verdict.__doc__ = module, doc
    return verdict


def test_the_decorator_refuses_what_it_cannot_register():
    with pytest.raises(TypeError, match="not one string"):
        registry.check(per="mount", reads="railmount_nfs")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown per 'disk'"):
        registry.check(per="disk")
    with pytest.raises(ValueError, match="checks live in a suite's verdict module"):
        registry.check(per="mount")(_verdict_in(__name__, "A check."))
    with pytest.raises(ValueError, match="no docstring"):
        registry.check(per="mount")(_verdict_in("railmount.validation.verdicts.mounts", None))
    with pytest.raises(ValueError, match="defined twice"):
        doc = "Again."
        twice = _verdict_in("railmount.validation.verdicts.mounts", doc)
        twice.__name__ = "mounted"
        registry.check(per="mount")(twice)


def test_a_suite_test_without_a_check_is_refused_at_collection(tmp_path):
    (tmp_path / "conftest.py").write_text((REPO / "validate" / "conftest.py").read_text())
    suite = tmp_path / "test_links.py"
    suite.write_text("def test_port_colour(rm, expect, port_item):\n    pass\n")
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(suite), "-p", "offline_hosts", "-p",
         "no:cacheprovider", f"--ansible-inventory={REPO / 'tests/data/captured-lab'}",
         "-o", "addopts=", f"--rootdir={tmp_path}", "-q"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "no check links.port_colour in the registry — fix: decorate the verdict" in run.stderr
