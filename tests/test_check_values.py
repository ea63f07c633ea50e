"""Each class of refused value, with its variants (an attacker's and a tired admin's), and
the odd but legal values that must keep working. Every refusal names host, field, fix."""

from __future__ import annotations

import pytest
from inv_factory import only, valid

from railmount import values
from railmount.paths import canonical_path

# --- mount paths, mount_root, export -----------------------------------------------------


def with_mount_path(path: str, index: int = 3):
    v = valid()
    array = v.array()
    array["vips"][index]["mount_path"] = path
    return v.set_global("railmount_array", array)


@pytest.mark.parametrize(
    ("path", "detail", "fix"),
    [
        ("/mnt/../etc", "contains a '..' segment", "write it as /etc"),
        ("/mnt/nfs3/..", "contains a '..' segment", "write it as /mnt"),
        ("/mnt//nfs3", "contains '//'", "write it as /mnt/nfs3"),
        ("//mnt/nfs3", "contains '//'", "write it as /mnt/nfs3"),
        ("/mnt/nfs3/", "ends with '/'", "write it as /mnt/nfs3"),
        ("/mnt/./nfs3", "contains a '.' segment", "write it as /mnt/nfs3"),
        ("mnt/nfs3", "not an absolute path", "write it like /mnt/nfs3"),
        ("./nfs3", "not an absolute path", "write it like /nfs3"),
        ("/", "is the root filesystem", "mount below a directory of its own, like /mnt/nfs0"),
        ("/mnt/nfs 3", "contains whitespace or a control character", "use a path without"),
        ("/mnt/nfs3\t", "has leading or trailing whitespace", "write it as '/mnt/nfs3'"),
        ("/mnt/nfs3\n", "has leading or trailing whitespace", "write it as '/mnt/nfs3'"),
        ("/mnt/" + "x" * 256, "a path segment is longer than 255 bytes", "use shorter"),
    ],
)
def test_non_canonical_mount_path_is_refused_with_the_canonical_form(path, detail, fix):
    problem = only(with_mount_path(path).problems(), "all", "railmount_array.vips[3].mount_path")
    assert problem.message.startswith(f"{path!r} is not a mount path: {detail}")
    assert problem.fix.startswith(fix)


@pytest.mark.parametrize(
    "path",
    [
        *("/etc", "/usr", "/boot", "/proc", "/sys", "/dev", "/run", "/var", "/bin", "/sbin"),
        *("/lib", "/lib64", "/lib32", "/libx32", "/root", "/home", "/tmp", "/opt", "/srv"),
    ],
)
def test_system_directories_are_refused(path):
    problem = only(with_mount_path(path).problems(), "all", "railmount_array.vips[3].mount_path")
    assert problem.message == f"{path!r} is not a mount path: {path} is a system directory"
    assert problem.fix == "mount below /mnt or a directory of its own"


@pytest.mark.parametrize(
    ("path", "tree"),
    [
        ("/proc/fs/nfs", "/proc"),
        ("/sys/kernel/x", "/sys"),
        ("/dev/shm/nfs3", "/dev"),
        ("/run/nfs3", "/run"),
        ("/boot/efi/nfs3", "/boot"),
        ("/etc/nfs3", "/etc"),
        ("/usr/local/nfs3", "/usr"),
        ("/lib/modules/x", "/lib"),
        ("/bin/x", "/bin"),
    ],
)
def test_anything_below_system_trees_is_refused(path, tree):
    problem = only(with_mount_path(path).problems(), "all", "railmount_array.vips[3].mount_path")
    assert problem.message == f"{path!r} is not a mount path: is inside {tree}"


@pytest.mark.parametrize(
    "path", ["/data/nfs3", "/srv/nfs/nfs3", "/var/lib/nfs3", "/home/ml/data", "/mnt/a.b-c_D"]
)
def test_ordinary_mount_paths_are_accepted(path):
    assert with_mount_path(path).build().array.vips[3].mount_path == path


