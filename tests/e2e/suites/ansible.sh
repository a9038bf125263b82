#!/bin/bash
# e2e suite "ansible": ansible/site.yml rolls out a three-member cluster on three systemd
# hosts that look like Rocky 9 to Ansible, in one bootstrap mode (ANSIBLE_MODE=static |
# discovery | dns; `tests/e2e/run.sh ansible dns`), then operates it.
#   1. The RPM (built by packaging/build.sh, or reused) in a local yum repository; hosts
#      infra0..infra3 (infra3 joins later) boot systemd; dns mode adds dns0 (Debian, the
#      dnsmasq package; the members' resolver), discovery mode runs our etcd with
#      --enable-v2 on the bridge address of this machine as the discovery service.
#   2. `ansible-playbook site.yml` over SSH, timed from booted hosts to a healthy cluster.
#   3. Checks from this machine (the real etcdctl) and from each host: 3 started members,
#      the same member list everywhere, all healthy, a write on one member read on the
#      others, `journalctl -u etcd` has each member's start-up.
#   4. site.yml again: changed=0 on every host.
#   5. add-member.yml (infra3 as a learner, then promoted), remove-member.yml (infra3).
#   6. rolling-restart.yml while a client keeps writing sequential keys; every
#      acknowledged write is still there afterwards.
# Environment: ANSIBLE_MODE (default static); E2E_REUSE_PACKAGES=1 with PKG_OUT=DIR uses
# an RPM already built there (default: build one with packaging/build.sh --rpm --nocheck
# into PKG_OUT, default build-packages/; E2E_WORKTREE=1 / E2E_REF=REV choose the source);
# E2E_BR / E2E_NET (default e2eans0, 10.231.7); E2E_DISCOVERY_ETCD=PATH runs that etcd as
# the discovery service instead of ours (e.g. /usr/bin/etcd, etcd 3.4).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/../.." && pwd)
MODE=${ANSIBLE_MODE:-static}
case "$MODE" in static|discovery|dns) ;;
  *) echo "suite ansible: ANSIBLE_MODE must be static, discovery or dns (got '$MODE')" >&2; exit 2 ;;
esac
export E2E_BR=${E2E_BR:-e2eans0} E2E_NET=${E2E_NET:-10.231.7}
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-${E2E_ROOT:-/var/tmp/etcd-e2e}/run-$E2E_BR/artifacts-$MODE}
. "$here/lib/hosts.sh"
. "$here/lib/check.sh"

PKG_OUT=${PKG_OUT:-$top/build-packages}
REPO=$E2E_RUN/repo
INV=$E2E_RUN/inventory.yml
T0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }
NET=$E2E_NET
MEMBERS=(infra0 infra1 infra2)
declare -A IP=([infra0]=$NET.11 [infra1]=$NET.12 [infra2]=$NET.13 [infra3]=$NET.14 [dns0]=$NET.53)
EPS=$(for h in "${MEMBERS[@]}"; do printf 'http://%s:2379,' "${IP[$h]}"; done); EPS=${EPS%,}
DISC_PID=""

# Our packages' runtime libraries (lib/hosts.sh) and dnsmasq (dns0), in the image.
IMAGE_PKGS="$E2E_PKG_RUNTIME_LIBS dnsmasq"

finish() {
  local rc=$?
  [ -n "$DISC_PID" ] && { kill "$DISC_PID" 2>/dev/null; wait "$DISC_PID" 2>/dev/null; }
  [ -n "${WRITER_PID:-}" ] && { kill "$WRITER_PID" 2>/dev/null; wait "$WRITER_PID" 2>/dev/null; }
  local s   # Ansible's SSH control masters (ControlPersist) to hosts about to disappear
  for s in "$E2E_RUN"/cp/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit e2e >/dev/null 2>&1; done
  e2e_teardown
  echo "artifacts: $E2E_ARTIFACTS ($(elapsed) in all)"
  e2e_summary
  exit $?
}
trap finish EXIT
trap 'exit 130' INT TERM

e2e_teardown                     # leftovers of an interrupted run on the same bridge
rm -rf "$E2E_ARTIFACTS" "$REPO" "$E2E_RUN/disc"; mkdir -p "$E2E_ARTIFACTS" "$REPO"
echo "== mode $MODE, bridge $E2E_BR ($NET.0/24)"

