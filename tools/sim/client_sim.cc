// A simulated psyche client: walks the run-state machine and emits the
// events a real client emits, through the toolkit (EVENT + FileBackend), into
// its own events directory — as a container with a bind-mounted
// /data/events would. Deterministic for a given seed (event sequence and
// values; only health checks depend on when a peer disappears).
//
// Membership: the client announces itself by creating MEMBERS/<client-id>;
// on a clean exit it renames it to <client-id>.left. The harness removes it
// when it kills the client (the coordinator noticing the disconnect). A peer
// seen alive that vanishes without leaving is reported with
// HealthCheckFailed and UntrainedBatchWarning.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "runtime/file_backend.h"
#include "runtime/line_backend.h"
#include "runtime/store.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"

namespace ev = psyche::events;
namespace fs = std::filesystem;

namespace {

struct Config {
  std::string events_dir;
  std::string members_dir;
  std::string client_id = "client-1";
  std::vector<std::string> peers;  // every client id of the run, including this one
  uint64_t epochs = 3;
  uint64_t steps_per_epoch = 8;
  uint64_t start_epoch = 0;        // a client that rejoins starts later
  uint64_t seed = 1;
  int step_ms = 5;
  uint64_t pause_at_step = 0;      // global step; 0 = never
  uint64_t hold_at_step = 0;       // wait at this global step for MEMBERS/release; 0 = never
  int pause_ms = 50;
  bool exit_in_warmup = false;     // leave during warmup (clean exit)
  bool dual = false;               // also print legacy marker lines to stdout
  std::string run_id = "sim-run";
};

class Client {
 public:
  explicit Client(const Config& c)
      : c_(c), rng_(c.seed * 1000003 + std::hash<std::string>{}(c.client_id)),
        epoch_(c.start_epoch), step_(c.start_epoch * c.steps_per_epoch) {}

  int run() {
    join();
    state(ev::RunState::WaitingForMembers, step_);
    for (uint64_t epoch = c_.start_epoch; epoch < c_.epochs; ++epoch) {
      if (epoch > c_.start_epoch) {
        // Cooldown → WaitingForMembers of the next epoch: the event that
        // raises the epoch, and so the last record of the epoch's file.
        epoch_ = epoch;
        state(ev::RunState::WaitingForMembers, step_);
      }
      warmup();
      if (c_.exit_in_warmup) return leave();
      for (uint64_t s = 1; s <= c_.steps_per_epoch; ++s) train_step(s);
      cooldown();
    }
    state(ev::RunState::Finished, step_);
    return leave();
  }

 private:
  void join() {
    fs::create_directories(c_.members_dir);
    std::error_code ec;
    fs::remove(fs::path(c_.members_dir) / (c_.client_id + ".left"), ec);  // rejoining
    std::ofstream(fs::path(c_.members_dir) / c_.client_id) << ::getpid() << "\n";
  }
  int leave() {
    const fs::path me = fs::path(c_.members_dir) / c_.client_id;
    std::error_code ec;
    fs::rename(me, fs::path(me) += ".left", ec);
    return 0;
  }

  void state(ev::RunState next, uint64_t step) {
    EVENT(ev::client::StateChanged{.old_state = state_, .new_state = next, .epoch = epoch_, .step = step});
    state_ = next;
  }

  void warmup() {
    state(ev::RunState::Warmup, 0);
    EVENT(ev::warmup::ModelLoadStarted{});
    EVENT(ev::warmup::CheckpointDownloadStarted{.size_bytes = 20'000'000});
    for (uint64_t b = 5'000'000; b <= 20'000'000; b += 5'000'000) {
      EVENT(ev::warmup::CheckpointDownloadProgress{.bytes_downloaded = b});
    }
    EVENT(ev::warmup::CheckpointDownloadComplete{.result = {}});
    EVENT(ev::warmup::ModelLoadComplete{.checkpoint = epoch_ == 0 ? "emozilla/llama2-20m-init"
                                                                  : "P2P(epoch " + std::to_string(epoch_) + ")"});
    sleep();
  }

