#!/bin/bash
# End-to-end suites on real systemd hosts (systemd-nspawn containers on a private bridge).
# Not part of ./test.sh: they need root, build packages and boot containers.
#
#   tests/e2e/run.sh packages      # build the RPM and DEB, install/upgrade/remove them on
#                                  # an EL-looking host and a Debian 12 host (~5-15 min)
#   tests/e2e/run.sh ansible static    # ansible/site.yml rolls out 3 members on EL-looking
#   tests/e2e/run.sh ansible dns       # hosts in that bootstrap mode (static, discovery,
#   tests/e2e/run.sh ansible discovery # dns; default static), then add/remove a member and
#                                      # a rolling restart under writes (~3-5 min each)
#
# Each suite prints its checks and a final "N passed, N failed"; artifacts (journals of
# every host, console logs, build logs) stay in /var/tmp/etcd-e2e/run-<bridge>/artifacts.
# Suites live in tests/e2e/suites/NAME.sh; the host library is tests/e2e/lib/hosts.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,16p' "$0"; echo "suites: $(cd "$here/suites" && ls *.sh | sed 's/\.sh$//' | tr '\n' ' ')"
  exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (containers, bridge, overlay mounts)" >&2; exit 2; }

# "ansible MODE...": the ansible suite once per bootstrap mode (ANSIBLE_MODE).
runs=()
for a in "$@"; do
  case "$a" in
    static|discovery|dns)
      if [ ${#runs[@]} -gt 0 ] && [[ ${runs[-1]} == ansible* ]]; then
        [ "${runs[-1]}" = ansible ] && runs[-1]=ansible:$a || runs+=("ansible:$a")
      else runs+=("$a"); fi ;;
    *) runs+=("$a") ;;
  esac
done

passed=0 failed=0
for run in "${runs[@]}"; do
  suite=${run%%:*} mode=${run#*:}
  [ "$mode" = "$run" ] && mode=""
  script=$here/suites/$suite.sh
  [ -f "$script" ] || { echo "run.sh: no suite '$suite'" >&2; failed=$((failed + 1)); continue; }
  echo "=== e2e suite: $suite${mode:+ ($mode)}"
  log=$(mktemp)
  if [ -n "$mode" ]; then ANSIBLE_MODE=$mode bash "$script" 2>&1 | tee "$log"
  else bash "$script" 2>&1 | tee "$log"; fi
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
  rm -f "$log"
  if [ -z "$line" ]; then failed=$((failed + 1)); continue; fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
done
if [ ${#runs[@]} -gt 1 ]; then echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
