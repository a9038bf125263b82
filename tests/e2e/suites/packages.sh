#!/bin/bash
# e2e suite "packages": the RPM and the DEB, the way operators use them.
#   1. packaging/build.sh builds release 1 and release 2 (the upgrade) of both packages;
#      meanwhile the host image is made (cached after the first run).
#   2. Two systemd hosts on a private bridge: el1 looks like Rocky 9 (os-release, EL's
#      "disable *" preset) and installs with `yum` from a local RPM repository; deb1 is
#      Debian 12 and installs with `apt-get` from a local flat repository.
#   3. On each: install (user, directories, modes, not started, enablement per preset),
#      edit /etc/etcd/etcd.conf, `systemctl start etcd` returns when etcd serves, etcdctl
#      put/get, STATUS= in `systemctl status`, structured fields in `journalctl -u etcd`,
#      upgrade to release 2 (config kept, running member restarted, data kept), removal
#      (stopped; data kept), purge on Debian (config gone, data kept).
# Environment: E2E_REUSE_PACKAGES=1 uses already built packages (release 1 and 2) in
# PKG_OUT (default build-packages/); E2E_REF=REV / E2E_WORKTREE=1 choose the source
# (default HEAD, see packaging/build.sh); E2E_PKG_CHECK=1 runs the unit suite in the package
# builds (off by default: `packaging/build.sh` alone runs it); E2E_BR / E2E_NET choose the
# bridge and subnet (default e2epkg0, 10.231.5.0/24).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_BR=${E2E_BR:-e2epkg0} E2E_NET=${E2E_NET:-10.231.5}
. "$here/lib/hosts.sh"
. "$here/lib/check.sh"

PKG_OUT=${PKG_OUT:-$top/build-packages}
REPO=$E2E_RUN/repo
T0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }

IMAGE_PKGS=$E2E_PKG_RUNTIME_LIBS   # lib/hosts.sh: our packages' runtime libraries

finish() {
  local rc=$?
  e2e_teardown
  echo "artifacts: $E2E_ARTIFACTS ($(elapsed) in all)"
  e2e_summary
  exit $?
}
trap finish EXIT
trap 'exit 130' INT TERM

e2e_teardown                     # leftovers of an interrupted run on the same bridge
rm -rf "$E2E_ARTIFACTS" "$REPO"; mkdir -p "$E2E_ARTIFACTS" "$REPO/rpm" "$REPO/deb"

echo "== host tools"
"$top/packaging/install-deps.sh" > "$E2E_ARTIFACTS/install-deps.log" 2>&1
check "packaging tools installed (packaging/install-deps.sh)" test $? -eq 0 || exit 1
e2e_host_deps createrepo-c dpkg-dev >/dev/null 2>&1

echo "== image (background) and packages"
( e2e_image bookworm "$IMAGE_PKGS" > "$E2E_RUN/image.path" ) > "$E2E_ARTIFACTS/image.log" 2>&1 &
image_job=$!

VERSION=$(sed -n "/^project(/,/)/s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
build_args=(--out "$PKG_OUT")
[ -n "${E2E_WORKTREE:-}" ] && build_args+=(--worktree)
[ -n "${E2E_REF:-}" ] && build_args+=(--ref "$E2E_REF")
if [ "${E2E_REUSE_PACKAGES:-0}" != 1 ]; then
  # Release 2 (the upgrade) is built from exactly the source of release 1: its compiles
  # are ccache hits, only links and packaging cost time.
  for rel in 1 2; do
    args=("${build_args[@]}")
    [ $rel = 2 ] && args=(--out "$PKG_OUT" --from-tarball "$E2E_RUN/source.tar.gz")
    [ "${E2E_PKG_CHECK:-0}" = 1 ] || args+=(--nocheck)
    args+=(--no-dbgsym)   # the -dbgsym DEBs are not tested; xz on them costs minutes here
    "$top/packaging/build.sh" --release $rel "${args[@]}" > "$E2E_ARTIFACTS/build-release$rel.log" 2>&1
    check "packaging/build.sh --release $rel builds the RPM and the DEB ($(elapsed))" test $? -eq 0 ||
      { tail -n 30 "$E2E_ARTIFACTS/build-release$rel.log"; exit 1; }
    [ $rel = 1 ] && cp "$PKG_OUT/etcd-$VERSION.tar.gz" "$E2E_RUN/source.tar.gz"
  done
fi
pkgs() {   # pkgs rpm|deb RELEASE -> the package files of that release
  case $1 in
    rpm) ls "$PKG_OUT"/rpm/etcd-{,tools-}"$VERSION-$2".*.rpm 2>/dev/null | grep -v '\.src\.rpm$' ;;
    deb) ls "$PKG_OUT"/deb/etcd{,-tools}_"$VERSION-$2"_*.deb 2>/dev/null ;;
  esac
}
for k in rpm deb; do for rel in 1 2; do
  check "$k packages of release $rel exist" test -n "$(pkgs $k $rel)" || exit 1
