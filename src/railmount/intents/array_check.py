"""The array cross-check: what purefb_info reads back (subsets subnets, network,
filesystems, policies, lags) against the array intent, one result per item.

The info's shape is purefb_info's own (`purefb_info.subnet`, `.network`, `.lag`,
`.filesystems`, `.export_policies`; built by the module's generate_*_dict functions, its
RETURN documents only `type: dict`). Values the array reports in another spelling are
normalised here, once: services and LAG ports as sets, sizes as bytes.
"""

from __future__ import annotations

from typing import Any

from railmount.intents.intent import ArrayIntent
from railmount.validation.verdicts.result import CheckResult

GATHER_SUBSET = ("subnets", "network", "filesystems", "policies", "lags")


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    return str(value)


def array_check(intent: ArrayIntent, info: dict[str, Any]) -> list[CheckResult]:
    """`info` is purefb_info's `purefb_info` dict (or the whole registered result)."""
    info = info.get("purefb_info", info)
    out: list[CheckResult] = []

    def check(check: str, item: str, what: str, expected: Any, actual: Any) -> None:
        out.append(
            CheckResult(
                intent.name,
                item,
                what,
                _text(expected),
                _text(actual),
                _text(expected) == _text(actual),
                check=f"array.{check}",
            )
        )

    subnets = info.get("subnet") or {}
    name, subnet = next(
        ((n, s) for n, s in subnets.items() if s.get("prefix") == intent.prefix), (None, None)
    )
    check("subnet", intent.prefix, "subnet", intent.prefix, subnet and intent.prefix)
    if subnet is not None:
        item = f"subnet {name}"
        check("subnet_vlan", item, "vlan", intent.vlan, subnet.get("vlan"))
        check("subnet_gateway", item, "gateway", intent.gateway, subnet.get("gateway"))
        check("subnet_mtu", item, "mtu", intent.mtu, subnet.get("mtu"))
        check("subnet_lag", item, "lag", intent.lag, subnet.get("lag"))

    lag = (info.get("lag") or {}).get(intent.lag)
    ports = {p.get("name") for p in lag.get("ports") or ()} if lag else None
    check("lag_ports", f"lag {intent.lag}", "ports", set(intent.lag_ports), ports)

    network = info.get("network") or {}
    for vip, address in intent.vips:
        iface = network.get(vip)
        item = f"vip {vip}"
        check("vip_address", item, "address", address, iface and iface.get("address"))
        if iface is not None:
            check("vip_subnet", item, "subnet", name or intent.subnet_name, iface.get("subnet"))
            check("vip_services", item, "services", {"data"}, set(iface.get("services") or ()))
            check("vip_enabled", item, "enabled", True, iface.get("enabled"))

    fs = (info.get("filesystems") or {}).get(intent.filesystem)
    item = f"filesystem {intent.filesystem}"
    check("filesystem", item, "present", True, fs is not None and not fs.get("destroyed"))
    if fs is not None:
        check("fs_size", item, "provisioned bytes", intent.size_bytes, fs.get("provisioned"))
        check("fs_nfsv3", item, "nfs_v3", intent.nfsv3, bool(fs.get("nfs_v3")))
        check("fs_nfsv4", item, "nfs_v4_1", intent.nfsv4, bool(fs.get("nfs_v4_1")))
        check("fs_policy", item, "export_policy", intent.export_policy, fs.get("export_policy"))

    policy = (info.get("export_policies") or {}).get(intent.export_policy)
    item = f"export policy {intent.export_policy}"
    check("policy", item, "enabled", True, policy.get("enabled") if policy else "absent")
    if policy is not None:
        rules = sorted(policy.get("rules") or (), key=lambda r: r.get("index") or 0)
        check("policy_rules", item, "rules", len(intent.export_rules), len(rules))
        for rule, got in zip(intent.export_rules, rules, strict=False):
            at = f"{item} rule {rule.index}"
            check("rule_client", at, "client", rule.client, got.get("client"))
            check("rule_access", at, "access", rule.access, got.get("access"))
            check("rule_permission", at, "permission", rule.permission, got.get("permission"))
    return out