echo "== host tools"
e2e_host_deps createrepo-c rpm rpm2cpio cpio openssh-client ansible-core etcd-client curl >/dev/null 2>&1
check "host tools (ansible-playbook, createrepo_c, rpmbuild, etcdctl, ssh)" \
  bash -c 'for t in ansible-playbook createrepo_c rpmbuild rpm2cpio etcdctl ssh curl; do command -v $t || exit 1; done' || exit 1

echo "== image (background) and package"
( e2e_image bookworm "$IMAGE_PKGS" > "$E2E_RUN/image.path" ) > "$E2E_ARTIFACTS/image.log" 2>&1 &
image_job=$!

VERSION=$(sed -n "/^project(/,/)/s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
if [ "${E2E_REUSE_PACKAGES:-0}" != 1 ]; then
  args=(--rpm --nocheck --out "$PKG_OUT")
  [ -n "${E2E_WORKTREE:-}" ] && args+=(--worktree)
  [ -n "${E2E_REF:-}" ] && args+=(--ref "$E2E_REF")
  "$top/packaging/build.sh" "${args[@]}" > "$E2E_ARTIFACTS/build.log" 2>&1
  check "packaging/build.sh --rpm builds the RPM ($(elapsed))" test $? -eq 0 ||
    { tail -n 30 "$E2E_ARTIFACTS/build.log"; exit 1; }
fi
# The newest release of etcd-VERSION in PKG_OUT/rpm (etcd and etcd-tools).
RPM=$(ls -t "$PKG_OUT"/rpm/etcd-"$VERSION"-*.rpm 2>/dev/null | grep -v '\.src\.rpm$' | head -n1)
check "an etcd $VERSION RPM exists in $PKG_OUT/rpm (${RPM##*/})" test -n "$RPM" || exit 1
REL=$(rpm -qp --qf '%{RELEASE}' "$RPM" 2>/dev/null)
RPMS=$(ls "$PKG_OUT"/rpm/etcd-{,tools-}"$VERSION-$REL".*.rpm 2>/dev/null | grep -v '\.src\.rpm$')

# E2E_ETCD_BINARY=PATH: the same RPM (files, modes, scriptlets) with that etcd binary, as
# release REL.e2ebin: tests the playbooks against a server built elsewhere (a build
# directory) when a package build of the tree would take too long. Not a package test.
repack_rpm() {
  local d=$E2E_RUN/repack s tag
  rm -rf "$d"; mkdir -p "$d/root" "$d/SPECS"
  (cd "$d/root" && rpm2cpio "$RPM" | cpio -idm --quiet) || return 1
  install -m755 "$E2E_ETCD_BINARY" "$d/root/usr/bin/etcd" || return 1
  strip "$d/root/usr/bin/etcd" 2>/dev/null
  s=$d/SPECS/etcd.spec
  {
    rpm -qp --qf 'Name: %{NAME}\nVersion: %{VERSION}\nRelease: %{RELEASE}.e2ebin\nSummary: %{SUMMARY}\nLicense: %{LICENSE}\n' "$RPM"
    echo '%global debug_package %{nil}'
    echo '%global __os_install_post %{nil}'
    rpm -qp --requires "$RPM" | grep -v -e '^rpmlib(' -e '^config(' -e '^/' -e '^rtld(' | sed 's/^/Requires: /'
    printf '%%description\netcd RPM %s with the etcd binary %s (tests/e2e).\n' "${RPM##*/}" "$E2E_ETCD_BINARY"
    echo '%install'
    echo "cp -a $d/root/. %{buildroot}/"
    local pair body
    for pair in pre:PREIN post:POSTIN preun:PREUN postun:POSTUN; do
      body=$(rpm -qp --qf "%{${pair#*:}}" "$RPM")
      [ "$body" = "(none)" ] || [ -z "$body" ] || printf '%%%s\n%s\n' "${pair%%:*}" "$(sed 's/%/%%/g' <<< "$body")"
    done
    echo '%files'
    rpm -qp --qf '[%{FILEMODES:octal} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}. %{FILENAMES}\n]' "$RPM" |
      while read -r mode user group flags path; do
        local attr="%attr(${mode: -4},$user,$group)"
        case "$mode" in 40*) echo "%dir $attr $path"; continue ;; esac
        case "$flags" in *c*) echo "%config(noreplace) $attr $path" ;; *) echo "$attr $path" ;; esac
      done
  } > "$s"
  rpmbuild -bb --define "_topdir $d" --define "_build_id_links none" "$s" > "$d/build.log" 2>&1 || { tail -n 20 "$d/build.log"; return 1; }
  mkdir -p "$E2E_RUN/rpms"; rm -f "$E2E_RUN/rpms"/*
  cp "$d"/RPMS/*/*.rpm "$E2E_RUN/rpms/" && RPM=$(ls "$E2E_RUN"/rpms/etcd-*.rpm | head -n1) &&
    RPMS=$RPM && REL=$(rpm -qp --qf '%{RELEASE}' "$RPM")
}
if [ -n "${E2E_ETCD_BINARY:-}" ]; then
  orig=${RPM##*/}
  repack_rpm > "$E2E_ARTIFACTS/repack.log" 2>&1
  check "RPM $orig repacked with the etcd binary $E2E_ETCD_BINARY (${RPM##*/})" test $? -eq 0 ||
    { cat "$E2E_ARTIFACTS/repack.log"; exit 1; }
  echo "  NOTE: testing $E2E_ETCD_BINARY inside ${RPM##*/}, not a package build of the tree"
fi

wait $image_job
IMG=$(cat "$E2E_RUN/image.path" 2>/dev/null)
check "host image $IMG ready ($(elapsed))" test -d "$IMG/usr" || { cat "$E2E_ARTIFACTS/image.log"; exit 1; }

# ---- the local yum repository (compat-provides RPM: lib/hosts.sh, e2e_compat_rpm) ----
make_compat_rpm() { e2e_compat_rpm "$REPO" $RPMS; }
check "compat-provides RPM for the Debian userland" make_compat_rpm
check "release $REL published in the local yum repository" \
  eval 'cp $RPMS "$REPO/" && createrepo_c -q "$REPO" >/dev/null'
etcdctl_shipped=$(rpm -qpl "$RPM" | grep -c '^/usr/bin/etcdctl$')

# ---- discovery service (discovery mode): an etcd with --enable-v2 on our bridge address ----
e2e_net_up || exit 1
DISC_URL=http://$NET.1:2379
start_discovery() {
  local bin=$1 d=$E2E_RUN/disc i
  if curl -fsS -m 2 "$DISC_URL/version" >/dev/null 2>&1; then
    echo "something already serves $DISC_URL (a leftover of another run?)"; return 1
  fi
  rm -rf "$d/data"; mkdir -p "$d"
  "$bin" --name disc --data-dir "$d/data" --enable-v2 \
    --listen-client-urls "$DISC_URL" --advertise-client-urls "$DISC_URL" \
    --listen-peer-urls "http://$NET.1:2380" --initial-advertise-peer-urls "http://$NET.1:2380" \
    --initial-cluster "disc=http://$NET.1:2380" > "$E2E_ARTIFACTS/discovery-etcd.log" 2>&1 &
  DISC_PID=$!
  for i in $(seq 1 100); do
    curl -fsS -m 2 "$DISC_URL/v2/keys/" >/dev/null 2>&1 && return 0
    kill -0 "$DISC_PID" 2>/dev/null || break
    sleep 0.2
  done
  kill "$DISC_PID" 2>/dev/null; wait "$DISC_PID" 2>/dev/null; DISC_PID=""
  tail -n 5 "$E2E_ARTIFACTS/discovery-etcd.log"; return 1
}
if [ "$MODE" = discovery ]; then
  echo "== discovery service on $DISC_URL ($(elapsed))"
  # start_discovery runs in this shell (not under check, a subshell): DISC_PID must stay
  # known to finish().
  dlog=$E2E_ARTIFACTS/discovery-start.log
  if [ -n "${E2E_DISCOVERY_ETCD:-}" ]; then
    start_discovery "$E2E_DISCOVERY_ETCD" > "$dlog" 2>&1
    check "discovery service: $E2E_DISCOVERY_ETCD --enable-v2 serves /v2/keys" test $? -eq 0 ||
      { cat "$dlog"; exit 1; }
  else
    mkdir -p "$E2E_RUN/disc/root"
    (cd "$E2E_RUN/disc/root" && rpm2cpio "$RPM" | cpio -idm --quiet ./usr/bin/etcd)
    start_discovery "$E2E_RUN/disc/root/usr/bin/etcd" > "$dlog" 2>&1
    if ! check "discovery service: our etcd (from the RPM) --enable-v2 serves /v2/keys" test $? -eq 0; then
      cat "$dlog"
      # Keep testing the role: etcd 3.4 as the discovery service.
      start_discovery /usr/bin/etcd > "$dlog" 2>&1
      check "discovery service: /usr/bin/etcd (etcd 3.4) --enable-v2 serves /v2/keys instead" test $? -eq 0 ||
        { cat "$dlog"; exit 1; }
    fi
  fi
fi

# ---- hosts ----
echo "== hosts ($(elapsed))"
HOSTS=("${MEMBERS[@]}" infra3)
[ "$MODE" = dns ] && HOSTS+=(dns0)
for h in "${HOSTS[@]}"; do
  e2e_host_create "$h" "${IP[$h]}" "$IMG" --bind-ro="$REPO:/srv/repo" || exit 1
  r=$(e2e_host_root "$h")
  if [ "$h" = dns0 ]; then continue; fi
  e2e_host_make_el "$h"
  rm -f "$r/etc/systemd/system/multi-user.target.wants/dnsmasq.service"   # only dns0 serves DNS
  e2e_host_etcdctl "$h" "$etcdctl_shipped"
  e2e_host_yum_repo "$h"
  # An EL host resolves its peers' names through /etc/hosts or DNS; these have only DNS.
done
boot_ok=1
for h in "${HOSTS[@]}"; do e2e_host_start "$h" || { boot_ok=0; break; }; done
check "hosts ${HOSTS[*]} boot systemd ($(elapsed))" test $boot_ok = 1 || exit 1
wait_sshd() {
  local h i
  for h in "${HOSTS[@]}"; do
    for i in $(seq 1 50); do
      timeout 3 bash -c "</dev/tcp/${IP[$h]}/22" 2>/dev/null && continue 2; sleep 0.2
    done
    echo "no sshd on $h (${IP[$h]})"; return 1
  done
}
check "sshd answers on every host" wait_sshd || exit 1
T_BOOTED=$(date +%s.%N)

# ---- inventory ----
TOKEN=e2e-$MODE-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
  echo "all:"
  echo "  vars:"
  echo "    ansible_user: root"
  echo "    ansible_ssh_private_key_file: $E2E_SSH_KEY"
  echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
  echo "    ansible_python_interpreter: /usr/bin/python3"
  echo "    etcd_bootstrap_mode: $MODE"
  echo "    etcd_initial_cluster_token: $TOKEN"
  case $MODE in
    discovery) echo "    etcd_discovery_endpoint: $DISC_URL"
               echo "    etcd_discovery_token: $TOKEN" ;;
    dns) echo "    etcd_dns_domain: example.com"
         echo "    etcd_advertise_host: \"{{ inventory_hostname_short }}.example.com\"" ;;
  esac
  echo "  children:"
  echo "    etcd:"
  echo "      hosts:"
  for h in "${MEMBERS[@]}"; do echo "        $h: {ansible_host: ${IP[$h]}, etcd_address: ${IP[$h]}}"; done
  echo "    etcd_new:"
  echo "      hosts:"
  # dns mode: the joining member is not in the SRV records; it advertises its address.
  echo "        infra3: {ansible_host: ${IP[infra3]}, etcd_address: ${IP[infra3]}, etcd_advertise_host: ${IP[infra3]}}"
  if [ "$MODE" = dns ]; then
    echo "    etcd_dns:"
    echo "      hosts:"
    # dnsmasq is in the image; the apt module would need python3-apt, which an offline
    # minimal Debian host cannot install: the role's install step is skipped.
    echo "        dns0: {ansible_host: ${IP[dns0]}, etcd_dns_install: false}"
  fi
} > "$INV"
cp "$INV" "$E2E_ARTIFACTS/inventory.yml"

