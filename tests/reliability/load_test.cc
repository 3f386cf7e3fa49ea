// Load (issue 10): 8 producer threads into a small queue drained by a slow
// sink. kBlock loses nothing (every event of every producer, in each
// producer's order); kDropAndCount reports the exact number dropped
// (accepted + dropped == emitted, and exactly the accepted events are in
// the file, in order per producer).
//
// The normal suite runs 8 x 25,000 events; load_test_full (tag "manual")
// runs the 8 x 1,000,000:  --events_per_thread=N overrides.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "runtime/file_backend.h"
#include "runtime/reader.h"
#include "schema/psyche_events.h"

namespace eventkit::reliability {
namespace {

namespace ev = psyche::events;
namespace fs = std::filesystem;

uint64_t g_events_per_thread = 25'000;
constexpr int kThreads = 8;

// psyche's codec with a slow encode(): the writer thread spends this long
// per event, so producers always outrun it.
struct SlowCodec : ev::Codec {
  static inline std::atomic<int64_t> spin_ns{0};
  static std::span<const uint8_t> encode(const Event& e, flatbuffers::FlatBufferBuilder& fbb) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns.load());
    while (std::chrono::steady_clock::now() < until) {
    }
    return ev::Codec::encode(e, fbb);
  }
};

fs::path fresh_dir() {
  const char* base = std::getenv("TEST_TMPDIR");
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(base ? base : "/tmp") / (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(dir);
  return dir;
}

ev::Event event(uint64_t producer, uint64_t i) {
  return {ev::Timestamp(std::chrono::nanoseconds(i)),
          ev::train::TrainingFinished{.batch_id = {producer, i}, .step = i}};
}

struct Result {
  FileBackendStatus status;
  std::vector<std::vector<uint64_t>> per_producer;  // steps read back, in file order
  uint64_t read = 0;
  double seconds = 0;
};

Result run(FullQueuePolicy policy, const fs::path& dir) {
  FileBackendOptions o;
  o.dir = dir;
  o.queue_capacity = 64;
  o.full_queue = policy;
  o.batch_bytes = 4096;
  Result r;
  const auto start = std::chrono::steady_clock::now();
  {
    FileBackend<SlowCodec> backend(o);
    std::latch go(kThreads);
    std::vector<std::thread> producers;
    for (int p = 0; p < kThreads; ++p) {
      producers.emplace_back([&, p] {
        go.arrive_and_wait();
        for (uint64_t i = 0; i < g_events_per_thread; ++i) backend.emit(event(p, i));
      });
    }
    for (auto& t : producers) t.join();
    backend.close();
    r.status = backend.status();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto d = read_directory<ev::Codec>(dir);
  EXPECT_FALSE(d.error);
  EXPECT_TRUE(d.file_errors.empty());
  for (const auto& f : d.files) EXPECT_TRUE(f.corrupt.empty()) << f.path;
  r.per_producer.resize(kThreads);
  for (const auto& e : d.events) {
    const auto& tf = std::get<ev::train::TrainingFinished>(std::get<ev::Train>(e.data));
    EXPECT_LT(tf.batch_id.start, uint64_t(kThreads));
    EXPECT_EQ(tf.batch_id.end, tf.step);
    if (tf.batch_id.start < kThreads) r.per_producer[tf.batch_id.start].push_back(tf.step);
  }
  r.read = d.events.size();
  std::printf("%s: %llu emitted, %llu accepted, %llu dropped, %llu written, %llu read in %.2f s\n",
              policy == FullQueuePolicy::kBlock ? "kBlock" : "kDropAndCount",
              (unsigned long long)(kThreads * g_events_per_thread),
              (unsigned long long)r.status.events_accepted, (unsigned long long)r.status.events_dropped,
              (unsigned long long)r.status.events_written, (unsigned long long)r.read, r.seconds);
  fs::remove_all(dir);
  return r;
}

TEST(Load, BlockingPolicyLosesNothing) {
  SlowCodec::spin_ns = 200;
  const Result r = run(FullQueuePolicy::kBlock, fresh_dir());
  const uint64_t total = kThreads * g_events_per_thread;
  EXPECT_EQ(r.status.events_accepted, total);
  EXPECT_EQ(r.status.events_dropped, 0u);
  EXPECT_EQ(r.status.events_lost, 0u);
  EXPECT_EQ(r.status.events_written, total);
  EXPECT_EQ(r.status.flushed_sequence, total);
  ASSERT_EQ(r.read, total);
  for (int p = 0; p < kThreads; ++p) {
    ASSERT_EQ(r.per_producer[p].size(), g_events_per_thread) << "producer " << p;
    for (uint64_t i = 0; i < g_events_per_thread; ++i) ASSERT_EQ(r.per_producer[p][i], i) << p;
  }
}

TEST(Load, DroppingPolicyCountsExactlyWhatItDrops) {
  SlowCodec::spin_ns = 2000;
  const Result r = run(FullQueuePolicy::kDropAndCount, fresh_dir());
  const uint64_t total = kThreads * g_events_per_thread;
  EXPECT_GT(r.status.events_dropped, 0u) << "the sink was not slow enough to test dropping";
  EXPECT_EQ(r.status.events_accepted + r.status.events_dropped, total);
  EXPECT_EQ(r.status.events_lost, 0u);
  EXPECT_EQ(r.status.events_written, r.status.events_accepted);
  EXPECT_EQ(r.status.flushed_sequence, r.status.events_accepted);
  // Exactly the accepted events are in the file: the drop count is the truth.
  EXPECT_EQ(r.read, r.status.events_accepted);
  EXPECT_EQ(total - r.read, r.status.events_dropped);
  for (int p = 0; p < kThreads; ++p) {
    for (size_t i = 1; i < r.per_producer[p].size(); ++i) {
      ASSERT_LT(r.per_producer[p][i - 1], r.per_producer[p][i]) << "producer " << p << " out of order";
    }
  }
}

}  // namespace
}  // namespace eventkit::reliability

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.starts_with("--events_per_thread=")) {
      eventkit::reliability::g_events_per_thread = std::stoull(a.substr(20));
    }
  }
  return RUN_ALL_TESTS();
}
