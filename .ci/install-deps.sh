#!/bin/bash
# Installs every Debian 12 package the build, the tests and the oracle need. Idempotent:
# does nothing (and needs no network) when everything is already there.
set -euo pipefail
PKGS=(
  # toolchain and build
  g++ meson ninja-build pkg-config python3 curl ca-certificates
  # libraries (see README "Dependencies")
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libleveldb-dev
  libsystemd-dev libssl-dev libabsl-dev nlohmann-json3-dev libyaml-cpp-dev
  libmicrohttpd-dev libcurl4-openssl-dev libcrypt-dev libgtest-dev libgmock-dev
  libgoogle-perftools-dev libnghttp2-dev
  # the oracle: Debian's real etcd 3.4.23 and etcdctl, used by differential tests
  etcd-server etcd-client
  # runtime helpers used by tests
  iproute2 procps
  # DNS SRV bootstrap tests (a dnsmasq in a network namespace; dig)
  dnsmasq-base bind9-dnsutils
  # Ansible role lint (ansible/; tests/ansible)
  ansible-core ansible-lint
  # source style check (tests/style)
  clang-format
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Debian's etcd-server starts a one-member etcd on 2379 when installed under systemd;
  # keep it from starting (policy-rc.d) and stop/disable it if it did.
  if [ -d /run/systemd/system ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -d /run/systemd/system ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
    $SUDO systemctl disable --now etcd.service >/dev/null 2>&1 || true
  fi
fi
