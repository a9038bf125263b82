# tests/e2e/lib/check.sh: pass/fail bookkeeping for the e2e suites.
#   check "what is checked" CMD...        # passes when CMD exits 0
#   check_sh "what" 'shell snippet'        # same, through bash -c
#   check_eq "what" EXPECTED ACTUAL
#   e2e_summary                            # prints "N passed, N failed"; returns 1 on failures
E2E_PASSED=0
E2E_FAILED=0
E2E_FAILURES=()

_e2e_result() {   # _e2e_result RC WHAT [DETAIL]
  if [ "$1" -eq 0 ]; then
    E2E_PASSED=$((E2E_PASSED + 1)); echo "  ok    $2"
  else
    E2E_FAILED=$((E2E_FAILED + 1)); E2E_FAILURES+=("$2"); echo "  FAIL  $2"
    [ -n "${3:-}" ] && echo "$3" | tail -n 15 | sed 's/^/        | /'
  fi
  return "$1"
}
check() {
  local what=$1 out rc; shift
  out=$("$@" 2>&1); rc=$?
  _e2e_result $rc "$what" "$out"
}
check_sh() { check "$1" bash -c "$2"; }
check_eq() {
  if [ "$2" = "$3" ]; then _e2e_result 0 "$1"
  else _e2e_result 1 "$1" "expected '$2', got '$3'"; fi
}
e2e_summary() {
  local f
  if [ "$E2E_FAILED" -gt 0 ]; then
    echo "failed checks:"; for f in "${E2E_FAILURES[@]}"; do echo "  - $f"; done
  fi
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  [ "$E2E_FAILED" -eq 0 ]
}
