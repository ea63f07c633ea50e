"""Where railmount's non-Python parts are: in a source checkout, the repository's own
top-level directories; in an installed wheel, the same directories shipped as package
data (`pip install .` maps templates/ to railmount/templates and validate/ to
railmount/suites; see pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parents[1]  # src/railmount -> the repository, in a source checkout


def _find(checkout_name: str, package_name: str, marker: str) -> Path:
    for candidate in (CHECKOUT / checkout_name, PACKAGE / package_name):
        if (candidate / marker).exists():
            return candidate
    raise FileNotFoundError(
        f"railmount's {checkout_name}/ is missing (looked in {CHECKOUT / checkout_name} and "
        f"{PACKAGE / package_name}); reinstall railmount"
    )


def templates() -> Path:
    return _find("templates", "templates", "netplan-port.yaml.j2")


def suites() -> Path:
    return _find("validate", "suites", "conftest.py")
