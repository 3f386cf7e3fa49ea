#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (Bazel's toolchain is GCC) and runs
# each for a bounded time. See docs/reliability.md.
#
#   fuzz/run.sh                 # build, then run every target for 60 s
#   fuzz/run.sh --ci            # 20 s per target (CI)
#   fuzz/run.sh --time 300 record_decoder_fuzzer   # one target, longer
#   fuzz/run.sh --build-only
#   fuzz/run.sh --seeds         # regenerate fuzz/corpus/ seeds (make_seeds.cc)
#
# Environment: FUZZ_OUT (build + working corpus dir, default
# /tmp/eventkit-fuzz-<hash of the checkout path>), CXX (default clang++-14 or clang++), JOBS (parallel
# compiles, default 2). Generated psyche sources come from
# `bazel build //schema:psyche_events` (run here unless already built).
# A crash leaves the input in $FUZZ_OUT/crashes/ and the script exits 1;
# turn it into a regression test under tests/reliability/ (see
# tests/reliability/fuzz_regression_test.cc).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TIME=60
BUILD_ONLY=0
SEEDS=0
TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ci) TIME=20 ;;
    --time) TIME="$2"; shift ;;
    --build-only) BUILD_ONLY=1 ;;
    --seeds) SEEDS=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) TARGETS+=("$1") ;;
  esac
  shift
done
ALL=(record_decoder_fuzzer legacy_line_fuzzer read_directory_fuzzer)
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL[@]}")

# Per checkout: objects are reused by modification time, which means
# nothing across two clones of the repository.
OUT=${FUZZ_OUT:-/tmp/eventkit-fuzz-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)}
CXX=${CXX:-$(command -v clang++-14 || command -v clang++)}
JOBS=${JOBS:-2}
mkdir -p "$OUT/obj" "$OUT/crashes"

GEN=bazel-bin/schema
if [[ ! -f $GEN/psyche_events_codec.cc || ! -f $GEN/psyche_generated.h ]]; then
  bazel build //schema:psyche_events
fi
GEN_DIR=$(readlink -f bazel-bin)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CXXFLAGS="-std=c++20 -O1 -g -fno-omit-frame-pointer $SAN -I$ROOT -I$GEN_DIR -Wno-deprecated-declarations"
LIB_SRCS=(
  runtime/crc32c.cc runtime/framing.cc runtime/file_format.cc runtime/reader.cc
  runtime/record_decoder.cc
  codegen/support/event_support.cc codegen/support/legacy_lines.cc
  "$GEN_DIR/schema/psyche_events_codec.cc" "$GEN_DIR/schema/psyche_events_text.cc"
  "$GEN_DIR/schema/psyche_events_legacy.cc"
)

# Library objects: instrumented for coverage, without libFuzzer's main.
objs=()
pids=()
for src in "${LIB_SRCS[@]}"; do
  obj="$OUT/obj/$(basename "${src%.cc}").o"
  objs+=("$obj")
  if [[ ! -f $obj || $src -nt $obj ]] || [[ -n $(find runtime codegen/support -newer "$obj" -name '*.h' -print -quit) ]]; then
    echo "compile $src"
    $CXX $CXXFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $JOBS ]]; then
      wait "${pids[0]}" || { echo "fuzz/run.sh: compiling failed" >&2; exit 1; }
      pids=("${pids[@]:1}")
    fi
  fi
done
for p in "${pids[@]}"; do wait "$p" || { echo "fuzz/run.sh: compiling failed" >&2; exit 1; }; done

for t in "${TARGETS[@]}"; do
  echo "link $t"
  $CXX $CXXFLAGS -fsanitize=fuzzer "fuzz/$t.cc" "${objs[@]}" -lflatbuffers -lsimdjson -o "$OUT/$t"
done
if [[ $SEEDS -eq 1 ]]; then
  $CXX $CXXFLAGS fuzz/make_seeds.cc "${objs[@]}" -lflatbuffers -lsimdjson -o "$OUT/make_seeds"
  "$OUT/make_seeds" fuzz/corpus
  exit 0
fi
[[ $BUILD_ONLY -eq 1 ]] && exit 0

status=0
for t in "${TARGETS[@]}"; do
  work="$OUT/corpus/$t"
  mkdir -p "$work"
  dict=()
  [[ -f fuzz/$t.dict ]] && dict=(-dict="fuzz/$t.dict")
  echo "== $t: ${TIME}s"
  if ! "$OUT/$t" "${dict[@]}" -max_total_time="$TIME" -rss_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$OUT/crashes/$t-" \
      "$work" "fuzz/corpus/$t" 2>&1 | tee "$OUT/$t.log" | grep -E '^(#[0-9]+.*DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix)|Test unit written'; then
    :
  fi
  if grep -qE 'ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:|deadly signal|Test unit written' "$OUT/$t.log"; then
    echo "!! $t found a crash; input in $OUT/crashes/ (log: $OUT/$t.log)"
    status=1
  fi
done
exit $status
