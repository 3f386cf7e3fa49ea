// Faults (issue 10): each with a clear error or documented behaviour
// (docs/reliability.md), and nothing already written lost.
//  * disk full (a 256 KiB tmpfs in a private mount namespace);
//  * the events directory removed, replaced by a file, or made read-only
//    (a read-only tmpfs mounted over it) under a running writer;
//  * a reader's directory replaced by a file or filled with non-event files;
//  * the wall clock stepping backwards (injected clock);
//  * a single event of several megabytes, and one beyond the frame limit;
//  * a schema mismatch between writer and reader (mini vs psyche).
// Mount-based tests run in a forked child with its own mount namespace and
// are skipped when mounting is not permitted.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_reader.h"
#include "runtime/file_backend.h"
#include "runtime/file_format.h"
#include "runtime/reader.h"
#include "tests/reliability/checked_events.h"
#include "tests/schemas/mini_events.h"

namespace eventkit::reliability {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Backend = FileBackend<ev::Codec>;
using namespace std::chrono_literals;

fs::path fresh_dir() {
  const char* base = std::getenv("TEST_TMPDIR");
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(base ? base : "/tmp") / (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Events read from `dir` must be checked events with strictly increasing
// sequence numbers, each exactly itself; returns their sequence numbers.
std::vector<uint64_t> checked_sequences(const std::vector<ev::Event>& events) {
  std::vector<uint64_t> seqs;
  for (const auto& e : events) {
    auto seq = checked_sequence(e);
    EXPECT_TRUE(seq) << "event fails its checksum: " << ev::to_json(e);
    if (!seq) continue;
    EXPECT_EQ(e, checked_event(*seq)) << "mis-decoded event " << *seq;
    if (!seqs.empty()) {
      EXPECT_GT(*seq, seqs.back()) << "out of order";
    }
    seqs.push_back(*seq);
  }
  return seqs;
}

std::vector<uint64_t> range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> v;
  for (uint64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

FileBackendOptions options_for(const fs::path& dir) {
  FileBackendOptions o;
  o.dir = dir;
  o.flush = FlushPolicy::kEveryEvent;  // one write(2) per event: exact counts
  o.reopen_interval = 20ms;
  return o;
}

// ---- Mount namespaces ---------------------------------------------------

// Runs `body` in a forked child with a private mount namespace. The child's
// exit code: 0 ok, 77 mounting not permitted (the test is skipped), other =
// failure (details on stderr). Files the child leaves in directories that
// are not mount points stay visible to the parent.
void in_mount_namespace(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      std::_Exit(77);
    }
    std::_Exit(body());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died: status " << status;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "mount namespaces or tmpfs not permitted here";
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed; see its stderr above";
}

bool mount_tmpfs(const fs::path& at, const char* opts, unsigned long flags = 0) {
  return ::mount("tmpfs", at.c_str(), "tmpfs", flags, opts) == 0;
}

#define CHILD_CHECK(cond)                                                        \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: child check failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                                  \
    }                                                                            \
  } while (0)

void copy_dir(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) fs::copy(e.path(), to / e.path().filename());
}

// ---- Disk full ----------------------------------------------------------

