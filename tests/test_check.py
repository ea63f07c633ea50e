"""railmount.rules: every problem names the host, the dotted field and a fix, all at once."""

from __future__ import annotations

import pytest
from inv_factory import CLIENTS, SWITCHES, only, valid


def test_valid_inventory_builds():
    inv = valid().build()
    assert [c.name for c in inv.clients] == list(CLIENTS)
    assert inv.switches == SWITCHES
    assert [str(v.vip_address) for v in inv.array.vips] == [
        "10.21.115.6",
        "10.21.115.7",
        "10.21.115.8",
        "10.21.115.9",
    ]


# --- malformed values --------------------------------------------------------------------


def test_malformed_port_address():
    v = valid()
    v.port("dgx-1-1", 0)["address"] = "10.21.115.300/24"
    problems = v.problems()
    assert len(problems) == 1
    problem = only(problems, "dgx-1-1", "railmount_ports[0].address")
    assert "10.21.115.300/24" in problem.message
    assert "Octet 300" in problem.message


def test_port_address_without_prefix():
    v = valid()
    v.port("dgx-1-2", 1)["address"] = "10.21.115.114"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].address")
    assert "expected address/prefix" in problem.message


def test_malformed_mac():
    v = valid()
    v.port("dgx-1-1", 1)["mac"] = "02:00:00:00:01"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[1].mac")
    assert "six hex pairs" in problem.message
    assert "quote" in problem.fix


def test_unquoted_mac_read_as_sexagesimal_int():
    # YAML 1.1 reads an unquoted 52:54:00:12:34:56 as the base-60 integer 41135085296.
    v = valid()
    v.port("dgx-1-2", 0)["mac"] = 41135085296
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[0].mac")
    assert "YAML read it as a number" in problem.message
    assert problem.fix == 'quote it: "02:00:00:00:01:01"'


def test_multicast_mac():
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = "03:00:00:00:01:01"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].mac")
    assert "multicast" in problem.message


def test_uppercase_mac_is_accepted_and_lowered():
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = "02:AB:00:00:01:01"
    assert v.build().client("dgx-1-1").ports[0].mac == "02:ab:00:00:01:01"


@pytest.mark.parametrize(
    ("host", "address"), [("dgx-1-1", "10.21.115.0/24"), ("dgx-1-2", "10.21.115.255/24")]
)
def test_network_or_broadcast_address_as_port_address(host, address):
    v = valid()
    v.port(host, 0)["address"] = address
    problem = only(v.problems(), host, "railmount_ports[0].address")
    assert "network or broadcast address" in problem.message


def test_malformed_subnet():
    v = valid()
    array = v.array()
    array["subnet"] = "10.21.115.0/33"
    problem = only(
        v.set_global("railmount_array", array).problems(), "all", "railmount_array.subnet"
    )
    assert "'33' is not a valid netmask" in problem.message
    assert problem.fix == "write it like 10.21.115.0/24"


def test_subnet_with_host_bits():
    v = valid()
    array = v.array()
    array["subnet"] = "10.21.115.1/24"
    problem = only(
        v.set_global("railmount_array", array).problems(), "all", "railmount_array.subnet"
    )
    assert "host bits set" in problem.message


def test_malformed_vip_address():
    v = valid()
    array = v.array()
    array["vips"][3]["address"] = "10.21.115.9/32"
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.vips[3].address")
    assert "plain IPv4 address" in problem.message


def test_vip_outside_subnet():
    v = valid()
    array = v.array()
    array["vips"][0]["address"] = "10.21.116.6"
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.vips[0].address")
    assert problem.message == "10.21.116.6 is outside subnet 10.21.115.0/24"


def test_unsupported_proto_is_a_problem_not_a_crash():
    # Regression: proto was parsed with a dict lookup and raised KeyError.
    v = valid().set_global("railmount_nfs", {"proto": "udp"})
    problem = only(v.problems(), "all", "railmount_nfs.proto")
    assert "only tcp" in problem.message


def test_bad_rsize_and_version():
    v = valid().set_global("railmount_nfs", {"rsize": 500000, "version": 4})
    problems = v.problems()
    assert "power of two" in only(problems, "all", "railmount_nfs.rsize").message
    assert "supported: 3, 4.1, 4.2" in only(problems, "all", "railmount_nfs.version").message
    assert len(problems) == 2


