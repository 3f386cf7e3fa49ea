#!/usr/bin/env bash
# Schema evolution guard: the schema must conform to its baseline
# (flatc --conform), i.e. every file written with the baseline stays readable.
# Usage: conform_test.sh FLATC BASELINE.fbs SCHEMA.fbs [--expect-fail]
set -uo pipefail
flatc="$1" baseline="$2" schema="$3" expect="${4:-}"
out=$("$flatc" --conform "$baseline" "$schema" 2>&1)
status=$?
if [ "$expect" = "--expect-fail" ]; then
  if [ "$status" -ne 0 ] && grep -q "schemas don't conform" <<<"$out"; then
    echo "PASS: incompatible schema rejected: $(tr '\n' ' ' <<<"$out")"
    exit 0
  fi
  echo "FAIL: an incompatible schema was accepted by flatc --conform"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "FAIL: $schema is not backward compatible with $baseline:"
  echo "$out" | sed 's/^/    /'
  echo "Files written with the baseline would be misread. Add fields and union"
  echo "members only at the end, never reorder or remove them (docs/schema.md)."
  echo "If the break is intended, update the baseline copy deliberately."
  exit 1
fi
echo "PASS: $schema conforms to $baseline"
