# tests/e2e/lib/hosts.sh: N systemd "hosts" on a private bridge, with systemd-nspawn, on a
# machine that does not run systemd as PID 1 (this one). Source it from bash; every
# function returns non-zero on failure and never exits the caller.
#
#   . tests/e2e/lib/hosts.sh
#   E2E_NET=10.231.5 E2E_BR=e2epkg0      # private /24 and bridge name (one per suite)
#   trap e2e_teardown EXIT               # ALWAYS: containers outlive the shell
#   img=$(e2e_image bookworm "libfoo1 libbar2")   # debootstrap once, cached by package list
#   e2e_net_up
#   e2e_host_create el1 10.231.5.11 "$img" [--bind-ro=/dir:/srv/repo ...]
#   e2e_host_start el1                   # boots systemd; returns when it is running
#   e2e_host_exec el1 systemctl is-active etcd
#   e2e_host_sh el1 'echo $HOSTNAME; id etcd'
#   e2e_host_make_el el1                 # Rocky 9 os-release/redhat-release, EL presets
#
# Safety (../shared/E2E.md): no systemd manager ever runs outside nspawn; each container
# gets its own cgroup below ours; the bridge has only the address we give it, no route
# and no forwarding; e2e_teardown stops every container, copies each host's journal to
# $E2E_ARTIFACTS, unmounts the overlays, deletes the bridge and prunes the cgroups.
#
# Layout: $E2E_ROOT/images/NAME (read-only lower dirs, reused between runs),
#         $E2E_ROOT/run-$E2E_BR/hosts/NAME/{upper,work,root} (overlayfs per host).

E2E_ROOT=${E2E_ROOT:-/var/tmp/etcd-e2e}
E2E_BR=${E2E_BR:-e2epkg0}
E2E_NET=${E2E_NET:-10.231.5}
E2E_RUN=${E2E_RUN:-$E2E_ROOT/run-$E2E_BR}
E2E_ARTIFACTS=${E2E_ARTIFACTS:-$E2E_RUN/artifacts}
E2E_SSH_KEY=${E2E_SSH_KEY:-$E2E_ROOT/ssh/id_ed25519}
E2E_HOSTS=()                         # hosts created by this shell, for e2e_teardown

e2e_log() { echo "[e2e $(date +%T)] $*" >&2; }

# Packages the host needs to run the e2e suites (idempotent; apt only when missing).
e2e_host_deps() {
  local p missing=()
  for p in systemd-container debootstrap iproute2 bc util-linux "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  e2e_log "installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
}

