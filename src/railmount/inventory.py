"""Read an Ansible inventory exactly as ansible-playbook would, then check it.

Ansible's own InventoryManager resolves group_vars, host_vars and multi-file directories,
so `railmount check` and the playbooks never disagree on a value. Only railmount_* keys
are model input: nothing else is templated or decrypted. A file Ansible cannot read, a
value that cannot be templated and a vaulted value without a password each become a
Problem naming the file or the host and key, reported with all the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from railmount.inventory_files import UnparsedRecorder, vars_file_problem
from railmount.inventory_vars import AnsibleVars, Report, collect, template_problem
from railmount.model import Inventory
from railmount.planner import HostPlan, plan_inventory
from railmount.rules import InventoryError, Problem, Unresolved, build_inventory
from railmount.vault import NO_PASSWORD_FIX, VaultOptions, activate, load_secrets

TEMPLATE_MARKS = ("{{", "{%", "{#")
# What the validation transport needs to reach a host as Ansible would.
CONNECTION_KEYS = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_connection",
    "ansible_ssh_private_key_file",
    "ansible_ssh_args",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_become",
    "ansible_become_method",
    "ansible_become_user",
    "ansible_become_password",
    "ansible_become_pass",
    "ansible_python_interpreter",
)


class AnsibleInventory:
    """One inventory source read by Ansible: railmount_* values for the checker, and each
    host's connection variables on demand."""

    def __init__(self, source: str | Path, vault: VaultOptions | None = None) -> None:
        from ansible.parsing.dataloader import DataLoader
        from ansible.vars.manager import VariableManager

        self.source = Path(source)
        if not self.source.exists():
            raise FileNotFoundError(f"inventory {source} does not exist")
        self.loader = DataLoader()
        self.secrets = load_secrets(self.loader, vault)
        activate(self.secrets)
        # Absolute: Ansible caches group_vars lookups by the source path as given, process-wide,
        # so a relative path would point at a stale directory after a chdir (tests, plugins).
        recorder = UnparsedRecorder(self.loader, str(self.source.absolute()))
        self.manager = recorder.manager
        self.problems: list[Problem] = recorder.problems
        self.variables = VariableManager(loader=self.loader, inventory=self.manager)
        self.templar = SharedTemplar(self.loader)
        self._vars: dict[str, Mapping[str, Any] | Problem] = {}

    def groups(self) -> dict[str, list[str]]:
        return {
            str(name): [str(h.name) for h in group.get_hosts()]
            for name, group in self.manager.groups.items()
        }

    def host_vars(self, host: str) -> Mapping[str, Any] | Problem:
        """The host's variables as a play sees them (untemplated), or the file problem."""
        if host not in self._vars:
            entity = self.manager.get_host(host)
            try:
                self._vars[host] = self.variables.get_vars(host=entity, include_hostvars=False)
            except Exception as err:  # any vars plugin failure names its file
                self._vars[host] = vars_file_problem(self.loader, self.source, entity, err)
        return self._vars[host]

    def railmount_vars(self) -> AnsibleVars:
        """railmount_* values as `inventory_vars.collect` reads them, templated and
        decrypted leaf by leaf so a failure names the exact dotted key."""

        def resolver(host: str, variables: Mapping[str, Any], report: Report) -> Any:
            return Resolver(host, variables, self.templar, report).resolve

        return collect(self.groups(), self.host_vars, resolver, self.problems)

    def connection_vars(self, host: str) -> ConnectionVars:
        """`host`'s connection variables (CONNECTION_KEYS present), each templated and
        decrypted only when read. InventoryError names host and key when one cannot be."""
        if self.manager.get_host(host) is None:
            raise KeyError(host)
        variables = self.host_vars(host)
        if isinstance(variables, Problem):
            raise InventoryError([variables])
        return ConnectionVars(host, variables, self.templar)


