"""Ansible Vault for railmount's commands, exactly as ansible-playbook does it.

Options: --vault-password-file (repeatable), --ask-vault-pass, --vault-id, added with
Ansible's own helper; secrets are loaded by Ansible's own `CLI.setup_vault_secrets`, with
ANSIBLE_VAULT_PASSWORD_FILE, ANSIBLE_VAULT_IDENTITY_LIST and ansible.cfg honoured (read
when loading, not when ansible was imported). Inside ansible-playbook (the roles' lookup)
the secrets it already holds are used too.

Ansible 2.19 decrypts inline `!vault` values lazily, through one process-wide
VaultSecretsContext: `activate` sets it up (or adds to the one ansible-playbook made).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Secrets = list[tuple[str, Any]]  # (vault id, ansible VaultSecret)
NO_PASSWORD_FIX = (
    "pass --vault-password-file FILE (or --vault-id, --ask-vault-pass, ANSIBLE_VAULT_PASSWORD_FILE)"
)


class VaultError(Exception):
    """A vault password could not be loaded (missing file, failing script, empty prompt)."""


@dataclass(frozen=True)
class VaultOptions:
    password_files: tuple[str, ...] = ()
    vault_ids: tuple[str, ...] = ()
    ask: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> VaultOptions:
        return cls(
            tuple(getattr(args, "vault_password_files", None) or ()),
            tuple(getattr(args, "vault_ids", None) or ()),
            bool(getattr(args, "ask_vault_pass", False)),
        )


def add_vault_arguments(parser: argparse.ArgumentParser) -> None:
    """The vault options of ansible-playbook, same names and behaviour."""
    from ansible.cli.arguments.option_helpers import add_vault_options

    add_vault_options(parser)


def load_secrets(loader: Any, options: VaultOptions | None) -> Secrets:
    """The vault secrets for `options` plus Ansible's configuration; set on `loader`."""
    from ansible.cli import CLI
    from ansible.constants import config
    from ansible.errors import AnsibleError
    from ansible.parsing.vault import VaultSecretsContext

    options = options or VaultOptions()
    files = [*options.password_files]
    configured = config.get_config_value("DEFAULT_VAULT_PASSWORD_FILE")
    if configured and configured not in files:
        files.append(configured)
    ids = [*config.get_config_value("DEFAULT_VAULT_IDENTITY_LIST"), *options.vault_ids]
    try:
        secrets: Secrets = CLI.setup_vault_secrets(
            loader,
            vault_ids=ids,
            vault_password_files=files,
            ask_vault_pass=options.ask,
            auto_prompt=False,
            initialize_context=False,
        )
    except AnsibleError as err:
        raise VaultError(str(err.message)) from None
    active = VaultSecretsContext.current(optional=True)
    if active is not None:  # inside ansible-playbook: its secrets open our files too
        secrets += [s for s in active.secrets if s not in secrets]
    loader.set_vault_secrets(secrets)
    return secrets


def activate(secrets: Secrets) -> None:
    """Make `secrets` decrypt lazily-decrypted `!vault` values in this process."""
    from ansible.parsing.vault import VaultSecretsContext

    if not secrets:
        return
    active = VaultSecretsContext.current(optional=True)
    if active is None:
        VaultSecretsContext.initialize(VaultSecretsContext(list(secrets)))
    else:
        active.secrets.extend(s for s in secrets if s not in active.secrets)


@contextlib.contextmanager
def shared_with_children(secrets: Secrets) -> Iterator[None]:
    """While inside, this process and its children (pytest in-process or in xdist workers,
    testinfra's ansible-inventory) find the secrets through ANSIBLE_VAULT_IDENTITY_LIST:
    one 0600 file per secret in a private 0700 directory, removed on exit."""
    if not secrets:
        yield
        return
    directory = Path(tempfile.mkdtemp(prefix="railmount-vault-"))
    before = os.environ.get("ANSIBLE_VAULT_IDENTITY_LIST")
    try:
        ids = []
        for index, (vault_id, secret) in enumerate(secrets):
            path = directory / f"secret-{index}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secret.bytes)
            ids.append(f"{vault_id}@{path}")
        os.environ["ANSIBLE_VAULT_IDENTITY_LIST"] = ",".join(ids)
        yield
    finally:
        if before is None:
            os.environ.pop("ANSIBLE_VAULT_IDENTITY_LIST", None)
        else:
            os.environ["ANSIBLE_VAULT_IDENTITY_LIST"] = before
        shutil.rmtree(directory, ignore_errors=True)
