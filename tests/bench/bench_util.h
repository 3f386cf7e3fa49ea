// Shared helpers of the benchmark suite: per-call timing with the TSC,
// percentiles, scratch directories, the psyche-like event corpus.
#pragma once

#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace eventkit::bench {

// Smoke mode (--smoke): every benchmark runs a tiny fixed amount of work.
inline bool& smoke() {
  static bool s = false;
  return s;
}
inline size_t scaled(size_t full, size_t smoke_value) { return smoke() ? smoke_value : full; }

// Start/stop timestamps for one short region (Intel's recommended fences).
inline uint64_t tsc_start() {
  _mm_lfence();
  return __rdtsc();
}
inline uint64_t tsc_stop() {
  unsigned aux;
  const uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

// TSC ticks per nanosecond, calibrated once against steady_clock.
inline double tsc_per_ns() {
  static const double v = [] {
    const auto c0 = std::chrono::steady_clock::now();
    const uint64_t t0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(smoke() ? 5 : 100));
    const uint64_t t1 = __rdtsc();
    const auto c1 = std::chrono::steady_clock::now();
    return static_cast<double>(t1 - t0) /
           static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count());
  }();
  return v;
}

// Cost of an empty timed region (median), subtracted from every sample.
inline uint64_t tsc_overhead() {
  static const uint64_t v = [] {
    std::vector<uint64_t> s(10000);
    for (auto& x : s) {
      const uint64_t a = tsc_start();
      const uint64_t b = tsc_stop();
      x = b - a;
    }
    std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end());
    return s[s.size() / 2];
  }();
  return v;
}

struct Distribution {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  size_t n = 0;
};

// `samples` in ticks (overhead already subtracted) → ns percentiles.
inline Distribution distribution_ns(std::vector<uint64_t>& samples, double ticks_per_ns) {
  Distribution d;
  d.n = samples.size();
  if (samples.empty()) return d;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const size_t i = std::min(samples.size() - 1, static_cast<size_t>(q * static_cast<double>(samples.size())));
    return static_cast<double>(samples[i]) / ticks_per_ns;
  };
  double sum = 0;
  for (uint64_t s : samples) sum += static_cast<double>(s);
  d.mean = sum / static_cast<double>(samples.size()) / ticks_per_ns;
  d.p50 = at(0.5);
  d.p90 = at(0.9);
  d.p99 = at(0.99);
  d.p999 = at(0.999);
  d.max = static_cast<double>(samples.back()) / ticks_per_ns;
  return d;
}

// A fresh scratch directory: $EVENTKIT_BENCH_DIR, else $TEST_TMPDIR, else /tmp.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("EVENTKIT_BENCH_DIR");
  if (base == nullptr) base = std::getenv("TEST_TMPDIR");
  auto dir = std::filesystem::path(base ? base : "/tmp") / ("eventkit_bench." + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Busy-waits `ns` (keeps the core, unlike sleep, so wake-up noise stays out).
inline void spin_ns(uint64_t ns) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  while (std::chrono::steady_clock::now() < until) {
    _mm_pause();
  }
}

}  // namespace eventkit::bench
