#!/usr/bin/env bash
# Install what railmount and its lab need on a fresh Debian 12 machine: system packages
# (QEMU, mmdebstrap, nfs-ganesha, lldpd, ...) and a Python venv in .venv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  qemu-system-x86 qemu-utils mmdebstrap e2fsprogs zstd    # lab guests
  nfs-ganesha nfs-ganesha-vfs rpcbind                     # the lab's NFS array
  lldpd iproute2 socat                                    # switches, console
  fio                                                     # unit tests: checkpoint verify
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The array's daemons run only inside the lab namespace; keep the host's copies off.
for unit in nfs-ganesha rpcbind.socket rpcbind lldpd; do
  systemctl disable --now "$unit" >/dev/null 2>&1 || true
done

if [[ ! -x .venv/bin/railmount ]] || [[ pyproject.toml -nt .venv/.installed ]]; then
  echo "setup: creating .venv (pip install -e .[dev])" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  touch .venv/.installed
fi
# The collection resolves through the committed link collections/ansible_collections/
# railmount/storage (ansible.cfg); the link older set-ups made would be a second copy.
old_link=.ansible/collections/ansible_collections/railmount/storage
if [[ -L "$old_link" ]]; then
  rm -f "$old_link"
fi
echo "setup: ready (activate with: source .venv/bin/activate)" >&2