def test_nested_mount_paths_are_refused():
    v = with_mount_path("/mnt/nfs0/inner")
    problem = only(v.problems(), "all", "railmount_array.vips[3].mount_path")
    assert problem.message == "/mnt/nfs0/inner (nfs3) is inside /mnt/nfs0, the mount path of nfs0"
    assert problem.fix == "give each VIP a mount path outside the others'"


def test_an_explicit_path_above_the_default_ones_hides_them():
    problems = with_mount_path("/mnt", index=0).problems()
    for index, name in ((1, "nfs1"), (2, "nfs2"), (3, "nfs3")):
        problem = only(problems, "all", f"railmount_array.vips[{index}].mount_path")
        assert problem.message == f"/mnt/{name} ({name}) is inside /mnt, the mount path of nfs0"


def test_duplicate_mount_path_is_refused_once():
    problem = only(with_mount_path("/mnt/nfs1").problems(), "all", "railmount_array.vips")
    assert problem.message == "mount path /mnt/nfs1 used by VIPs nfs1 and nfs3"


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ("/", "'/' is not a mount path: is the root filesystem"),
        ("/etc", "'/etc' is not a mount path: /etc is a system directory"),
        ("/mnt/", "'/mnt/' is not a mount path: ends with '/'"),
        ("mnt", "'mnt' is not a mount path: not an absolute path"),
    ],
)
def test_mount_root_follows_the_same_rules(root, message):
    v = valid().set_global("railmount_nfs", {"mount_root": root})
    assert only(v.problems(), "all", "railmount_nfs.mount_root").message == message


def test_mount_root_is_the_parent_of_default_paths():
    inv = valid().set_global("railmount_nfs", {"mount_root": "/data/fb01"}).build()
    assert [v.mount_path for v in inv.array.vips] == [f"/data/fb01/nfs{i}" for i in range(4)]


@pytest.mark.parametrize(
    ("export", "message", "fix"),
    [
        ("/", "the array exports filesystems by name, never '/'", "write it like /nfs0"),
        ("nfs0", "not an absolute path", "write it like /nfs0"),
        ("/nfs0/", "ends with '/'", "write it as /nfs0"),
        ("/a/../nfs0", "contains a '..' segment", "write it as /nfs0"),
    ],
)
def test_export_must_be_canonical(export, message, fix):
    v = valid()
    array = v.array()
    array["export"] = export
    problem = only(
        v.set_global("railmount_array", array).problems(), "all", "railmount_array.export"
    )
    assert problem.message == f"{export!r} is not an export path: {message}"
    assert problem.fix == fix


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/mnt/../etc", "/etc"),
        ("/a/../../b", "/b"),
        ("//a//b/", "/a/b"),
        ("/a/./b/.", "/a/b"),
        ("a/b", "/a/b"),
        ("", "/"),
        ("/..", "/"),
        ("/mnt/nfs0", "/mnt/nfs0"),
    ],
)
def test_canonical_path(path, canonical):
    assert canonical_path(path) == canonical


# --- names and MACs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mac", "detail"),
    [
        ("02:00:00:00:01:01\n", "has leading or trailing whitespace"),
        (" 02:00:00:00:01:01", "has leading or trailing whitespace"),
        ("02:00:00:00:01:01\t", "has leading or trailing whitespace"),
        ("00:00:00:00:00:00", "the all-zero MAC is no NIC's address"),
        ("ff:ff:ff:ff:ff:ff", "the broadcast MAC is no NIC's address"),
        ("FF-FF-FF-FF-FF-FF", "the broadcast MAC is no NIC's address"),
        ("01:00:5e:00:00:01", "multicast MAC (first octet is odd)"),
        ("33:33:00:00:00:01", "multicast MAC (first octet is odd)"),
        ("02:00:00:00:01", "expected six hex pairs like 02:00:00:00:01:01"),
        ("02:00:00:00:01:01:01", "expected six hex pairs like 02:00:00:00:01:01"),
        ("02:00:00:00:01:0g", "expected six hex pairs like 02:00:00:00:01:01"),
        ("02 00 00 00 01 01", "expected six hex pairs like 02:00:00:00:01:01"),
        ("0x020000000101", "expected six hex pairs like 02:00:00:00:01:01"),
        ("", "empty"),
        (True, "YAML read it as true/false; quote it"),
    ],
)
def test_bad_macs(mac, detail):
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = mac
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].mac")
    assert problem.message.startswith(f"{mac!r} is not a MAC address: {detail}")


