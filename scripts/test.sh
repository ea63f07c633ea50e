#!/usr/bin/env bash
# The test command: lints, unit tests, then the lab (build, deploy twice, validate,
# break things on purpose, faults, down).
#   scripts/test.sh            everything (root; ~30 min on 2 cores)
#   scripts/test.sh --unit     lints + unit tests only (no root, ~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { echo "==> test.sh: $1 done at ${SECONDS} s"; }  # the README's CI timings

bash scripts/setup.sh
stage setup
# shellcheck disable=SC1091
source .venv/bin/activate

bash scripts/lint.sh
stage lint
# galaxy-importer, ansible-test sanity, ansible-doc and ansible-runner on two ansible-core
# versions, ansible-builder create (README "CI"); tools cached in .venv-gates/.
bash scripts/gates.sh
stage gates
python -m pytest tests -q
stage "unit tests"
if [[ "${1:-}" == "--unit" ]]; then
  exit 0
fi
# Lab tests bring the lab up themselves and take it down at the end, pass or fail.
python -m pytest tests/lab -m "lab or faults" -v -rfE --junitxml=reports/lab-junit.xml
stage "lab tests"
