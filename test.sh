#!/bin/bash
# Builds everything and runs the whole test suite (unit, integration, differential).
# Prints a final line "N passed, N failed". Slow end-to-end suites (containers,
# packages, Ansible) are separate: tests/e2e/run.sh (see README).
set -uo pipefail
cd "$(dirname "$0")"
./.ci/install-deps.sh || exit 1
BUILD=${BUILD:-build}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" ${MESON_ARGS:-} || exit 1
fi
ninja -C "$BUILD" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$BUILD" --print-errorlogs --num-processes "${TEST_JOBS:-2}" "$@"
rc=$?
python3 .ci/summarize.py "$BUILD/meson-logs/testlog.junit.xml"
exit $rc