done; done

wait $image_job
IMG=$(cat "$E2E_RUN/image.path" 2>/dev/null)
check "host image $IMG ready ($(elapsed))" test -d "$IMG/usr" || { cat "$E2E_ARTIFACTS/image.log"; exit 1; }

# ---- local repositories ----
# The compat-provides RPM: lib/hosts.sh, e2e_compat_rpm.
make_compat_rpm() { e2e_compat_rpm "$REPO/rpm" $(pkgs rpm 1) $(pkgs rpm 2); }
publish_rpm() { cp $(pkgs rpm "$1") "$REPO/rpm/" && createrepo_c -q --update "$REPO/rpm" >/dev/null; }
publish_deb() {
  cp $(pkgs deb "$1") "$REPO/deb/" && (cd "$REPO/deb" && dpkg-scanpackages -m . 2>/dev/null > Packages)
}
check "compat-provides RPM for the Debian userland" make_compat_rpm
check "release 1 published in the local yum and apt repositories" eval "publish_rpm 1 && publish_deb 1"

# ---- hosts ----
echo "== hosts ($(elapsed))"
deb_contents=$(dpkg-deb -c $(pkgs deb 1 | grep '/etcd_'))
etcdctl_shipped=$(grep -c '/usr/bin/etcdctl$' <<< "$deb_contents")
dnsmasq_shipped=$(grep -c '/usr/share/etcd/dnsmasq/.' <<< "$deb_contents")
e2e_net_up || exit 1
e2e_host_create el1 "$E2E_NET.11" "$IMG" --bind-ro="$REPO/rpm:/srv/repo"
e2e_host_create deb1 "$E2E_NET.12" "$IMG" --bind-ro="$REPO/deb:/srv/debrepo"
e2e_host_make_el el1
for h in el1 deb1; do e2e_host_etcdctl $h "$etcdctl_shipped"; done
e2e_host_yum_repo el1
echo "deb [trusted=yes] file:/srv/debrepo ./" > "$(e2e_host_root deb1)/etc/apt/sources.list"
for h in el1 deb1; do
  check "host $h boots systemd ($(elapsed))" e2e_host_start $h || exit 1
done

# ---- the scenario, on each host ----
pm() {   # pm HOST install|upgrade|remove|purge
  local h=$1 op=$2
  case "$h:$op" in
    el1:install) e2e_host_exec el1 timeout 300 yum -y -q install etcd etcd-tools ;;
    el1:upgrade) e2e_host_exec el1 timeout 300 yum -y -q --refresh upgrade etcd etcd-tools ;;
    el1:remove)  e2e_host_exec el1 timeout 300 yum -y -q remove etcd etcd-tools ;;
    deb1:install) e2e_host_sh deb1 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                    timeout 300 apt-get install -y -q etcd etcd-tools' ;;
    deb1:upgrade) e2e_host_sh deb1 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                    timeout 300 apt-get install -y -q --only-upgrade etcd etcd-tools' ;;
    deb1:remove) e2e_host_sh deb1 'DEBIAN_FRONTEND=noninteractive timeout 300 apt-get remove -y -q etcd etcd-tools' ;;
    deb1:purge) e2e_host_sh deb1 'DEBIAN_FRONTEND=noninteractive timeout 300 apt-get purge -y -q etcd' ;;
  esac
}
installed_release() {
  case $1 in
    el1) e2e_host_exec el1 rpm -q --qf '%{RELEASE}' etcd ;;
    deb1) e2e_host_exec deb1 dpkg-query -W -f '${Version}' etcd | sed 's/.*-//' ;;
  esac
}
ctl() { local h=$1; shift; e2e_host_exec "$h" timeout 20 etcdctl --endpoints=http://127.0.0.1:2379 \
          --dial-timeout=3s --command-timeout=5s "$@"; }
is_system_user() {   # is_system_user "name:x:uid:gid:gecos:home:shell"
  local n x uid gid gecos home shell
  IFS=: read -r n x uid gid gecos home shell <<< "$1"; echo "$1"
  [ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/etcd ] &&
    case $shell in */nologin|*/false) ;; *) false ;; esac
}
has_all() {   # has_all TEXT PATTERN...: every fixed string occurs in TEXT
  local text=$1 p; shift
  for p in "$@"; do grep -qF -- "$p" <<< "$text" || { echo "missing: $p"; return 1; }; done
}