class SharedTemplar:
    """One Templar for every host, made cheap for inventories that repeat the same template
    strings on every host ("{{ base }}.{{ octet }}/24"); both shortcuts change no result:

    - compiled templates are kept by source text (Ansible compiles on every call; a compiled
      template is a pure function of its source and options);
    - a template that only substitutes variables (no filters, calls or tests) whose values
      are plain scalars is rendered once per distinct set of those values.
    """

    def __init__(self, loader: Any) -> None:
        from ansible.template import Templar

        self.templar = Templar(loader=loader)
        self._names: dict[str, frozenset[str] | None] = {}
        self._rendered: dict[tuple[Any, ...], Any] = {}
        engine = getattr(self.templar, "_engine", None)
        compile_template = getattr(engine, "_compile_template", None)
        if compile_template is not None:  # ansible-core 2.19's engine; else no cache
            compiled: dict[tuple[str, Any], Any] = {}

            def cached(template: str, options: Any) -> Any:
                key = (str(template), options)
                if key not in compiled:
                    compiled[key] = compile_template(template, options)
                return compiled[key]

            engine._compile_template = cached

    def template(self, value: str, variables: Mapping[str, Any]) -> Any:
        key = self._key(value, variables)
        if key is not None and key in self._rendered:
            return self._rendered[key]
        self.templar.available_variables = variables
        result = self.templar.template(value)
        if key is not None:
            self._rendered[key] = result
        return result

    def _key(self, value: str, variables: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """(source, the values it substitutes) when that determines the result, else None."""
        source = str(value)
        if source not in self._names:
            self._names[source] = self._substituted_names(source)
        names = self._names[source]
        if names is None:
            return None
        key: list[Any] = [source]
        for name in sorted(names):
            if name not in variables:
                return None
            item = variables[name]
            if isinstance(item, bool | int | float) or item is None:
                key.append((name, type(item), item))
            elif isinstance(item, str) and not _has_template(item):
                key.append((name, str, str(item)))
            else:  # a container, a vaulted value, or a template of its own: render each time
                return None
        return tuple(key)

    def _substituted_names(self, source: str) -> frozenset[str] | None:
        from jinja2 import Environment, nodes

        if source.startswith("#jinja2:"):
            return None
        try:
            tree = Environment().parse(source)  # parsing needs no filters; Ansible's delimiters
        except Exception:  # a syntax error: templating reports it
            return None
        plain = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const)
        if not all(isinstance(node, plain) for node in tree.find_all(nodes.Node)):
            return None
        return frozenset(node.name for node in tree.find_all(nodes.Name))


def _has_template(text: str) -> bool:
    return any(mark in text for mark in TEMPLATE_MARKS)


class ConnectionVars(Mapping[str, Any]):
    def __init__(self, host: str, variables: Mapping[str, Any], templar: SharedTemplar) -> None:
        self.host = host
        self._raw = {k: variables[k] for k in CONNECTION_KEYS if k in variables}
        self._resolver = Resolver(host, variables, templar, self._fail)
        self._done: dict[str, Any] = {}

    def _fail(self, problem: Problem) -> None:
        raise InventoryError([problem])

    def __getitem__(self, key: str) -> Any:
        if key not in self._done:
            self._done[key] = self._resolver.resolve(self._raw[key], key)
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class Resolver:
    """Templates and decrypts one host's values as its play would, leaf by leaf, so a
    failure names the exact dotted key."""

    def __init__(
        self,
        host: str,
        variables: Mapping[str, Any],
        templar: SharedTemplar,
        report: Callable[[Problem], None],
    ) -> None:
        self.host = host
        self.variables = variables
        self.templar = templar
        self.report = report

    def resolve(self, value: Any, path: str) -> Any:
        from ansible.parsing.vault import EncryptedString

        if isinstance(value, Mapping):
            return {str(k): self.resolve(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.resolve(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, EncryptedString):
            return self._decrypt(value, path)
        if isinstance(value, str) and _has_template(value):
            return self._template(value, path)
        return str(value)

    def _decrypt(self, value: Any, path: str) -> Any:
        from ansible.parsing.vault import VaultSecretsContext

        try:
            return str(value)
        except Exception as err:  # ansible raises several kinds
            context = VaultSecretsContext.current(optional=True)
            if context is None or not context.secrets:
                message, fix = "vaulted, and no vault password was given", NO_PASSWORD_FIX
            else:
                message = f"cannot decrypt it: {_first_line(err)}"
                fix = "give the vault password (or --vault-id) it was encrypted with"
            self.report(Problem(self.host, path, message, fix))
            return Unresolved("<vaulted>", message)

    def _template(self, value: str, path: str) -> Any:
        from ansible.errors import AnsibleError

        try:
            result = self.templar.template(value, self.variables)
        except AnsibleError as err:
            reason = _first_line(err)
            self.report(template_problem(self.host, path, value, reason))
            return Unresolved(str(value), reason)
        return plain(result)


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "message", "") or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__


def plain(value: Any) -> Any:
    """Ansible wraps strings (AnsibleUnicode, tagged values); hand the model plain types."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def read_ansible_vars(source: str | Path, vault: VaultOptions | None = None) -> AnsibleVars:
    return AnsibleInventory(source, vault).railmount_vars()


def connection_vars(
    source: str | Path, host: str, vault: VaultOptions | None = None
) -> ConnectionVars:
    """A host's connection variables (ansible_host, ansible_port, ansible_user, ...),
    decrypted when read; see AnsibleInventory.connection_vars."""
    return AnsibleInventory(source, vault).connection_vars(host)


def load(source: str | Path, vault: VaultOptions | None = None) -> Inventory:
    found = read_ansible_vars(source, vault)
    return build_inventory(found.groups, found.hostvars, found.problems, found.unreadable)


def load_plans(
    source: str | Path, vault: VaultOptions | None = None
) -> tuple[Inventory, dict[str, HostPlan]]:
    inv = load(source, vault)
    return inv, plan_inventory(inv)
