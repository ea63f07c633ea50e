"""How validation resolves a host's connection like ssh under Ansible: argument parsing,
~/.ssh/config (Host patterns, ProxyJump chains), ansible_* precedence, refusals."""

from __future__ import annotations

import pytest

from railmount.validation.ssh_reach import ReachError, parse_args, resolve


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    return tmp_path


def _config(home, text: str) -> None:
    (home / ".ssh" / "config").write_text(text)


def test_ssh_argument_forms_parse_like_ssh():
    text = "-C -q -o ControlMaster=auto -oPort=2222 -o 'ProxyJump jb' -J other -i ~/k -l u"
    assert parse_args(text, "h", "v") == [
        ("controlmaster", "auto"),
        ("port", "2222"),
        ("proxyjump", "jb"),
        ("proxyjump", "other"),
        ("identityfile", "~/k"),
        ("user", "u"),
    ]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("-L 8080:x:80", "ssh flag -L is not honoured"),
        ("-o LocalForward=1:x:2", "ssh option localforward is not honoured"),
        ("-o", "-o has no value"),
        ("bastion", "'bastion' is not an ssh option"),
        ("-o 'ProxyCommand=nc %h", "cannot be split"),
    ],
)
def test_what_cannot_be_honoured_is_refused_naming_host_and_variable(args, problem):
    with pytest.raises(ReachError) as err:
        resolve("dgx-a01", {"ansible_ssh_extra_args": args})
    assert str(err.value).startswith("dgx-a01: ansible_ssh_extra_args: ")
    assert problem in str(err.value) and " — fix: " in str(err.value)


def test_a_controlpath_only_setup_is_refused():
    args = "-o ControlMaster=no -o ControlPath=~/.ssh/cm-%r@%h:%p"
    with pytest.raises(ReachError, match="dgx-a01: ansible_ssh_args: ControlPath"):
        resolve("dgx-a01", {"ansible_ssh_args": args})


def test_ansibles_default_ssh_args_are_accepted():
    reach = resolve("h", {"ansible_ssh_args": "-C -o ControlMaster=auto -o ControlPersist=60s"})
    assert reach.ignored == ("controlmaster", "controlpersist")
    assert reach.target.jumps == () and reach.target.proxy_command is None


def test_proxyjump_chain_from_common_args_with_users_and_ports():
    conn = {
        "ansible_host": "10.1.0.5",
        "ansible_user": "ops",
        "ansible_ssh_common_args": "-o ProxyJump=jump@gw.example:2200,inner",
    }
    reach = resolve("dgx-a01", conn)
    assert [(j.hostname, j.port, j.user) for j in reach.target.jumps] == [
        ("gw.example", 2200, "jump"),
        ("inner", 22, reach.target.jumps[1].user),
    ]
    assert (reach.target.hostname, reach.target.port, reach.target.user) == ("10.1.0.5", 22, "ops")


def test_ssh_config_host_patterns_hostname_user_port_key_and_jump_chain(home):
    _config(
        home,
        "Host dgx-*\n  User cfguser\n  Port 2022\n  IdentityFile ~/.ssh/dgx\n  ProxyJump bastion\n"
        "Host bastion\n  HostName bastion.example\n  User hop\n  ProxyJump edge\n"
        "Host edge\n  HostName 192.0.2.1\n  Port 443\n",
    )
    reach = resolve("dgx-a01", {})
    target = reach.target
    assert (target.hostname, target.port, target.user) == ("dgx-a01", 2022, "cfguser")
    assert target.key_files == (str(home / ".ssh" / "dgx"),)
    # ssh chains a hop's own ProxyJump before it: edge, then bastion, then the target.
    assert [(j.hostname, j.port, j.user) for j in target.jumps] == [
        ("192.0.2.1", 443, target.jumps[0].user),
        ("bastion.example", 22, "hop"),
    ]


def test_ansible_variables_win_over_ssh_config_as_they_do_for_ssh(home):
    _config(home, "Host *\n  User cfguser\n  Port 2022\n")
    conn = {"ansible_user": "root", "ansible_port": 22, "ansible_ssh_private_key_file": "~/k"}
    target = resolve("dgx-a01", conn).target
    assert (target.user, target.port) == ("root", 22)
    assert target.key_files[0] == str(home / "k")


def test_proxycommand_tokens_are_expanded_and_none_means_direct(home):
    conn = {"ansible_user": "u", "ansible_ssh_common_args": "-o 'ProxyCommand=ssh -W %h:%p gw'"}
    assert resolve("10.0.0.9", conn).target.proxy_command == "ssh -W 10.0.0.9:22 gw"
    _config(home, "Host *\n  ProxyCommand ssh -W %h:%p gw\n")
    conn = {"ansible_ssh_common_args": "-o ProxyCommand=none"}
    assert resolve("10.0.0.9", conn).target.proxy_command is None
    assert resolve("10.0.0.9", {}).target.proxy_command == "ssh -W 10.0.0.9:22 gw"


