// Drives the real eventkit binary (//tools/cli:eventkit) on real event files:
// every subcommand, every error case, exit codes, --json parsed back.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/file_backend.h"
#include "schema/psyche_events.h"
#include "tests/schemas/mini_events.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using psyche::events::Event;
using psyche::events::RunState;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

extern "C" char** environ;

const std::string kBinary = "tools/cli/eventkit";
const std::string kFixtures = "tests/legacy/testdata/";

// ---------------------------------------------------------------- processes
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key == "NO_COLOR" || env.count(key)) continue;
      envs.push_back(kv);
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      std::vector<char*> argv{const_cast<char*>(kBinary.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& e : envs) envp.push_back(e.data());
      envp.push_back(nullptr);
      ::execve(kBinary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  // Reads whatever arrives within `timeout` (returns early once `until`
  // appears in stdout). Returns false on timeout.
  bool read_until(const std::string& until, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(until) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!pump(static_cast<int>(left.count()))) return out_.find(until) != std::string::npos;
    }
    return true;
  }

  // Waits for exit (collecting output); -1 on timeout.
  int wait(std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_fd_ >= 0 || err_fd_ >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return -1;
      pump(static_cast<int>(left.count()));
    }
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(10ms);
    }
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void signal(int sig) { ::kill(pid_, sig); }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // One poll round; false when both pipes are closed.
  bool pump(int timeout_ms) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) return false;
    if (::poll(fds, n, timeout_ms) <= 0) return true;
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      const bool is_out = fds[i].fd == out_fd_;
      if (got > 0) {
        (is_out ? out_ : err_).append(buf, static_cast<size_t>(got));
      } else {
        ::close(fds[i].fd);
        (is_out ? out_fd_ : err_fd_) = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  bool exited_ = false;
  std::string out_, err_;
};

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  Child c(args, env);
  const int code = c.wait();
  return Result{code, c.out(), c.err()};
}

// Runs the binary with file descriptor `fd` (1 or 2) on a terminal (a
// pseudo-terminal) and the other one on /dev/null; returns what the
// terminal showed.
std::string run_on_terminal(int fd, const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {}) {
  int master = -1, slave = -1;
  EXPECT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(master);
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, fd == 1 ? 2 : 1);
    ::dup2(slave, fd);
    ::unsetenv("NO_COLOR");
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(kBinary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kBinary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(slave);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  return out;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<nlohmann::json> json_lines(const std::string& s) {
  std::vector<nlohmann::json> out;
  for (const auto& l : lines(s)) out.push_back(nlohmann::json::parse(l));
  return out;
}

// ---------------------------------------------------------------- event files
psyche::events::Timestamp at(int seconds) {
  using namespace std::chrono;
  return psyche::events::Timestamp{sys_days{year{2026} / 12 / 3}.time_since_epoch() + hours{10} +
                                   std::chrono::seconds{seconds}};
}

Event run_started(const std::string& node) {
  return Event{at(0), psyche::events::RunStarted{.run_id = "run-7", .node_id = node, .config = "c", .psyche_version = "1.0"}};
}

// A small run: state changes (epoch 1 rotates the file) and training events.
std::vector<Event> sample_events(int offset = 0) {
  using namespace psyche::events;
  return {
      Event{at(1 + offset), client::StateChanged{RunState::Uninitialized, RunState::WaitingForMembers, 0, 1}},
      Event{at(2 + offset), train::TrainingFinished{.batch_id = {1, 1}, .step = 1, .loss = 2.5}},
      Event{at(3 + offset), train::TrainingFinished{.batch_id = {2, 3}, .step = 2, .loss = std::nullopt}},
      Event{at(4 + offset), client::StateChanged{RunState::WaitingForMembers, RunState::Warmup, 1, 2}},
      Event{at(5 + offset), train::TrainingFinished{.batch_id = {4, 4}, .step = 3, .loss = 1.25}},
  };
}

void write_dir(const fs::path& dir, const std::vector<Event>& events, const std::string& node) {
  eventkit::FileBackendOptions o;
  o.dir = dir;
  eventkit::FileBackend<psyche::events::Codec> backend(o, run_started(node));
  for (const auto& e : events) backend.emit(e);
  backend.close();
  ASSERT_TRUE(backend.status().healthy()) << backend.status().last_error;
}

std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  fs::path make_run(const std::string& node, int offset = 0) {
    const fs::path dir = root_ / node;
    write_dir(dir, sample_events(offset), node);
    return dir;
  }
  fs::path root_;
};

