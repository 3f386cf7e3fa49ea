#include "tools/sim/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>
#include <stdexcept>

extern char** environ;

namespace eventkit::sim {

namespace fs = std::filesystem;

Harness::Harness(RunConfig config) : config_(std::move(config)), reader_(config_.reader) {
  fs::create_directories(config_.root);
  fs::create_directories(members_dir());
  for (int i = 0; i < config_.clients; ++i) reader_.watch(id(i), events_dir(i));
}

Harness::~Harness() {
  for (auto [i, pid] : pids_) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  reader_.stop();
}

void Harness::start(int i, const std::vector<std::string>& extra) {
  if (running(i)) throw std::logic_error(id(i) + " is already running");
  std::string peers;
  for (int p = 0; p < config_.clients; ++p) peers += (p ? "," : "") + id(p);
  std::vector<std::string> args = {config_.client_binary.string(),
                                   "--events-dir", events_dir(i).string(),
                                   "--members-dir", members_dir().string(),
                                   "--client-id", id(i),
                                   "--peers", peers,
                                   "--epochs", std::to_string(config_.epochs),
                                   "--steps-per-epoch", std::to_string(config_.steps_per_epoch),
                                   "--seed", std::to_string(config_.seed),
                                   "--step-ms", std::to_string(config_.step_ms)};
  if (config_.dual) args.push_back("--dual");
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Like `docker logs`: the client's stdout (legacy lines in dual mode) is kept.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path(i).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + config_.client_binary.string() + ": " + std::strerror(rc));
  pids_[i] = pid;
}

void Harness::start_all(const std::vector<std::string>& extra) {
  for (int i = 0; i < config_.clients; ++i) start(i, extra);
}

bool Harness::wait_held(const std::vector<int>& clients, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::error_code ec;
  for (int i : clients) {
    while (!fs::exists(members_dir() / (id(i) + ".held"), ec)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

void Harness::release() { std::ofstream(members_dir() / "release") << "go\n"; }

void Harness::kill(int i) {
  auto it = pids_.find(i);
  if (it == pids_.end()) return;
  ::kill(it->second, SIGKILL);
  ::waitpid(it->second, nullptr, 0);
  pids_.erase(it);
  std::error_code ec;
  fs::remove(members_dir() / id(i), ec);
}

int Harness::wait(int i) {
  auto it = pids_.find(i);
  if (it == pids_.end()) return -1;
  int status = 0;
  ::waitpid(it->second, &status, 0);
  pids_.erase(it);
  clean_ = clean_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return status;
}

void Harness::reap() {
  for (auto it = pids_.begin(); it != pids_.end();) {
    int status = 0;
    if (::waitpid(it->second, &status, WNOHANG) == it->second) {
      clean_ = clean_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      it = pids_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Harness::all_exited_cleanly() {
  while (!pids_.empty()) wait(pids_.begin()->first);
  return clean_;
}

fs::path default_client_binary() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate : {self.parent_path() / "client_sim", fs::path("tools/sim/client_sim")}) {
    if (fs::exists(candidate, ec)) return fs::absolute(candidate, ec);
  }
  return "tools/sim/client_sim";
}

}  // namespace eventkit::sim