def test_an_explicit_ssh_config_file_with_dash_f(home, tmp_path):
    other = tmp_path / "cluster.conf"
    other.write_text("Host dgx-*\n  HostName 10.9.9.9\n")
    reach = resolve("dgx-a01", {"ansible_ssh_common_args": f"-F {other}"})
    assert reach.target.hostname == "10.9.9.9"


def test_passwords_and_become():
    conn = {
        "ansible_user": "ops",
        "ansible_password": "pw",
        "ansible_become": "yes",
        "ansible_become_password": "sudo-pw",
    }
    reach = resolve("h", conn)
    assert (reach.password, reach.become, reach.become_password) == ("pw", True, "sudo-pw")
    assert not resolve("h", {**conn, "ansible_user": "root"}).become  # root needs no sudo
    assert resolve("h", {"ansible_ssh_pass": "old", "ansible_become_pass": "b"}).password == "old"
    with pytest.raises(ReachError, match="h: ansible_become_method: su is not honoured"):
        resolve("h", {**conn, "ansible_become_method": "su"})
    with pytest.raises(ReachError, match="h: ansible_connection: winrm is not supported"):
        resolve("h", {"ansible_connection": "winrm"})


def test_host_key_checking_stays_as_ansible_has_it(home):
    reach = resolve("h", {})
    assert reach.strict and reach.known_hosts == ()
    args = "-o UserKnownHostsFile=~/kh -o StrictHostKeyChecking=no"
    reach = resolve("h", {"ansible_ssh_common_args": args})
    assert not reach.strict and reach.known_hosts == (str(home / "kh"),)


def test_the_cli_refuses_before_any_stage_with_the_line(tmp_path, capsys):
    import argparse

    from railmount.validation import cli

    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    storage_clients:\n      hosts:\n        dgx-a01:\n"
        "          ansible_ssh_extra_args: -L 1:x:2\n"
    )
    args = argparse.Namespace(inventory=str(inventory), limit=None)
    assert cli.reach_problems(*cli.selected_hosts(args)) == [
        "dgx-a01: ansible_ssh_extra_args: ssh flag -L is not honoured by railmount validate"
        " — fix: remove it, or express it as -o Key=Value of an honoured option "
        "(see README, 'How validation reaches the hosts')"
    ]


def test_the_password_goes_to_the_target_only_and_each_hop_gets_its_keys(monkeypatch):
    """connect() on a ProxyJump chain: hops with their keys and no password, the target
    with ansible_password, each later hop over a direct-tcpip channel of the one before."""
    from railmount.validation import transport

    calls = []

    class FakeTransport:
        def open_channel(self, kind, dest, src):
            return f"channel to {dest[0]}:{dest[1]}"

    class FakeClient:
        def __init__(self):
            self.kwargs = {}

        def load_system_host_keys(self):
            pass

        def load_host_keys(self, path):
            pass

        def set_missing_host_key_policy(self, policy):
            self.policy = policy

        def connect(self, **kwargs):
            calls.append(kwargs)

        def get_transport(self):
            return FakeTransport()

    monkeypatch.setattr(transport.paramiko, "SSHClient", FakeClient)
    reach = resolve(
        "dgx-a01",
        {
            "ansible_host": "10.1.0.5",
            "ansible_user": "ops",
            "ansible_password": "pw",
            "ansible_ssh_common_args": "-J hop1@gw:2200,hop2@inner",
        },
    )
    clients = transport.connect(reach)
    assert len(clients) == 3
    assert [(c["hostname"], c["port"], c["username"], c["password"], c["sock"]) for c in calls] == [
        ("gw", 2200, "hop1", None, None),
        ("inner", 22, "hop2", None, "channel to inner:22"),
        ("10.1.0.5", 22, "ops", "pw", "channel to 10.1.0.5:22"),
    ]
    assert all(isinstance(c.policy, transport.paramiko.RejectPolicy) for c in clients)


def test_validate_prints_the_refusal_and_exits_2_before_any_stage(tmp_path, capsys):
    from railmount.cli import main

    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    storage_clients:\n      hosts:\n        dgx-a01:\n"
        "          ansible_ssh_common_args: -o HostKeyAlias=x\n"
    )
    assert main(["validate", "-i", str(inventory)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "dgx-a01: ansible_ssh_common_args: ssh option hostkeyalias is not honoured"
    )
    assert "Traceback" not in err
