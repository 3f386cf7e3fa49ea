// Cost of emit(): with no backend (the no-op path), into MemoryBackend, and
// into FileBackend's queue (the producer side only; the writer runs behind).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/file_backend.h"
#include "runtime/memory_backend.h"
#include "runtime/store.h"
#include "tests/runtime/test_codec.h"

namespace eventkit::testing {
namespace {

std::filesystem::path bench_dir() {
  const char* base = std::getenv("TEST_TMPDIR");
  auto dir = std::filesystem::path(base ? base : "/tmp") / "emit_benchmark";
  std::filesystem::remove_all(dir);
  return dir;
}

void BM_EmitGlobalDisabled(benchmark::State& state) {
  for (auto _ : state) EVENTKIT_EMIT(TestCodec, TestData{Kind::kNote, 1, "x"});
}
BENCHMARK(BM_EmitGlobalDisabled);

// One backend shared by all benchmark threads; thread 0 owns it (the
// library puts a barrier at the start and end of the timed loop).
std::unique_ptr<FileBackend<TestCodec>> shared_backend;

void BM_EmitToFileBackend(benchmark::State& state) {
  if (state.thread_index() == 0) {
    FileBackendOptions options;
    options.dir = bench_dir();
    shared_backend = std::make_unique<FileBackend<TestCodec>>(options);
  }
  uint64_t i = 0;
  for (auto _ : state) shared_backend->emit(note(i++, "benchmark"));
  if (state.thread_index() == 0) {
    shared_backend->close();
    state.counters["dropped"] = static_cast<double>(shared_backend->status().events_dropped);
    shared_backend.reset();
  }
}
BENCHMARK(BM_EmitToFileBackend)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace eventkit::testing