# e2e_image NAME "EXTRA PACKAGES" -> prints the image directory. A Debian 12 root that
# boots systemd under nspawn, with python3/openssh-server (Ansible), Debian's rpm and dnf
# (`yum` is dnf: RPMs install with rpm-compatible tooling) and the extra packages. Built
# once per package list (~2.5 min cold), then reused; safe against concurrent builders.
e2e_image() {
  local name=$1 extra=${2:-} sum dest tmp mirror
  sum=$(echo "$extra" | tr ' ' '\n' | sort -u | tr '\n' ' ' | md5sum | cut -c1-8)
  dest=$E2E_ROOT/images/$name-$sum
  mkdir -p "$E2E_ROOT/images"
  (
    flock 9
    [ -d "$dest/usr" ] && exit 0
    mirror=${E2E_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)}
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    tmp=$dest.tmp; rm -rf "$tmp"
    e2e_log "building image $dest from $mirror (a few minutes, once)"
    debootstrap --variant=minbase \
      --include=systemd,systemd-sysv,dbus,iproute2,iputils-ping,procps,python3,openssh-server,sudo,less,netbase,ca-certificates \
      bookworm "$tmp" "$mirror" >"$dest.log" 2>&1 || { tail -5 "$dest.log" >&2; exit 1; }
    chroot "$tmp" passwd -d root >/dev/null
    echo "deb $mirror bookworm main" > "$tmp/etc/apt/sources.list"
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"
    chroot "$tmp" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install \
        -y -qq --no-install-recommends rpm dnf $extra && apt-get clean" >>"$dest.log" 2>&1 ||
      { tail -5 "$dest.log" >&2; exit 1; }
    rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/archives/*.deb
    : > "$tmp/etc/resolv.conf"
    ln -sf dnf "$tmp/usr/bin/yum"
    mkdir -p "$tmp/etc/dnf/vars"; echo 9 > "$tmp/etc/dnf/vars/releasever"
    mv "$tmp" "$dest"
  ) 9>"$dest.lock" || return 1
  echo "$dest"
}

e2e_net_up() {
  ip link show "$E2E_BR" >/dev/null 2>&1 || ip link add "$E2E_BR" type bridge || return 1
  ip addr replace "$E2E_NET.1/24" dev "$E2E_BR" && ip link set "$E2E_BR" up
}
e2e_net_down() { ip link del "$E2E_BR" 2>/dev/null || true; }

_e2e_ssh_key() {
  [ -f "$E2E_SSH_KEY" ] && return 0
  mkdir -p "$(dirname "$E2E_SSH_KEY")" && ssh-keygen -q -t ed25519 -N '' -f "$E2E_SSH_KEY"
}

# e2e_host_create NAME IP IMAGE [NSPAWN ARGS...]: an overlay clone of IMAGE (0.05 s) with
# its own hostname, machine id, static address on the bridge, and root's SSH key.
e2e_host_create() {
  local n=$1 ip=$2 img=$3; shift 3
  local d=$E2E_RUN/hosts/$n r
  r=$d/root
  mkdir -p "$d/upper" "$d/work" "$r" || return 1
  mountpoint -q "$r" ||
    mount -t overlay "e2e-$n" -o "lowerdir=$img,upperdir=$d/upper,workdir=$d/work" "$r" || return 1
  E2E_HOSTS+=("$n")
  printf '%s\n' "$@" > "$d/nspawn.args"
  echo "$ip" > "$d/ip"
  echo "$n" > "$r/etc/hostname"
  : > "$r/etc/machine-id"                # empty: systemd makes a fresh one at boot
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$n" > "$r/etc/hosts"
  mkdir -p "$r/etc/systemd/network"
  # Same name as systemd's own DHCP file for containers, so that this one replaces it.
  cat > "$r/etc/systemd/network/80-container-host0.network" <<N
[Match]
Name=host0
[Network]
Address=$ip/24
LinkLocalAddressing=no
IPv6AcceptRA=no
N
  ln -sf /lib/systemd/system/systemd-networkd.service \
    "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  # Nothing may reach outside: the only resolver is a (possible) DNS host on the bridge.
  echo "nameserver $E2E_NET.53" > "$r/etc/resolv.conf"
  if command -v ssh-keygen >/dev/null && _e2e_ssh_key; then
    install -d -m700 "$r/root/.ssh" && install -m600 "$E2E_SSH_KEY.pub" "$r/root/.ssh/authorized_keys"
  fi
}

_e2e_cgroup() {   # <our memory cgroup>/e2e-NAME ("/" on a plain host)
  local m; m=$(awk -F: '$2=="memory"{print $3}' /proc/self/cgroup); m=${m%/}
  echo "$m/e2e-$1"
}

# PID (on this machine) of the host's PID 1 (systemd)
e2e_host_pid() {
  local np p; np=$(cat "$E2E_RUN/hosts/$1/nspawn.pid" 2>/dev/null) || return 1
  for p in $(pgrep -P "$np"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && { echo "$p"; return 0; }
  done
  return 1
}

# e2e_host_start NAME: boots the host (nspawn --register=no --keep-unit in its own cgroup)
# and waits (at most E2E_BOOT_TIMEOUT s, default 120) until systemd reports running.
e2e_host_start() {
  local n=$1 d=$E2E_RUN/hosts/$1 cg h i st= args=()
  [ -f "$d/nspawn.args" ] && mapfile -t args < "$d/nspawn.args"
  cg=$(_e2e_cgroup "$n")
  for h in systemd unified; do mkdir -p "/sys/fs/cgroup/$h$cg"; done
  setsid bash -c '
    cg=$1; shift
    for h in systemd unified; do echo $$ > "/sys/fs/cgroup/$h$cg/cgroup.procs"; done
    exec systemd-nspawn "$@"' e2e-start "$cg" \
      -D "$d/root" -M "$n" -b --register=no --keep-unit --network-bridge="$E2E_BR" \
      --resolv-conf=off --timezone=off --link-journal=no --console=read-only \
      "${args[@]}" </dev/null >"$d/console.log" 2>&1 &
  echo $! > "$d/nspawn.pid"
  for i in $(seq 1 200); do
    e2e_host_pid "$n" >/dev/null && break
    kill -0 "$(cat "$d/nspawn.pid")" 2>/dev/null ||
      { e2e_log "$n: nspawn exited:"; tail -5 "$d/console.log" >&2; return 1; }
    sleep 0.1
  done
  for i in $(seq 1 $((${E2E_BOOT_TIMEOUT:-120} * 10))); do
    st=$(e2e_host_exec "$n" systemctl is-system-running 2>/dev/null) || true
    case "$st" in running|degraded) break ;; esac
    sleep 0.1
  done
  case "$st" in
    running) ;;
    degraded) e2e_log "$n: degraded: $(e2e_host_exec "$n" systemctl --failed --plain --no-legend | tr '\n' ' ')" ;;
    *) e2e_log "$n: boot did not finish (state '$st')"; return 1 ;;
  esac
  local ip; ip=$(cat "$d/ip")
  for i in $(seq 1 100); do   # networkd sets the address shortly after boot
    e2e_host_exec "$n" ip -4 -o addr show dev host0 2>/dev/null | grep -q "inet $ip/" && return 0
    sleep 0.1
  done
  e2e_log "$n: host0 did not get $ip"; return 1
}

# e2e_host_exec NAME CMD...: runs CMD in every namespace of the host, as root, with the
# host's PATH. Standard input is passed through.
e2e_host_exec() {
  local n=$1 pid; shift
  pid=$(e2e_host_pid "$n") || { echo "e2e: host $n is not running" >&2; return 125; }
  nsenter -t "$pid" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
# e2e_host_sh NAME SCRIPT: runs a shell script on the host (sh -c, errexit off).
e2e_host_sh() { local n=$1; shift; e2e_host_exec "$n" sh -c "$*"; }
# e2e_host_root NAME: the host's file system as seen from this machine (while mounted).
e2e_host_root() { echo "$E2E_RUN/hosts/$1/root"; }
e2e_host_ip() { cat "$E2E_RUN/hosts/$1/ip"; }

# e2e_host_make_el NAME: make the host look like Rocky Linux 9 to tools and playbooks
# (os-release, redhat-release) and give it EL's preset policy ("disable *": packages do
# not enable their services). Call before e2e_host_start.
e2e_host_make_el() {
  local r; r=$(e2e_host_root "$1")
  cat > "$r/etc/os-release.e2e" <<'O'
NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx) (e2e: Debian userland)"
O
  rm -f "$r/etc/os-release"; mv "$r/etc/os-release.e2e" "$r/etc/os-release"
  echo "Rocky Linux release 9.3 (Blue Onyx)" > "$r/etc/redhat-release"
  mkdir -p "$r/etc/systemd/system-preset"
  echo "disable *" > "$r/etc/systemd/system-preset/99-e2e-el-default.preset"
}

# e2e_host_stop NAME: clean poweroff (SIGTERM to nspawn), SIGKILL after 60 s.
e2e_host_stop() {
  local n=$1 d=$E2E_RUN/hosts/$1 np i cg h
  np=$(cat "$d/nspawn.pid" 2>/dev/null) || return 0
  kill -TERM "$np" 2>/dev/null
  for i in $(seq 1 600); do kill -0 "$np" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$np" 2>/dev/null && kill -KILL "$np" 2>/dev/null
  rm -f "$d/nspawn.pid"
  cg=$(_e2e_cgroup "$n")
  for h in systemd unified; do
    [ -d "/sys/fs/cgroup/$h$cg" ] && find "/sys/fs/cgroup/$h$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "/run/systemd/nspawn/propagate/$n" 2>/dev/null
  return 0
}

# e2e_host_destroy NAME: stop, keep its journal and console log, remove the overlay.
e2e_host_destroy() {
  local n=$1 d=$E2E_RUN/hosts/$1
  [ -d "$d" ] || return 0
  e2e_host_stop "$n"
  mkdir -p "$E2E_ARTIFACTS/$n"
  cp -a "$d/console.log" "$E2E_ARTIFACTS/$n/" 2>/dev/null
  if [ -d "$d/root/var/log/journal" ]; then
    journalctl -D "$d/root/var/log/journal" -o short-precise --no-pager \
      > "$E2E_ARTIFACTS/$n/journal.txt" 2>/dev/null || true
  fi
  umount "$d/root" 2>/dev/null || umount -l "$d/root" 2>/dev/null
  rm -rf "$d"
}

_e2e_cgroup_prune() {
  local m h p; m=$(awk -F: '$2=="memory"{print $3}' /proc/self/cgroup); m=${m%/}
  for h in systemd unified; do p=$m
    while [ -n "$p" ] && [ "$p" != / ]; do
      rmdir "/sys/fs/cgroup/$h$p" 2>/dev/null || break; p=$(dirname "$p")
    done
  done
}

# e2e_teardown: destroys every host of this run (also ones a crashed earlier run of the
# same bridge left behind), deletes the bridge and prunes cgroups. Idempotent.
e2e_teardown() {
  local n d
  for d in "$E2E_RUN"/hosts/*/; do
    [ -d "$d" ] || continue; n=$(basename "$d"); e2e_host_destroy "$n"
  done
  E2E_HOSTS=()
  e2e_net_down
  _e2e_cgroup_prune
  return 0
}

