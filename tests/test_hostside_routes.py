"""The shared VIP-route spec (src/railmount/hostside/routes.py) on real `ip -j route get`
answers from the lab capture, and its promise to run on the hosts: stdlib, Python 3.9."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from captured import Capture, plan

from railmount.hostside import routes

SOURCE = Path(routes.__file__)
GOLDEN_PLAN = Path(__file__).parent / "golden" / "lab" / "plan.json"


def _answer(vip: str, capture: Capture | None = None) -> routes.Answer:
    """What `ip -j route get VIP` printed in the capture."""
    return routes.parse_answer((capture or Capture()).sections[f"route {vip}"])


def _expectation(vip: str) -> routes.RouteExpectation:
    return next(e for e in routes.expected_routes(plan("dgx-1-2").to_dict()) if e.vip == vip)


def test_expected_routes_are_the_primaries_of_the_plan_json():
    rendered = json.loads(GOLDEN_PLAN.read_text())["hosts"]["dgx-1-1"]
    assert routes.expected_routes(rendered) == [
        routes.RouteExpectation("nfs0", "198.18.115.6", "em1", "198.18.115.120"),
        routes.RouteExpectation("nfs1", "198.18.115.7", "em2", "198.18.115.113"),
        routes.RouteExpectation("nfs2", "198.18.115.8", "em1", "198.18.115.120"),
        routes.RouteExpectation("nfs3", "198.18.115.9", "em2", "198.18.115.113"),
    ]
    assert routes.expected_routes(plan("dgx-1-1").to_dict()) == routes.expected_routes(rendered)


def test_the_captured_routes_are_as_planned():
    for expectation in routes.expected_routes(plan("dgx-1-2").to_dict()):
        assert routes.route_problem(expectation, _answer(expectation.vip_address)) is None


def test_a_vip_on_the_other_port_is_named():
    capture = Capture().edit("route 198.18.115.6", '"dev":"em1"', '"dev":"em2"')
    capture.edit("route 198.18.115.6", "198.18.115.121", "198.18.115.114")
    assert routes.route_problem(_expectation("nfs0"), _answer("198.18.115.6", capture)) == (
        "expected dev em1 src 198.18.115.121, actual dev em2 src 198.18.115.114"
    )


def test_the_backup_route_with_the_right_source_is_still_wrong():
    """After a link fault the backup route keeps the source: only the port differs."""
    capture = Capture().edit("route 198.18.115.6", '"dev":"em1"', '"dev":"em2"')
    assert routes.route_problem(_expectation("nfs0"), _answer("198.18.115.6", capture)) == (
        "expected dev em1 src 198.18.115.121, actual dev em2 src 198.18.115.121"
    )


def test_the_planned_port_with_the_other_port_s_source_is_wrong():
    """The route networkd can leave behind: right port, source of the other port."""
    capture = Capture().edit("route 198.18.115.8", "198.18.115.121", "198.18.115.114")
    assert routes.route_problem(_expectation("nfs2"), _answer("198.18.115.8", capture)) == (
        "expected dev em1 src 198.18.115.121, actual dev em1 src 198.18.115.114"
    )


def test_an_unreachable_vip_shows_what_ip_printed():
    answer = routes.parse_answer("RTNETLINK answers: Network is unreachable\n")
    assert answer == "RTNETLINK answers: Network is unreachable"
    assert routes.route_problem(_expectation("nfs1"), answer) == (
        "expected dev em2 src 198.18.115.114, actual RTNETLINK answers: Network is unreachable"
    )


@pytest.mark.parametrize(
    ("output", "actual"), [("[]", "no route"), ("", "no answer"), ("{}", "{}")]
)
def test_empty_or_odd_answers_fail(output, actual):
    problem = routes.route_problem(_expectation("nfs0"), routes.parse_answer(output))
    assert problem == f"expected dev em1 src 198.18.115.121, actual {actual}"


def test_source_is_python_3_9_and_stdlib_only():
    """It is shipped to the hosts as one file: no newer syntax, no third-party imports."""
    tree = ast.parse(SOURCE.read_text(), feature_version=(3, 9))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_runs_as_a_lone_file(tmp_path):
    """Copied alone (as onto a host), it imports and judges with no site-packages."""
    shutil.copy(SOURCE, tmp_path / "routes.py")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
        "import routes; e = routes.expected_routes({'routes': [{'vip': 'nfs0', "
        "'vip_address': '10.0.0.6', 'dev': 'em1', 'src': '10.0.0.2', 'backup': False}]})[0]; "
        "print(routes.route_problem(e, routes.parse_answer("
        '\'[{"dev": "em2", "prefsrc": "10.0.0.3"}]\')))'
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.stdout.strip() == "expected dev em1 src 10.0.0.2, actual dev em2 src 10.0.0.3"