export ANSIBLE_CONFIG=$top/ansible/ansible.cfg ANSIBLE_ROLES_PATH=$top/ansible/roles \
  ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=False \
  ANSIBLE_HOME=$E2E_RUN/ansible-home ANSIBLE_LOCAL_TEMP=$E2E_RUN/ansible-tmp \
  ANSIBLE_SSH_CONTROL_PATH_DIR=$E2E_RUN/cp ANSIBLE_RETRY_FILES_ENABLED=false \
  ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOCALHOST_WARNING=false \
  ANSIBLE_LOG_PATH=$E2E_ARTIFACTS/ansible-timestamped.log   # every play, with times
play() {   # play NAME PLAYBOOK [ARGS...]: ansible-playbook from ansible/, log in artifacts
  local name=$1; shift
  (cd "$top/ansible" && timeout 900 ansible-playbook -i "$INV" "$@") > "$E2E_ARTIFACTS/ansible-$name.log" 2>&1
}
show_play_failure() {   # the failed tasks of a play and each member's last etcd lines
  grep -E -B2 -A8 '^(fatal|failed):|FAILED!|UNREACHABLE' "$E2E_ARTIFACTS/ansible-$1.log" | tail -n 40 | sed 's/^/        | /'
  for h in "${HOSTS[@]}"; do
    [ "$h" = dns0 ] && continue
    echo "        -- $h: journalctl -u etcd (last lines)"
    e2e_host_exec "$h" journalctl -u etcd --no-pager -n 8 -o cat 2>&1 | cut -c1-220 | sed 's/^/        | /'
  done
}
recap_changed() {   # sum of changed= in the play recap
  sed -n '/^PLAY RECAP/,$p' "$E2E_ARTIFACTS/ansible-$1.log" | grep -o 'changed=[0-9]*' |
    cut -d= -f2 | awk '{s+=$1} END {print s+0}'
}
ctl() { ETCDCTL_API=3 timeout 20 etcdctl --endpoints="$EPS" --dial-timeout=3s --command-timeout=5s "$@"; }
hctl() { local h=$1; shift; e2e_host_exec "$h" timeout 20 etcdctl --endpoints=http://127.0.0.1:2379 \
           --dial-timeout=3s --command-timeout=5s "$@"; }

