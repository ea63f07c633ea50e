"""Turn raw Ansible variables into the typed model, collecting every problem at once.

Each problem names the host (or `all` for group-wide keys), the dotted field and a fix,
so `railmount check` and the first play of site.yml can refuse a bad inventory before
any host is touched. The shape and value rules are the schema (railmount.schema and the
model's sections); the modules here add the rules across fields and hosts.
"""

from railmount.rules.build import build_inventory
from railmount.rules.problems import InventoryError, Problem, Unresolved
from railmount.schema import (
    CLIENT_GROUP,
    CLIENT_KEYS,
    GLOBAL_KEYS,
    KNOWN_KEYS,
    SWITCH_GROUP,
)

__all__ = [
    "CLIENT_GROUP",
    "CLIENT_KEYS",
    "GLOBAL_KEYS",
    "KNOWN_KEYS",
    "SWITCH_GROUP",
    "InventoryError",
    "Problem",
    "Unresolved",
    "build_inventory",
]
