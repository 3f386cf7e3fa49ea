// EventReader against real writer processes (tests/reader/event_writer),
// real files and real inotify: late directories, rotation and retention
// mid-read, SIGKILL mid-record, two sources, the polling path, small and
// large events. No fixed sleeps decide a result: every wait is for an event
// with a generous deadline.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "runtime/event_reader.h"
#include "runtime/event_reader_matchers.h"
#include "runtime/framing.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_matchers.h"

extern char** environ;

namespace {

namespace ev = psyche::events;
using namespace std::chrono_literals;
using Reader = eventkit::EventReader<ev::Codec>;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr auto kDeadline = 20s;  // generous: only a failure waits this long

fs::path temp_dir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  fs::path p = fs::path(base ? base : "/tmp") /
               (name + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(p);
  return p;
}

// Starts tests/reader/event_writer with `args`; returns its pid.
pid_t spawn_writer(std::vector<std::string> args) {
  args.insert(args.begin(), "tests/reader/event_writer");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Collects TrainingFinished steps per source until `n` arrived (or deadline).
std::map<std::string, std::vector<uint64_t>> collect_steps(Reader& reader, size_t n) {
  std::map<std::string, std::vector<uint64_t>> steps;
  size_t got = 0;
  while (got < n) {
    auto item = reader.recv(kDeadline, {.types = {"train::TrainingFinished"}});
    if (!item) break;
    steps[item->source].push_back(ev::get_if<ev::train::TrainingFinished>(item->event.data)->step);
    ++got;
  }
  return steps;
}

std::vector<uint64_t> iota(uint64_t from, uint64_t n) {
  std::vector<uint64_t> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = from + i;
  return v;
}

TEST(EventReader, DirectoryCreatedAfterWatchStarts) {
  const auto dir = temp_dir("late");
  Reader reader;
  reader.watch("client-1", dir);  // the container has not started yet
  EXPECT_FALSE(reader.recv(50ms).has_value());
  const pid_t pid = spawn_writer({"--dir", dir, "--count", "20"});
  const auto steps = collect_steps(reader, 20);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(steps.at("client-1"), iota(0, 20));
}

TEST(EventReader, RunContextIsDeliveredFirstAndOnce) {
  const auto dir = temp_dir("ctx");
  Reader reader;
  reader.watch("c", dir);
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", dir, "--count", "30", "--rotate-every", "10"})), 0);
  const auto first = reader.recv(kDeadline);
  ASSERT_TRUE(first);
  EXPECT_THAT(first->event, ev::IsRunStarted().node_id("node"));
  ASSERT_TRUE(reader.wait_for<ev::train::TrainingFinished>([](const auto& f) { return f.step == 29; }, kDeadline));
  size_t run_started = 0;
  for (const auto& item : reader.history()) run_started += ev::holds<ev::RunStarted>(item.event.data);
  EXPECT_EQ(run_started, 1u) << "three files share one run context";
}

TEST(EventReader, FollowsRotationWhileTheWriterRuns) {
  const auto dir = temp_dir("rotate");
  Reader reader;
  reader.watch("c", dir);
  const pid_t pid = spawn_writer({"--dir", dir, "--count", "300", "--rotate-every", "25", "--interval-us", "300"});
  const auto steps = collect_steps(reader, 300);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(steps.at("c"), iota(0, 300));
  EXPECT_GE(reader.status().at(0).stats.files_opened, 12u);
}

TEST(EventReader, RetentionDeletingFilesIsCountedNotFatal) {
  const auto dir = temp_dir("retention");
  // Files the writer created and retention deleted before the reader looked.
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", dir, "--count", "100", "--rotate-every", "10", "--keep-files", "2"})), 0);
  Reader reader;
  reader.watch("c", dir);
  const auto steps = collect_steps(reader, 20);
  EXPECT_EQ(steps.at("c"), iota(80, 20)) << "the two kept files are read in full";
  // Now retention deletes files while the reader follows a live writer.
  const pid_t pid = spawn_writer({"--dir", dir, "--start", "100", "--count", "200", "--rotate-every", "10",
                                  "--keep-files", "2", "--interval-us", "200"});
  EXPECT_EQ(wait_exit(pid), 0);
  ASSERT_TRUE(reader.wait_for<ev::train::TrainingFinished>([](const auto& f) { return f.step == 299; }, kDeadline))
      << "the newest events always arrive";
  const auto status = reader.status().at(0);
  EXPECT_TRUE(status.stats.file_errors.empty());
  // Whatever was not read is accounted for as missed files, never silently.
  std::set<uint64_t> seen;  // of the live writer's steps 100..299
  for (const auto& item : reader.history()) {
    if (auto* f = ev::get_if<ev::train::TrainingFinished>(item.event.data); f && f->step >= 100) seen.insert(f->step);
  }
  const uint64_t unread = 200 - seen.size();
  EXPECT_EQ(unread % 10, 0u) << "events are lost by whole files only";
  EXPECT_EQ(unread / 10, status.stats.files_missed) << "every lost file is counted";
}

TEST(EventReader, WriterKilledMidRecordLosesOnlyTheTornRecord) {
  const auto dir = temp_dir("sigkill");
  Reader reader;
  reader.watch("c", dir);
  const int status = wait_exit(spawn_writer({"--dir", dir, "--count", "50", "--torn-then-kill"}));
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(collect_steps(reader, 50).at("c"), iota(0, 50));
  // The torn half-record is waited for, never delivered, never an error.
  EXPECT_FALSE(reader.recv(300ms).has_value());
  const auto st = reader.status().at(0);
  EXPECT_EQ(st.stats.corrupt_records, 0u);
  EXPECT_TRUE(st.stats.file_errors.empty());
  // A restarted writer starts a new file; the reader moves on to it and the
  // dead writer's tail is then reported as torn.
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", dir, "--start", "50", "--count", "5"})), 0);
  EXPECT_EQ(collect_steps(reader, 5).at("c"), iota(50, 5));
  EXPECT_EQ(reader.status().at(0).stats.torn_tails, 1u);
}

TEST(EventReader, PartialRecordIsWaitedForUntilComplete) {
  const auto dir = temp_dir("partial");
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", dir, "--count", "1"})), 0);
  Reader reader;
  reader.watch("c", dir);
  ASSERT_TRUE(reader.wait_for<ev::train::TrainingFinished>(kDeadline));
  // Append one more record in two halves, as a slow write(2) would.
  const auto file = *fs::directory_iterator(dir);
  flatbuffers::FlatBufferBuilder fbb;
  const auto body = ev::Codec::encode(ev::Event{.data = ev::client::Warning{.message = "late"}}, fbb);
  std::vector<uint8_t> payload = {0x02};
  payload.insert(payload.end(), body.begin(), body.end());
  std::vector<uint8_t> frame;
  eventkit::framing::append_frame(payload, frame);
  std::ofstream out(file.path(), std::ios::binary | std::ios::app);
  out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size() / 2));
  out.flush();
  EXPECT_FALSE(reader.recv(300ms).has_value());
  out.write(reinterpret_cast<const char*>(frame.data() + frame.size() / 2),
            static_cast<std::streamsize>(frame.size() - frame.size() / 2));
  out.flush();
  const auto item = reader.recv(kDeadline);
  ASSERT_TRUE(item);
  EXPECT_THAT(item->event, ev::client::IsWarning().message("late"));
  EXPECT_EQ(reader.status().at(0).stats.corrupt_records, 0u);
}

