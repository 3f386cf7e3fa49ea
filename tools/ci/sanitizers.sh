#!/usr/bin/env bash
# Runs the test suite under the sanitizers (issue 10; docs/reliability.md).
#
#   tools/ci/sanitizers.sh          # asan then tsan
#   tools/ci/sanitizers.sh asan     # AddressSanitizer + UBSan, whole suite (//...)
#   tools/ci/sanitizers.sh tsan     # ThreadSanitizer, the threaded tests
#
# Extra arguments after the mode go to `bazel test` (e.g. --jobs=2).
# Exit status: non-zero when any run fails. Prints the wall time of each.
set -uo pipefail
cd "$(dirname "$0")/../.."

MODE=${1:-all}
shift || true

# Tests with threads (writer thread, producers, EventReader's thread) or
# processes that write concurrently. Everything else is single-threaded and
# covered by asan.
TSAN_TARGETS=(
  //tests/runtime:file_backend_test
  //tests/runtime:store_test
  //tests/runtime:emit_allocation_test
  //tests/reader:event_reader_test
  //tests/reader:dir_follower_test
  //tests/reliability:crash_test
  //tests/reliability:fault_test
  //tests/reliability:load_test
  //tests/sim:sim_test
)

status=0
run() {
  local name=$1; shift
  local start=$SECONDS
  echo "== $name: bazel test $*"
  if bazel test "$@"; then
    echo "== $name: PASSED in $((SECONDS - start)) s"
  else
    echo "== $name: FAILED in $((SECONDS - start)) s"
    status=1
  fi
}

case "$MODE" in
  asan|all) run asan --config=asan "$@" //... ;;&
  tsan|all) run tsan --config=tsan "$@" "${TSAN_TARGETS[@]}" ;;
  asan) ;;
  *) echo "usage: $0 [asan|tsan|all] [bazel test args...]" >&2; exit 2 ;;
esac
exit $status
