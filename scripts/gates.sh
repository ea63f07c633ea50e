#!/usr/bin/env bash
# The Ansible ecosystem's gates, on the collection as users get it (scripts/test.sh runs
# this after the lints; README "CI"):
#   1. build the railmount wheel and the collection tarball (dist/)
#   2. galaxy-importer (what Galaxy runs on upload) on the tarball: no warning, no error
#   3. ansible-test sanity on the tarball installed as ansible_collections/railmount/storage
#   4. per ansible-core version (the oldest and newest this supports), in a venv holding
#      only the wheel, ansible-core and ansible.posix: ansible-doc of every plugin and role,
#      and from a plain `git clone` (no setup script) site.yml's plan stage through
#      ansible-runner, the way AWX runs a project; no deprecation warning anywhere
#   5. ansible-builder create on execution-environment.yml
# Tools live in venvs of their own under .venv-gates/ (gitignored, reused while their pins
# hold). Network: the package registries only (PyPI); Galaxy is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
GATES=$REPO/.venv-gates
TOOLS_PINS="galaxy-importer==0.4.44 ansible-builder==3.2.0"
SANITY_CORE="ansible-core==2.19.14"     # ansible-test comes with ansible-core
CORES=(2.16 2.19)                       # meta/runtime.yml requires_ansible, and the newest
# ansible.posix comes out of PyPI's `ansible` wheel (it carries every collection of the
# bundle); only that collection is unpacked.
BUNDLE="ansible==12.3.0"
NO_TASK_TAG=railmount-gate-no-task      # no task has it: the plan stage alone runs

t0=$SECONDS
step() { echo "==> gates: $1 (${SECONDS} s)"; }
fail() { echo "gates: FAILED: $1" >&2; exit 1; }
work=$(mktemp -d /tmp/railmount-gates.XXXXXX)
trap 'rm -rf "$work"' EXIT

# venv DIR PINS...: (re)create DIR with PINS installed unless it already holds them.
venv() {
  local dir=$1
  shift
  if [[ -f "$dir/.pins" && "$(cat "$dir/.pins")" == "$*" ]]; then
    return
  fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  echo "$*" >"$dir/.pins"
}

# The `ansible` wheel, once; the declared collections unpacked into a site-packages (Ansible looks
# for ansible_collections/ on sys.path, as it does for the bundle's collections).
collections_into() {
  local site=$1
  if [[ ! -d "$GATES/dl" ]] || ! compgen -G "$GATES/dl/ansible-*.whl" >/dev/null; then
    mkdir -p "$GATES/dl"
    python3 -m pip download -q --disable-pip-version-check --no-deps "$BUNDLE" -d "$GATES/dl"
  fi
  python3 - "$site" "$GATES"/dl/ansible-*.whl <<'PY'
import sys, zipfile
site, wheel = sys.argv[1], sys.argv[2]
# The collections railmount.storage declares (collections/requirements.yml), from the
# bundle: what Galaxy would install beside it, so its lint resolves their modules.
import re
wanted = re.findall(r"- name: ([a-z_]+)\.([a-z_]+)", open("collections/requirements.yml").read())
prefixes = tuple(f"ansible_collections/{ns}/{name}/" for ns, name in wanted)
with zipfile.ZipFile(wheel) as whl:
    names = [n for n in whl.namelist() if n.startswith(prefixes)]
    whl.extractall(site, names)
PY
}

no_deprecations() {  # FILE WHAT: fail on any deprecation warning in FILE
  if grep -q "DEPRECATION WARNING" "$1"; then
    grep -A3 "DEPRECATION WARNING" "$1" >&2
    fail "$2: deprecation warning"
  fi
}

