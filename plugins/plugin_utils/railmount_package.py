# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""The one message a railmount.storage plugin gives when the railmount Python package (or
one of its dependencies) is missing from the Python that runs Ansible."""

from __future__ import annotations

import sys


def missing_railmount(plugin: str, error: ImportError) -> str:
    """One line: what is missing, where, and the command that installs it."""
    return (
        f"{plugin} needs the railmount Python package in the Python that runs Ansible "
        f"({sys.executable}): {error}. Install it there: {sys.executable} -m pip install railmount"
    )