@pytest.mark.parametrize(
    "mac",
    ["02-00-00-00-01-01", "0200.0000.0101", "020000000101", "02:00:00:00:01:01", "2:0:0:0:1:1"],
)
def test_mac_notations_are_normalised(mac):
    v = valid()
    v.port("dgx-1-1", 0)["mac"] = mac
    assert v.build().client("dgx-1-1").ports[0].mac == "02:00:00:00:01:01"


def test_a_normalised_mac_still_counts_as_a_duplicate():
    v = valid()
    v.port("dgx-1-2", 0)["mac"] = "02-00-00-00-01-01"
    problem = only(v.problems(), "dgx-1-2", "railmount_ports[0].mac")
    assert problem.message == "02:00:00:00:01:01 already used by dgx-1-1 railmount_ports[0].mac"


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("name", "fb01\n", "has leading or trailing whitespace"),
        ("name", "", "empty"),
        ("filesystem", "nfs 0", "letters, digits, '.', '_' and '-' only"),
        ("filesystem", 0, "YAML read it as a number; quote it"),
    ],
)
def test_array_names(field, value, detail):
    v = valid()
    array = v.array()
    array[field] = value
    problem = only(
        v.set_global("railmount_array", array).problems(), "all", f"railmount_array.{field}"
    )
    assert problem.message.startswith(f"{value!r} is not a name: {detail}")


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "nfs/0", " nfs0", "nfs0\n", "-x"])
def test_vip_names_that_would_make_bad_paths(name):
    v = valid()
    array = v.array()
    array["vips"][0]["name"] = name
    problems = v.set_global("railmount_array", array).problems()
    only(problems, "all", "railmount_array.vips[0].name")
    assert len(problems) == 1  # no follow-up about a mount path made from it


def test_a_switch_name_with_a_trailing_newline_says_so():
    v = valid()
    v.port("dgx-1-1", 1)["switch"] = "tor2\n"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[1].switch")
    assert "has leading or trailing whitespace" in problem.message
    assert problem.fix == "write it as 'tor2'"


# --- interface names -----------------------------------------------------------------------

IFNAME_CASES = [
    ("all", "'all' is the sysctl scope of every interface (net.ipv4.conf.all)"),
    ("default", "'default' is the sysctl scope of new interfaces (net.ipv4.conf.default)"),
    ("lo", "'lo' is the loopback interface"),
    (".", "the kernel refuses '.' and '..' as interface names"),
    ("..", "the kernel refuses '.' and '..' as interface names"),
    ("em1.2115", "a dot in an interface name (VLAN-style)"),
    ("bond0.100", "a dot in an interface name (VLAN-style)"),
    ("em/1", "the kernel refuses '/', ':' and whitespace in interface names"),
    ("em1:0", "the kernel refuses '/', ':' and whitespace in interface names"),
    ("em 1", "the kernel refuses '/', ':' and whitespace in interface names"),
    ("em1\n", "has leading or trailing whitespace"),
    ("enp1s0f0np0vf123", "longer than 15 bytes (the kernel's IFNAMSIZ limit)"),
    ("émi1", "letters, digits, '_' and '-' only"),
    ("", "empty"),
]


@pytest.mark.parametrize(("name", "detail"), IFNAME_CASES)
def test_port_names_the_kernel_or_sysctl_treat_specially(name, detail):
    v = valid()
    v.port("dgx-1-1", 0)["name"] = name
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].name")
    assert problem.message.startswith(f"{name!r} is not an interface name: {detail}")