  void train_step(uint64_t s) {
    if (c_.hold_at_step && step_ + 1 == c_.hold_at_step) hold();
    ++step_;
    if (c_.pause_at_step && step_ == c_.pause_at_step) {
      state(ev::RunState::Paused, step_);
      std::this_thread::sleep_for(std::chrono::milliseconds(c_.pause_ms));
    }
    state(ev::RunState::RoundTrain, step_);
    const uint64_t index = my_index();
    const uint64_t n = std::max<size_t>(c_.peers.size(), 1);
    const ev::BatchId batch{.start = (step_ * n + index) * 8, .end = (step_ * n + index) * 8 + 7};
    EVENT(ev::train::BatchAssigned{.batch_id = batch});
    EVENT(ev::train::BatchDataDownloadStart{});
    EVENT(ev::train::BatchDataDownloadComplete{.result = {}});
    EVENT(ev::train::TrainingStarted{.batch_id = batch});
    const double loss = loss_at(s);
    EVENT(ev::train::TrainingFinished{.batch_id = batch, .step = step_, .loss = loss});
    EVENT(ev::train::LossComputed{.client_id = c_.client_id, .epoch = epoch_, .step = step_, .loss = loss});
    ev::BlobHash blob{};
    for (auto& b : blob.bytes) b = static_cast<uint8_t>(rng_());
    EVENT(ev::p2p::BlobAddedToStore{.blob = blob, .model_parameter = "model.layers." + std::to_string(s % 4)});
    EVENT(ev::p2p::GossipTrainingResultSent{});
    check_peers();
    state(ev::RunState::RoundWitness, step_);
    const uint64_t position = (step_ + index) % n;
    EVENT(ev::train::WitnessElected{.client_id = c_.client_id, .step = step_, .round = s - 1, .epoch = epoch_,
                                    .index = index, .committee_position = position, .is_witness = position == 0});
    EVENT(ev::train::ApplyDistroResultsStart{});
    EVENT(ev::train::ApplyDistroResultsComplete{.result = {}});
    if (s % 4 == 0) snapshot();
    sleep();
  }

