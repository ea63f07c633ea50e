"""Package list for setuptools: what lives under src/ plus the directories pyproject.toml
maps into the wheel (templates, suites, the Ansible collection). Everything else is in
pyproject.toml."""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

COLLECTION = "ansible_collections.railmount.storage"


class BuildPy(build_py):
    """The collection is the repository root: ship its package data, not this file."""

    def find_package_modules(self, package: str, package_dir: str) -> list:
        if package == COLLECTION:
            return []
        return super().find_package_modules(package, package_dir)


setup(
    packages=[*find_packages("src"), "railmount.templates", "railmount.suites", COLLECTION],
    cmdclass={"build_py": BuildPy},
)
