"""Shared pytest options. Unit tests run as any user, offline, in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
LAB_RESULTS = DATA / "results-sample.json"  # a real lab run
HANDMADE_RESULTS = DATA / "results-handmade-sample.json"  # every optional section, made up


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current code instead of comparing",
    )


@pytest.fixture
def lab_results() -> dict:
    """A real lab results file: two hosts, checks, bandwidth, sizing."""
    return json.loads(LAB_RESULTS.read_text())


@pytest.fixture
def handmade_results() -> dict:
    """A hand-made results file with fleet, training reads, checkpoint and faults."""
    return json.loads(HANDMADE_RESULTS.read_text())