# ---- rollout ----
echo "== site.yml ($MODE) ($(elapsed))"
play site site.yml
site_rc=$?
T_HEALTHY=$(date +%s.%N)
ROLLOUT=$(echo "$T_HEALTHY - $T_BOOTED" | bc | xargs printf '%.1f')
check "ansible-playbook site.yml ($MODE) succeeds" test $site_rc -eq 0 || { show_play_failure site; exit 1; }
echo "  rollout (booted hosts -> healthy cluster, site.yml verified): ${ROLLOUT} s"
check "rollout takes under 60 s (${ROLLOUT} s)" test "$(echo "$ROLLOUT < 60" | bc)" = 1

# ---- the cluster ----
echo "== cluster checks ($(elapsed))"
out=$(ctl member list)
echo "$out" > "$E2E_ARTIFACTS/member-list.txt"
check_eq "controller: member list has 3 started members" 3 "$(grep -c ', started, ' <<< "$out")"
check "controller: members are infra0, infra1, infra2, none a learner" \
  bash -c "for h in ${MEMBERS[*]}; do grep -q \", started, \$h, .*, false\$\" <<< '$out' || { echo \"\$h: \"; echo '$out'; exit 1; }; done"
ref=$(sort <<< "$out")
for h in "${MEMBERS[@]}"; do
  check_eq "$h: same member list as the controller" "$ref" "$(hctl "$h" member list 2>&1 | sort)"