// ---------------------------------------------------------------- help, usage
TEST_F(CliTest, HelpOnEverySubcommand) {
  for (std::string sub : {"", "cat", "tail", "stats", "verify", "import-legacy", "compare", "types"}) {
    std::vector<std::string> args;
    if (!sub.empty()) args.push_back(sub);
    args.push_back("--help");
    const Result r = run(args);
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_THAT(r.out, HasSubstr("Usage: eventkit")) << sub;
    EXPECT_EQ(r.err, "") << sub;
  }
  EXPECT_THAT(run({"--help"}).out, HasSubstr("Exit codes: 0 ok, 1 damage or disagreement, 2 usage error, 3 I/O"));
}

TEST_F(CliTest, BadArgumentsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const fs::path dir = make_run("client-1");
  const std::vector<Case> cases = {
      {{}, "A subcommand is required"},
      {{"frobnicate"}, "unknown subcommand 'frobnicate'"},
      {{"cat"}, "PATH is required"},
      {{"cat", "--bogus", dir}, "--bogus"},
      {{"cat", "--type", "NoSuchThing", dir}, "--type: unknown event type 'NoSuchThing'"},
      {{"cat", "--since", "yesterday", dir}, "--since: 'yesterday' is not an RFC 3339 timestamp"},
      {{"stats", "--until", "2026-13-01T00:00:00Z", dir}, "--until:"},
      {{"cat", "--color", "sometimes", dir}, "--color"},
      {{"import-legacy", kFixtures + "client-1.jsonl"}, "--out is required"},
      {{"compare", "--events", dir}, "--legacy is required"},
      {{"tail", "-n", "-3", dir}, "--lines"},
  };
  for (const auto& c : cases) {
    const Result r = run(c.args);
    EXPECT_EQ(r.code, 2) << ::testing::PrintToString(c.args) << r.err;
    EXPECT_THAT(r.err, StartsWith("eventkit: error: ")) << ::testing::PrintToString(c.args);
    EXPECT_THAT(r.err, HasSubstr(c.message)) << ::testing::PrintToString(c.args);
    EXPECT_THAT(r.err, HasSubstr("Usage: eventkit")) << ::testing::PrintToString(c.args);
    EXPECT_EQ(r.out, "");
  }
}

// ---------------------------------------------------------------- cat
TEST_F(CliTest, CatPrintsOneLinePerEvent) {
  const fs::path dir = make_run("client-1");
  const Result r = run({"cat", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto l = lines(r.out);
  ASSERT_EQ(l.size(), 6u);  // run context + 5 events
  EXPECT_EQ(l[0], "2026-12-03T10:00:00.000000000Z client-1 RunStarted " +
                      psyche::events::display(run_started("client-1").data));
  EXPECT_EQ(l[1], "2026-12-03T10:00:01.000000000Z client-1 client::StateChanged " +
                      psyche::events::display(sample_events()[0].data));
  EXPECT_THAT(l[2], StartsWith("2026-12-03T10:00:02.000000000Z client-1 train::TrainingFinished "));
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));  // not a terminal: no colour
  // The directory rotated at epoch 1; a single file can be read too.
  const auto files = event_files(dir);
  ASSERT_EQ(files.size(), 2u);
  const Result one = run({"cat", files[1]});
  ASSERT_EQ(one.code, 0) << one.err;
  const auto l1 = lines(one.out);
  ASSERT_EQ(l1.size(), 2u);  // run context + the event after the epoch change
  EXPECT_THAT(l1[0], HasSubstr(" " + files[1].filename().string() + " RunStarted "));
}

