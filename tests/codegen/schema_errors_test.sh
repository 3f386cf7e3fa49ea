#!/usr/bin/env bash
# Runs schema_errors_test.py with Debian's Python (the one with Jinja2).
set -euo pipefail
fbs_dump="$1"
codegen_dir="$(dirname "$(dirname "$2")")"   # .../codegen/eventgen/__init__.py → .../codegen
exec /usr/bin/python3 tests/codegen/schema_errors_test.py "$fbs_dump" "$codegen_dir"
