// Legacy line adapter throughput on the fixture logs (all three line forms,
// both clients, repeated to ~4 MB), side by side with the old harness's way:
// every line parsed into an nlohmann::json DOM.
//
//   bazel run -c opt //tests/legacy:legacy_benchmark
//
// Prints MB/s of both and their ratio (goal: adapter >= 200 MB/s).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "schema/psyche_events_legacy.h"
#include "tests/legacy/legacy_testing.h"

namespace {

using psyche::events::LegacyLineAdapter;

struct Corpus {
  std::vector<std::string> lines;
  size_t bytes = 0;
  size_t markers_per_pass = 0;
};

const Corpus& corpus(const std::string& form) {
  static std::map<std::string, Corpus> cache;
  auto it = cache.find(form);
  if (it != cache.end()) return it->second;
  std::vector<std::string> files;
  for (const char* client : {"client-1", "client-3"}) {
    if (form == "jsonl" || form == "all") files.push_back(std::string(client) + ".jsonl");
    if (form == "json_file" || form == "all") files.push_back(std::string(client) + ".json-file.log");
    if (form == "docker_ts" || form == "all") files.push_back(std::string(client) + ".docker-logs-timestamps.txt");
  }
  std::vector<std::string> one_pass;
  for (const auto& f : files) {
    for (auto& l : legacy_testing::read_lines(f)) one_pass.push_back(std::move(l));
  }
  Corpus c;
  while (c.bytes < (4u << 20)) {
    for (const auto& l : one_pass) {
      c.lines.push_back(l);
      c.bytes += l.size() + 1;
    }
  }
  return cache[form] = std::move(c);
}

void BM_Adapter(benchmark::State& state, const std::string& form) {
  const Corpus& c = corpus(form);
  uint64_t mapped = 0;
  for (auto _ : state) {
    LegacyLineAdapter adapter;
    for (const auto& l : c.lines) {
      auto out = adapter.feed(l);
      benchmark::DoNotOptimize(out);
    }
    mapped = adapter.counters().mapped;
    if (adapter.counters().rejected != 0) state.SkipWithError("unexpected rejection");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["events"] = static_cast<double>(mapped);
}

// The old harness: every line into a DOM (Docker forms unwrapped the same way).
void BM_NlohmannBaseline(benchmark::State& state, const std::string& form) {
  const Corpus& c = corpus(form);
  uint64_t markers = 0;
  for (auto _ : state) {
    markers = 0;
    for (const auto& l : c.lines) {
      std::string_view text = l;
      if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
        auto sp = text.find(' ');
        if (sp != std::string_view::npos) text.remove_prefix(sp + 1);
      }
      nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_object() && j.contains("log") && j["log"].is_string()) {
        j = nlohmann::json::parse(j["log"].get<std::string>(), nullptr, false);
      }
      if (j.is_object() && (j.contains("integration_test_log_marker") ||
                            (j.contains("level") && j["level"] == "ERROR"))) {
        ++markers;
      }
      benchmark::DoNotOptimize(j);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["events"] = static_cast<double>(markers);
}

// Console output plus a ratio table at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      auto it = r.counters.find("bytes_per_second");
      if (it != r.counters.end()) mbps_[r.benchmark_name()] = it->second.value / 1e6;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-12s %14s %14s %8s\n", "form", "adapter MB/s", "nlohmann MB/s", "ratio");
    for (const char* form : {"jsonl", "json_file", "docker_ts", "all"}) {
      const double a = mbps_["BM_Adapter/" + std::string(form)];
      const double b = mbps_["BM_NlohmannBaseline/" + std::string(form)];
      if (a > 0 && b > 0) std::printf("%-12s %14.1f %14.1f %7.1fx\n", form, a, b, a / b);
    }
  }

 private:
  std::map<std::string, double> mbps_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const char* form : {"jsonl", "json_file", "docker_ts", "all"}) {
    benchmark::RegisterBenchmark(("BM_Adapter/" + std::string(form)).c_str(), BM_Adapter, form)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_NlohmannBaseline/" + std::string(form)).c_str(),
                                 BM_NlohmannBaseline, form)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