TEST_F(CliTest, CatJsonIsParseableWithSource) {
  const fs::path a = make_run("client-1");
  const fs::path b = make_run("client-2", 10);
  const Result r = run({"cat", "--json", a, b});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = json_lines(r.out);
  ASSERT_EQ(j.size(), 12u);
  EXPECT_EQ(j[0]["source"], "client-1");
  EXPECT_EQ(j[0]["category"], "RunStarted");
  EXPECT_EQ(j[0]["data"]["node_id"], "client-1");
  EXPECT_EQ(j[2]["category"], "train");
  EXPECT_EQ(j[2]["variant"], "TrainingFinished");
  EXPECT_EQ(j[2]["data"]["step"], 1);
  EXPECT_EQ(j[2]["timestamp"], "2026-12-03T10:00:02.000000000Z");
  EXPECT_EQ(j[6]["source"], "client-2");
  // Every line is exactly the schema's to_json plus "source".
  auto expected = nlohmann::json::parse(psyche::events::to_json(sample_events()[1]));
  expected["source"] = "client-1";
  EXPECT_EQ(j[2], expected);
  // --json never colours, even when asked to.
  EXPECT_THAT(run({"cat", "--json", "--color", "always", a}).out, Not(HasSubstr("\x1b[")));
}

TEST_F(CliTest, CatMergeOrdersByTimestamp) {
  const fs::path a = make_run("client-1", 0);
  const fs::path b = make_run("client-2", 0);
  const Result r = run({"cat", "--json", "--merge", a, b});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = json_lines(r.out);
  ASSERT_EQ(j.size(), 12u);
  for (size_t i = 1; i < j.size(); ++i) EXPECT_LE(j[i - 1]["timestamp"], j[i]["timestamp"]);
  EXPECT_EQ(j[0]["source"], "client-1");
  EXPECT_EQ(j[1]["source"], "client-2");
}

TEST_F(CliTest, Filters) {
  const fs::path a = make_run("client-1");
  const fs::path b = make_run("client-2", 10);
  auto count = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"cat", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(a);
    args.push_back(b);
    const Result r = run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return json_lines(r.out);
  };
  EXPECT_EQ(count({"--type", "train"}).size(), 6u);
  EXPECT_EQ(count({"--type", "TRAININGFINISHED"}).size(), 6u);
  EXPECT_EQ(count({"--type", "client::statechanged"}).size(), 4u);
  EXPECT_EQ(count({"--type", "train", "--type", "RunStarted"}).size(), 8u);
  EXPECT_EQ(count({"--type", "client,runstarted"}).size(), 6u);
  EXPECT_EQ(count({"--source", "client-2"}).size(), 6u);
  EXPECT_EQ(count({"--source", "nobody"}).size(), 0u);
  // --since inclusive, --until exclusive.
  auto window = count({"--since", "2026-12-03T10:00:02Z", "--until", "2026-12-03T10:00:04Z"});
  ASSERT_EQ(window.size(), 2u);
  EXPECT_EQ(window[0]["timestamp"], "2026-12-03T10:00:02.000000000Z");
  EXPECT_EQ(window[1]["timestamp"], "2026-12-03T10:00:03.000000000Z");
  // Offsets are honoured: 12:00:12+02:00 is 10:00:12Z.
  auto late = count({"--since", "2026-12-03T12:00:12+02:00", "--type", "train"});
  ASSERT_EQ(late.size(), 3u);
  EXPECT_EQ(late[0]["source"], "client-2");
  // stats honours the same filters.
  const Result s = run({"stats", "--json", "--type", "train", "--source", "client-1", a, b});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(nlohmann::json::parse(s.out)["events"], 3);
}

