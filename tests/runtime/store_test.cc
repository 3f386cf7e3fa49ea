// EventStore fan-out, typed backend access, the global store and the macro.
#include "runtime/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "runtime/memory_backend.h"
#include "tests/runtime/test_codec.h"

namespace eventkit::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Memory = MemoryBackend<TestEvent>;

// Counts copies vs moves so the fan-out contract is visible.
class CountingBackend final : public Backend<TestEvent> {
 public:
  void emit(TestEvent) override { ++emitted; }
  void flush() override { ++flushes; }
  void shutdown() override { ++shutdowns; }
  int emitted = 0, flushes = 0, shutdowns = 0;
};

std::vector<EventStore<TestCodec>::BackendPtr> backends(auto... ptrs) {
  std::vector<EventStore<TestCodec>::BackendPtr> v;
  (v.emplace_back(std::move(ptrs)), ...);
  return v;
}

TEST(EventStore, EmitWithoutBackendsIsANoOp) {
  EventStore<TestCodec> store;
  EXPECT_FALSE(store.enabled());
  store.emit(note(1));
  EXPECT_FALSE(store.with_backend<Memory>([](Memory&) {}));
}

TEST(EventStore, EveryBackendReceivesEveryEvent) {
  EventStore<TestCodec> store;
  auto a = std::make_unique<Memory>();
  auto b = std::make_unique<Memory>();
  Memory* first = a.get();
  Memory* second = b.get();
  store.init(backends(std::move(a), std::move(b)));
  store.emit(note(1));
  store.emit(note(2));
  EXPECT_THAT(first->snapshot(), ElementsAre(note(1), note(2)));
  EXPECT_THAT(second->snapshot(), ElementsAre(note(1), note(2)));
  int seen = 0;
  EXPECT_TRUE(store.with_backend<Memory>([&](Memory& m) {
    EXPECT_EQ(&m, first);  // the first backend of the requested type
    ++seen;
  }));
  EXPECT_EQ(seen, 1);
}

TEST(EventStore, WithBackendFindsTheRequestedType) {
  EventStore<TestCodec> store;
  store.init(backends(std::make_unique<CountingBackend>(), std::make_unique<Memory>()));
  store.emit(note(7));
  EXPECT_TRUE(store.with_backend<CountingBackend>([](CountingBackend& c) { EXPECT_EQ(c.emitted, 1); }));
  EXPECT_TRUE(store.with_backend<Memory>([](Memory& m) { EXPECT_THAT(m.snapshot(), ElementsAre(note(7))); }));
}

TEST(EventStore, ShutdownShutsBackendsDownAndDisablesEmit) {
  EventStore<TestCodec> store;
  auto counting = std::make_unique<CountingBackend>();
  CountingBackend* raw = counting.get();
  store.init(backends(std::move(counting)));
  store.flush();
  EXPECT_EQ(raw->flushes, 1);
  store.shutdown();
  EXPECT_EQ(raw->shutdowns, 1);  // still alive: the store keeps retired backends
  EXPECT_FALSE(store.enabled());
  store.emit(note(1));
  EXPECT_EQ(raw->emitted, 0);
}

TEST(EventStore, InitReplacesAndShutsDownPreviousBackends) {
  EventStore<TestCodec> store;
  auto first = std::make_unique<CountingBackend>();
  CountingBackend* raw = first.get();
  store.init(backends(std::move(first)));
  store.init(backends(std::make_unique<Memory>()));
  EXPECT_EQ(raw->shutdowns, 1);
  store.emit(note(1));
  EXPECT_EQ(raw->emitted, 0);
}

TEST(EventStore, ConcurrentEmittersLoseNothingAndKeepPerThreadOrder) {
  EventStore<TestCodec> store;
  store.init(backends(std::make_unique<Memory>()));
  constexpr int kThreads = 4, kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) store.emit(note(static_cast<uint64_t>(i), std::to_string(t)));
    });
  }
  for (auto& th : threads) th.join();
  store.with_backend<Memory>([&](Memory& m) {
    auto events = m.snapshot();
    ASSERT_EQ(events.size(), size_t{kThreads * kPerThread});
    std::vector<uint64_t> next(kThreads, 0);
    for (const auto& e : events) {
      const int t = std::stoi(e.data.text);
      EXPECT_EQ(e.data.value, next[t]++);
    }
  });
}

TEST(EventStore, ShutdownWhileEmittingIsSafe) {
  EventStore<TestCodec> store;
  store.init(backends(std::make_unique<Memory>()));
  std::atomic<bool> go{true};
  std::thread emitter([&] {
    while (go.load()) store.emit(note(1));
  });
  store.shutdown();
  go = false;
  emitter.join();
  EXPECT_FALSE(store.enabled());
}

TEST(GlobalStore, EmitMacroStampsTimeAndSkipsTheValueWhenDisabled) {
  auto& store = global_store<TestCodec>();
  int evaluated = 0;
  auto value = [&] {
    ++evaluated;
    return TestData{Kind::kNote, 5, "macro"};
  };
  EVENTKIT_EMIT(TestCodec, value());
  EXPECT_EQ(evaluated, 0);

  store.init(backends(std::make_unique<Memory>()));
  const Timestamp before = now();
  EVENTKIT_EMIT(TestCodec, value());
  const Timestamp after = now();
  EXPECT_EQ(evaluated, 1);
  store.with_backend<Memory>([&](Memory& m) {
    auto events = m.snapshot();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, (TestData{Kind::kNote, 5, "macro"}));
    EXPECT_GE(events[0].timestamp, before);
    EXPECT_LE(events[0].timestamp, after);
  });
  store.shutdown();
}

}  // namespace
}  // namespace eventkit::testing