TEST(DiskFull, SmallTmpfsFillsUpWriterCountsLossesAndResumesWhenSpaceReturns) {
  const fs::path root = fresh_dir();
  const fs::path mnt = root / "mnt", out = root / "copy";
  fs::create_directories(mnt);
  const fs::path status_file = root / "status";
  in_mount_namespace([&]() -> int {
    if (!mount_tmpfs(mnt, "size=256k")) return 77;
    // Ballast we can delete later to make space again.
    write_file(mnt / "ballast", std::string(64 * 1024, 'b'));
    {
      Backend backend(options_for(mnt / "events"));
      uint64_t seq = 0;
      for (; seq < 3000; ++seq) backend.emit(checked_event(seq));
      backend.flush();
      auto s = backend.status();
      CHILD_CHECK(s.events_lost > 0);
      CHILD_CHECK(s.write_errors >= 1);
      CHILD_CHECK(s.last_error.find("No space left on device") != std::string::npos);
      CHILD_CHECK(s.events_written + s.events_lost == seq);
      const uint64_t written_while_full = s.events_written;
      // Space comes back: the writer resumes on its own.
      fs::remove(mnt / "ballast");
      for (; seq < 3100; ++seq) backend.emit(checked_event(seq));
      backend.close();
      s = backend.status();
      CHILD_CHECK(s.events_written + s.events_lost == seq);
      CHILD_CHECK(s.events_written > written_while_full);
      std::ofstream(status_file) << s.events_written << " " << s.events_lost << " " << s.write_errors
                                 << "\n" << s.last_error << "\n";
    }
    copy_dir(mnt / "events", out);
    return 0;
  });
  if (IsSkipped() || HasFatalFailure()) return;
  uint64_t written = 0, lost = 0, errors = 0;
  std::ifstream(status_file) >> written >> lost >> errors;
  auto r = read_directory<ev::Codec>(out);
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.file_errors, IsEmpty());
  ASSERT_THAT(r.files, SizeIs(1));
  // Every event counted as written is there, exactly; nothing else is.
  const auto seqs = checked_sequences(r.events);
  EXPECT_EQ(seqs.size(), written);
  EXPECT_EQ(seqs.back(), 3099u) << "events after the disk had space again are written";
  // A frame cut short by ENOSPC becomes one corrupt frame (the writer ends
  // it with 0x00 before writing on), never a mis-decoded event.
  EXPECT_LE(r.files[0].corrupt.size(), 1u);
  EXPECT_FALSE(r.files[0].torn_tail);
}

// ---- The events directory under a running writer -----------------------

TEST(EventsDirectory, RemovedUnderRunningWriterIsReportedAndANewFileStarted) {
  const fs::path dir = fresh_dir() / "events";
  ::testing::internal::CaptureStderr();
  Backend backend(options_for(dir));
  for (uint64_t i = 0; i < 100; ++i) backend.emit(checked_event(i));
  backend.flush();
  fs::remove_all(dir);
  std::this_thread::sleep_for(50ms);  // > reopen_interval: the next write checks
  for (uint64_t i = 100; i < 200; ++i) backend.emit(checked_event(i));
  backend.close();
  const std::string err = ::testing::internal::GetCapturedStderr();
  const auto s = backend.status();
  EXPECT_THAT(s.last_error, HasSubstr("was removed while being written"));
  EXPECT_THAT(err, HasSubstr("was removed while being written"));
  EXPECT_EQ(s.files_created, 2u);
  EXPECT_EQ(s.events_lost, 0u);
  // Events written before the removal went with the directory; everything
  // emitted afterwards is in the new file.
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(checked_sequences(r.events), range(100, 200));
}

TEST(EventsDirectory, ReplacedByAFileCountsLossesUntilItIsBack) {
  const fs::path dir = fresh_dir() / "events";
  ::testing::internal::CaptureStderr();
  Backend backend(options_for(dir));
  for (uint64_t i = 0; i < 50; ++i) backend.emit(checked_event(i));
  backend.flush();
  // Keep what was written (as an operator would), then put a file in its way.
  fs::rename(dir, dir.string() + ".saved");
  write_file(dir, "in the way");
  std::this_thread::sleep_for(50ms);
  for (uint64_t i = 50; i < 100; ++i) backend.emit(checked_event(i));
  backend.flush();
  auto s = backend.status();
  EXPECT_TRUE(s.healthy()) << "renamed, not removed: the writer still writes its file";
  EXPECT_EQ(checked_sequences(read_directory<ev::Codec>(dir.string() + ".saved").events), range(0, 100));
  // Now the file really goes: the writer notices, cannot create the
  // directory (a file is in the way), and counts every event as lost.
  fs::remove_all(dir.string() + ".saved");
  std::this_thread::sleep_for(50ms);
  for (uint64_t i = 100; i < 150; ++i) backend.emit(checked_event(i));
  backend.flush();
  s = backend.status();
  EXPECT_THAT(s.last_error, HasSubstr("cannot create events directory"));
  EXPECT_GT(s.events_lost, 0u);
  const uint64_t lost_while_blocked = s.events_lost;
  // The obstacle goes away: within reopen_interval a new file is created.
  fs::remove(dir);
  std::this_thread::sleep_for(50ms);
  for (uint64_t i = 150; i < 200; ++i) backend.emit(checked_event(i));
  backend.close();
  ::testing::internal::GetCapturedStderr();
  s = backend.status();
  EXPECT_EQ(s.events_written + s.events_lost, 200u);
  EXPECT_EQ(s.events_lost, lost_while_blocked);
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(checked_sequences(r.events), range(150, 200));
}

