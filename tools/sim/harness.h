// The simulation harness: starts N simulated psyche clients as separate
// processes, each writing its own events directory (as Docker bind mounts
// would), can SIGKILL and restart one, and reads them all with EventReader.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/event_reader.h"
#include "schema/psyche_events.h"

namespace eventkit::sim {

struct RunConfig {
  std::filesystem::path root;      // run directory: <root>/client-N-events, <root>/members
  std::filesystem::path client_binary;  // tools/sim/client_sim
  int clients = 3;
  uint64_t epochs = 3;
  uint64_t steps_per_epoch = 8;
  uint64_t seed = 1;
  int step_ms = 5;
  bool dual = false;  // clients also print legacy marker lines (to <root>/client-N.log)
  EventReaderOptions reader{};
};

class Harness {
 public:
  using Reader = EventReader<psyche::events::Codec>;

  explicit Harness(RunConfig config);
  ~Harness();  // SIGKILLs clients still running
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Client i (0-based) is "client-<i+1>".
  std::string id(int i) const { return "client-" + std::to_string(i + 1); }
  std::filesystem::path events_dir(int i) const { return config_.root / (id(i) + "-events"); }
  std::filesystem::path log_path(int i) const { return config_.root / (id(i) + ".log"); }
  std::filesystem::path members_dir() const { return config_.root / "members"; }
  const RunConfig& config() const { return config_; }

  // Starts client i; `extra` are more client_sim arguments.
  void start(int i, const std::vector<std::string>& extra = {});
  void start_all(const std::vector<std::string>& extra = {});
  // With clients started with --hold-at-step: waits until each of `clients`
  // is held there (false after `timeout`), and releases them all.
  bool wait_held(const std::vector<int>& clients, std::chrono::milliseconds timeout);
  void release();
  // SIGKILL, then remove its membership (the coordinator noticing).
  void kill(int i);
  // Waits for client i to exit; returns its wait status.
  int wait(int i);
  bool all_exited_cleanly();  // waits for all; true when each exited 0
  // Collects clients that have exited, without blocking.
  void reap();
  bool running(int i) const { return pids_.count(i) != 0; }
  size_t running_count() const { return pids_.size(); }
  // False once any client (not killed by the harness) exited non-zero.
  bool clean_so_far() const { return clean_; }

  Reader& reader() { return reader_; }

 private:
  RunConfig config_;
  std::map<int, pid_t> pids_;
  bool clean_ = true;
  Reader reader_;
};

// Locates client_sim next to the running executable (bazel-bin/tools/sim/),
// or in a test's runfiles.
std::filesystem::path default_client_binary();

}  // namespace eventkit::sim
