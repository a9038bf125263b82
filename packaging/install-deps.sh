#!/bin/bash
# Installs the Debian 12 packages that building, linting and end-to-end testing the
# packages need, on top of the project's own .ci/install-deps.sh. Idempotent: does nothing
# (and needs no network) when everything is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../.ci/install-deps.sh"
PKGS=(
  # DEB: debhelper (compat 13, meson build system, dh_installsysusers), lintian
  debhelper dpkg-dev fakeroot lintian
  # RPM on Debian: rpmbuild, rpmlint, createrepo_c and dnf for the local yum repository
  rpm rpmlint createrepo-c dnf
  # systemd (systemd.pc: the unit directory) and the e2e hosts
  systemd systemd-container debootstrap iproute2 util-linux bc ccache
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