# --- duplicates and collisions -----------------------------------------------------------


def test_duplicate_vip_name_and_address():
    v = valid()
    array = v.array()
    array["vips"][1]["name"] = "nfs0"
    array["vips"][2]["address"] = "10.21.115.6"
    problems = v.set_global("railmount_array", array).problems()
    name = only(problems, "all", "railmount_array.vips[1].name")
    assert name.message == "duplicate VIP name (also railmount_array.vips[0])"
    address = only(problems, "all", "railmount_array.vips[2].address")
    assert address.message == "duplicate VIP 10.21.115.6 (also railmount_array.vips[0])"
    # Reported once each: no cascaded "mount path used twice".
    assert len(problems) == 2, problems


def test_duplicate_mount_path():
    v = valid()
    array = v.array()
    array["vips"][3]["mount_path"] = "/mnt/nfs0"
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.vips")
    assert problem.message == "mount path /mnt/nfs0 used by VIPs nfs0 and nfs3"


def test_duplicate_port_address_across_hosts():
    v = valid()
    v.port("dgx-1-2", 0)["address"] = "10.21.115.120/24"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[0].address")
    assert problem.message == "10.21.115.120 already used by dgx-1-1 railmount_ports[0].address"


def test_duplicate_mac_across_hosts():
    v = valid()
    v.port("dgx-1-2", 1)["mac"] = "02:00:00:00:01:02"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].mac")
    assert problem.message == "02:00:00:00:01:02 already used by dgx-1-1 railmount_ports[1].mac"


def test_duplicate_port_name_on_one_host():
    v = valid()
    v.port("dgx-1-1", 1)["name"] = "em1"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[1].name")
    assert problem.message == "duplicate port name em1"


def test_port_address_that_is_a_vip():
    v = valid()
    v.port("dgx-1-2", 1)["address"] = "10.21.115.8/24"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].address")
    assert problem.message == "10.21.115.8 is VIP nfs2"


def test_port_outside_the_vip_subnet():
    v = valid()
    v.port("dgx-1-2", 1)["address"] = "10.21.116.8/24"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].address")
    assert problem.message == "10.21.116.8/24 is not in the VIPs' subnet 10.21.115.0/24"
    assert "10.21.115.0/24" in problem.fix


def test_port_with_other_prefix_length_is_outside_the_subnet():
    v = valid()
    v.port("dgx-1-1", 0)["address"] = "10.21.115.120/25"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].address")
    assert "not in the VIPs' subnet" in problem.message


# --- switches ----------------------------------------------------------------------------


def test_port_with_no_switch():
    v = valid()
    del v.port("dgx-1-2", 1)["switch"]
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].switch")
    assert problem.message == "missing"
    assert problem.fix == "name the switch it is cabled to, one of: tor1, tor2"


def test_unknown_switch():
    v = valid()
    v.port("dgx-1-2", 1)["switch"] = "tor3"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[1].switch")
    assert problem.message == "unknown switch 'tor3'"
    assert "'switches' group" in problem.fix


def test_no_switches_group():
    v = valid()
    del v.groups["switches"]
    problems = v.problems()
    only(problems, "all", "groups.switches")
    # Every port now names an unknown switch: reported too, in the same run.
    assert len([p for p in problems if p.field.endswith(".switch")]) == 4


# --- array -------------------------------------------------------------------------------


def test_empty_vip_list():
    v = valid()
    array = v.array()
    array["vips"] = []
    problem = only(v.set_global("railmount_array", array).problems(), "all", "railmount_array.vips")
    assert problem.message == "no VIPs"


def test_relative_export_path():
    v = valid()
    array = v.array()
    array["export"] = "nfs0"
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.export")
    assert "not an absolute path" in problem.message
    assert problem.fix == "write it like /nfs0"


def test_missing_array():
    v = valid()
    for host in v.hostvars.values():
        del host["railmount_array"]
    problems = v.problems()
    problem = only(problems, "all", "railmount_array")
    assert problem.message == "missing"
    assert "all.vars" in problem.fix


def test_railmount_array_differs_between_hosts():
    v = valid()
    array = v.array()
    array["export"] = "/nfs1"
    v.hostvars["dgx-1-2"]["railmount_array"] = array
    problem = only(v.problems(), "dgx-1-2", "railmount_array")
    assert problem.message == "differs from dgx-1-1's"
    assert problem.fix == "define it once, in all.vars"