TEST_F(CliTest, ColourOnlyWhenAskedOrTerminal) {
  const fs::path a = make_run("client-1");
  const Result always = run({"cat", "--color", "always", a});
  ASSERT_EQ(always.code, 0);
  EXPECT_THAT(always.out, HasSubstr("\x1b[36mclient-1\x1b[0m"));
  EXPECT_THAT(run({"cat", "--color", "always", a}, {{"NO_COLOR", "1"}}).out, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(run({"cat", a}).out, Not(HasSubstr("\x1b[")));
}

TEST_F(CliTest, ColourOnATerminal) {
  const fs::path a = make_run("client-1");
  EXPECT_THAT(run_on_terminal(1, {"cat", a}), HasSubstr("\x1b[36mclient-1\x1b[0m"));
  EXPECT_THAT(run_on_terminal(1, {"cat", a}, {{"NO_COLOR", "1"}}), Not(HasSubstr("\x1b[")));
  EXPECT_THAT(run_on_terminal(1, {"cat", "--json", a}), Not(HasSubstr("\x1b[")));
  EXPECT_THAT(run_on_terminal(1, {"cat", "--color", "never", a}), Not(HasSubstr("\x1b[")));
}

TEST_F(CliTest, ImportProgressOnlyOnATerminal) {
  const fs::path log = root_ / "long.jsonl";
  std::string text;
  for (int i = 0; i < 5; ++i) text += read_bytes(kFixtures + "client-1.jsonl");
  write_bytes(log, text);
  const std::string shown =
      run_on_terminal(2, {"import-legacy", "--progress-delay", "0", log, "--out", root_ / "tty"});
  EXPECT_THAT(shown, HasSubstr("\r\x1b[Keventkit: " + log.string() + ": 256 lines"));
  EXPECT_THAT(shown, HasSubstr("\r\x1b[K"));
  const Result piped = run({"import-legacy", "--progress-delay", "0", log, "--out", root_ / "pipe"});
  EXPECT_EQ(piped.code, 0);
  EXPECT_EQ(piped.err, "");
  EXPECT_THAT(piped.out, HasSubstr("lines 365, mapped 210"));
}

TEST_F(CliTest, SameDirectoryNamesStayDistinct) {
  write_dir(root_ / "run1" / "client-1", sample_events(), "x");
  write_dir(root_ / "run2" / "client-1", sample_events(), "y");
  const std::string a = (root_ / "run1" / "client-1").string(), b = (root_ / "run2" / "client-1").string();
  const auto j = json_lines(run({"cat", "--json", a, b}).out);
  ASSERT_EQ(j.size(), 12u);
  EXPECT_EQ(j[0]["source"], a);
  EXPECT_EQ(j[11]["source"], b);
  EXPECT_EQ(json_lines(run({"cat", "--json", "--source", b, a, b}).out).size(), 6u);
}

TEST_F(CliTest, MissingPathIsIoError) {
  const Result r = run({"cat", (root_ / "nope").string()});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.err, "eventkit: error: " + (root_ / "nope").string() + ": no such file or directory\n");
  EXPECT_EQ(run({"stats", (root_ / "nope").string()}).code, 3);
  EXPECT_EQ(run({"verify", (root_ / "nope").string()}).code, 3);
  EXPECT_EQ(run({"tail", (root_ / "nope").string()}).code, 3);
  EXPECT_EQ(run({"import-legacy", (root_ / "nope.log").string(), "--out", (root_ / "o").string()}).code, 3);
  EXPECT_FALSE(fs::exists(root_ / "o"));
  EXPECT_EQ(run({"compare", "--legacy", (root_ / "nope.log").string(), "--events", (root_ / "o").string()}).code, 3);
}

TEST_F(CliTest, NotAnEventFile) {
  const fs::path text = root_ / "notes.txt";
  write_bytes(text, "hello\nworld\n");
  const fs::path a = make_run("client-1");
  const Result r = run({"cat", text, a});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(lines(r.out).size(), 6u);  // the good input is still printed
  EXPECT_EQ(r.err, "eventkit: error: " + text.string() + ": not an event file: no complete header record\n");
  const Result empty = run({"cat", "/dev/null"});
  EXPECT_NE(empty.code, 0);
}

