#!/bin/bash
# ansible-playbook --syntax-check on every playbook and ansible-lint (production profile,
# offline) on ansible/. Skips (77) when the tools are not installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v ansible-playbook >/dev/null || { echo "ansible-playbook not installed: skip"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ANSIBLE_HOME="$tmp/home" ANSIBLE_LOCAL_TEMP="$tmp/tmp" ANSIBLE_NOCOLOR=1
cd "$root/ansible"
fail=0
for p in site.yml add-member.yml remove-member.yml rolling-restart.yml upgrade.yml backup.yml; do
  if ANSIBLE_CONFIG=ansible.cfg timeout 120 ansible-playbook --syntax-check "$p" >"$tmp/out" 2>&1; then
    echo "PASS: syntax-check $p"
  else
    echo "FAIL: syntax-check $p"; cat "$tmp/out"; fail=1
  fi
done
if command -v ansible-lint >/dev/null; then
  if timeout 300 ansible-lint --offline --nocolor -p --profile production >"$tmp/lint" 2>&1; then
    echo "PASS: ansible-lint --profile production"
  else
    echo "FAIL: ansible-lint"; cat "$tmp/lint"; fail=1
  fi
else
  echo "ansible-lint not installed: lint part skipped"
fi
exit $fail