# --- unknown keys ------------------------------------------------------------------------


def test_unknown_top_level_key_on_one_host_gets_did_you_mean():
    v = valid()
    v.hostvars["dgx-1-2"]["railmount_failvoer"] = {"enabled": False}
    problem = only(v.problems(), "dgx-1-2", "railmount_failvoer")
    assert problem.message == "unknown key"
    assert "did you mean 'railmount_failover'?" in problem.fix


def test_unknown_top_level_key_in_all_vars_is_reported_once():
    v = valid()
    for host in v.hostvars.values():
        host["railmount_portz"] = []
    problems = v.problems()
    assert [p.field for p in problems] == ["railmount_portz"]
    problem = only(problems, "all", "railmount_portz")
    assert "did you mean 'railmount_ports'?" in problem.fix


def test_unknown_nested_key_in_a_port():
    v = valid()
    port = v.port("dgx-1-2", 1)
    port["adress"] = port.pop("address")
    problems = v.problems()
    problem = only(problems, "dgx-1-2", "railmount_ports[1].adress")
    assert problem.message == "unknown key"
    assert "did you mean 'address'?" in problem.fix
    assert only(problems, "dgx-1-2", "railmount_ports[1].address").message == "missing"


def test_unknown_nested_key_in_nfs():
    v = valid().set_global("railmount_nfs", {"rsise": 1048576})
    problem = only(v.problems(), "all", "railmount_nfs.rsise")
    assert "did you mean 'rsize'?" in problem.fix


# --- options, overrides, management -----------------------------------------------------


def test_vip_ports_naming_unknown_vip_and_port():
    v = valid()
    v.hostvars["dgx-1-1"]["railmount_vip_ports"] = {"nfs9": "em1", "nfs1": "em7"}
    problems = v.problems()
    vip = only(problems, "dgx-1-1", "railmount_vip_ports.nfs9")
    assert vip.message == "unknown VIP 'nfs9'"
    assert vip.fix == "use one of: nfs0, nfs1, nfs2, nfs3"
    port = only(problems, "dgx-1-1", "railmount_vip_ports.nfs1")
    assert port.message == "unknown port 'em7'"
    assert port.fix == "use one of: em1, em2"
    assert len(problems) == 2


def test_management_interface_listed_as_a_port():
    v = valid()
    v.hostvars["dgx-1-1"]["railmount_management_interface"] = "em1"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports")
    assert problem.message == "port em1 is also the management interface"


def test_host_without_ports():
    v = valid()
    del v.hostvars["dgx-1-2"]["railmount_ports"]
    problem = only(v.problems(), "dgx-1-2", "railmount_ports")
    assert problem.message == "no storage ports"


def test_no_storage_clients_group():
    v = valid()
    del v.groups["storage_clients"]
    problems = v.problems()
    problem = only(problems, "all", "groups.storage_clients")
    assert problem.message == "no storage clients"
    assert "'storage_clients' group" in problem.fix
    assert len(problems) == 1


# --- all at once -------------------------------------------------------------------------


def test_all_problems_are_reported_at_once():
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = 41135085296
    v.port("dgx-1-1", 1)["switch"] = "tor9"
    v.port("dgx-1-2", 0)["address"] = "10.21.115.7/24"
    v.port("dgx-1-2", 1)["mac"] = "02:00:00:00:01:01"
    v.hostvars["dgx-1-2"]["railmount_vip_port"] = {"nfs0": "em1"}
    array = v.array()
    array["export"] = "nfs0"
    v.set_global("railmount_array", array)
    v.set_global("railmount_nfs", {"extra_options": ["wsize=4096"]})
    problems = v.problems()
    expected = [
        ("dgx-1-2", "railmount_vip_port"),
        ("all", "railmount_nfs.extra_options[0]"),
        ("all", "railmount_array.export"),
        ("dgx-1-1", "railmount_ports[0].mac"),
        ("dgx-1-1", "railmount_ports[1].switch"),
        ("dgx-1-2", "railmount_ports[0].address"),
    ]
    for host, field in expected:
        only(problems, host, field)
    assert [(p.host, p.field) for p in problems] == expected
    assert "did you mean 'railmount_vip_ports'?" in problems[0].fix