TEST_F(CliTest, UnknownSchema) {
  const fs::path dir = root_ / "mini";
  {
    eventkit::FileBackendOptions o;
    o.dir = dir;
    eventkit::FileBackend<mini::events::Codec> backend(o);
    backend.emit(mini::events::Event{at(1), mini::events::Hello{.who = "x"}});
    backend.close();
  }
  const auto files = event_files(dir);
  ASSERT_EQ(files.size(), 1u);
  const Result r = run({"cat", files[0]});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("eventkit: error: " + files[0].string() + ": unknown schema: written with schema \"mini\", expected \"psyche\""));
  EXPECT_EQ(lines(r.err).size(), 1u);
  const Result v = run({"verify", dir});
  EXPECT_EQ(v.code, 1);
  EXPECT_THAT(v.out, HasSubstr(files[0].string() + ": unknown schema: written with schema \"mini\""));
  EXPECT_THAT(v.out, HasSubstr(": DAMAGED"));
}

// ---------------------------------------------------------------- stats
TEST_F(CliTest, Stats) {
  const fs::path a = make_run("client-1");
  const fs::path b = make_run("client-2", 10);
  const Result r = run({"stats", "--json", a, b});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["files"], 4);
  EXPECT_EQ(j["events"], 12);
  EXPECT_EQ(j["types"]["train::TrainingFinished"], 6);
  EXPECT_EQ(j["types"]["client::StateChanged"], 4);
  EXPECT_EQ(j["types"]["RunStarted"], 2);
  EXPECT_EQ(j["sources"]["client-2"], 6);
  EXPECT_EQ(j["first"], "2026-12-03T10:00:00.000000000Z");
  EXPECT_EQ(j["last"], "2026-12-03T10:00:15.000000000Z");
  EXPECT_DOUBLE_EQ(j["span_seconds"].get<double>(), 15.0);
  EXPECT_DOUBLE_EQ(j["events_per_second"].get<double>(), 0.8);
  EXPECT_EQ(j["corrupt_records"], 0);
  EXPECT_EQ(j["torn_tails"], 0);
  uint64_t bytes = 0;
  for (const auto& d : {a, b}) {
    for (const auto& f : event_files(d)) bytes += fs::file_size(f);
  }
  EXPECT_EQ(j["bytes"], bytes);

  const Result text = run({"stats", a});
  ASSERT_EQ(text.code, 0);
  EXPECT_THAT(text.out, HasSubstr("files:           2\n"));
  EXPECT_THAT(text.out, HasSubstr("events:          6\n"));
  EXPECT_THAT(text.out, HasSubstr("span:            5.000 s\n"));
  EXPECT_THAT(text.out, HasSubstr("train::TrainingFinished"));
}

// ---------------------------------------------------------------- verify
TEST_F(CliTest, VerifyCleanFiles) {
  const fs::path a = make_run("client-1");
  const Result r = run({"verify", a});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("verify: 2 file(s), 5 event(s), 0 corrupt record(s), 0 unreadable file(s), 0 torn tail(s): OK\n"));
  EXPECT_EQ(run({"verify", "--quiet", a}).out,
            "verify: 2 file(s), 5 event(s), 0 corrupt record(s), 0 unreadable file(s), 0 torn tail(s): OK\n");
}

TEST_F(CliTest, VerifyOfNothingFailsAndPointsAtSubdirectories) {
  make_run("client-1");
  const Result r = run({"verify", root_});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("its subdirectories client-1 hold event files"));
  EXPECT_THAT(r.out, HasSubstr("verify: no event files found: nothing was checked"));
  const Result cat = run({"cat", root_});
  EXPECT_THAT(cat.err, HasSubstr("its subdirectories client-1 hold event files"));
}

TEST_F(CliTest, VerifyReportsCorruptRecordWithOffset) {
  const fs::path a = make_run("client-1");
  const fs::path file = event_files(a)[0];
  std::string bytes = read_bytes(file);
  // Damage a byte inside the last frame; the frame starts after the
  // previous 0x00.
  const size_t target = bytes.size() - 4;
  const size_t frame_start = bytes.rfind('\0', bytes.size() - 2) + 1;
  ASSERT_LT(frame_start, target);
  bytes[target] = static_cast<char>(bytes[target] ^ 0x55) == 0 ? static_cast<char>(bytes[target] ^ 0xAA)
                                                              : static_cast<char>(bytes[target] ^ 0x55);
  write_bytes(file, bytes);
  const Result r = run({"verify", a});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr(file.string() + ":" + std::to_string(frame_start) + ": corrupt record ("));
  EXPECT_THAT(r.out, HasSubstr("1 corrupt record(s)"));
  EXPECT_THAT(r.out, HasSubstr(": DAMAGED\n"));
  // The reading commands still print the intact events and warn.
  const Result c = run({"cat", a});
  EXPECT_EQ(c.code, 0);
  EXPECT_EQ(lines(c.out).size(), 5u);
  EXPECT_THAT(c.err, HasSubstr("warning: " + file.string() + ": 1 corrupt record(s) skipped"));
  const Result s = run({"stats", "--json", a});
  EXPECT_EQ(nlohmann::json::parse(s.out)["corrupt_records"], 1);
}

