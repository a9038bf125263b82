#!/bin/bash
# Builds the RPM and the DEB packages of this tree, version from meson.build's project().
#
#   packaging/build.sh [--rpm|--deb] [--release N] [--nocheck] [--worktree] [--out DIR]
#
#   --rpm / --deb   build only one kind (default: both)
#   --release N     package release (RPM Release:, DEB revision); default 1 (PKG_RELEASE)
#   --nocheck       skip the unit tests in %check / dh_auto_test (and do not compile them)
#   --no-dbgsym     no -dbgsym DEBs (DEB_BUILD_OPTIONS=noddebs; the e2e test needs none)
#   --unit-tests "NAMES"  RPM %check runs only these unit tests (meson test names; default
#                   the whole unit suite); --quick-check is the documented fast subset
#   --worktree      package the working tree (tracked + untracked, not ignored files)
#                   instead of the committed HEAD (the default: other people's half-done
#                   edits in a shared tree never end up in a package)
#   --ref REV       package that commit instead of HEAD
#   --from-tarball F  package the source tarball F (an etcd-VERSION.tar.gz this script made)
#   --out DIR       output directory (default: build-packages/ in the tree; PKG_OUT)
#   --source-only   stop after making DIR/etcd.spec and DIR/etcd-VERSION.tar.gz
#
# Output: DIR/rpm/*.rpm, DIR/deb/*.deb, DIR/etcd-VERSION.tar.gz (with etcd.spec inside,
# so `rpmbuild -ta` works on an EL host), DIR/etcd.spec. docs/packaging.md explains the
# choices (compile once for both kinds through ccache, %check runs the unit suite, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

OUT=${PKG_OUT:-$top/build-packages}
RELEASE=${PKG_RELEASE:-1}
do_rpm=1 do_deb=1 check=1 dbgsym=1 unit_tests=all from=head ref=HEAD
# The fast %check subset (docs/packaging.md): on-disk formats, etcd.conf/flags, systemd.
QUICK_TESTS="common wal storage mvcc_kv lease membership v2store config systemd"
while [ $# -gt 0 ]; do
  case "$1" in
    --rpm) do_deb=0 ;;
    --deb) do_rpm=0 ;;
    --release) RELEASE=$2; shift ;;
    --nocheck) check=0 ;;
    --no-dbgsym) dbgsym=0 ;;
    --unit-tests) unit_tests=$2; shift ;;
    --quick-check) unit_tests=$QUICK_TESTS ;;
    --worktree) from=worktree ;;
    --ref) ref=$2; shift ;;
    --from-tarball) from=tarball; tarball=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --out) OUT=$2; shift ;;
    --source-only) do_rpm=0 do_deb=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$RELEASE" in ''|*[!0-9a-z.~+]*) echo "build.sh: bad release '$RELEASE'" >&2; exit 2 ;; esac
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)