TEST(EventReader, TwoSourcesInterleaveEachInWriteOrder) {
  const auto a = temp_dir("a"), b = temp_dir("b");
  Reader reader;
  reader.watch("client-1", a);
  reader.watch("client-2", b);
  const pid_t pa = spawn_writer({"--dir", a, "--count", "200", "--interval-us", "100", "--rotate-every", "50"});
  const pid_t pb = spawn_writer({"--dir", b, "--count", "200", "--interval-us", "100"});
  const auto steps = collect_steps(reader, 400);
  EXPECT_EQ(wait_exit(pa), 0);
  EXPECT_EQ(wait_exit(pb), 0);
  EXPECT_EQ(steps.at("client-1"), iota(0, 200));
  EXPECT_EQ(steps.at("client-2"), iota(0, 200));
}

TEST(EventReader, PollingPathWithoutInotify) {
  const auto dir = temp_dir("poll");
  Reader reader({.use_inotify = false, .poll_interval = 20ms});
  EXPECT_FALSE(reader.inotify_active());
  reader.watch("c", dir);
  const pid_t pid = spawn_writer({"--dir", dir, "--count", "100", "--rotate-every", "30", "--interval-us", "200"});
  const auto steps = collect_steps(reader, 100);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(steps.at("c"), iota(0, 100));
}