# ---- shared by the package suites (packages, ansible): our packages on these hosts ----

# Runtime libraries of our packages (their shlib requirements), preinstalled in the image:
# the hosts have no route out, so dnf and apt only see the local repositories.
E2E_PKG_RUNTIME_LIBS="libabsl20220623 libgrpc++1.51 libgrpc29 libleveldb1d libmicrohttpd12
  libprotobuf32 libssl3 libyaml-cpp0.7 libcurl4 libsystemd0 libstdc++6"
E2E_PKG_RUNTIME_LIBS=$(echo $E2E_PKG_RUNTIME_LIBS)

# e2e_compat_rpm DESTDIR RPM...: the hosts are Debian with an empty rpm database; builds a
# noarch "e2e-debian-compat" RPM into DESTDIR that Provides every requirement of the given
# RPMs they do not provide themselves (what Debian already has). This checks the spec, its
# scriptlets, the unit and the configuration, not EL's own libraries (docs/packaging.md).
e2e_compat_rpm() {
  local dest=$1 d=$E2E_RUN/compat reqs f; shift
  rm -rf "$d"; mkdir -p "$d/SPECS"
  reqs=$(for f in "$@"; do rpm -qpR "$f"; done | awk '{print $1}' |
         grep -v -e '^rpmlib(' -e '^config(' -e '^etcd$' -e '^etcd(' -e '^etcd-tools' | sort -u)
  {
    echo "Name: e2e-debian-compat"; echo "Version: 1"; echo "Release: 1"
    echo "Summary: Declares the Debian userland of the e2e host to rpm"; echo "License: MIT"
    echo "BuildArch: noarch"
    echo "$reqs" | sed 's/^/Provides: /'
    printf '%%description\nThe e2e hosts are Debian with an empty rpm database.\n%%files\n'
  } > "$d/SPECS/compat.spec"
  rpmbuild -bb --quiet --define "_topdir $d" "$d/SPECS/compat.spec" >"$d/build.log" 2>&1 &&
    cp "$d"/RPMS/noarch/*.rpm "$dest/"
}

# e2e_host_yum_repo NAME: the local RPM repository (bind-mounted at /srv/repo) as the
# host's only yum repository. Call before e2e_host_start.
e2e_host_yum_repo() {
  local r; r=$(e2e_host_root "$1")
  mkdir -p "$r/etc/yum.repos.d"
  cat > "$r/etc/yum.repos.d/etcd-local.repo" <<'R'
[etcd-local]
name=etcd packages built by tests/e2e
baseurl=file:///srv/repo
enabled=1
gpgcheck=0
metadata_expire=0
R
}

# e2e_host_etcdctl NAME SHIPPED: when our packages do not ship etcdctl (SHIPPED=0), the
# operator's etcdctl is Debian's (etcd-client 3.4), in /usr/local/bin.
e2e_host_etcdctl() {
  [ "${2:-0}" -gt 0 ] || install -m755 /usr/bin/etcdctl "$(e2e_host_root "$1")/usr/local/bin/etcdctl"
}