@pytest.mark.parametrize(("name", "detail"), IFNAME_CASES)
def test_management_interface_follows_the_same_rules(name, detail):
    v = valid()
    v.hostvars["dgx-1-2"]["railmount_management_interface"] = name
    problem = only(v.problems(), "dgx-1-2", "railmount_management_interface")
    assert problem.message.startswith(f"{name!r} is not an interface name: {detail}")


@pytest.mark.parametrize(("name", "detail"), IFNAME_CASES[:7])
def test_lab_uplink_names_follow_the_same_rules(name, detail):
    lab = {"array_links": [{"name": name, "switch": "tor1", "address": "10.21.115.2/24"}]}
    v = valid().set_global("railmount_lab", lab)
    problem = only(v.problems(), "all", "railmount_lab.array_links[0].name")
    assert problem.message.startswith(f"{name!r} is not an interface name: {detail}")


def test_vlan_style_name_gets_the_switch_side_fix():
    v = valid()
    v.port("dgx-1-1", 0)["name"] = "em1.2115"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].name")
    assert "net.ipv4.conf.<name>.* into a wrong sysctl path" in problem.message
    assert problem.fix == values.VLAN_FIX
    assert "access mode" in problem.fix


@pytest.mark.parametrize("name", ["enp1s0f0np0", "eth-storage_1", "ens1f0", "a" * 15, "ib0"])
def test_real_interface_names_are_accepted(name):
    v = valid()
    v.port("dgx-1-1", 0)["name"] = name
    assert v.build().client("dgx-1-1").ports[0].name == name


# --- extra_options -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "key"),
    [
        ("vers=4.1", "version"),
        ("nfsvers=3", "version"),
        ("v3", "version"),
        ("v4", "version"),
        ("v4.1", "version"),
        ("v4.2", "version"),
        ("udp", "proto"),
        ("tcp", "proto"),
        ("rdma", "proto"),
        ("proto=rdma", "proto"),
        ("rsize=65536", "rsize"),
        ("wsize=65536", "wsize"),
        ("hard", "hard"),
        ("soft", "hard"),
        ("softerr", "hard"),
        ("nconnect=8", "nconnect"),
        ("lookupcache=none", "lookupcache"),
        ("actimeo=0", "actimeo"),
        ("acregmax=30", "actimeo"),
        ("local_lock=all", "local_lock"),
    ],
)
def test_managed_options_in_any_spelling(option, key):
    v = valid().set_global("railmount_nfs", {"extra_options": [option]})
    problem = only(v.problems(), "all", "railmount_nfs.extra_options[0]")
    assert problem.message == f"'{option}' is set by railmount_nfs.{key}"
    assert problem.fix == f"set railmount_nfs.{key} instead and remove it from extra_options"


@pytest.mark.parametrize(
    ("option", "why"),
    [
        ("noauto", "the mount would not come back after a reboot"),
        ("ro", "the validation writes its test files through every mount"),
        ("_netdev", "railmount adds it to every mount"),
        ("addr=10.21.115.7", "railmount mounts each VIP by its own address"),
        ("clientaddr=10.21.115.120", "the source address comes from the VIP's port route"),
        ("port=2049", "the array's NFS port is not configurable per mount"),
        ("mountport=20048", "the array's mount port is not configurable per mount"),
        ("mountproto=udp", "the mount protocol follows railmount_nfs.proto"),
        ("max_connect=4", "connections per mount are railmount_nfs.nconnect"),
        ("fsc", "FS-Cache would serve reads locally and hide the array's real rate"),
        ("nofsc", "FS-Cache is railmount's to decide (it stays off)"),
    ],
)
def test_options_that_undo_railmounts_setup(option, why):
    v = valid().set_global("railmount_nfs", {"extra_options": ["nolock", option]})
    problem = only(v.problems(), "all", "railmount_nfs.extra_options[1]")
    assert problem.message == f"'{option}' is not allowed: {why}"
    assert problem.fix == "remove it"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("nolock,vers=4.1", "'vers=4.1' is set by railmount_nfs.version (in 'nolock,vers=4.1')"),
        ("timeo=600,soft", "'soft' is set by railmount_nfs.hard (in 'timeo=600,soft')"),
        ("nolock,,timeo=600", "an empty option (in 'nolock,,timeo=600')"),
        ("nolock,", "an empty option (in 'nolock,')"),
        ("", "an empty option"),
        ("timeo=", "'timeo=' has no value"),
        ("=600", "'=600' has no option name"),
        ("timeo = 600", "'timeo = 600' contains whitespace"),
        (" nolock", "' nolock' contains whitespace"),
    ],
)
def test_extra_option_items_are_split_on_commas(item, message):
    v = valid().set_global("railmount_nfs", {"extra_options": [item]})
    assert only(v.problems(), "all", "railmount_nfs.extra_options[0]").message == message