TEST(EventReader, ManySmallEventsAndAFewLargeOnes) {
  const auto dir = temp_dir("sizes");
  Reader reader;
  reader.watch("c", dir);
  const pid_t pid = spawn_writer({"--dir", dir, "--count", "20000", "--big-every", "5000", "--big-bytes", "3000000"});
  const auto steps = collect_steps(reader, 20000);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(steps.at("c"), iota(0, 20000));
  size_t big = 0;
  for (const auto& item : reader.history()) {
    if (auto* w = ev::get_if<ev::client::Warning>(item.event.data)) {
      EXPECT_EQ(w->message.substr(0, 3000000), std::string(3000000, 'x'));
      ++big;
    }
  }
  EXPECT_EQ(big, 4u);
}

TEST(EventReader, WaitForWithMatcherAndFilters) {
  const auto a = temp_dir("ma"), b = temp_dir("mb");
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", a, "--count", "10"})), 0);
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", b, "--count", "10", "--start", "100"})), 0);
  Reader reader;
  reader.watch("client-1", a);
  reader.watch("client-2", b);
  auto r = reader.wait_for(ev::train::IsTrainingFinished().step(105), kDeadline, {.sources = {"client-2"}});
  ASSERT_TRUE(r) << r.failure;
  EXPECT_EQ(r.item->source, "client-2");
  reader.rewind();
  auto only_a = reader.wait_for(ev::train::IsTrainingFinished().step(105), 200ms, {.sources = {"client-1"}});
  EXPECT_FALSE(only_a);
  EXPECT_THAT(only_a.failure, HasSubstr("timed out after 200 ms waiting for an event that is a "
                                        "train::TrainingFinished whose step is equal to 105"));
  EXPECT_THAT(only_a.failure, HasSubstr("[client-1] train::TrainingFinished: training finished: B9 step=9"));
}

TEST(EventReader, HistoryAndRewindReplayFromTheStart) {
  const auto dir = temp_dir("replay");
  EXPECT_EQ(wait_exit(spawn_writer({"--dir", dir, "--count", "5"})), 0);
  Reader reader;
  reader.watch("c", dir);
  const auto first = collect_steps(reader, 5);
  EXPECT_EQ(reader.history().size(), 6u);  // RunStarted + 5
  reader.rewind();
  EXPECT_EQ(collect_steps(reader, 5), first);
  EXPECT_FALSE(reader.recv(50ms).has_value());
}

TEST(EventReader, TimeoutMessageNamesMissingDirectory) {
  Reader reader;
  reader.watch("ghost", temp_dir("never-created"));
  auto r = reader.wait_for<ev::train::TrainingFinished>(150ms);
  EXPECT_FALSE(r);
  EXPECT_THAT(r.failure, HasSubstr("saw 0 event(s) meanwhile."));
  EXPECT_THAT(r.failure, HasSubstr("source ghost: directory"));
  EXPECT_THAT(r.failure, HasSubstr("does not exist"));
}

TEST(EventReader, NonEventFilesAndForeignSchemasAreReportedNotFatal) {
  const auto dir = temp_dir("junk");
  fs::create_directories(dir);
  std::ofstream(dir / "events-epoch-0-2026-01-01T00-00-00Z.evk") << "this is not an event file\n";
  std::ofstream(dir / "notes.txt") << "ignored: does not match the file naming";
  Reader reader;
  reader.watch("c", dir);
  const pid_t pid = spawn_writer({"--dir", dir, "--count", "3"});
  EXPECT_EQ(collect_steps(reader, 3).at("c"), iota(0, 3));
  EXPECT_EQ(wait_exit(pid), 0);
  const auto st = reader.status().at(0);
  ASSERT_EQ(st.stats.file_errors.size(), 1u);
  EXPECT_THAT(st.stats.file_errors[0].message, HasSubstr("not an event file"));
}

TEST(EventReader, StopIsCleanAndIdempotentWhileWaiting) {
  Reader reader;
  reader.watch("c", temp_dir("stop"));
  std::thread waiter([&] { EXPECT_FALSE(reader.recv(kDeadline).has_value()); });
  std::this_thread::sleep_for(20ms);  // let the waiter block (not a correctness sleep)
  const auto before = std::chrono::steady_clock::now();
  reader.stop();
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - before, kDeadline) << "stop() woke the waiter";
  reader.stop();
}

}  // namespace
