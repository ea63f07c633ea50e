"""Lookup: the rollout settings (railmount_rollout) for play keywords.

Play keywords such as `serial` are templated before any host exists, without inventory
variables; this reads the same inventory sources through railmount's checked model.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from railmount.check import InventoryError
from railmount.inventory import load


class LookupModule(LookupBase):
    def run(
        self, terms: list[str], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        sources = (variables or {}).get("ansible_inventory_sources") or ()
        if len(sources) != 1:
            raise AnsibleLookupError("railmount_rollout needs exactly one inventory source")
        try:
            rollout = load(sources[0]).rollout
        except InventoryError as err:
            raise AnsibleLookupError(f"inventory has problems:\n{err}") from err
        return [getattr(rollout, term) for term in terms]