done
# --cluster dials the advertised client URLs: in dns mode those are names only dns0 (the
# hosts' resolver) knows, so the controller asks the three addresses and a host asks --cluster.
check "controller: endpoint health of the 3 members (all healthy)" ctl endpoint health
check "infra0: endpoint health --cluster (all healthy)" hctl infra0 endpoint health --cluster
for h in "${MEMBERS[@]}"; do
  check "$h: endpoint health (local member)" hctl "$h" endpoint health
done
check "infra0: put e2e/hello" hctl infra0 put e2e/hello "from-infra0-$TOKEN"
for h in infra1 infra2; do
  # serializable: the member's own copy, once it has applied the entry
  check "$h: reads infra0's write from its own copy" bash -c "
    for i in \$(seq 1 50); do
      v=\$(nsenter -t $(e2e_host_pid "$h") -a env -i PATH=/usr/local/bin:/usr/bin:/bin etcdctl \
          --endpoints=http://127.0.0.1:2379 --command-timeout=3s get e2e/hello --consistency=s --print-value-only 2>&1)
      [ \"\$v\" = 'from-infra0-$TOKEN' ] && exit 0; sleep 0.2; done; echo \"got: \$v\"; exit 1"
done
check_eq "controller: linearizable read of the write" "from-infra0-$TOKEN" "$(ctl get e2e/hello --print-value-only 2>&1)"
for h in "${MEMBERS[@]}"; do
  j=$(e2e_host_exec "$h" journalctl -u etcd -o verbose --no-pager 2>&1)
  echo "$j" > "$E2E_ARTIFACTS/$h-journal-verbose.txt"
  check "$h: journalctl -u etcd has the member's start-up (starting an etcd server, ready to serve, ETCD_NAME=$h)" \
    bash -c 'for p in "starting an etcd server" "ready to serve client requests" "ETCD_NAME=$1"; do
      grep -qF -- "$p" "$2" || { echo "missing: $p"; exit 1; }; done' _ "$h" "$E2E_ARTIFACTS/$h-journal-verbose.txt"
  check "$h: etcd.service enabled and active" \
    e2e_host_sh "$h" 'systemctl is-enabled -q etcd && systemctl is-active -q etcd'
done
case $MODE in
  static) check "infra0: etcd.conf has the static ETCD_INITIAL_CLUSTER" \
            e2e_host_exec infra0 grep -q '^ETCD_INITIAL_CLUSTER="infra0=' /etc/etcd/etcd.conf ;;
  discovery) check "infra0: etcd.conf has ETCD_DISCOVERY=$DISC_URL/v2/keys/discovery/$TOKEN" \
            e2e_host_exec infra0 grep -qx "ETCD_DISCOVERY=\"$DISC_URL/v2/keys/discovery/$TOKEN\"" /etc/etcd/etcd.conf
          check_eq "discovery token holds 3 registrations" 3 \
            "$(curl -fsS "$DISC_URL/v2/keys/discovery/$TOKEN" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["node"].get("nodes", [])))')" ;;
  dns) check "dns0: SRV records served (_etcd-server._tcp.example.com has 3 targets)" \
            bash -c "test \"\$(dig +short +time=2 +tries=2 SRV _etcd-server._tcp.example.com @${IP[dns0]} | wc -l)\" = 3"
       check "infra0: etcd.conf has ETCD_DISCOVERY_SRV=example.com and advertises infra0.example.com" \
            e2e_host_sh infra0 'grep -qx "ETCD_DISCOVERY_SRV=\"example.com\"" /etc/etcd/etcd.conf &&
              grep -qx "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"http://infra0.example.com:2380\"" /etc/etcd/etcd.conf' ;;
