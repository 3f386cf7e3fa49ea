// FileBackend against real files: round trips, concurrency, rotation,
// retention, naming, flushing, queue policies and every error path. No test
// asserts on wall-clock timing; blocking is done with explicit hooks.
#include "runtime/file_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include "runtime/memory_backend.h"
#include "runtime/reader.h"
#include "runtime/store.h"
#include "tests/runtime/test_codec.h"
#include "tests/runtime/test_util.h"

namespace eventkit::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using TestFileBackend = FileBackend<TestCodec>;

class FileBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir() / "events";
    options_.dir = dir_;
  }
  void TearDown() override { TestCodec::on_encode = nullptr; }

  std::vector<std::filesystem::path> files() {
    std::error_code ec;
    return format::list_event_files(dir_, ec);
  }
  DirectoryRead<TestEvent> read_all() { return read_directory<TestCodec>(dir_); }

  std::filesystem::path dir_;
  FileBackendOptions options_;
};

TEST_F(FileBackendTest, WritesHeaderRunContextAndEventsInOrder) {
  {
    TestFileBackend backend(options_, run_started("run-42"));
    for (uint64_t i = 0; i < 100; ++i) backend.emit(note(i));
  }  // destructor flushes
  ASSERT_THAT(files(), SizeIs(1));
  auto r = read_file<TestCodec>(files()[0]);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.run_context, run_started("run-42"));
  EXPECT_EQ(r.stats.header.schema_name, "eventkit_test");
  EXPECT_EQ(r.stats.header.epoch, 0u);
  ASSERT_EQ(r.events.size(), 100u);
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(r.events[i], note(i));
  EXPECT_FALSE(r.stats.torn_tail);
  EXPECT_THAT(r.stats.corrupt, IsEmpty());
}

TEST_F(FileBackendTest, DestructionWritesEventsTheIntervalPolicyStillHolds) {
  options_.flush = FlushPolicy::kInterval;
  options_.flush_interval = std::chrono::hours(1);  // nothing but close() writes
  {
    TestFileBackend backend(options_);
    for (uint64_t i = 0; i < 3; ++i) backend.emit(note(i));
  }
  EXPECT_THAT(read_all().events, ElementsAre(note(0), note(1), note(2)));
}

TEST_F(FileBackendTest, StatusCountsWhatWasWritten) {
  TestFileBackend backend(options_);
  for (uint64_t i = 0; i < 10; ++i) backend.emit(note(i));
  backend.flush();
  const FileBackendStatus s = backend.status();
  EXPECT_EQ(s.events_accepted, 10u);
  EXPECT_EQ(s.events_written, 10u);
  EXPECT_EQ(s.flushed_sequence, 10u);
  EXPECT_EQ(s.events_dropped + s.events_lost + s.write_errors, 0u);
  EXPECT_EQ(s.files_created, 1u);
  EXPECT_TRUE(s.healthy());
  EXPECT_EQ(s.bytes_written, std::filesystem::file_size(s.current_file));
}

TEST_F(FileBackendTest, FlushMakesEventsReadableWhileTheBackendIsOpen) {
  for (FlushPolicy policy : {FlushPolicy::kWhenIdle, FlushPolicy::kInterval, FlushPolicy::kEveryEvent}) {
    std::filesystem::remove_all(dir_);
    options_.flush = policy;
    options_.flush_interval = std::chrono::hours(1);  // only flush() can write
    options_.fsync = FsyncPolicy::kOnClose;
    TestFileBackend backend(options_);
    backend.emit(note(1));
    backend.emit(note(2));
    backend.flush();
    EXPECT_EQ(backend.flushed_sequence(), 2u);
    EXPECT_THAT(read_all().events, ElementsAre(note(1), note(2)));
  }
}

TEST_F(FileBackendTest, ShutdownThroughTheStoreFlushesEverything) {
  EventStore<TestCodec> store;
  std::vector<EventStore<TestCodec>::BackendPtr> bs;
  bs.push_back(std::make_unique<TestFileBackend>(options_));
  bs.push_back(std::make_unique<MemoryBackend<TestEvent>>());
  store.init(std::move(bs));
  for (uint64_t i = 0; i < 50; ++i) store.emit(note(i));
  EXPECT_TRUE(store.with_backend<TestFileBackend>([](TestFileBackend& b) { EXPECT_TRUE(b.status().healthy()); }));
  store.shutdown();
  EXPECT_THAT(read_all().events, SizeIs(50));
}