def test_extra_options_must_be_a_list():
    v = valid().set_global("railmount_nfs", {"extra_options": "nolock"})
    problem = only(v.problems(), "all", "railmount_nfs.extra_options")
    assert problem.message == "expected a list, got str"
    assert problem.fix == "write it as a YAML list"


def test_ordinary_extra_options_reach_the_mounts():
    opts = ["timeo=600,retrans=2", "noresvport", "sec=sys", "nocto"]
    inv = valid().set_global("railmount_nfs", {"extra_options": opts}).build()
    assert inv.nfs.extra_options == tuple(opts)


@pytest.mark.parametrize(
    ("nfs", "field", "shown"),
    [
        ({"extra_options": ["nolock"]}, "railmount_nfs.extra_options[0]", "'nolock'"),
        ({"extra_options": ["timeo=600,nolock"]}, "railmount_nfs.extra_options[0]", "'nolock'"),
        ({"local_lock": "all"}, "railmount_nfs.local_lock", "local_lock=all"),
        ({"local_lock": "posix"}, "railmount_nfs.local_lock", "local_lock=posix"),
    ],
)
def test_locks_kept_per_mount_are_refused_with_several_mounts(nfs, field, shown):
    problem = only(valid().set_global("railmount_nfs", nfs).problems(), "all", field)
    assert problem.message.startswith(f"{shown} keeps locks on each of the ")
    assert "a lock taken through one mount does not exclude the others" in problem.message
    assert problem.fix.endswith("set railmount_nfs.accept_locks_per_mount: true to accept "
                                "per-mount locks")  # fmt: skip


@pytest.mark.parametrize(
    "nfs",
    [
        {"local_lock": "none"},
        {"extra_options": ["nolock"], "accept_locks_per_mount": True},
        {"local_lock": "flock", "accept_locks_per_mount": True},
    ],
)
def test_locks_through_the_array_or_accepted_per_mount_pass(nfs):
    inv = valid().set_global("railmount_nfs", nfs).build()
    assert len(inv.array.vips) > 1


def test_one_mount_may_keep_its_locks_locally():
    v = valid().set_global("railmount_nfs", {"extra_options": ["nolock"]})
    array = v.array()
    array["vips"] = array["vips"][:1]
    assert v.set_global("railmount_array", array).build().nfs.extra_options == ("nolock",)


def test_the_planner_expects_exactly_the_managed_options():
    from railmount.nfs import MANAGED_OPTIONS
    from railmount.planner import expected_mount_options

    nfs = {"extra_options": ["noresvport"], "nconnect": 2}
    inv = valid().set_global("railmount_nfs", nfs).build()
    expected = expected_mount_options(inv.nfs, inv.array.vips[0])
    assert [k for k, _ in expected[:-1]] == [
        "vers", "proto", "rsize", "wsize", "hard", "nconnect", "lookupcache",
        "acregmin", "acregmax", "acdirmin", "acdirmax",
    ]  # fmt: skip
    assert {k for k, _ in expected[:-1]} <= set(MANAGED_OPTIONS)