esac

# ---- idempotence ----
echo "== site.yml again ($(elapsed))"
play site2 site.yml --diff
check "second site.yml succeeds" test $? -eq 0 || show_play_failure site2
check_eq "second site.yml changes nothing (changed= in the recap)" 0 "$(recap_changed site2)" ||
  grep -E '^changed:' "$E2E_ARTIFACTS/ansible-site2.log" | sed 's/^/        | /'

# ---- add and remove a member ----
echo "== add-member.yml infra3 as a learner ($(elapsed))"
play add add-member.yml -e etcd_learner=true
check "add-member.yml (infra3, learner, then promoted) succeeds" test $? -eq 0 || show_play_failure add
out=$(ctl member list 2>&1); echo "$out" > "$E2E_ARTIFACTS/member-list-4.txt"
check_eq "4 started members after the join" 4 "$(grep -c ', started, ' <<< "$out")"
check "infra3 is a voting member (promoted from learner)" grep -q ', started, infra3, .*, false$' <<< "$out"
# The promote task runs only when the member list showed infra3 as a learner.
check "add-member.yml added infra3 as a learner, then promoted it" \
  bash -c "sed -n '/^TASK \[etcd : Promote the learner/,/^TASK /p' '$E2E_ARTIFACTS/ansible-add.log' | grep -q '^changed: \[infra3'"
