"""Offline stand-in for get-pip.py, which ansible-test downloads from
ci-files.testing.ansible.com (not reachable from CI) to put pip into each sanity test's
fresh venv. scripts/gates.sh copies it to where ansible-test caches that script.
ansible-test runs it as get-pip.py takes it, `get_pip pip==X --no-setuptools --no-wheel`:
Python's bundled pip (ensurepip, no network) comes first, then that pip installs what was
asked, from PyPI, and setuptools/wheel go unless asked for, as get-pip.py leaves them out."""

import ensurepip
import os
import subprocess
import sys

FLAGS = {"--no-setuptools": "setuptools", "--no-wheel": "wheel"}

ensurepip.bootstrap()
# ensurepip points pip at no configuration (PIP_CONFIG_FILE=/dev/null) in this process;
# the pip that follows needs the machine's (index, certificates).
os.environ.pop("PIP_CONFIG_FILE", None)
os.environ.pop("ENSUREPIP_OPTIONS", None)
args = [a for a in sys.argv[1:] if a not in FLAGS]
pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
subprocess.run([*pip, "install", *args], check=True)
unwanted = [FLAGS[a] for a in sys.argv[1:] if a in FLAGS]
if unwanted:
    subprocess.run([*pip, "uninstall", "-q", "-y", *unwanted], check=False)
