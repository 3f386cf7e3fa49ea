// Proves the producer side of FileBackend::emit does not allocate: this
// binary replaces global operator new with one that counts allocations made
// by the calling thread.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "runtime/file_backend.h"
#include "runtime/store.h"
#include "tests/runtime/test_codec.h"
#include "tests/runtime/test_util.h"

namespace {
thread_local size_t allocations = 0;
}  // namespace

void* operator new(size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace eventkit::testing {
namespace {

TEST(EmitAllocation, FileBackendEmitDoesNotAllocateOnTheProducer) {
  FileBackendOptions options;
  options.dir = fresh_test_dir();
  FileBackend<TestCodec> backend(options);
  std::vector<TestEvent> events;
  for (uint64_t i = 0; i < 1000; ++i) events.push_back(note(i, std::string(100, 'a')));
  const size_t before = allocations;
  for (auto& e : events) backend.emit(std::move(e));
  EXPECT_EQ(allocations - before, 0u);
  backend.close();
  EXPECT_EQ(backend.status().events_written, 1000u);
}

TEST(EmitAllocation, DisabledEmitMacroDoesNotEvenBuildTheValue) {
  const size_t before = allocations;
  for (int i = 0; i < 1000; ++i) {
    EVENTKIT_EMIT(TestCodec, TestData{Kind::kNote, 1, std::string(100, 'a')});
  }
  EXPECT_EQ(allocations - before, 0u);
}

}  // namespace
}  // namespace eventkit::testing