VERSION=$(sed -n "/^project(/,/)/s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
[ -n "$VERSION" ] || { echo "build.sh: no version in meson.build" >&2; exit 1; }
NV=etcd-$VERSION
log() { echo "== packaging [$(date +%T)]: $*"; }

# Never more than two compile jobs on this machine (shared by several engineers); ccache
# shared with everybody's build directories (debhelper resets HOME, so name the cache).
JOBS=${PKG_JOBS:-2}
if command -v ccache >/dev/null; then
  CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")}
  export CCACHE_DIR
fi

# ccache hashes LANG, LC_ALL, LC_CTYPE and LC_MESSAGES: both builds compile with exactly
# LANG=C.UTF-8 LC_ALL=C.UTF-8 (debhelper sets LC_ALL for ninja; rpmbuild forces LANG=C in
# its scripts, so macros.el-on-debian sets the locale again for meson), so the second
# build's compiles hit the first one's cache entries.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LC_CTYPE LC_MESSAGES LANGUAGE

# ---- 1. the source: HEAD (default) or the working tree, staged at OUT/src/etcd-VERSION ----
# Both package builds compile in this same directory (the RPM's %_builddir is OUT/src and
# %_vpath_builddir matches debhelper's), with the same flags: the second build's compiles
# are ccache hits, so both packages cost one compile of the tree.
src=$OUT/src/$NV
rm -rf "$OUT/src"; mkdir -p "$OUT/src"
if [ "$from" = head ]; then
  log "source: $NV from $ref $(git -C "$top" rev-parse --short "$ref")"
  git -C "$top" archive --format=tar --prefix="$NV/" "$ref" | tar -C "$OUT/src" -xf -
elif [ "$from" = tarball ]; then
  log "source: $NV from $tarball"
  tar -C "$OUT/src" -xzf "$tarball"
  [ -d "$src" ] || { echo "build.sh: $tarball has no $NV/" >&2; exit 1; }
else
  log "source: $NV from the working tree"
  mkdir -p "$src"
  (cd "$top" && git ls-files -z -co --exclude-standard --deduplicate |
     tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$src" -xf -
fi
[ "$from" = head ] || ref=HEAD
REV=$(git -C "$top" rev-parse --short "$ref" 2>/dev/null || echo unknown)
DATE_R=$(git -C "$top" log -1 --format=%cD "$ref" 2>/dev/null || date -R)
RPM_DATE=$(LC_ALL=C date -d "$DATE_R" '+%a %b %d %Y')

# What this tree has: etcdctl/etcdutl only once they exist.
has() { [ -f "$src/src/tools/$1/meson.build" ] && echo 1 || echo 0; }
HAVE_ETCDCTL=$(has etcdctl); HAVE_ETCDUTL=$(has etcdutl); HAVE_BENCHMARK=$(has benchmark)
HAVE_BASHCOMP=0   # bash completion (etcdctl's)
grep -rqs --include=meson.build "'bash-completion'" "$src/src" && HAVE_BASHCOMP=1
HAVE_DNSMASQ=0    # DNS SRV templates (config/dnsmasq/; packaging/dnsmasq/ in older trees)
[ -f "$src/config/dnsmasq/meson.build" ] || [ -d "$src/packaging/dnsmasq" ] && HAVE_DNSMASQ=1

# ---- 2. the spec, from its template; put into the tarball too (rpmbuild -ta) ----
# The %pre fallback creates the user from the same sysusers.d lines the package installs.
SYSUSERS=$(grep -v '^[[:space:]]*\(#\|$\)' "$src/systemd/etcd.sysusers" 2>/dev/null ||
           echo 'u etcd - "etcd key-value store" /var/lib/etcd /usr/sbin/nologin')
DOCS=
for f in README.md docs/packaging.md docs/systemd.md docs/configuration.md docs/compatibility.md; do
  [ -f "$src/$f" ] && DOCS="$DOCS $f"
done
TOOLS_DOCS=README.md; [ -f "$src/docs/benchmark.md" ] && TOOLS_DOCS=docs/benchmark.md
SYSUSERS=$SYSUSERS awk -v version="$VERSION" -v release="$RELEASE" -v rev="$REV" \
    -v rpmdate="$RPM_DATE" -v docs="${DOCS# }" -v tdocs="$TOOLS_DOCS" -v etcdctl="$HAVE_ETCDCTL" \
    -v etcdutl="$HAVE_ETCDUTL" -v bench="$HAVE_BENCHMARK" -v dnsmasq="$HAVE_DNSMASQ" \
    -v bashcomp="$HAVE_BASHCOMP" '
  $0 == "@SYSUSERS@" { print ENVIRON["SYSUSERS"]; next }
  { gsub(/@VERSION@/, version); gsub(/@RELEASE@/, release); gsub(/@GITREV@/, rev)
    gsub(/@RPMDATE@/, rpmdate); gsub(/@DOCS@/, docs); gsub(/@TOOLS_DOCS@/, tdocs); gsub(/@HAVE_ETCDCTL@/, etcdctl)
    gsub(/@HAVE_ETCDUTL@/, etcdutl); gsub(/@HAVE_BENCHMARK@/, bench); gsub(/@HAVE_DNSMASQ@/, dnsmasq); gsub(/@HAVE_BASHCOMP@/, bashcomp); print }' \
  "$here/rpm/etcd.spec.in" > "$src/etcd.spec"
if grep -n '@[A-Z]*@' "$src/etcd.spec"; then echo "build.sh: unfilled template field" >&2; exit 1; fi
cp "$src/etcd.spec" "$OUT/etcd.spec"
tar -C "$OUT/src" --sort=name --owner=0 --group=0 --numeric-owner -czf "$OUT/$NV.tar.gz" "$NV"
log "source tarball $OUT/$NV.tar.gz"

# ---- 3. DEB: packaging/deb becomes debian/ ----
if [ "$do_deb" = 1 ]; then
  rm -rf "$src/debian"; cp -a "$here/deb" "$src/debian"; rm -f "$src/debian/meson.build"
  d=$src/debian
  sed -e "s/@VERSION@/$VERSION/g" -e "s/@RELEASE@/$RELEASE/g" -e "s/@GITREV@/$REV/g" \
      -e "s/@DATE@/$DATE_R/g" "$d/changelog.in" > "$d/changelog"; rm "$d/changelog.in"
  # etcd-client (Debian's etcdctl) is provided only when this tree ships etcdctl; until
  # then Debian's etcd-client can be installed beside this package.
  if [ "$HAVE_ETCDCTL" = 1 ]; then
    sed -i -e 's/@CLIENT_RELATIONS@/, etcd-client/' "$d/control"
    echo usr/bin/etcdctl >> "$d/etcd.install"
  else
    sed -i -e 's/@CLIENT_RELATIONS@//' "$d/control"
  fi
  [ "$HAVE_ETCDUTL" = 1 ] && echo usr/bin/etcdutl >> "$d/etcd.install"
  [ "$HAVE_DNSMASQ" = 1 ] && echo usr/share/etcd >> "$d/etcd.install"
  [ "$HAVE_BASHCOMP" = 1 ] && echo usr/share/bash-completion/completions >> "$d/etcd.install"
  if [ "$HAVE_BENCHMARK" = 0 ]; then
    sed -i '/^Package: etcd-tools$/,$d' "$d/control"; rm -f "$d"/etcd-tools.*
  fi
  rm -f "$OUT/src/"*.deb "$OUT/src/"*.ddeb
  opts="parallel=$JOBS"; [ "$check" = 1 ] || opts="$opts nocheck"; [ "$dbgsym" = 1 ] || opts="$opts noddebs"
  log "dpkg-buildpackage ($opts)"
  profiles=(); [ "$check" = 1 ] || profiles=(-Pnocheck)
  (cd "$src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b "${profiles[@]}")
  mkdir -p "$OUT/deb"
  rm -f "$OUT/deb/"*"_$VERSION-${RELEASE}_"*
  mv "$OUT/src/"*.deb "$OUT/src/"*.changes "$OUT/src/"*.buildinfo "$OUT/deb/"
  ls -l "$OUT/deb/"*"_$VERSION-${RELEASE}_"*.deb
fi

# ---- 4. RPM ----
if [ "$do_rpm" = 1 ]; then
  rpmdefs=(--define "_topdir $OUT/rpmbuild" --define "_builddir $OUT/src"
           --define "_sourcedir $OUT" --define "_srcrpmdir $OUT/rpm"
           --define "_rpmdir $OUT/rpmbuild/RPMS" --define "_smp_build_ncpus $JOBS")
  rpmargs=()
  if [ "$(rpm --eval '%{?meson:yes}')" != yes ]; then
    # Not an EL/Fedora host (Debian): EL directory layout, the systemd and meson macros,
    # and the same compiler flags as the DEB build (docs/packaging.md).
    rpmargs+=(--nodeps --load "$here/rpm/macros.el-on-debian")
    rpmdefs+=(--define "_pkgconfig_el $here/rpm/el-pkgconfig" --define "_el_on_debian_dir $here/rpm")
    if command -v dpkg-buildflags >/dev/null; then
      export DEB_BUILD_MAINT_OPTIONS="hardening=+all"
      CPPFLAGS=$(cd "$src" && dpkg-buildflags --get CPPFLAGS)
      CXXFLAGS=$(cd "$src" && dpkg-buildflags --get CXXFLAGS)
      LDFLAGS=$(cd "$src" && dpkg-buildflags --get LDFLAGS)
      export CPPFLAGS CXXFLAGS LDFLAGS
    fi
  fi
  [ "$check" = 1 ] || rpmargs+=(--nocheck --without check)
  [ "$check" = 1 ] && rpmdefs+=(--define "unit_tests $unit_tests")
  # The build host's identity, as a distribution's build system sets it (not in the spec).
  [ -n "$(rpm --eval '%{?packager}')" ] ||
    rpmdefs+=(--define "packager etcd C++ maintainers <maintainers@users.noreply.h-seed-ff2caf34.example>")
  mkdir -p "$OUT/rpmbuild" "$OUT/rpm"
  rm -f "$OUT/rpm/"*"-$VERSION-$RELEASE."*
  log "rpmbuild ${rpmargs[*]}"
  rpmbuild -bb "${rpmargs[@]}" "${rpmdefs[@]}" "$src/etcd.spec"
  find "$OUT/rpmbuild/RPMS" -name "*-$VERSION-$RELEASE.*.rpm" -exec mv -t "$OUT/rpm/" {} +
  ls -l "$OUT/rpm/"*"-$VERSION-$RELEASE."*.rpm
fi
log "done: $OUT"
