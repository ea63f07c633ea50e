#!/usr/bin/env bash
# Run every lint railmount keeps clean; exit non-zero if any fails (all are run first).
#   scripts/lint.sh            from anywhere; uses .venv/ when present
set -uo pipefail

cd "$(dirname "$0")/.."
if [[ -z "${VIRTUAL_ENV:-}" && -f .venv/bin/activate ]]; then
    # shellcheck disable=SC1091
    source .venv/bin/activate
fi
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

PY_PATHS=(src plugins tests validate roles benchmarks)
failed=()

run() {
    local name="$1"
    shift
    echo "==> ${name}: $*"
    if "$@"; then
        echo "    ok"
    else
        echo "    FAILED: ${name}"
        failed+=("${name}")
    fi
}

run "ruff check" ruff check "${PY_PATHS[@]}"
run "ruff format" ruff format --check "${PY_PATHS[@]}"
run "yamllint" yamllint --strict .
run "ansible-lint" ansible-lint --profile production playbooks/ roles/
# A fixed inventory: a syntax check never contacts hosts, so none need to exist.
run "syntax-check" ansible-playbook --syntax-check -i inventory/reference playbooks/*.yml

if ((${#failed[@]})); then
    echo "lint: ${#failed[@]} failed: ${failed[*]}"
    exit 1
fi
echo "lint: all clean"