step "tools"
venv "$GATES/tools" $TOOLS_PINS
venv "$GATES/sanity" $SANITY_CORE
# ansible-test fetches a pip bootstrap script from ci-files.testing.ansible.com (not
# reachable); scripts/ansible-test-get-pip.py does the same from Python's ensurepip.
pip_version=$("$GATES/sanity/bin/python" - <<'PY'
import re, ansible_test, pathlib
text = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
# ansible-test keeps that script and its venvs under ~/.ansible/test: give it a home of
# its own inside .venv-gates, so they are cached with the other tools and nothing lands in ~.
TEST_HOME=$GATES/home
mkdir -p "$TEST_HOME/.ansible/test/cache"
cp scripts/ansible-test-get-pip.py "$TEST_HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

step "build wheel and collection tarball"
rm -rf dist
mkdir dist
mkdir "$work/src"
git archive --format=tar HEAD | tar -x -C "$work/src"
python3 -m pip wheel -q --disable-pip-version-check --no-deps -w dist "$work/src" >/dev/null
"$GATES/tools/bin/ansible-galaxy" collection build -f --output-path dist "$work/src" >/dev/null
wheel=$(echo dist/railmount-*.whl)
tarball=$(echo dist/railmount-storage-*.tar.gz)

step "galaxy-importer"
mkdir -p "$work/importer"
# galaxy-importer's ansible-lint sets its own collections path; ansible.posix (the
# roles use ansible.posix.mount) is found on sys.path, in the tools venv.
collections_into "$("$GATES/tools/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
(
  cd "$work/importer"
  GALAXY_IMPORTER_CONFIG=$REPO/scripts/galaxy-importer.cfg \
    PATH=$GATES/tools/bin:$PATH python -m galaxy_importer.main "$REPO/$tarball"
) >"$work/importer.log" 2>&1 || { cat "$work/importer.log"; fail "galaxy-importer"; }
# The one warning allowed: galaxy-importer names every ignore file. Ours holds only the
# MIT-not-GPLv3 entries (tests/sanity/ignore-2.19.txt says why).
allowed="^WARNING: Ignore files skip ansible-test sanity tests, found ignore-2.19.txt with 4 statement"
if grep -E "^(WARNING|ERROR)" "$work/importer.log" | grep -v "$allowed"; then
  fail "galaxy-importer reported the lines above"
fi
grep -q "Importer processing completed successfully" "$work/importer.log" \
  || { cat "$work/importer.log"; fail "galaxy-importer did not complete"; }

step "ansible-test sanity"
(cd "$work" && ANSIBLE_COLLECTIONS_PATH=$work/installed "$GATES/sanity/bin/ansible-galaxy" collection install --force \
  --offline --no-deps -p "$work/installed" "$REPO/$tarball" >/dev/null)
(
  cd "$work/installed/ansible_collections/railmount/storage"
  HOME=$TEST_HOME PATH=$GATES/sanity/bin:$PATH ansible-test sanity --venv --python 3.11 --color no
) >"$work/sanity.log" 2>&1 || { grep -E "ERROR|FATAL" "$work/sanity.log" || cat "$work/sanity.log"; fail "ansible-test sanity"; }
grep -c "^Running sanity test" "$work/sanity.log" | sed 's/^/    sanity tests passed: /'

git clone -q "$REPO" "$work/clone"
for core in "${CORES[@]}"; do
  step "ansible-core $core: venv, ansible-doc, plan stage through ansible-runner from a plain clone"
  env_dir=$GATES/core-$core
  venv "$env_dir" "ansible-core==$core.*" ansible-runner==2.4.3
  "$env_dir/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  "$env_dir/bin/pip" install -q --disable-pip-version-check "$wheel"  # its dependencies
  site=$("$env_dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  collections_into "$site"
  export ANSIBLE_DEPRECATION_WARNINGS=1 ANSIBLE_NOCOLOR=1
  for plugin in module:plan module:host_config module:mount_preflight \
    role:plan role:storage_ports role:nfs_mounts; do
    ANSIBLE_COLLECTIONS_PATH=$work/installed "$env_dir/bin/ansible-doc" -t "${plugin%%:*}" \
      "railmount.storage.${plugin#*:}" >"$work/doc.log" 2>&1 \
      || { cat "$work/doc.log"; fail "ansible-doc ${plugin} on ansible-core $core"; }
    if grep -q "WARNING\|ERROR" "$work/doc.log"; then
      grep "WARNING\|ERROR" "$work/doc.log"
      fail "ansible-doc $plugin on ansible-core $core"
    fi
  done
  rm -rf "$work/runner"
  (
    cd "$work"
    PATH=$env_dir/bin:$PATH "$env_dir/bin/ansible-runner" run "$work/runner" \
      --project-dir "$work/clone" -p playbooks/site.yml \
      --inventory "$work/clone/inventory/reference" \
      --cmdline "--tags $NO_TASK_TAG"
  ) >"$work/runner.raw" 2>&1 || { cat "$work/runner.raw"; fail "ansible-runner site.yml on ansible-core $core"; }
  sed 's/\x1b\[[0-9;]*m//g' "$work/runner.raw" >"$work/runner.log"  # runner forces colour
  no_deprecations "$work/runner.log" "ansible-runner site.yml on ansible-core $core"
  grep -q "couldn.t resolve" "$work/runner.log" && fail "a module/action did not resolve on $core"
  grep -Eq "^localhost +: ok=1 .*failed=0" "$work/runner.log" \
    || { cat "$work/runner.log"; fail "plan stage on ansible-core $core: localhost did not plan"; }
  grep -Eq "^dgx-1-2 +: ok=1 .*failed=0" "$work/runner.log" \
    || { cat "$work/runner.log"; fail "plan stage on ansible-core $core: dgx-1-2 has no plan"; }
done

step "ansible-builder create"
"$GATES/tools/bin/ansible-builder" create -f execution-environment.yml -c "$work/ee" >"$work/ee.log" 2>&1 \
  || { cat "$work/ee.log"; fail "ansible-builder create"; }
grep -q "railmount-storage-" "$work/ee/"Dockerfile "$work/ee/"Containerfile 2>/dev/null \
  || fail "ansible-builder create: the build context does not install the collection"

echo "gates: all passed in $((SECONDS - t0)) s"
