"""railmount_array.vendor: railmount_nfs is checked against the chosen array's profile,
which also supplies the defaults of the keys the inventory leaves unset."""

from __future__ import annotations

import pytest
from inv_factory import valid

from railmount import values
from railmount.array_profiles import ARRAY_PROFILES, DEFAULT_VENDOR, ArrayProfile
from railmount.model import NfsOptions


def only(problems, host, field):
    found = [p for p in problems if (p.host, p.field) == (host, field)]
    assert len(found) == 1, problems
    return found[0]


def with_vendor(vendor, nfs=None):
    v = valid()
    v.set_global("railmount_array", {**v.array(), "vendor": vendor})
    if nfs is not None:
        v.set_global("railmount_nfs", nfs)
    return v


def test_the_default_vendor_is_the_reference_architectures_array():
    inv = valid().build()
    assert inv.array.vendor == DEFAULT_VENDOR == "pure-flashblade"
    # The model's own defaults are the default profile's: no second copy of them.
    defaults = ARRAY_PROFILES[DEFAULT_VENDOR].defaults
    assert {k: getattr(NfsOptions(), k) for k in defaults} == dict(defaults)


def test_a_vendor_supplies_the_defaults_the_inventory_leaves_unset():
    nfs = with_vendor("netapp-ontap", {"rsize": 262144}).build().nfs  # the rest unset
    assert (nfs.version, nfs.rsize, nfs.wsize) == ("3", 262144, 65536)


def test_an_unknown_vendor_names_the_known_ones():
    problem = only(with_vendor("emc-isilon").problems(), "all", "railmount_array.vendor")
    assert "one of pure-flashblade, netapp-ontap" in problem.message


def test_a_version_the_array_does_not_offer_is_refused():
    problem = only(
        with_vendor("pure-flashblade", {"version": "4.2"}).problems(),
        "all",
        "railmount_nfs.version",
    )
    assert problem.message == "Pure Storage FlashBlade does not offer NFS 4.2 (it offers 3, 4.1)"
    also = "or set railmount_array.vendor to the array you have"
    assert problem.fix == f"write one of: 3, 4.1, {also}"
    assert with_vendor("netapp-ontap", {"version": "4.2"}).build().nfs.version == "4.2"


@pytest.fixture
def small_array(monkeypatch):
    """A made-up vendor row: adding one is all it takes."""
    row = ArrayProfile(
        title="Small Array",
        docs=("https://example.invalid/docs",),
        nfs_versions=("3",),
        max_io_size=65536,
        max_nconnect=4,
        refused_options={"nocto": "its snapshots need close-to-open"},
        defaults={"version": "3", "rsize": 65536, "wsize": 32768},
    )
    monkeypatch.setitem(ARRAY_PROFILES, "small", row)
    return row


def test_limits_of_the_chosen_array(small_array):
    nfs = {"rsize": 131072, "nconnect": 8, "extra_options": ["timeo=600,nocto"]}
    v = with_vendor("small", nfs)
    problems = v.problems()
    rsize = only(problems, "all", "railmount_nfs.rsize")
    assert rsize.message == "131072 is larger than Small Array negotiates (65536)"
    assert rsize.fix == "write at most 65536, or set railmount_array.vendor to the array you have"
    nconnect = only(problems, "all", "railmount_nfs.nconnect")
    assert nconnect.message == "Small Array takes at most 4 connections per mount"
    option = only(problems, "all", "railmount_nfs.extra_options[0]")
    assert option.message == (
        "'nocto' is not allowed with Small Array: its snapshots need close-to-open"
    )
    assert len(problems) == 3


def test_a_new_vendors_defaults_reach_the_plan(small_array):
    inv = with_vendor("small", {}).build()
    assert (inv.nfs.rsize, inv.nfs.wsize) == (65536, 32768)


@pytest.mark.parametrize("vendor", sorted(ARRAY_PROFILES))
def test_every_profile_is_consistent_with_railmount(vendor):
    row = ARRAY_PROFILES[vendor]
    supported = {v for v, why in values.NFS_VERSIONS.items() if why is None}
    assert row.docs and set(row.nfs_versions) <= supported
    assert row.defaults["version"] in row.nfs_versions
    assert max(row.defaults["rsize"], row.defaults["wsize"]) <= row.max_io_size
    assert with_vendor(vendor).build().array.vendor == vendor