  // A barrier the harness controls, so chaos tests act at an exact step
  // whatever the machine's load: announce MEMBERS/<id>.held, wait for
  // MEMBERS/release.
  // While held, keep noting who is alive: every peer has joined by the time
  // the harness releases (it waits for all of them to be held), so a peer
  // killed meanwhile is known to have been alive, however slowly it started.
  void hold() {
    const fs::path members(c_.members_dir);
    std::ofstream(members / (c_.client_id + ".held")) << step_ + 1 << "\n";
    std::error_code ec;
    while (!fs::exists(members / "release", ec)) {
      note_live_peers();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::set<std::string> note_live_peers() {
    std::set<std::string> live;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(c_.members_dir, ec)) live.insert(entry.path().filename().string());
    for (const auto& peer : c_.peers) {
      if (live.count(peer)) seen_alive_.insert(peer);
    }
    return live;
  }

  void cooldown() {
    state(ev::RunState::Cooldown, step_);
    EVENT(ev::cooldown::ModelSerializationStarted{});
    EVENT(ev::cooldown::ModelSerializationFinished{.success = true, .error_string = std::nullopt});
    EVENT(ev::cooldown::CheckpointWriteStarted{});
    EVENT(ev::cooldown::CheckpointWriteFinished{.success = true, .error_string = std::nullopt});
    sleep();
  }

  // Loss trends down with the global step; per-client noise from the seed.
  double loss_at(uint64_t s) {
    const double progress = static_cast<double>(epoch_ * c_.steps_per_epoch + s) / static_cast<double>(c_.steps_per_epoch);
    std::normal_distribution<double> noise(0.0, 0.05);
    return 2.0 + 8.0 * std::exp(-0.7 * progress) + noise(rng_);
  }

  void check_peers() {
    const std::set<std::string> live = note_live_peers();
    for (size_t i = 0; i < c_.peers.size(); ++i) {
      const auto& peer = c_.peers[i];
      if (peer == c_.client_id) continue;
      if (live.count(peer)) {
        reported_.erase(peer);  // rejoined: report it again if it vanishes again
        continue;
      }
      // Not there: not joined yet, or left cleanly, are no failures.
      if (!seen_alive_.count(peer) || live.count(peer + ".left")) continue;
      if (!reported_.insert(peer).second) continue;
      EVENT(ev::client::HealthCheckFailed{.index = i, .round = step_});
      const uint64_t n = c_.peers.size();
      EVENT(ev::train::UntrainedBatchWarning{.batch_id = {.start = (step_ * n + i) * 8, .end = (step_ * n + i) * 8 + 7},
                                             .expected_trainer = peer});
    }
  }

  void snapshot() {
    EVENT(ev::ResourceSnapshot{.gpu_mem_used_bytes = std::nullopt, .gpu_utilization_percent = std::nullopt,
                               .cpu_mem_used_bytes = 1'000'000'000 + rng_() % 1000, .cpu_utilization_percent = 42.5f,
                               .network_bytes_sent_total = step_ * 1'000'000, .network_bytes_recv_total = step_ * 900'000,
                               .disk_space_available_bytes = 50'000'000'000});
  }

  uint64_t my_index() const {
    auto it = std::find(c_.peers.begin(), c_.peers.end(), c_.client_id);
    return it == c_.peers.end() ? 0 : static_cast<uint64_t>(it - c_.peers.begin());
  }
  void sleep() const { std::this_thread::sleep_for(std::chrono::milliseconds(c_.step_ms)); }

  const Config& c_;
  std::mt19937_64 rng_;
  ev::RunState state_ = ev::RunState::Uninitialized;
  uint64_t epoch_;
  uint64_t step_;  // global step
  std::set<std::string> seen_alive_;
  std::set<std::string> reported_;
};

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"Simulated psyche client: emits the events of a training run into an events directory."};
  app.add_option("--events-dir", c.events_dir, "events directory (the container's /data/events)")->required();
  app.add_option("--members-dir", c.members_dir, "membership directory shared by the run's clients")->required();
  app.add_option("--client-id", c.client_id, "this client's id");
  app.add_option("--peers", c.peers, "every client id of the run, in index order")->delimiter(',');
  app.add_option("--epochs", c.epochs, "epochs to run");
  app.add_option("--steps-per-epoch", c.steps_per_epoch, "training steps per epoch");
  app.add_option("--start-epoch", c.start_epoch, "first epoch (a client that rejoins)");
  app.add_option("--seed", c.seed, "random seed");
  app.add_option("--step-ms", c.step_ms, "wall time per step, ms");
  app.add_option("--pause-at-step", c.pause_at_step, "pause before this global step (0 = never)");
  app.add_option("--pause-ms", c.pause_ms, "pause length, ms");
  app.add_option("--hold-at-step", c.hold_at_step, "before this global step, wait for MEMBERS/release (0 = never)");
  app.add_flag("--exit-in-warmup", c.exit_in_warmup, "leave the run during warmup");
  app.add_flag("--dual", c.dual, "also print legacy log-marker lines on stdout (dual mode)");
  app.add_option("--run-id", c.run_id, "run id");
  CLI11_PARSE(app, argc, argv);
  if (c.peers.empty()) c.peers = {c.client_id};

  eventkit::FileBackendOptions options;
  options.dir = c.events_dir;
  options.initial_epoch = c.start_epoch;
  options.flush = eventkit::FlushPolicy::kWhenIdle;
  auto& store = eventkit::global_store<ev::Codec>();
  std::vector<eventkit::EventStore<ev::Codec>::BackendPtr> backends;
  backends.push_back(std::make_unique<eventkit::FileBackend<ev::Codec>>(
      options, ev::Event{eventkit::now(), ev::RunStarted{.run_id = c.run_id, .node_id = c.client_id,
                                                         .config = "{\"epochs\":" + std::to_string(c.epochs) + "}",
                                                         .psyche_version = "sim-0.1"}}));
  if (c.dual) backends.push_back(std::make_unique<eventkit::LineBackend<ev::Event>>(&ev::to_legacy_line, STDOUT_FILENO));
  store.init(std::move(backends));
  const int status = Client(c).run();
  store.flush();
  std::string error;
  store.with_backend<eventkit::FileBackend<ev::Codec>>([&](auto& b) { error = b.status().last_error; });
  store.shutdown();
  if (!error.empty()) {
    std::fprintf(stderr, "client_sim %s: events were not all written: %s\n", c.client_id.c_str(), error.c_str());
    return 1;
  }
  return status;
}
