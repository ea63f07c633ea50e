#!/usr/bin/env bash
# The main job on the lab: install, build the lab, deploy, deploy again (changed=0),
# validate, print where the report is. The lab stays up: `railmount lab down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# shellcheck disable=SC1091
source .venv/bin/activate

railmount check -i inventory/lab
railmount lab up
mkdir -p reports
ansible-playbook -i inventory/lab playbooks/site.yml | tee reports/deploy.log
ansible-playbook -i inventory/lab playbooks/site.yml | tee reports/deploy-again.log
if grep -E "changed=[1-9]" reports/deploy-again.log; then
  echo "main: the second deploy changed something; it must be idempotent" >&2
  exit 1
fi
railmount validate -i inventory/lab --report reports/latest --json reports/latest/results.json \
  --junit reports/latest/junit.xml
echo "main: report at $(pwd)/reports/latest/report.html (and report.md, results.json)"