TEST_F(FileBackendTest, EmitAfterCloseIsDroppedAndCounted) {
  TestFileBackend backend(options_);
  backend.emit(note(1));
  backend.close();
  backend.emit(note(2));
  EXPECT_EQ(backend.status().events_dropped, 1u);
  EXPECT_THAT(read_all().events, ElementsAre(note(1)));
}

TEST_F(FileBackendTest, ManyThreadsLoseDuplicateAndInterleaveNothing) {
  options_.queue_capacity = 64;  // small: exercises the Block path too
  constexpr int kThreads = 4, kPerThread = 5000;
  {
    TestFileBackend backend(options_);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          backend.emit(note(static_cast<uint64_t>(i), "thread-" + std::to_string(t) + std::string(t * 10, '.')));
        }
      });
    }
    for (auto& th : threads) th.join();
    backend.flush();
    const auto s = backend.status();
    EXPECT_EQ(s.events_written, uint64_t{kThreads * kPerThread});
    EXPECT_EQ(s.events_dropped, 0u);
  }
  auto r = read_all();
  ASSERT_THAT(r.files, SizeIs(1));
  EXPECT_THAT(r.files[0].corrupt, IsEmpty());
  ASSERT_EQ(r.events.size(), size_t{kThreads * kPerThread});
  std::vector<uint64_t> next(kThreads, 0);
  for (const auto& e : r.events) {
    const int t = e.data.text[7] - '0';
    ASSERT_EQ(e.data.text, "thread-" + std::to_string(t) + std::string(t * 10, '.'));
    EXPECT_EQ(e.data.value, next[t]++) << "thread " << t;
  }
}

TEST_F(FileBackendTest, RotatesWhenTheEpochRisesAndWritesTheTriggerToTheOldFile) {
  {
    TestFileBackend backend(options_, run_started("run"));
    backend.emit(note(1));
    backend.emit(epoch_changed(1));  // rotates after being written
    backend.emit(note(2));
    backend.emit(epoch_changed(1));  // not greater: no rotation
    backend.emit(epoch_changed(0));  // lower: no rotation
    backend.emit(epoch_changed(5));
    backend.emit(note(3));
    backend.flush();
    EXPECT_EQ(backend.status().current_epoch, 5u);
    EXPECT_EQ(backend.status().files_created, 3u);
  }
  auto r = read_all();
  ASSERT_THAT(r.files, SizeIs(3));
  EXPECT_EQ(r.files[0].header.epoch, 0u);
  EXPECT_EQ(r.files[1].header.epoch, 1u);
  EXPECT_EQ(r.files[2].header.epoch, 5u);
  EXPECT_EQ(r.files[0].events, 2u);  // note(1), epoch_changed(1)
  EXPECT_EQ(r.files[1].events, 4u);
  EXPECT_EQ(r.files[2].events, 1u);
  EXPECT_THAT(r.events, ElementsAre(note(1), epoch_changed(1), note(2), epoch_changed(1),
                                    epoch_changed(0), epoch_changed(5), note(3)));
  for (const auto& f : r.files) {  // every file is self-contained
    EXPECT_EQ(read_file<TestCodec>(f.path).run_context, run_started("run"));
  }
}

TEST_F(FileBackendTest, RetentionKeepsTheNewestFiles) {
  options_.keep_files = 2;
  {
    TestFileBackend backend(options_);
    for (uint64_t epoch = 1; epoch <= 5; ++epoch) {
      backend.emit(note(epoch));
      backend.emit(epoch_changed(epoch));
    }
    backend.flush();
    EXPECT_EQ(backend.status().files_created, 6u);
    EXPECT_EQ(backend.status().files_deleted, 4u);
  }
  auto r = read_all();
  ASSERT_THAT(r.files, SizeIs(2));
  EXPECT_EQ(r.files[0].header.epoch, 4u);
  EXPECT_EQ(r.files[1].header.epoch, 5u);
}

TEST_F(FileBackendTest, InitialEpochNamesTheFirstFile) {
  options_.initial_epoch = 9;
  TestFileBackend backend(options_);
  EXPECT_THAT(backend.status().current_file.filename().string(), HasSubstr("events-epoch-9-"));
}