def test_every_railmount_nfs_option_field_has_a_row_of_the_option_table():
    # A field added to NfsOptions without its row would never reach fstab.
    from dataclasses import fields

    from railmount.model import NfsOptions
    from railmount.nfs import MOUNT_OPTIONS

    rows = {row.key for row in MOUNT_OPTIONS if row.key}
    # Not mount options: where the default mounts go, and what the site accepts.
    assert rows | {"mount_root", "accept_locks_per_mount"} == {f.name for f in fields(NfsOptions)}


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("lookupcache", "pos", "one of all, positive, none"),
        ("local_lock", "nolock", "one of none, all, flock, posix"),
        ("actimeo", 3601, "3601 is not seconds: must be an integer from 0 to 3600"),
    ],
)
def test_new_option_values_are_checked(key, value, why):
    v = valid().set_global("railmount_nfs", {key: value})
    problem = only(v.problems(), "all", f"railmount_nfs.{key}")
    assert why in problem.message


def test_the_option_table_order_is_the_fstab_order():
    from railmount.nfs import fstab_options

    nfs = {"extra_options": ["noresvport"], "nconnect": 2}
    inv = valid().set_global("railmount_nfs", nfs).build()
    names = [k for k, _ in fstab_options(inv.nfs)]
    assert names == [
        "vers", "proto", "rsize", "wsize", "hard", "nconnect", "lookupcache", "actimeo",
        "noresvport", "_netdev",
    ]  # fmt: skip


# --- addresses and subnets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("subnet", "detail", "fix"),
    [
        ("10.21.115.1/24", "has host bits set", "write the network address: 10.21.115.0/24"),
        ("10.21.115.128/16", "has host bits set", "write the network address: 10.21.0.0/16"),
        ("10.21.115.0/31", "a /31 has no room for VIPs and ports", "use the storage VLAN's"),
        ("10.21.115.6/32", "a /32 has no room for VIPs and ports", "use the storage VLAN's"),
        ("10.21.115.0", "expected network/prefix like 10.21.115.0/24", "write it like"),
        ("10.21.115.0/24 ", "has leading or trailing whitespace", "write it as '10.21.115.0/24'"),
    ],
)
def test_bad_subnets(subnet, detail, fix):
    v = valid()
    array = v.array()
    array["subnet"] = subnet
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.subnet")
    assert problem.message.startswith(f"{subnet!r} is not an IPv4 network: {detail}")
    assert problem.fix.startswith(fix)


@pytest.mark.parametrize(
    ("address", "which"), [("10.21.115.0", "network"), ("10.21.115.255", "broadcast")]
)
def test_vip_on_the_network_or_broadcast_address(address, which):
    v = valid()
    array = v.array()
    array["vips"][1]["address"] = address
    problems = v.set_global("railmount_array", array).problems()
    problem = only(problems, "all", "railmount_array.vips[1].address")
    assert problem.message == f"{address} is the {which} address of 10.21.115.0/24"


def test_problems_in_the_array_do_not_hide_port_problems():
    # The export is wrong, yet ports are still checked against the VIPs and subnet.
    v = valid()
    array = v.array()
    array["export"] = "/nfs0/"
    array["vips"][2]["mount_path"] = "/etc"
    v.set_global("railmount_array", array)
    v.port("dgx-1-2", 0)["address"] = "10.21.115.9/24"
    problems = v.problems()
    assert (
        only(problems, "dgx-1-2", "railmount_ports[0].address").message == "10.21.115.9 is VIP nfs3"
    )
    assert len(problems) == 3


# --- settings ------------------------------------------------------------------------------


def validate_problem(settings: dict, field: str):
    v = valid().set_global("railmount_validate", settings)
    return only(v.problems(), "all", f"railmount_validate.{field}")


@pytest.mark.parametrize(
    "size", ["lots", "4 M", "4MM", "-4M", "0", "3000", "128M", "1T", True, 4.5]
)
def test_bad_fio_block_sizes(size):
    problem = validate_problem({"fio_block_size": size}, "fio_block_size")
    assert problem.message.startswith(f"{size!r} is not a fio block size: ")


@pytest.mark.parametrize("size", ["4M", "4m", "512k", "1MiB", "4KiB", "64M", 1048576, "8192"])
def test_fio_size_syntax_is_accepted(size):
    inv = valid().set_global("railmount_validate", {"fio_block_size": size}).build()
    assert inv.validate.fio_block_size == str(size)


