"""The lab's switches: MLAG pairing and switch names (no root, no namespaces)."""

from __future__ import annotations

import pytest
from fakelab import make_spec

from railmount.lab import switches


def test_mlag_pairs() -> None:
    assert switches.mlag_pairs(make_spec()) == [("tor1", "tor2")]
    assert switches.mlag_pairs(make_spec(("a", "b", "c", "d", "e"))) == [("a", "b"), ("c", "d")]


def test_unknown_switch_rejected() -> None:
    with pytest.raises(switches.FabricError):
        switches.set_switch(make_spec(), "tor9", up=False)