check "infra0: endpoint health --cluster with 4 members" hctl infra0 endpoint health --cluster
check "infra3 has the data (e2e/hello, serializable)" bash -c "
  for i in \$(seq 1 50); do [ \"\$(nsenter -t $(e2e_host_pid infra3) -a env -i PATH=/usr/local/bin:/usr/bin:/bin etcdctl \
    --endpoints=http://127.0.0.1:2379 get e2e/hello --consistency=s --print-value-only 2>/dev/null)\" = 'from-infra0-$TOKEN' ] && exit 0
    sleep 0.2; done; exit 1"

echo "== remove-member.yml infra3 ($(elapsed))"
play remove remove-member.yml -e etcd_remove_hosts=infra3
check "remove-member.yml (infra3) succeeds" test $? -eq 0 || show_play_failure remove
out=$(ctl member list 2>&1)
check_eq "3 members after the removal" 3 "$(grep -c ', started, ' <<< "$out")"
check "infra3 is no longer a member" bash -c "! grep -q infra3 <<< '$out'"
check_eq "infra3: etcd stopped and disabled" "inactive disabled" \
  "$(e2e_host_exec infra3 systemctl is-active etcd) $(e2e_host_exec infra3 systemctl is-enabled etcd)"
check "infra0: endpoint health --cluster with 3 members" hctl infra0 endpoint health --cluster

# ---- rolling restart under writes ----
echo "== rolling-restart.yml while a client writes ($(elapsed))"
ACKED=$E2E_RUN/acked STOP=$E2E_RUN/writer.stop
rm -f "$ACKED" "$STOP"; : > "$ACKED"
writer() {   # sequential numbered puts; a put is acknowledged when etcdctl exits 0
  local i=0 k
  while [ ! -e "$STOP" ]; do
    i=$((i + 1)); k=$(printf 'e2e/rr/%06d' "$i")
    if ETCDCTL_API=3 timeout 10 etcdctl --endpoints="$EPS" --dial-timeout=2s --command-timeout=4s \
        put "$k" "v$i" >/dev/null 2>>"$E2E_RUN/writer.err"; then echo "$i" >> "$ACKED"; fi
  done
  echo "$i" > "$E2E_RUN/writer.attempted"
}
writer & WRITER_PID=$!
sleep 2
pids_before=$(for h in "${MEMBERS[@]}"; do e2e_host_exec "$h" systemctl show -p MainPID --value etcd; done | tr '\n' ' ')
play rolling rolling-restart.yml
rr_rc=$?
sleep 2
touch "$STOP"; wait "$WRITER_PID"; WRITER_PID=""
pids_after=$(for h in "${MEMBERS[@]}"; do e2e_host_exec "$h" systemctl show -p MainPID --value etcd; done | tr '\n' ' ')
check "rolling-restart.yml succeeds" test $rr_rc -eq 0 || show_play_failure rolling
check "every member was restarted (MainPID $pids_before-> $pids_after)" bash -c "
  set -- $pids_after; for p in $pids_before; do [ \"\$p\" != \"\$1\" ] && [ \"\$1\" != 0 ] || exit 1; shift; done"
n_acked=$(wc -l < "$ACKED"); n_tried=$(cat "$E2E_RUN/writer.attempted" 2>/dev/null || echo 0)
echo "  writer: $n_acked of $n_tried puts acknowledged"
check "the client kept writing through the restarts ($n_acked acknowledged puts)" test "$n_acked" -ge 20
ctl get e2e/rr/ --prefix > "$E2E_RUN/rr.kv" 2>"$E2E_RUN/rr.err"
check "read back the written keys" test $? -eq 0 || cat "$E2E_RUN/rr.err"
lost=$(python3 - "$ACKED" "$E2E_RUN/rr.kv" <<'PY'
import sys
acked = [int(l) for l in open(sys.argv[1]) if l.strip()]
lines = open(sys.argv[2]).read().split("\n")
kv = dict(zip(lines[0::2], lines[1::2]))
lost = [i for i in acked if kv.get("e2e/rr/%06d" % i) != "v%d" % i]
print(len(lost), lost[:10])
PY
)
echo "$lost" > "$E2E_ARTIFACTS/lost-writes.txt"
check_eq "no acknowledged write is lost (lost count, first ones)" "0 []" "$lost"
check "infra0: endpoint health --cluster after the rolling restart" hctl infra0 endpoint health --cluster
echo "  rollout time ($MODE): ${ROLLOUT} s"
exit 0