@pytest.mark.parametrize(
    ("test_dir", "detail", "fix"),
    [
        ("../outside", "contains '..': it could leave the filesystem", "use a directory like"),
        ("a/../../b", "contains '..': it could leave the filesystem", "use a directory like"),
        ("/tmp/x", "is absolute: it would leave the filesystem", "write it relative"),
        ("/", "is absolute: it would leave the filesystem", "use a directory of its own"),
        (".", "names the filesystem's top directory itself", "use a directory of its own"),
        ("./", "names the filesystem's top directory itself", "use a directory of its own"),
        ("", "empty", "give a directory inside the filesystem"),
        ("a//b", "contains '//'", "write it as a/b"),
        ("a/b/", "ends with '/'", "write it as a/b"),
        ("./a", "contains a '.' segment", "write it as a"),
        ("my dir", "contains whitespace or a control character", "use a plain name"),
    ],
)
def test_test_dir_must_stay_inside_the_filesystem(test_dir, detail, fix):
    problem = validate_problem({"test_dir": test_dir}, "test_dir")
    assert problem.message == f"{test_dir!r} is not a directory inside the filesystem: {detail}"
    assert problem.fix.startswith(fix)


@pytest.mark.parametrize("test_dir", [".railmount", "railmount/tests", "_rm-1"])
def test_ordinary_test_dirs_are_accepted(test_dir):
    assert (
        valid().set_global("railmount_validate", {"test_dir": test_dir}).build().validate.test_dir
        == test_dir
    )


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        (
            {"workload": {"image_sizes": ["150KB", "2GB"]}},
            "workload.image_sizes[1]",
            "'2GB' is not an image size",
        ),
        (
            {"workload": {"image_sizes": ["150kb"]}},
            "workload.image_sizes[0]",
            "'150kb' is not an image size",
        ),
        ({"workload": {"image_sizes": []}}, "workload.image_sizes", "no image sizes"),
        (
            {"workload": {"image_sizes": ["1MB", "1MB"]}},
            "workload.image_sizes",
            "'1MB' is listed twice",
        ),
        ({"workload": {"image_size": ["1MB"]}}, "workload.image_size", "unknown key"),
        ({"fleet": {"steps": [4, 2]}}, "fleet.steps", "must be strictly ascending"),
        ({"fleet": {"steps": [2, 2]}}, "fleet.steps", "must be strictly ascending"),
        ({"fleet": {"steps": [0, 2]}}, "fleet.steps[0]", "0 is not an integer"),
        ({"fleet": {"steps": []}}, "fleet.steps", "no steps"),
        ({"checkpoint": {"model": "7B"}}, "checkpoint.model", "'7B' is not a checkpoint model"),
        (
            {"link_min_ratio": 1.5},
            "link_min_ratio",
            "1.5 is not a ratio: must be a number from 0 to 1",
        ),
        (
            {"link_min_ratio": "0.9"},
            "link_min_ratio",
            "'0.9' is not a ratio: a quoted number is text",
        ),
        ({"fio_runtime_s": True}, "fio_runtime_s", "True is not an integer"),
        ({"workload": "yes"}, "workload", "expected a mapping, got str"),
    ],
)
def test_validate_settings_of_the_wrong_kind(settings, field, message):
    assert validate_problem(settings, field).message.startswith(message)


def test_an_empty_setting_takes_its_default():
    v = valid().set_global("railmount_validate", {"fio_runtime_s": None, "fleet": None})
    v.port("dgx-1-1", 0)["mtu"] = None
    inv = v.build()
    assert (inv.validate.fio_runtime_s, inv.validate.fleet.steps) == (10, None)
    assert inv.client("dgx-1-1").ports[0].mtu == 1500


def test_quoted_mtu_is_refused_not_converted():
    v = valid()
    v.port("dgx-1-1", 0)["mtu"] = "9000"
    problem = only(v.problems(), "dgx-1-1", "railmount_ports[0].mtu")
    assert problem.message == "'9000' is not an integer: a quoted number is text to YAML"
    assert problem.fix == "write it without quotes: 9000"


