#!/usr/bin/env bash
# Golden test (as flatc does): the generator's output for tests/schemas/mini.fbs
# must equal the checked-in copy, so every template change shows in review.
# To accept a change: tools/update_goldens.sh
set -euo pipefail
status=0
for generated in "$@"; do
  name=$(basename "$generated")
  golden="tests/codegen/golden/$name"
  if [ ! -f "$golden" ]; then
    echo "FAIL: no golden file $golden for generated $name (run tools/update_goldens.sh)"
    status=1
  elif ! diff -u "$golden" "$generated"; then
    echo "FAIL: $name differs from its golden copy (run tools/update_goldens.sh if intended)"
    status=1
  fi
done
count=$(ls tests/codegen/golden | wc -l)
if [ "$count" -ne "$#" ]; then
  echo "FAIL: $count golden files but $# generated files: remove stale goldens"
  status=1
fi
[ "$status" -eq 0 ] && echo "PASS: $# generated files match their goldens"
exit "$status"
