"""Vault: railmount reads a real ansible-vault inventory as ansible-playbook does, decrypts
only what it reads, and names host and key (or file) when a password is missing."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from railmount.inventory import AnsibleInventory, connection_vars, load
from railmount.rules import InventoryError
from railmount.vault import VaultOptions, add_vault_arguments, shared_with_children

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "railmount-test-password"
NO_PASSWORD = (
    "fix: pass --vault-password-file FILE (or --vault-id, --ask-vault-pass, "
    "ANSIBLE_VAULT_PASSWORD_FILE)"
)


@pytest.fixture(autouse=True)
def fresh_vault_context():
    """Ansible 2.19 keeps vault secrets process-wide; each test starts without any."""
    from ansible.parsing.vault import VaultSecretsContext

    saved = VaultSecretsContext._current
    VaultSecretsContext._current = None
    yield
    VaultSecretsContext._current = saved


def vault(*args: str) -> str:
    run = subprocess.run(
        [str(BIN / "ansible-vault"), *args], capture_output=True, text=True, check=True
    )
    return run.stdout


@pytest.fixture(scope="module")
def vaulted(tmp_path_factory) -> tuple[Path, Path]:
    """The reference inventory with an inline !vault railmount value (dgx-1-1's management
    interface), a vaulted become password for every host, and dgx-1-2's host_vars file
    encrypted as a whole. Returns (inventory, password file)."""
    root = tmp_path_factory.mktemp("vaulted")
    password = root / "vault-password"
    password.write_text(PASSWORD + "\n")
    password.chmod(0o600)
    inv = root / "inv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "host_vars").mkdir()
    reference = (REPO / "inventory" / "reference" / "hosts.yml").read_text()
    ports_2 = reference.split("        dgx-1-2:\n", 1)[1].split("    switches:")[0]
    hosts = reference.replace("        dgx-1-2:\n" + ports_2, "        dgx-1-2: {}\n")
    hosts = hosts.replace("          railmount_management_interface: enp1s0f0\n", "", 1)
    (inv / "hosts.yml").write_text(hosts)
    secret = ["--vault-password-file", str(password)]
    (inv / "group_vars" / "all.yml").write_text(
        vault("encrypt_string", *secret, "s3cret", "--name", "ansible_become_password")
    )
    (inv / "host_vars" / "dgx-1-1.yml").write_text(
        "ansible_host: 192.0.2.11\n"
        + vault("encrypt_string", *secret, "enp1s0f0", "--name", "railmount_management_interface")
    )
    (inv / "host_vars" / "dgx-1-2.yml").write_text(textwrap.dedent(ports_2))
    vault("encrypt", *secret, str(inv / "host_vars" / "dgx-1-2.yml"))
    return inv, password


def test_the_fixture_is_really_vaulted(vaulted):
    inv, _ = vaulted
    assert "!vault |" in (inv / "host_vars" / "dgx-1-1.yml").read_text()
    assert (inv / "host_vars" / "dgx-1-2.yml").read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")


def test_without_a_password_every_vaulted_input_is_a_problem_line(vaulted, monkeypatch):
    inv, _ = vaulted
    monkeypatch.chdir(inv)
    with pytest.raises(InventoryError) as err:
        load(".")
    # The vaulted become password is no railmount input: never decrypted, never reported.
    assert [str(p) for p in err.value.problems] == [
        "dgx-1-1: railmount_management_interface: vaulted, and no vault password was given "
        f"— {NO_PASSWORD}",
        "host_vars/dgx-1-2.yml: file: encrypted with ansible-vault, and no vault password "
        f"was given — {NO_PASSWORD}",
    ]


@pytest.mark.parametrize("how", ["password file", "vault id", "environment", "identity list"])
def test_the_password_opens_inline_values_and_whole_files(vaulted, monkeypatch, how):
    inv, password = vaulted
    options = None
    if how == "password file":
        options = VaultOptions(password_files=(str(password),))
    elif how == "vault id":
        options = VaultOptions(vault_ids=(f"lab@{password}",))
    elif how == "environment":
        monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password))
    else:
        monkeypatch.setenv("ANSIBLE_VAULT_IDENTITY_LIST", f"site@{password}")
    model = load(inv, options)
    assert model.client("dgx-1-1").management_interface == "enp1s0f0"
    assert [str(p.interface) for p in model.client("dgx-1-2").ports] == [
        "10.21.115.121/24",
        "10.21.115.114/24",
    ]


def test_a_wrong_password_says_it_cannot_decrypt(vaulted, tmp_path):
    inv, _ = vaulted
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    with pytest.raises(InventoryError) as err:
        load(inv, VaultOptions(password_files=(str(wrong),)))
    messages = [p.message for p in err.value.problems]
    assert len(messages) == 2
    assert all(m.startswith("cannot decrypt it: Decryption failed") for m in messages)
    assert {p.fix for p in err.value.problems} == {
        "give the vault password (or --vault-id) it was encrypted with"
    }


def test_connection_vars_are_decrypted_only_when_read(vaulted):
    inv, password = vaulted
    locked = connection_vars(inv, "dgx-1-1")
    assert set(locked) == {"ansible_host", "ansible_become_password"}
    assert locked["ansible_host"] == "192.0.2.11"  # readable without any password
    with pytest.raises(InventoryError) as err:
        locked["ansible_become_password"]
    (problem,) = err.value.problems
    assert (problem.host, problem.field) == ("dgx-1-1", "ansible_become_password")
    assert problem.message == "vaulted, and no vault password was given"

    opened = AnsibleInventory(inv, VaultOptions(password_files=(str(password),)))
    assert opened.connection_vars("dgx-1-1")["ansible_become_password"] == "s3cret"
    assert dict(opened.connection_vars("dgx-1-2")) == {"ansible_become_password": "s3cret"}


def railmount(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "railmount"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_the_command_line_takes_ansible_playbooks_vault_options(vaulted, capsys, monkeypatch):
    from railmount.cli import main

    inv, password = vaulted
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_VAULT")}
    locked = railmount("check", "-i", str(inv), env=env)  # the real command, as a user runs it
    assert locked.returncode == 2
    assert "Traceback" not in locked.stderr
    assert "dgx-1-1: railmount_management_interface: vaulted" in locked.stderr
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    for command in ("check", "plan", "render"):
        assert main([command, "-i", str(inv), "--vault-password-file", str(password)]) == 0
        assert capsys.readouterr().out
    assert main(["check", "-i", str(inv), "--vault-password-file", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "railmount: The vault password file /nonexistent was not found" in err
    assert "Traceback" not in err


def test_children_get_the_secrets_through_private_files(vaulted):
    inv, password = vaulted
    parser = argparse.ArgumentParser()
    add_vault_arguments(parser)
    args = parser.parse_args(["--vault-password-file", str(password)])
    from ansible.parsing.dataloader import DataLoader

    from railmount.vault import load_secrets

    secrets = load_secrets(DataLoader(), VaultOptions.from_args(args))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_VAULT")}
    with shared_with_children(secrets):
        (entry,) = os.environ["ANSIBLE_VAULT_IDENTITY_LIST"].split(",")
        label, path = entry.split("@", 1)
        file = Path(path)
        assert label == "default"
        assert file.read_text() == PASSWORD
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
        child = railmount("check", "-i", str(inv), env={**env, **_vault_env()})
        assert child.returncode == 0, child.stderr
    assert not file.parent.exists()
    assert "ANSIBLE_VAULT_IDENTITY_LIST" not in os.environ


def _vault_env() -> dict[str, str]:
    return {"ANSIBLE_VAULT_IDENTITY_LIST": os.environ["ANSIBLE_VAULT_IDENTITY_LIST"]}


def test_validate_hands_the_password_to_pytest_and_removes_it(vaulted, monkeypatch):
    import pytest as pytest_module

    from railmount.cli import main

    inv, password = vaulted
    seen = {}

    def fake_main(argv):
        entry = os.environ["ANSIBLE_VAULT_IDENTITY_LIST"]
        path = Path(entry.split("@", 1)[1])
        seen.update(path=path, text=path.read_text(), argv=argv)
        return 5  # no tests collected

    monkeypatch.setattr(pytest_module, "main", fake_main)
    monkeypatch.delenv("ANSIBLE_VAULT_IDENTITY_LIST", raising=False)
    code = main(["validate", "-i", str(inv), "--vault-password-file", str(password)])
    assert code == 5  # the fake suites wrote no results: their exit code
    assert seen["text"] == PASSWORD
    assert f"--ansible-inventory={inv}" in seen["argv"]
    assert not seen["path"].exists()
    assert "ANSIBLE_VAULT_IDENTITY_LIST" not in os.environ


def test_ask_vault_pass_prompts_like_ansible_playbook(vaulted, monkeypatch, capsys):
    from ansible.parsing import vault as ansible_vault

    from railmount.cli import main

    inv, _ = vaulted
    prompts = []

    def prompt(text, private=False):
        prompts.append((text, private))
        return PASSWORD

    monkeypatch.setattr(ansible_vault.display, "prompt", prompt)
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    assert main(["check", "-i", str(inv), "--ask-vault-pass"]) == 0
    assert prompts == [("Vault password: ", True)]
    assert "OK — 2 storage client(s)" in capsys.readouterr().out
