#!/usr/bin/env bash
# Regenerates tests/codegen/golden/ from tests/schemas/mini.fbs.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //tests/schemas:mini_events_srcs
rm -f tests/codegen/golden/*
for f in $(cd bazel-bin/tests/schemas && ls mini_events.h mini_events_*.h mini_events_*.cc 2>/dev/null); do
  install -m 644 "bazel-bin/tests/schemas/$f" tests/codegen/golden/
done
echo "goldens updated; review with git diff tests/codegen/golden"
