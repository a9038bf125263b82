#!/bin/bash
# etcdctl(1) and etcdutl(1) against the tools' own --help: every command --help lists
# has a section in the page, every flag --help shows is documented there, and groff
# renders both pages without warnings. (etcd(1) is checked in systemd_unit_test.sh.)
# usage: manpages_test.sh ETCDCTL ETCDCTL_1 ETCDUTL ETCDUTL_1
set -uo pipefail
ETCDCTL=$1 CTL_MAN=$2 ETCDUTL=$3 UTL_MAN=$4
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
roff() { sed 's/-/\\-/g' <<< "$1"; }  # the page writes '-' as '\-'

check_page() {  # check_page TOOL PAGE "commands (one per line)" "flags (one per line)"
  local tool=$1 page=$2 cmds=$3 flags=$4 missing="" n=0
  while IFS= read -r c; do
    [ -n "$c" ] || continue
    n=$((n + 1))
    grep -qxF -- ".SS $(roff "$c")" "$page" || missing="$missing [$c]"
  done <<< "$cmds"
  [ "$n" -gt 3 ] || bad "$tool: only $n commands found in --help"
  [ -z "$missing" ] && ok "$tool.1 has a section for each of the $n commands of --help" ||
    bad "$tool.1 lacks commands:$missing"
  missing="" n=0
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    n=$((n + 1))
    grep -qF -- "\\fB\\-\\-$(roff "$f")\\fR" "$page" || missing="$missing --$f"
  done <<< "$flags"
  [ -z "$missing" ] && ok "$tool.1 documents the $n flags of --help" || bad "$tool.1 lacks flags:$missing"
  if command -v groff > /dev/null; then
    local warn
    warn=$(groff -man -Tutf8 -z "$page" 2>&1 | grep -v "cannot adjust line")
    [ -z "$warn" ] && ok "$tool.1 renders without groff warnings" || bad "$tool.1: groff: $warn"
  fi
}

# etcdctl: "Subcommands:" rows are "  <path padded to 28> <short help>"; flags of the
# root and of every command's --help.
help=$("$ETCDCTL" --help)
cmds=$(awk '/^Subcommands:/ {f = 1; next} f && /^$/ {exit} f {print substr($0, 3, 28)}' <<< "$help" |
       sed 's/ *$//')
flags=$(while IFS= read -r c; do "$ETCDCTL" $c --help; done <<< "$cmds" |
        grep -o -- '--[a-z0-9-]*' | sed 's/^--//' | sort -u)
flags=$(printf '%s\n%s\n' "$flags" "$(grep -o -- '--[a-z0-9-]*' <<< "$help" | sed 's/^--//')" | sort -u)
check_page etcdctl "$CTL_MAN" "$cmds" "$flags"

# etcdutl: "COMMANDS:" rows are "\t<path>\t<short help>".
help=$("$ETCDUTL" --help)
cmds=$(awk -F'\t' '/^COMMANDS:/ {f = 1; next} f && /^$/ {exit} f {print $2}' <<< "$help")
flags=$(grep -o -- '--[a-z0-9-]*' <<< "$help" | sed 's/^--//' | sort -u)
check_page etcdutl "$UTL_MAN" "$cmds" "$flags"
exit $fail
