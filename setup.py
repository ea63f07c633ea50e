"""Package list and version for setuptools: what lives under src/ plus the directories
pyproject.toml maps into the wheel (templates, suites), and the version from galaxy.yml,
the one place it is written (package and collection share it). Everything else is in
pyproject.toml."""

import re
from pathlib import Path

from setuptools import find_packages, setup


def galaxy_version() -> str:
    text = (Path(__file__).resolve().parent / "galaxy.yml").read_text()
    match = re.search(r"^version:\s*['\"]?([0-9][^\s'\"]*)", text, re.M)
    if not match:
        raise SystemExit("setup.py: galaxy.yml has no version: line")
    return match.group(1)


setup(
    version=galaxy_version(),
    packages=[*find_packages("src"), "railmount.templates", "railmount.suites"],
)
