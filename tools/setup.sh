#!/usr/bin/env bash
# One-step setup: installs every Debian package this project needs.
# Idempotent: packages already present are left as they are.
# Usage: sudo tools/setup.sh   (or as root)
set -euo pipefail

PACKAGES=(
  # Build system (Bazel 4.2.3) and the rules_java it needs offline.
  bazel-bootstrap bazel-rules-java
  # Compilers: g++ for the build, clang for libFuzzer targets.
  g++ clang libclang-rt-14-dev
  # Schema toolchain: flatc, the FlatBuffers library; Jinja2 for the generator.
  flatbuffers-compiler libflatbuffers-dev python3 python3-jinja2
  # Tests and benchmarks.
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # Libraries adopted by the project (JSON, CLI, formatting, the legacy logger).
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libfmt-dev libspdlog-dev
)

die() { echo "setup.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
command -v apt-get >/dev/null 2>&1 || die "needs a Debian system with apt-get (Debian 12 'bookworm' is what this project is tested on)"
[ -r /etc/debian_version ] || die "needs Debian (no /etc/debian_version found)"

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || die "apt-get update failed (is a Debian mirror reachable?)"
apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  || die "apt-get install failed for: ${missing[*]}"
echo "setup.sh: done"
