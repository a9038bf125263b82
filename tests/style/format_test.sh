#!/bin/bash
# Every C++ source and header under src/ and tests/ is clang-format clean with the
# repository's .clang-format (Google style, 100 columns). Skips (77) without
# clang-format (installed by .ci/install-deps.sh). Fix with:
#   git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' | xargs clang-format -i
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
cd "$ROOT" || exit 1
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h')
else
  mapfile -t files < <(find src tests -name '*.cc' -o -name '*.h')
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
echo "${#files[@]} files checked, ${#bad[@]} not formatted"
for f in "${bad[@]}"; do echo "not clang-format clean: $f"; done
[ ${#bad[@]} -eq 0 ]