TEST_F(CliTest, VerifyTornTailIsNotDamageUnlessStrict) {
  const fs::path a = make_run("client-1");
  const fs::path file = event_files(a)[1];
  const std::string bytes = read_bytes(file);
  write_bytes(file, bytes + std::string("\x07\x02\x41\x42", 4));
  const Result r = run({"verify", a});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr(file.string() + ":" + std::to_string(bytes.size()) +
                               ": torn tail (4 bytes): the writer stopped mid-record"));
  EXPECT_THAT(r.out, HasSubstr("1 torn tail(s): OK"));
  const Result strict = run({"verify", "--strict", a});
  EXPECT_EQ(strict.code, 1);
  EXPECT_THAT(strict.out, HasSubstr(": DAMAGED"));
  const Result s = run({"stats", "--json", a});
  EXPECT_EQ(nlohmann::json::parse(s.out)["torn_tails"], 1);
  EXPECT_EQ(nlohmann::json::parse(s.out)["torn_tail_bytes"], 4);
}

TEST_F(CliTest, VerifyNonEventFileInDirectory) {
  const fs::path a = make_run("client-1");
  const fs::path junk = a / "events-epoch-9-2026-12-03T11-00-00Z.evk";
  write_bytes(junk, std::string("garbage\0more", 12));
  const Result r = run({"verify", a});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr(junk.string() + ": not an event file: first frame is invalid"));
  EXPECT_THAT(r.out, HasSubstr("1 unreadable file(s)"));
  const Result c = run({"cat", a});
  EXPECT_EQ(c.code, 1);
  EXPECT_EQ(lines(c.out).size(), 6u);
}

