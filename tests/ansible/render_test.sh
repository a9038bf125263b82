#!/bin/bash
# Golden-file test of the Ansible templates: renders etcd.conf for every member and the
# dnsmasq records for every example inventory (static, discovery, dns) and compares them
# with tests/ansible/expected/. UPDATE=1 rewrites the expected files.
# Skips (77) when ansible-playbook is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v ansible-playbook >/dev/null || { echo "ansible-playbook not installed: skip"; exit 77; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
export ANSIBLE_ROLES_PATH="$root/ansible/roles" ANSIBLE_LOCALHOST_WARNING=false \
  ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_LOCAL_TEMP="$out/tmp" \
  ANSIBLE_HOME="$out/home"
fail=0
for mode in static discovery dns; do
  mkdir -p "$out/$mode"
  if ! timeout 120 ansible-playbook -i "$root/ansible/inventories/$mode/hosts.yml" \
      "$here/render.yml" -e "out_dir=$out/$mode" -e "local_group=$(id -gn)" >"$out/$mode.log" 2>&1; then
    echo "FAIL: rendering the $mode inventory"; cat "$out/$mode.log"; fail=1; continue
  fi
  for f in "$out/$mode"/*.conf; do
    exp="$here/expected/$mode/$(basename "$f")"
    if [ "${UPDATE:-0}" = 1 ]; then mkdir -p "$(dirname "$exp")"; cp "$f" "$exp"; continue; fi
    if ! diff -u "$exp" "$f"; then echo "FAIL: $mode/$(basename "$f") differs"; fail=1; fi
  done
  n_exp=$(ls "$here/expected/$mode" | wc -l); n_out=$(ls "$out/$mode" | wc -l)
  [ "$n_exp" = "$n_out" ] || { echo "FAIL: $mode: $n_out files rendered, $n_exp expected"; fail=1; }
done
[ $fail = 0 ] && echo "PASS: templates render as expected for static, discovery, dns"
exit $fail