TEST(EventsDirectory, RenamedUnderRunningWriterLosesNothing) {
  const fs::path dir = fresh_dir() / "events";
  Backend backend(options_for(dir));
  for (uint64_t i = 0; i < 50; ++i) backend.emit(checked_event(i));
  backend.flush();
  const fs::path moved = dir.string() + ".moved";
  fs::rename(dir, moved);
  std::this_thread::sleep_for(50ms);
  for (uint64_t i = 50; i < 100; ++i) backend.emit(checked_event(i));
  backend.close();
  EXPECT_TRUE(backend.status().healthy());
  // The open file moved with its directory and received everything.
  auto r = read_directory<ev::Codec>(moved);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(checked_sequences(r.events), range(0, 100));
}

TEST(EventsDirectory, MadeReadOnlyAtRotationLosesOnlyEventsWhileReadOnly) {
  const fs::path root = fresh_dir();
  const fs::path dir = root / "events", out = root / "copy";
  fs::create_directories(dir);
  in_mount_namespace([&]() -> int {
    if (!mount_tmpfs(dir, "size=8m")) return 77;
    auto o = options_for(dir);
    FileBackend<ev::Codec> backend(o);
    // rotate_every 50: event 49 raises the epoch to 1.
    for (uint64_t i = 0; i < 40; ++i) backend.emit(checked_event(i, 50));
    backend.flush();
    // A read-only file system over the directory: the open file (below it)
    // still takes writes; the next file cannot be created.
    if (!mount_tmpfs(dir, "size=1m", MS_RDONLY)) return 77;
    for (uint64_t i = 40; i < 70; ++i) backend.emit(checked_event(i, 50));
    backend.flush();
    auto s = backend.status();
    CHILD_CHECK(s.last_error.find("Read-only file system") != std::string::npos);
    CHILD_CHECK(s.events_lost == 20);  // 50..69: no file to write to
    CHILD_CHECK(::umount(dir.c_str()) == 0);
    std::this_thread::sleep_for(50ms);
    for (uint64_t i = 70; i < 100; ++i) backend.emit(checked_event(i, 50));
    backend.close();
    s = backend.status();
    CHILD_CHECK(s.events_lost == 20);
    CHILD_CHECK(s.events_written == 80);
    copy_dir(dir, out);
    return 0;
  });
  if (IsSkipped() || HasFatalFailure()) return;
  auto r = read_directory<ev::Codec>(out);
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.file_errors, IsEmpty());
  std::vector<uint64_t> seqs;
  for (const auto& e : r.events) seqs.push_back(checked_sequence(e).value_or(~0ull));
  std::vector<uint64_t> expected = range(0, 50);
  for (uint64_t i = 70; i < 100; ++i) expected.push_back(i);
  EXPECT_EQ(seqs, expected);
  for (const auto& e : r.events) EXPECT_EQ(e, checked_event(*checked_sequence(e), 50));
}

// ---- A reader's directory -----------------------------------------------

void write_some_events(const fs::path& dir, uint64_t n) {
  Backend backend(options_for(dir));
  for (uint64_t i = 0; i < n; ++i) backend.emit(checked_event(i));
}

TEST(ReaderDirectory, ReplacedByAFileOrMissingIsAnErrorValue) {
  const fs::path dir = fresh_dir() / "events";
  write_some_events(dir, 10);
  fs::remove_all(dir);
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kNotFound);
  EXPECT_THAT(r.error->message, HasSubstr("does not exist"));
  write_file(dir, "not a directory");
  r = read_directory<ev::Codec>(dir);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kIo);
  EXPECT_THAT(r.error->message, HasSubstr("not a directory"));
}