TEST_F(FileBackendTest, TwoFilesInOneSecondGetDistinctNames) {
  // Occupy the names of this second and the next two, so the backend must
  // pick a suffixed name whenever it starts (no clock assertions needed).
  std::filesystem::create_directories(dir_);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::set<std::string> taken;
  for (int s = 0; s < 3; ++s) {
    const auto name = format::file_name(0, now + std::chrono::seconds(s), 0);
    write_bytes(dir_ / name, {'k', 'e', 'e', 'p'});
    taken.insert(name);
  }
  std::set<std::string> names;
  {
    TestFileBackend a(options_);
    TestFileBackend b(options_);
    names.insert(a.status().current_file.filename().string());
    names.insert(b.status().current_file.filename().string());
  }
  EXPECT_THAT(names, SizeIs(2));
  for (const auto& n : names) {
    EXPECT_EQ(taken.count(n), 0u) << n;
    EXPECT_TRUE(format::parse_file_name(n)) << n;
  }
  for (const auto& n : taken) EXPECT_EQ(read_bytes(dir_ / n), (Bytes{'k', 'e', 'e', 'p'}));
}

TEST_F(FileBackendTest, DropAndCountDropsExactlyWhatDoesNotFit) {
  options_.queue_capacity = 4;
  options_.full_queue = FullQueuePolicy::kDropAndCount;
  // Hold the writer inside encode() of the first event, so the queue (4
  // slots) fills deterministically.
  std::latch writer_inside(1), release(1);
  TestCodec::on_encode = [&](const TestEvent& e) {
    if (e.data.text == "hold") {
      writer_inside.count_down();
      release.wait();
    }
  };
  TestFileBackend backend(options_);
  backend.emit(note(0, "hold"));
  writer_inside.wait();
  for (uint64_t i = 1; i <= 10; ++i) backend.emit(note(i));
  EXPECT_EQ(backend.status().events_dropped, 6u);
  release.count_down();
  backend.close();
  const auto s = backend.status();
  EXPECT_EQ(s.events_written, 5u);
  EXPECT_EQ(s.events_dropped, 6u);
  EXPECT_THAT(read_all().events, ElementsAre(note(0, "hold"), note(1), note(2), note(3), note(4)));
}

TEST_F(FileBackendTest, BlockPolicyWaitsForSpaceInsteadOfDropping) {
  options_.queue_capacity = 2;
  std::latch writer_inside(1), release(1);
  TestCodec::on_encode = [&](const TestEvent& e) {
    if (e.data.text == "hold") {
      writer_inside.count_down();
      release.wait();
    }
  };
  TestFileBackend backend(options_);
  backend.emit(note(0, "hold"));
  writer_inside.wait();
  backend.emit(note(1));
  backend.emit(note(2));  // queue now full
  auto blocked = std::async(std::launch::async, [&] { backend.emit(note(3)); });
  release.count_down();  // the blocked emit completes once the writer drains
  blocked.get();
  backend.close();
  EXPECT_EQ(backend.status().events_dropped, 0u);
  EXPECT_THAT(read_all().events, ElementsAre(note(0, "hold"), note(1), note(2), note(3)));
}

TEST_F(FileBackendTest, UncreatableDirectoryIsReportedOnceAndEventsAreCountedLost) {
  const auto blocker = fresh_test_dir() / "a-regular-file";
  write_bytes(blocker, {'x'});
  options_.dir = blocker / "events";  // a directory under a file: ENOTDIR, even for root
  ::testing::internal::CaptureStderr();
  {
    TestFileBackend backend(options_);
    for (uint64_t i = 0; i < 5; ++i) backend.emit(note(i));
    backend.flush();
    const auto s = backend.status();
    EXPECT_FALSE(s.healthy());
    EXPECT_THAT(s.last_error, HasSubstr("cannot create events directory"));
    EXPECT_EQ(s.files_created, 0u);
    EXPECT_EQ(s.events_lost, 5u);
    EXPECT_EQ(s.flushed_sequence, 5u);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_THAT(err, HasSubstr("eventkit: cannot create events directory"));
}

TEST_F(FileBackendTest, WriterRecoversOnceTheDirectoryBecomesCreatable) {
  const auto blocker = fresh_test_dir() / "blocker";
  write_bytes(blocker, {'x'});
  options_.dir = blocker / "events";
  options_.reopen_interval = std::chrono::milliseconds(0);
  ::testing::internal::CaptureStderr();
  TestFileBackend backend(options_);
  backend.emit(note(1));
  backend.flush();
  EXPECT_EQ(backend.status().events_lost, 1u);
  std::filesystem::remove(blocker);
  backend.emit(note(2));
  backend.close();
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(backend.status().events_written, 1u);
  EXPECT_EQ(backend.status().files_created, 1u);
  EXPECT_THAT(read_directory<TestCodec>(options_.dir).events, ElementsAre(note(2)));
}

TEST_F(FileBackendTest, DirectoryPathThatIsAFileIsReported) {
  const auto blocker = fresh_test_dir() / "not-a-dir";
  write_bytes(blocker, {'x'});
  options_.dir = blocker;
  ::testing::internal::CaptureStderr();
  TestFileBackend backend(options_);
  ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(backend.status().healthy());
  backend.emit(note(1));
  backend.close();
  EXPECT_EQ(backend.status().events_lost, 1u);
}

// Simulates a full disk with RLIMIT_FSIZE (tests run as root, so permission
// bits would not stop the writer). write(2) then fails with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int);
};