// ---------------------------------------------------------------- import-legacy
TEST_F(CliTest, ImportLegacyAndReadBack) {
  const fs::path out = root_ / "imported";
  const Result r = run({"import-legacy", kFixtures + "client-1.jsonl", "--out", out, "--run-id", "r42"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, kFixtures + "client-1.jsonl: lines 73, mapped 42, skipped 31, rejected 0, joined 0\n" +
                       "wrote 42 event(s) to " + out.string() + " (3 file(s))\n");
  EXPECT_EQ(r.err, "");  // no progress line: stderr is not a terminal
  const Result c = run({"cat", "--json", out});
  ASSERT_EQ(c.code, 0) << c.err;
  const auto j = json_lines(c.out);
  ASSERT_EQ(j.size(), 43u);
  EXPECT_EQ(j[0]["variant"], "RunStarted");
  EXPECT_EQ(j[0]["data"]["run_id"], "r42");
  EXPECT_EQ(j[0]["data"]["node_id"], "client-1");
  EXPECT_EQ(j[0]["timestamp"], j[1]["timestamp"]);  // stamped with the first event's time
  EXPECT_EQ(run({"verify", out}).code, 0);
  // A second import into the same directory is refused.
  const Result again = run({"import-legacy", kFixtures + "client-1.jsonl", "--out", out});
  EXPECT_EQ(again.code, 2);
  EXPECT_THAT(again.err, HasSubstr("already holds event files"));
}

TEST_F(CliTest, ImportLegacyReportsRejections) {
  const fs::path log = root_ / "bad.log";
  std::string text = read_bytes(kFixtures + "client-1.jsonl");
  text += R"({"timestamp":"2026-12-03T16:13:00.000000Z","level":"INFO","message":"x","integration_test_log_marker":"state_change","old_state":"Warmup","new_state":"Warmup","epoch":"seven","step":1})";
  text += "\n";
  write_bytes(log, text);
  const fs::path out = root_ / "o";
  const Result r = run({"import-legacy", log, "-o", out, "--node-id", "n9"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("lines 74, mapped 42, skipped 31, rejected 1, joined 0"));
  EXPECT_THAT(r.err, HasSubstr(log.string() + ":74: rejected: state_change: field 'epoch'"));
  const Result strict = run({"import-legacy", "--strict", log, "-o", root_ / "o2"});
  EXPECT_EQ(strict.code, 1);
  // Several logs: per-log counts and a total.
  const Result two = run({"import-legacy", kFixtures + "client-1.jsonl", kFixtures + "client-3.json-file.log",
                          "-o", root_ / "o3"});
  EXPECT_EQ(two.code, 0) << two.err;
  EXPECT_THAT(two.out, HasSubstr("total: lines 125, mapped 76"));
}

TEST_F(CliTest, ImportLegacyUnwritableOut) {
  const fs::path file = root_ / "plain";
  write_bytes(file, "x");
  const Result r = run({"import-legacy", kFixtures + "client-1.jsonl", "--out", (file / "sub").string()});
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, StartsWith("eventkit: error: " + (file / "sub").string() + ": "));
  const Result r2 = run({"import-legacy", kFixtures + "client-1.jsonl", "--out", file.string()});
  EXPECT_EQ(r2.code, 3);
  EXPECT_THAT(r2.err, HasSubstr("--out exists and is not a directory"));
}

TEST_F(CliTest, TextOutputKeepsOneLinePerEvent) {
  const fs::path dir = root_ / "ctl";
  using namespace psyche::events;
  write_dir(dir, {Event{at(1), client::Warning{.message = "two\nlines \x1b[31mred"}}}, "n");
  const Result r = run({"cat", "--type", "warning", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(lines(r.out).size(), 1u) << r.out;
  EXPECT_THAT(r.out, HasSubstr("two\\nlines \\x1b[31mred"));
  const auto j = json_lines(run({"cat", "--json", "--type", "warning", dir}).out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["data"]["message"], "two\nlines \x1b[31mred");
}

// ---------------------------------------------------------------- compare
TEST_F(CliTest, CompareAgreesAndDisagrees) {
  const fs::path out = root_ / "c1";
  ASSERT_EQ(run({"import-legacy", kFixtures + "client-1.json-file.log", "--out", out}).code, 0);
  // The same run in another line form agrees with the imported files.
  const Result agree = run({"compare", "--legacy", kFixtures + "client-1.docker-logs-timestamps.txt", "--events", out});
  EXPECT_EQ(agree.code, 0) << agree.out << agree.err;
  EXPECT_THAT(agree.out, HasSubstr("AGREE"));
  const Result disagree = run({"compare", "--legacy", kFixtures + "client-3.jsonl", "--events", out});
  EXPECT_EQ(disagree.code, 1);
  EXPECT_THAT(disagree.out, HasSubstr("DISAGREE"));
  // Events written directly (no legacy import) against an empty legacy log.
  const fs::path empty = root_ / "empty.log";
  write_bytes(empty, "");
  const Result d2 = run({"compare", "--legacy", empty, "--events", make_run("client-9")});
  EXPECT_EQ(d2.code, 1);
  EXPECT_THAT(d2.out, HasSubstr("file only"));
}

// ---------------------------------------------------------------- types
TEST_F(CliTest, Types) {
  const Result r = run({"types"});
  EXPECT_EQ(r.code, 0);
  const auto l = lines(r.out);
  EXPECT_THAT(l, ::testing::Contains("train::TrainingFinished"));
  EXPECT_THAT(l, ::testing::Contains("RunStarted"));
  EXPECT_EQ(l.size(), psyche::events::all_variants().size());
}

// ---------------------------------------------------------------- tail
TEST_F(CliTest, TailWithoutFollowPrintsExistingMerged) {
  const fs::path a = make_run("client-1", 0);
  const fs::path b = make_run("client-2", 0);
  const Result r = run({"tail", "--json", a, b});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = json_lines(r.out);
  ASSERT_EQ(j.size(), 12u);
  for (size_t i = 1; i < j.size(); ++i) EXPECT_LE(j[i - 1]["timestamp"], j[i]["timestamp"]);
  const auto last2 = json_lines(run({"tail", "--json", "-n", "2", a, b}).out);
  ASSERT_EQ(last2.size(), 2u);
  EXPECT_EQ(last2[1]["timestamp"], "2026-12-03T10:00:05.000000000Z");
  // tail reads directories only.
  const Result file = run({"tail", event_files(a)[0]});
  EXPECT_EQ(file.code, 2);
  EXPECT_THAT(file.err, HasSubstr("not a directory"));
}

TEST_F(CliTest, TailFollowsAcrossRotationAndStopsOnSignal) {
  for (int sig : {SIGTERM, SIGINT}) {
    const fs::path a = root_ / ("a" + std::to_string(sig));
    const fs::path b = root_ / ("b" + std::to_string(sig));  // does not exist yet
    write_dir(a, {sample_events()[0]}, "node-a");
    Child tail({"tail", "-f", "--poll-ms", "20", "--json", a, b});
    ASSERT_TRUE(tail.read_until("StateChanged", 20s)) << tail.out() << tail.err();
    EXPECT_THAT(tail.err(), HasSubstr("no such directory yet"));

    eventkit::FileBackendOptions o;
    o.dir = a;
    o.flush = eventkit::FlushPolicy::kEveryEvent;
    eventkit::FileBackend<psyche::events::Codec> wa(o, run_started("node-a"));
    o.dir = b;
    eventkit::FileBackend<psyche::events::Codec> wb(o, run_started("node-b"));
    using namespace psyche::events;
    wa.emit(Event{at(10), train::TrainingFinished{.batch_id = {7, 7}, .step = 70}});
    ASSERT_TRUE(tail.read_until("\"step\":70", 20s)) << tail.out();
    // Epoch 5 rotates: the next event lands in a new file.
    wa.emit(Event{at(11), client::StateChanged{RunState::Warmup, RunState::RoundTrain, 5, 71}});
    wa.emit(Event{at(12), train::TrainingFinished{.batch_id = {8, 8}, .step = 72}});
    wb.emit(Event{at(13), train::TrainingFinished{.batch_id = {9, 9}, .step = 73}});
    wa.flush();
    wb.flush();
    ASSERT_TRUE(tail.read_until("\"step\":72", 20s)) << tail.out();
    ASSERT_TRUE(tail.read_until("\"step\":73", 20s)) << tail.out();
    EXPECT_GE(event_files(a).size(), 2u);

    tail.signal(sig);
    const int code = tail.wait(10s);
    EXPECT_EQ(code, 0) << "signal " << sig << ": " << tail.err();
    std::map<std::string, int> per_source;
    for (const auto& j : json_lines(tail.out())) ++per_source[j["source"].get<std::string>()];
    EXPECT_EQ(per_source[a.filename().string()], 5);  // run context, 4 events
    EXPECT_EQ(per_source[b.filename().string()], 2);  // run context, 1 event
    wa.close();
    wb.close();
  }
}

TEST_F(CliTest, TailFollowReportsBadFiles) {
  const fs::path a = make_run("client-1");
  Child tail({"tail", "-f", "--poll-ms", "20", a});
  ASSERT_TRUE(tail.read_until("TrainingFinished", 20s)) << tail.err();
  write_bytes(a / "events-epoch-9-2026-12-03T11-00-00Z.evk", std::string("junk\0", 5));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (tail.err().find("not an event file") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    tail.read_until("never printed", 200ms);
  }
  EXPECT_THAT(tail.err(), HasSubstr("eventkit: error: source client-1: " +
                                    (a / "events-epoch-9-2026-12-03T11-00-00Z.evk").string() +
                                    ": not an event file"));
  tail.signal(SIGINT);
  EXPECT_EQ(tail.wait(10s), 0);
}

}  // namespace
