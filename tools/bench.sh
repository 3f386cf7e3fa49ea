#!/usr/bin/env bash
# Builds the benchmark suite (-c opt) and runs it; ends with a summary table of
# figures and ratios (event path vs legacy path vs the machine's limit).
#
#   tools/bench.sh                      # 3 repetitions, full workload
#   tools/bench.sh --benchmark_repetitions=5
#   tools/bench.sh --benchmark_filter='Emit|Spdlog'
#   EVENTKIT_BENCH_DIR=/some/disk tools/bench.sh   # where files are written (default /tmp)
#
# The machine description printed first goes into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo | sed 's/^/cpu: /' || true
echo "kernel: $(uname -r)"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo

bazel build -c opt //tests/bench:eventkit_bench
bin="$(bazel info -c opt bazel-bin 2>/dev/null)/tests/bench/eventkit_bench"
# Run from the runfiles tree (the fixtures are data dependencies).
cd "${bin}.runfiles/eventkit"
args=("$@")
if ! printf '%s\n' "${args[@]:-}" | grep -q -- '--benchmark_repetitions'; then
  args+=(--benchmark_repetitions=3)
fi
exec "$bin" --benchmark_color=false --benchmark_report_aggregates_only=false "${args[@]}"