TEST(ReaderDirectory, FilledWithNonEventFilesStillReadsEveryEvent) {
  const fs::path dir = fresh_dir() / "events";
  write_some_events(dir, 100);
  std::error_code ec;
  const auto real = format::list_event_files(dir, ec);
  ASSERT_THAT(real, SizeIs(1));
  // Junk under names that match the pattern, before and after the real file.
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(1'700'000'000));
  const auto junk = [&](uint64_t epoch, uint64_t suffix) { return dir / format::file_name(epoch, t, suffix); };
  write_file(junk(0, 1), "");                                    // empty
  write_file(junk(0, 2), std::string(1000, '\x42'));             // no terminator at all
  write_file(junk(0, 3), std::string("\x01\x02\x03\x00", 4));    // one bad frame
  {  // a sparse 20 MiB file of zeros: all padding, no header
    const int fd = ::open(junk(0, 4).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 20 << 20), 0);
    ::close(fd);
  }
  {  // 20 MiB without a zero byte: an oversized frame, never buffered whole
    std::string big(20 << 20, '\x7f');
    write_file(junk(99, 0), big);
  }
  fs::create_directories(junk(0, 5));                            // a directory
  fs::create_symlink("nowhere", junk(0, 6));                     // dangling symlink
  ASSERT_EQ(::mkfifo(junk(0, 7).c_str(), 0644), 0);              // a FIFO (must not block)
  write_file(dir / "README.txt", "not an event file name");
  write_file(dir / "events-epoch-x-garbage.evk", "bad name");
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(checked_sequences(r.events), range(0, 100));
  // Each matching regular file that is not an event file is named.
  EXPECT_THAT(r.file_errors, SizeIs(5));
  for (const auto& e : r.file_errors) {
    EXPECT_EQ(e.code, ReadError::Code::kNotAnEventFile) << e.message;
    EXPECT_THAT(e.message, HasSubstr(e.path.filename().string()));
  }
}

TEST(ReaderDirectory, AFifoInPlaceOfAnEventFileIsRefusedWithoutBlocking) {
  // list_event_files skips non-regular files, but one can be swapped in
  // between listing and opening; read_file is also called with paths.
  const fs::path dir = fresh_dir();
  const fs::path fifo = dir / "events-epoch-0-2024-01-01T00-00-00Z.evk";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto r = read_file<ev::Codec>(fifo);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kIo);
  EXPECT_THAT(r.error->message, HasSubstr("not a regular file"));
}

