// Crash test (issue 10): SIGKILL a real writer process (crash_writer) at
// hundreds of random moments, under every flush/fsync policy, with and
// without rotation, and check after each kill:
//  * every event the writer had reported as flushed (flushed_sequence) is
//    read back;
//  * nothing is mis-decoded: event i is exactly checked_event(i) and its own
//    checksum agrees (no corrupt frames at all);
//  * only the unflushed tail is missing: events read = a prefix 0..n-1 with
//    n >= the last reported flushed_sequence; a torn tail or a file without
//    a complete header may only be the very last thing in the directory.
// Iterations: CRASH_ITERATIONS (default 220); kill delay up to
// CRASH_MAX_DELAY_MS (default 30).
#include <fcntl.h>
#include <poll.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/file_format.h"
#include "runtime/reader.h"
#include "tests/reliability/checked_events.h"

extern char** environ;

namespace eventkit::reliability {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::filesystem::path test_root() {
  const char* base = std::getenv("TEST_TMPDIR");
  return std::filesystem::path(base ? base : "/tmp") / "crash";
}

struct WriterRun {
  std::vector<std::string> args;
  uint64_t rotate_every = 0, big_every = 0, big_bytes = 0;
  std::string describe() const {
    std::string s;
    for (const auto& a : args) s += a + " ";
    return s;
  }
};

struct Outcome {
  uint64_t reported = 0;  // last flushed_sequence the writer reported
  uint64_t reports = 0;
};

// Spawns the writer, lets it run `delay` (counted from its first report
// when `after_first_report`, so slow builds such as ASan still die
// mid-stream), SIGKILLs it, drains its reports.
Outcome run_and_kill(const WriterRun& run, std::chrono::microseconds delay, bool after_first_report) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // dup2 clears CLOEXEC
  std::vector<std::string> args = run.args;
  args.insert(args.begin(), "tests/reliability/crash_writer");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  Outcome out;
  uint64_t rec[2];
  size_t have = 0;
  auto take = [&](ssize_t n) {
    have += static_cast<size_t>(n);
    if (have == sizeof rec) {
      EXPECT_EQ(rec[1], 0u) << "events_lost in a healthy directory";
      EXPECT_GE(rec[0], out.reported) << "flushed_sequence went backwards";
      out.reported = rec[0];
      ++out.reports;
      have = 0;
    }
  };
  if (after_first_report) {
    pollfd p{fds[0], POLLIN, 0};
    while (out.reports == 0 && ::poll(&p, 1, 10'000) == 1) {
      const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(rec) + have, sizeof rec - have);
      if (n <= 0) break;
      take(n);
    }
    EXPECT_GT(out.reports, 0u) << "no report within 10 s: " << run.describe();
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "writer exited on its own, status " << status << ": " << run.describe();
  // Every report written before the kill is in the pipe; read to EOF.
  for (;;) {
    const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(rec) + have, sizeof rec - have);
    if (n <= 0) break;
    take(n);
  }
  ::close(fds[0]);
  return out;
}

struct Totals {
  uint64_t runs = 0, with_reports = 0, torn_tails = 0, headerless_last_files = 0, files = 0;
  uint64_t events = 0, reported = 0, beyond_reported = 0;
  std::map<std::string, uint64_t> per_policy;
};

// Checks the directory left by a killed writer; returns false on failure.
void check_directory(const std::filesystem::path& dir, const WriterRun& run, const Outcome& o, Totals& t) {
  SCOPED_TRACE(run.describe() + "reported=" + std::to_string(o.reported));
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    ASSERT_EQ(o.reported, 0u) << "reported events but no directory";
    return;
  }
  const auto paths = format::list_event_files(dir, ec);
  auto r = read_directory<ev::Codec>(dir);
  ASSERT_FALSE(r.error) << r.error->message;
  // Only the newest file may lack a complete header (killed while creating it).
  ASSERT_LE(r.file_errors.size(), 1u);
  if (!r.file_errors.empty()) {
    const auto& e = r.file_errors[0];
    ASSERT_EQ(e.code, ReadError::Code::kNotAnEventFile) << e.message;
    ASSERT_EQ(e.path, paths.back()) << e.message;
    ++t.headerless_last_files;
  }
  for (size_t i = 0; i < r.files.size(); ++i) {
    const auto& f = r.files[i];
    EXPECT_TRUE(f.corrupt.empty()) << f.path << ": " << f.corrupt.size() << " corrupt, first: "
                                   << f.corrupt[0].reason;
    EXPECT_TRUE(f.fingerprint_matches);
    if (f.torn_tail) {
      EXPECT_EQ(i, r.files.size() - 1) << "torn tail in a file that is not the newest: " << f.path;
      ++t.torn_tails;
    }
  }
  t.files += paths.size();
  // A prefix 0..n-1, each event exactly itself.
  for (uint64_t i = 0; i < r.events.size(); ++i) {
    const auto seq = checked_sequence(r.events[i]);
    ASSERT_TRUE(seq.has_value()) << "event " << i << " fails its own checksum";
    ASSERT_EQ(*seq, i) << "event " << i << " out of order or missing before it";
    ASSERT_EQ(r.events[i], checked_event(i, run.rotate_every, run.big_every, run.big_bytes)) << "event " << i << " mis-decoded";
  }
  ASSERT_GE(r.events.size(), o.reported) << "lost events the writer reported as flushed";
  t.events += r.events.size();
  t.reported += o.reported;
  t.beyond_reported += r.events.size() - o.reported;
}