scenario() {
  local h=$1 ip want_enabled pid1 pid2 out
  ip=$(e2e_host_ip "$h")
  [ "$h" = el1 ] && want_enabled=disabled || want_enabled=enabled
  echo "== $h: install ($(elapsed))"
  pm "$h" install > "$E2E_ARTIFACTS/$h-install.log" 2>&1
  check "$h: package manager installs etcd and etcd-tools" test $? -eq 0 ||
    { tail -n 20 "$E2E_ARTIFACTS/$h-install.log"; return 1; }
  check_eq "$h: release 1 installed" 1 "$(installed_release "$h")"
  check "$h: etcd is a system user (uid < 1000), home /var/lib/etcd, no login shell" \
    is_system_user "$(e2e_host_exec "$h" getent passwd etcd)"
  check_eq "$h: /var/lib/etcd is 0700 etcd:etcd" "700 etcd etcd" \
    "$(e2e_host_exec "$h" stat -c '%a %U %G' /var/lib/etcd)"
  check_eq "$h: /var/lib/etcd is empty after installation" "" \
    "$(e2e_host_exec "$h" ls -A /var/lib/etcd)"
  check_eq "$h: /etc/etcd/etcd.conf is 0644 root:root" "644 root root" \
    "$(e2e_host_exec "$h" stat -c '%a %U %G' /etc/etcd/etcd.conf)"
  check "$h: unit, template unit, sysusers.d and tmpfiles.d entries installed" \
    e2e_host_sh "$h" 'systemctl cat etcd.service >/dev/null && systemctl cat etcd@.service >/dev/null &&
      test -f /usr/lib/sysusers.d/etcd.conf && test -f /usr/lib/tmpfiles.d/etcd.conf'
  if [ "$dnsmasq_shipped" -gt 0 ]; then
    check "$h: dnsmasq SRV template under /usr/share/etcd/dnsmasq" \
      e2e_host_sh "$h" 'ls /usr/share/etcd/dnsmasq/ | grep -q .'
  fi
  check "$h: etcd --version runs" e2e_host_exec "$h" /usr/bin/etcd --version
  check "$h: etcd-benchmark (etcd-tools) runs" e2e_host_exec "$h" /usr/bin/etcd-benchmark --help
  check_eq "$h: installing did not start etcd" inactive \
    "$(e2e_host_exec "$h" systemctl is-active etcd)"
  check_eq "$h: enablement follows the preset ($want_enabled)" "$want_enabled" \
    "$(e2e_host_exec "$h" systemctl is-enabled etcd)"

  echo "== $h: configure and start ($(elapsed))"
  e2e_host_sh "$h" "sed -i -e 's|^ETCD_NAME=.*|ETCD_NAME=\"e2e-$h\"|' \
      -e 's|^ETCD_LISTEN_CLIENT_URLS=.*|ETCD_LISTEN_CLIENT_URLS=\"http://127.0.0.1:2379,http://$ip:2379\"|' \
      -e 's|^ETCD_ADVERTISE_CLIENT_URLS=.*|ETCD_ADVERTISE_CLIENT_URLS=\"http://$ip:2379\"|' \
      /etc/etcd/etcd.conf && echo '# edited by tests/e2e' >> /etc/etcd/etcd.conf"
  check "$h: etcd.conf edited (ETCD_NAME=e2e-$h)" \
    e2e_host_exec "$h" grep -qx "ETCD_NAME=\"e2e-$h\"" /etc/etcd/etcd.conf
  out=$(e2e_host_exec "$h" timeout 150 systemctl start etcd 2>&1)
  check "$h: systemctl start etcd succeeds" test $? -eq 0 ||
    { echo "$out"; e2e_host_exec "$h" journalctl -u etcd --no-pager -n 30; return 1; }
  # No retries: when `systemctl start` has returned, the member must already serve.
  check "$h: etcd serves as soon as systemctl start returns (endpoint health)" \
    ctl "$h" endpoint health
  check "$h: Type=notify unit, active" \
    e2e_host_sh "$h" 'test "$(systemctl show -p Type --value etcd)" = notify && systemctl is-active -q etcd'
  check "$h: etcdctl put" ctl "$h" put e2e/key "from-$h"
  check_eq "$h: etcdctl get" "from-$h" "$(ctl "$h" get e2e/key --print-value-only)"
  check "$h: etcd listens on the edited client URL $ip:2379" \
    e2e_host_exec "$h" timeout 5 etcdctl --endpoints="http://$ip:2379" endpoint health
  out=$(e2e_host_exec "$h" systemctl status etcd --no-pager 2>&1)
  echo "$out" > "$E2E_ARTIFACTS/$h-status.txt"
  check "$h: systemctl status shows the STATUS= text" grep -q 'Status: "' <<< "$out"
  out=$(e2e_host_exec "$h" journalctl -u etcd -o verbose --no-pager 2>&1)
  echo "$out" > "$E2E_ARTIFACTS/$h-journal-verbose.txt"
  check "$h: journalctl -u etcd has start-up lines from etcd (SYSLOG_IDENTIFIER=etcd)" \
    grep -q 'SYSLOG_IDENTIFIER=etcd' <<< "$out"
  check "$h: journal lines carry structured fields (ETCD_NAME=e2e-$h, CODE_FILE=, PRIORITY=)" \
    has_all "$out" "ETCD_NAME=e2e-$h" "CODE_FILE=" "PRIORITY="
  check "$h: member data under /var/lib/etcd/default.etcd owned by etcd" \
    e2e_host_sh "$h" 'test "$(stat -c %U /var/lib/etcd/default.etcd)" = etcd'

  echo "== $h: upgrade to release 2 ($(elapsed))"
  pid1=$(e2e_host_exec "$h" systemctl show -p MainPID --value etcd)
  if [ "$h" = el1 ]; then publish_rpm 2; else publish_deb 2; fi
  pm "$h" upgrade > "$E2E_ARTIFACTS/$h-upgrade.log" 2>&1
  check "$h: package manager upgrades to release 2" test $? -eq 0 ||
    tail -n 20 "$E2E_ARTIFACTS/$h-upgrade.log"
  check_eq "$h: release 2 installed" 2 "$(installed_release "$h")"
  check "$h: the edited etcd.conf is kept" \
    e2e_host_sh "$h" "grep -qx 'ETCD_NAME=\"e2e-$h\"' /etc/etcd/etcd.conf && grep -q 'edited by tests/e2e' /etc/etcd/etcd.conf"
  check "$h: no .rpmnew/.dpkg-dist copy (the packaged etcd.conf did not change)" \
    e2e_host_sh "$h" '! ls /etc/etcd/ | grep -q -e rpmnew -e dpkg-dist'
  pid2=$(e2e_host_exec "$h" systemctl show -p MainPID --value etcd)
  check "$h: the running member was restarted (MainPID $pid1 -> $pid2) and is active" \
    e2e_host_sh "$h" "[ '$pid2' != 0 ] && [ '$pid2' != '$pid1' ] && systemctl is-active -q etcd"
  check_eq "$h: data survives the upgrade" "from-$h" "$(ctl "$h" get e2e/key --print-value-only)"
  check_eq "$h: the upgrade keeps the enablement ($want_enabled)" "$want_enabled" \
    "$(e2e_host_exec "$h" systemctl is-enabled etcd)"

  echo "== $h: remove ($(elapsed))"
  pm "$h" remove > "$E2E_ARTIFACTS/$h-remove.log" 2>&1
  check "$h: package manager removes etcd" test $? -eq 0 || tail -n 20 "$E2E_ARTIFACTS/$h-remove.log"
  check "$h: removal stopped etcd (no etcd process left)" \
    e2e_host_sh "$h" '! systemctl is-active -q etcd && ! pgrep -x etcd'
  check "$h: removal keeps the data in /var/lib/etcd" \
    e2e_host_exec "$h" test -d /var/lib/etcd/default.etcd/member
  if [ "$h" = el1 ]; then
    check "$h: the edited etcd.conf is saved as etcd.conf.rpmsave" \
      e2e_host_exec "$h" grep -q "e2e-$h" /etc/etcd/etcd.conf.rpmsave
  else
    check "$h: removal (not purge) keeps the edited etcd.conf" \
      e2e_host_exec "$h" grep -q "e2e-$h" /etc/etcd/etcd.conf
    pm "$h" purge > "$E2E_ARTIFACTS/$h-purge.log" 2>&1
    check "$h: apt-get purge etcd" test $? -eq 0 || tail -n 20 "$E2E_ARTIFACTS/$h-purge.log"
    check "$h: purge removes /etc/etcd/etcd.conf" e2e_host_exec "$h" test ! -e /etc/etcd/etcd.conf
    check "$h: purge never removes /var/lib/etcd" \
      e2e_host_exec "$h" test -d /var/lib/etcd/default.etcd/member
  fi
}

scenario el1
scenario deb1
exit 0