def test_sizing_row_at_an_unmeasured_image_size():
    v = valid().set_global(
        "railmount_sizing",
        {"workloads": [{"name": "mine", "image_size": "300KB", "read_mb_s": 900}]},
    )
    problem = only(v.problems(), "all", "railmount_sizing.workloads[0].image_size")
    assert problem.message == (
        "300KB is not measured (railmount_validate.workload.image_sizes: 150KB, 1MB)"
    )


@pytest.mark.parametrize(
    ("serial", "message"),
    [
        (0, "expected a host count like 1 or a percentage like 50%"),
        ("0%", "expected a host count like 1 or a percentage like 50%"),
        ("101%", "a percentage is at most 100%"),
        ("50 %", "expected a host count like 1 or a percentage like 50%"),
        ([], "an empty list"),
        (True, "expected a host count like 1 or a percentage like 50%"),
        ([1, "all"], "expected a host count like 1 or a percentage like 50% (item 1)"),
    ],
)
def test_bad_serial(serial, message):
    v = valid().set_global("railmount_rollout", {"serial": serial})
    problem = only(v.problems(), "all", "railmount_rollout.serial")
    assert problem.message == f"{serial!r} is not a batch size: {message}"


@pytest.mark.parametrize(
    ("serial", "parsed"),
    [(None, (1, "100%")), (2, (2,)), ("25%", ("25%",)), ([1, "10%", "100%"], (1, "10%", "100%"))],
)
def test_serial_forms(serial, parsed):
    inv = valid().set_global("railmount_rollout", {"serial": serial}).build()
    assert inv.rollout.serial == parsed


# --- NFS version ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "parsed"), [(3, "3"), ("3", "3"), (4.1, "4.1"), ("4.2", "4.2")]
)
def test_supported_nfs_versions(version, parsed):
    # railmount's own list; an array may offer fewer (tests/test_rules_vendor.py).
    v = valid()
    v.set_global("railmount_array", {**v.array(), "vendor": "netapp-ontap"})
    assert v.set_global("railmount_nfs", {"version": version}).build().nfs.version == parsed


@pytest.mark.parametrize("version", [4, "4", "4.0", 2, 5, True, "v3"])
def test_unsupported_nfs_versions(version):
    problem = only(
        valid().set_global("railmount_nfs", {"version": version}).problems(),
        "all",
        "railmount_nfs.version",
    )
    assert "supported: 3, 4.1, 4.2" in problem.message
    assert problem.fix == "write one of: 3, 4.1, 4.2"


def test_refusing_a_version_is_one_line(monkeypatch):
    monkeypatch.setitem(values.NFS_VERSIONS, "4.1", "4.1 is not validated on the lab yet")
    v = valid().set_global("railmount_nfs", {"version": "4.1"})
    problem = only(v.problems(), "all", "railmount_nfs.version")
    assert (
        problem.message
        == "'4.1' is not an NFS version: 4.1 is not validated on the lab yet (supported: 3, 4.2)"
    )


# --- shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "field", "message"),
    [
        ("railmount_nfs", "tcp", "railmount_nfs", "expected a mapping, got str"),
        ("railmount_failover", [True], "railmount_failover", "expected a mapping, got a list"),
        (
            "railmount_lab",
            {"array_links": {"name": "fm1"}},
            "railmount_lab.array_links",
            "expected a list, got a mapping",
        ),
    ],
)
def test_a_list_where_a_mapping_belongs_and_back(key, value, field, message):
    problem = only(valid().set_global(key, value).problems(), "all", field)
    assert problem.message == message


def test_vips_as_a_mapping():
    v = valid()
    array = v.array()
    array["vips"] = {"nfs0": "10.21.115.6"}
    problem = only(v.set_global("railmount_array", array).problems(), "all", "railmount_array.vips")
    assert problem.message == "expected a list, got a mapping"