TEST(CrashTest, SigkillAtRandomMomentsLosesOnlyTheUnflushedTail) {
  const uint64_t iterations = env_or("CRASH_ITERATIONS", 220);
  const uint64_t max_delay_us = env_or("CRASH_MAX_DELAY_MS", 30) * 1000;
  const uint64_t seed = env_or("CRASH_SEED", std::random_device{}());
  std::mt19937_64 rng(seed);
  const char* flushes[] = {"idle", "interval", "every"};
  const char* fsyncs[] = {"never", "never", "close", "write"};
  const uint64_t rotations[] = {0, 0, 7, 300};
  const uint64_t batches[] = {64 * 1024, 512, 1 << 20};
  Totals t;
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t it = 0; it < iterations; ++it) {
    const auto dir = test_root() / ("run-" + std::to_string(it));
    std::filesystem::remove_all(dir);
    WriterRun run;
    const std::string flush = flushes[rng() % 3], fsync = fsyncs[rng() % 4];
    run.rotate_every = rotations[rng() % 4];
    run.args = {"--dir", dir.string(), "--seed", std::to_string(rng()), "--flush", flush,
                "--fsync", fsync, "--rotate-every", std::to_string(run.rotate_every),
                "--report-every", std::to_string(1 + rng() % 100),
                "--batch-bytes", std::to_string(batches[rng() % 3]),
                "--queue", std::to_string(16u << (rng() % 8))};
    // Half the runs write some large events (multi-page write(2) calls can
    // be cut short by the kill: torn tails).
    if (rng() % 2) {
      run.big_every = 1 + rng() % 20;
      run.big_bytes = 4096 + rng() % (512 * 1024);
      for (const auto& a : {"--big-every", "--big-bytes"}) run.args.push_back(a);
      run.args.insert(run.args.end() - 1, std::to_string(run.big_every));
      run.args.push_back(std::to_string(run.big_bytes));
    }
    // A quarter of the kills land early (start-up, first file creation),
    // the rest after the writer's first report plus a random delay.
    const bool early = rng() % 4 == 0;
    const uint64_t delay = early ? rng() % 3000 : rng() % (max_delay_us + 1);
    SCOPED_TRACE("iteration " + std::to_string(it) + " seed " + std::to_string(seed));
    const Outcome o = run_and_kill(run, std::chrono::microseconds(delay), !early);
    check_directory(dir, run, o, t);
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasNonfatalFailure()) {
      ADD_FAILURE() << "kept " << dir << " for inspection; rerun with CRASH_SEED=" << seed;
      return;
    }
    ++t.runs;
    if (o.reports) ++t.with_reports;
    ++t.per_policy[flush + "/" + fsync];
    std::filesystem::remove_all(dir);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "crash test: seed %llu, %llu kills in %.1f s; %llu after at least one report; "
      "%llu files, %llu events read (%llu reported flushed, %llu more than reported); "
      "%llu torn tails, %llu newest files without a complete header\n",
      (unsigned long long)seed, (unsigned long long)t.runs, secs,
      (unsigned long long)t.with_reports, (unsigned long long)t.files,
      (unsigned long long)t.events, (unsigned long long)t.reported,
      (unsigned long long)t.beyond_reported, (unsigned long long)t.torn_tails,
      (unsigned long long)t.headerless_last_files);
  for (const auto& [policy, n] : t.per_policy) std::printf("  %-16s %llu kills\n", policy.c_str(), (unsigned long long)n);
  EXPECT_EQ(t.runs, iterations);
  // The kills must actually land mid-stream, not only at start-up.
  EXPECT_GE(t.with_reports, iterations / 2);
}

}  // namespace
}  // namespace eventkit::reliability
