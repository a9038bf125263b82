#!/bin/bash
# Package lint: lintian on the .deb files and rpmlint on the .rpm files that
# packaging/build.sh left in the first of DIR... that has any (default: build-packages/).
# Passes only with zero errors and zero warnings; the remaining tags are overridden, each
# with its reason, in packaging/deb/*.lintian-overrides and packaging/rpm/etcd.rpmlintrc.
# Exit 77 (a skip for meson test) when neither tool is installed or no package is built:
# the test suite never builds packages itself.
#   packaging/lint.sh [DIR...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$here/../build-packages"

debs=() rpms=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  # The newest build of each package only (older releases stay for the upgrade test).
  mapfile -t debs < <(ls -t "$dir"/deb/*.deb 2>/dev/null | awk -F_ '!seen[$1]++')
  mapfile -t rpms < <(ls -t "$dir"/rpm/*.rpm 2>/dev/null | grep -v '\.src\.rpm$' |
                      sed 's/-[^-]*-[^-]*$/ &/' | awk '!seen[$1]++ {print $1 $2}')
  [ ${#debs[@]} -gt 0 ] || [ ${#rpms[@]} -gt 0 ] && break
done

have_lintian=0 have_rpmlint=0
command -v lintian >/dev/null && [ ${#debs[@]} -gt 0 ] && have_lintian=1
command -v rpmlint >/dev/null && [ ${#rpms[@]} -gt 0 ] && have_rpmlint=1
if [ $have_lintian = 0 ] && [ $have_rpmlint = 0 ]; then
  echo "SKIP: no lintian/rpmlint or no built packages in $* (packaging/build.sh builds them)"
  exit 77
fi

fail=0
if [ $have_lintian = 1 ]; then
  echo "== lintian ${debs[*]##*/}"
  # Overrides are installed in the .deb (debian/*.lintian-overrides); --fail-on warning
  # makes any error or warning fatal; info/pedantic tags are printed for the record.
  if ! lintian --fail-on error,warning --display-info "${debs[@]}"; then
    echo "FAIL: lintian reported errors or warnings"; fail=1
  fi
fi
if [ $have_rpmlint = 1 ]; then
  echo "== rpmlint ${rpms[*]##*/}"
  # Filters that match nothing (a man page that has since landed) are not an error.
  out=$(rpmlint --ignore-unused-rpmlintrc -c "$here/rpm/rpmlint.toml" -r "$here/rpm/etcd.rpmlintrc" "${rpms[@]}" 2>&1); rc=$?
  echo "$out"
  # rpmlint's last line: "N packages and M specfiles checked; E errors, W warnings, ..."
  summary=$(echo "$out" | grep -E '[0-9]+ errors?, [0-9]+ warnings?' | tail -n1)
  if [ $rc -ne 0 ] || ! echo "$summary" | grep -qE '\b0 errors?, 0 warnings?'; then
    echo "FAIL: rpmlint reported errors or warnings"; fail=1
  fi
fi
[ $fail = 0 ] && echo "package lint: clean"
exit $fail