TEST_F(FileBackendTest, DiskFullIsCountedAndEarlierEventsStayReadable) {
  options_.flush = FlushPolicy::kEveryEvent;  // one write per event: exact counts
  ::testing::internal::CaptureStderr();
  uint64_t written = 0;
  {
    FileSizeLimit limit(2000);
    TestFileBackend backend(options_);
    for (uint64_t i = 0; i < 40; ++i) backend.emit(note(i, std::string(100, 'd')));
    backend.close();
    const auto s = backend.status();
    written = s.events_written;
    EXPECT_GT(written, 0u);
    EXPECT_LT(written, 40u);
    EXPECT_EQ(s.events_written + s.events_lost, 40u);
    EXPECT_GE(s.write_errors, 1u);
    EXPECT_THAT(s.last_error, HasSubstr("File too large"));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  auto r = read_all();
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.files, SizeIs(1));
  ASSERT_EQ(r.events.size(), written);
  for (uint64_t i = 0; i < written; ++i) EXPECT_EQ(r.events[i].data.value, i);
  // The partially written frame is a torn tail, not a mis-decoded event.
  EXPECT_THAT(r.files[0].corrupt, IsEmpty());
}

TEST_F(FileBackendTest, FlushedSequenceTellsWhichEventsAreInTheFile) {
  TestFileBackend backend(options_);
  for (uint64_t i = 0; i < 20; ++i) backend.emit(note(i));
  backend.flush();
  const uint64_t durable = backend.flushed_sequence();
  EXPECT_EQ(durable, 20u);
  // Read while the writer is still open, as a crash test would after SIGKILL.
  auto r = read_all();
  ASSERT_GE(r.events.size(), durable);
  for (uint64_t i = 0; i < durable; ++i) EXPECT_EQ(r.events[i].data.value, i);
}

TEST_F(FileBackendTest, KilledWriterLosesNothingBeforeFlushedSequence) {
  // A child process emits forever and reports flushed_sequence() through a
  // pipe; the parent SIGKILLs it mid-stream. Every event the child reported
  // as flushed must be in the file, in order; the rest may be missing or a
  // torn tail, but nothing may be corrupt or mis-decoded.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    options_.flush = FlushPolicy::kEveryEvent;
    TestFileBackend backend(options_);
    for (uint64_t i = 0;; ++i) {
      backend.emit(note(i, std::string(i % 300, 'k')));
      if (i % 16 == 15) {
        backend.flush();
        const uint64_t seq = backend.flushed_sequence();
        if (::write(fds[1], &seq, sizeof seq) != sizeof seq) ::_exit(1);
      }
    }
  }
  ::close(fds[1]);
  uint64_t flushed = 0, seq = 0;
  while (flushed < 2000 && ::read(fds[0], &seq, sizeof seq) == sizeof seq) flushed = seq;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ASSERT_GE(flushed, 2000u);

  auto r = read_all();
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.files, SizeIs(1));
  EXPECT_THAT(r.files[0].corrupt, IsEmpty());
  ASSERT_GE(r.events.size(), flushed);
  for (uint64_t i = 0; i < r.events.size(); ++i) {
    ASSERT_EQ(r.events[i], note(i, std::string(i % 300, 'k'))) << i;
  }
}

}  // namespace
}  // namespace eventkit::testing