TEST(ReaderDirectory, LiveReaderSurvivesJunkAndAReplacedDirectory) {
  const fs::path dir = fresh_dir() / "events";
  EventReader<ev::Codec> reader(EventReaderOptions{.poll_interval = 20ms});
  reader.watch("w", dir);
  write_some_events(dir, 20);
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(4'000'000'000));
  // Junk whose first frame is complete (and invalid). A file whose first
  // frame is still incomplete is waited for: it may be a header being written.
  write_file(dir / format::file_name(7, t, 0), std::string(5000, '\x33') + std::string(1, '\0'));
  for (uint64_t i = 0; i < 20; ++i) {
    auto item = reader.recv(5s);
    ASSERT_TRUE(item) << "event " << i;
    EXPECT_EQ(checked_sequence(item->event), i);
  }
  // The junk file is reported (once the follower moves on to it).
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (reader.status()[0].stats.file_errors.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_THAT(reader.status()[0].stats.file_errors, SizeIs(1));
  EXPECT_EQ(reader.status()[0].stats.file_errors[0].code, ReadError::Code::kNotAnEventFile);
  // The directory is replaced by a file, then comes back with new events.
  fs::remove_all(dir);
  write_file(dir, "x");
  std::this_thread::sleep_for(100ms);
  fs::remove(dir);
  {
    auto o = options_for(dir);
    o.initial_epoch = 8;  // after the junk file
    Backend backend(o);
    for (uint64_t i = 20; i < 30; ++i) backend.emit(checked_event(i));
  }
  for (uint64_t i = 20; i < 30; ++i) {
    auto item = reader.recv(5s);
    ASSERT_TRUE(item) << "event " << i;
    EXPECT_EQ(checked_sequence(item->event), i);
  }
  EXPECT_FALSE(reader.recv(50ms)) << "nothing else: the junk file never yields events";
}

// ---- The clock stepping backwards ---------------------------------------

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> seconds =
      std::make_shared<std::atomic<int64_t>>(1'800'000'000);  // 2027-01-15
  std::function<std::chrono::system_clock::time_point()> fn() const {
    auto s = seconds;
    return [s] { return std::chrono::system_clock::time_point(std::chrono::seconds(s->load())); };
  }
};

TEST(ClockBackwards, RestartAfterTheClockWentBackStillSortsNewFilesLast) {
  const fs::path dir = fresh_dir() / "events";
  FakeClock clock;
  auto o = options_for(dir);
  o.clock = clock.fn();
  { Backend b(o); for (uint64_t i = 0; i < 10; ++i) b.emit(checked_event(i)); }
  *clock.seconds -= 3600;  // NTP steps the clock back an hour; the process restarts
  { Backend b(o); for (uint64_t i = 10; i < 20; ++i) b.emit(checked_event(i)); }
  *clock.seconds -= 60;
  { Backend b(o); for (uint64_t i = 20; i < 30; ++i) b.emit(checked_event(i)); }
  std::error_code ec;
  auto files = format::list_event_files(dir, ec);
  ASSERT_THAT(files, SizeIs(3));
  EXPECT_EQ(files[0].filename(), "events-epoch-0-2027-01-15T08-00-00Z.evk");
  EXPECT_EQ(files[1].filename(), "events-epoch-0-2027-01-15T08-00-00Z-1.evk");
  EXPECT_EQ(files[2].filename(), "events-epoch-0-2027-01-15T08-00-00Z-2.evk");
  auto r = read_directory<ev::Codec>(dir);
  EXPECT_EQ(checked_sequences(r.events), range(0, 30));
  // The header keeps the real (stepped) creation time.
  EXPECT_LT(r.files[1].header.created_unix_ns, r.files[0].header.created_unix_ns);
}

TEST(ClockBackwards, RotationAndRetentionFollowEpochsNotTheClock) {
  const fs::path dir = fresh_dir() / "events";
  FakeClock clock;
  auto o = options_for(dir);
  o.clock = clock.fn();
  o.keep_files = 3;
  Backend b(o);
  for (uint64_t i = 0; i < 100; ++i) {
    if (i % 10 == 0) *clock.seconds -= 100;  // keeps going back
    b.emit(checked_event(i, 20));           // rotates every 20 events
  }
  b.close();
  EXPECT_EQ(b.status().files_deleted, 3u);
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_THAT(r.files, SizeIs(3));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(r.files[i].header.epoch, 3 + i);
  std::vector<uint64_t> seqs;
  for (const auto& e : r.events) seqs.push_back(*checked_sequence(e));
  EXPECT_EQ(seqs, range(60, 100));
}

TEST(ClockBackwards, EventTimestampsAreKeptAsEmittedInEmitOrder) {
  const fs::path dir = fresh_dir() / "events";
  {
    Backend b(options_for(dir));
    for (int i = 0; i < 10; ++i) {
      b.emit(ev::Event{ev::Timestamp(std::chrono::seconds(1'800'000'000 - i)),
                       ev::train::TrainingFinished{.batch_id = {0, 0}, .step = uint64_t(i)}});
    }
  }
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_THAT(r.events, SizeIs(10));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(r.events[i].timestamp, ev::Timestamp(std::chrono::seconds(1'800'000'000 - i)));
  }
}

// ---- Very large events --------------------------------------------------

TEST(LargeEvent, SeveralMegabytesRoundTripThroughFileAndLiveReader) {
  const fs::path dir = fresh_dir() / "events";
  EventReader<ev::Codec> reader;
  reader.watch("w", dir);
  {
    Backend b(options_for(dir));
    // Warnings are even sequence numbers; 5 MiB every 3rd one.
    for (uint64_t i = 0; i < 12; ++i) b.emit(checked_event(i, 0, 3, 5 << 20));
  }
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.files, SizeIs(1));
  EXPECT_THAT(r.files[0].corrupt, IsEmpty());
  ASSERT_THAT(r.events, SizeIs(12));
  for (uint64_t i = 0; i < 12; ++i) EXPECT_TRUE(r.events[i] == checked_event(i, 0, 3, 5 << 20)) << i;
  EXPECT_GT(std::get<ev::client::Warning>(std::get<ev::Client>(r.events[4].data)).message.size(), 5u << 20);
  for (uint64_t i = 0; i < 12; ++i) {
    auto item = reader.recv(10s);
    ASSERT_TRUE(item) << i;
    EXPECT_TRUE(item->event == checked_event(i, 0, 3, 5 << 20)) << i;
  }
}

TEST(LargeEvent, BeyondTheFrameLimitIsRefusedByTheWriterWithAClearError) {
  const fs::path dir = fresh_dir() / "events";
  ::testing::internal::CaptureStderr();
  Backend b(options_for(dir));
  b.emit(checked_event(0));
  b.emit(ev::Event{eventkit::now(), ev::client::Warning{.message = std::string(17 << 20, 'x')}});
  b.emit(checked_event(2));
  b.close();
  const std::string err = ::testing::internal::GetCapturedStderr();
  const auto s = b.status();
  EXPECT_EQ(s.events_written, 2u);
  EXPECT_EQ(s.events_lost, 1u);
  EXPECT_EQ(s.flushed_sequence, 3u);
  EXPECT_THAT(s.last_error, HasSubstr("exceeds the frame limit"));
  EXPECT_THAT(err, HasSubstr("exceeds the frame limit"));
  auto r = read_directory<ev::Codec>(dir);
  EXPECT_THAT(r.files[0].corrupt, IsEmpty());
  EXPECT_EQ(checked_sequences(r.events), (std::vector<uint64_t>{0, 2}));
}

// ---- Schema mismatch ----------------------------------------------------

void write_mini(const fs::path& dir, uint64_t epoch) {
  FileBackendOptions o;
  o.dir = dir;
  o.initial_epoch = epoch;
  FileBackend<mini::events::Codec> b(o, mini::events::Event{{}, mini::events::Hello{.who = "mini"}});
  for (int i = 0; i < 5; ++i) b.emit(mini::events::Event{eventkit::now(), mini::events::Hello{.who = "h"}});
}

TEST(SchemaMismatch, ForeignSchemaFilesAreReportedAndPsycheFilesStillRead) {
  const fs::path dir = fresh_dir() / "events";
  write_mini(dir, 0);
  {
    auto o = options_for(dir);
    o.initial_epoch = 1;
    Backend b(o);
    for (uint64_t i = 0; i < 10; ++i) b.emit(checked_event(i));
  }
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(checked_sequences(r.events), range(0, 10));
  ASSERT_THAT(r.file_errors, SizeIs(1));
  EXPECT_EQ(r.file_errors[0].code, ReadError::Code::kSchemaMismatch);
  EXPECT_THAT(r.file_errors[0].message, HasSubstr("schema \"mini\", expected \"psyche\""));
  // And the other way round.
  auto m = read_directory<mini::events::Codec>(dir);
  EXPECT_THAT(m.events, SizeIs(5));
  ASSERT_THAT(m.file_errors, SizeIs(1));
  EXPECT_THAT(m.file_errors[0].message, HasSubstr("schema \"psyche\", expected \"mini\""));
}

TEST(SchemaMismatch, LiveReaderReportsAForeignSchema) {
  const fs::path dir = fresh_dir() / "events";
  EventReader<ev::Codec> reader(EventReaderOptions{.poll_interval = 20ms});
  reader.watch("w", dir);
  write_mini(dir, 0);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::vector<ReadError> errors;
  while (errors.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    errors = reader.status()[0].stats.file_errors;
  }
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].code, ReadError::Code::kSchemaMismatch);
  EXPECT_FALSE(reader.recv(100ms));
}

// A writer whose schema claims the reader's name but differs (an
// incompatible edit that kept the name): the header's fingerprint differs,
// which the reader reports (fingerprint_matches = false); the bodies are
// then only as safe as the FlatBuffers verifier makes them: each either
// decodes or is counted corrupt, and reading never crashes.
struct ImpostorCodec : mini::events::Codec {
  static constexpr std::string_view kSchemaName = "psyche";
};

TEST(SchemaMismatch, SameNameOtherSchemaIsFlaggedByFingerprint) {
  const fs::path dir = fresh_dir() / "events";
  {
    FileBackendOptions o;
    o.dir = dir;
    FileBackend<ImpostorCodec> b(o);
    for (int i = 0; i < 20; ++i) {
      b.emit(mini::events::Event{eventkit::now(), mini::events::Hello{.who = std::string(i, 'w')}});
    }
  }
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error);
  ASSERT_THAT(r.files, SizeIs(1));
  EXPECT_FALSE(r.files[0].fingerprint_matches);
  EXPECT_EQ(r.files[0].events + r.files[0].corrupt.size(), 20u);
  std::printf("impostor schema: %llu decoded, %zu rejected as corrupt\n",
              (unsigned long long)r.files[0].events, r.files[0].corrupt.size());
}

}  // namespace
}  // namespace eventkit::reliability
