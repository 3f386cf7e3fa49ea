// The main job: a simulated 3-client psyche run, read live with EventReader,
// with one client SIGKILLed mid-epoch and restarted. Prints a summary that
// answers the migration plan's open questions by measurement.
//
//   bazel run //tools/sim:demo -- [--clients N] [--epochs N] [--out DIR] ...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "runtime/reader.h"
#include "tools/sim/harness.h"

namespace ev = psyche::events;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  eventkit::sim::RunConfig config;
  std::string out;
  int kill_client = 2;  // 1-based; 0 = nobody
  bool keep = false;
  CLI::App app{"Simulated psyche run: N client processes write events; EventReader follows them live.", "demo"};
  app.option_defaults()->always_capture_default();
  app.add_option("--clients", config.clients, "client processes")->check(CLI::Range(1, 64));
  app.add_option("--epochs", config.epochs, "epochs")->check(CLI::Range(1, 1000));
  app.add_option("--steps", config.steps_per_epoch, "training steps per epoch")->check(CLI::Range(1, 100000));
  app.add_option("--seed", config.seed, "random seed");
  app.add_option("--step-ms", config.step_ms, "wall time per step, ms")->check(CLI::Range(0, 10000));
  app.add_option("--kill", kill_client, "client (1-based) to SIGKILL mid-epoch 1 and restart; 0 = none");
  app.add_option("--out", out, "run directory (default: a new temporary directory)");
  app.add_flag("--dual", config.dual, "clients also print legacy marker lines (dual mode)");
  app.add_flag("--keep", keep, "keep the run directory (always kept with --out)");
  CLI11_PARSE(app, argc, argv);
  if (kill_client > config.clients) {
    std::fprintf(stderr, "demo: --kill %d but only %d clients\n", kill_client, config.clients);
    return 2;
  }
  if (kill_client && config.epochs < 2) {
    std::fprintf(stderr, "demo: --kill needs at least 2 epochs (the client is killed in epoch 1)\n");
    return 2;
  }
  if (out.empty()) {
    char tmpl[] = "/tmp/eventkit-sim-XXXXXX";
    out = ::mkdtemp(tmpl);
  } else {
    keep = true;
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
      std::fprintf(stderr, "demo: %s exists and is not empty; choose a new --out directory\n", out.c_str());
      return 2;
    }
  }
  config.root = out;
  config.client_binary = eventkit::sim::default_client_binary();
  config.reader.poll_interval = 100ms;

  fmt::print("eventkit demo: {} clients x {} epochs x {} steps, seed {}, run dir {}\n", config.clients, config.epochs,
             config.steps_per_epoch, config.seed, out);
  eventkit::sim::Harness run(config);
  auto& reader = run.reader();
  const auto started = std::chrono::steady_clock::now();
  const int victim = kill_client - 1;
  const uint64_t kill_step = config.steps_per_epoch + (config.steps_per_epoch + 1) / 2;  // mid-epoch 1
  bool killed = false, restarted = false;
  if (victim >= 0) {
    // Every client holds at the kill step, so the kill lands mid-epoch 1
    // however loaded the machine is; then the survivors go on.
    run.start_all({"--hold-at-step", std::to_string(kill_step)});
    std::vector<int> all(static_cast<size_t>(config.clients));
    std::iota(all.begin(), all.end(), 0);
    if (!run.wait_held(all, 60s)) {
      std::fprintf(stderr, "demo: clients did not reach step %llu within 60 s\n", static_cast<unsigned long long>(kill_step));
      return 1;
    }
    run.kill(victim);
    killed = true;
    fmt::print("  killed {} (SIGKILL) at step {} (mid-epoch 1)\n", run.id(victim), kill_step);
    run.release();
  } else {
    run.start_all();
  }
  std::vector<double> latency_ms;
  std::map<std::string, uint64_t> delivered;
  std::map<std::string, std::map<uint64_t, std::vector<double>>> loss;  // client → epoch → losses
  std::vector<std::string> health;
  uint64_t untrained = 0;
  int quiet = 0;
  for (;;) {
    auto item = reader.recv(100ms);
    if (!item) {
      run.reap();
      // Done when every client has exited and the reader stays quiet.
      if (run.running_count() == 0 && (!kill_client || restarted) && ++quiet >= 5) break;
      continue;
    }
    quiet = 0;
    latency_ms.push_back(std::chrono::duration<double, std::milli>(item->received - item->event.timestamp).count());
    ++delivered[item->source];
    const auto& data = item->event.data;
    if (const auto* l = ev::get_if<ev::train::LossComputed>(data); l && l->loss) loss[l->client_id][l->epoch].push_back(*l->loss);
    if (const auto* h = ev::get_if<ev::client::HealthCheckFailed>(data)) {
      health.push_back(fmt::format("{} saw {} (peer index {}) fail its health check at step {}", item->source,
                                   run.id(static_cast<int>(h->index)), h->index, h->round));
    }
    untrained += ev::holds<ev::train::UntrainedBatchWarning>(data);
    // Restart the victim once a survivor has noticed it is gone.
    if (killed && !restarted && ev::holds<ev::train::UntrainedBatchWarning>(data)) {
      run.start(victim, {"--start-epoch", "2"});
      restarted = true;
      fmt::print("  restarted {} (rejoins at epoch 2)\n", run.id(victim));
    }
  }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // ---- Summary, measured from the files themselves --------------------------
  size_t contexts = 0;
  for (const auto& item : reader.history()) contexts += ev::holds<ev::RunStarted>(item.event.data);
  fmt::print("\nRun finished in {:.2f} s; {} events delivered live ({} events + {} run contexts from file headers).\n",
             wall_s, reader.size(), reader.size() - contexts, contexts);
  fmt::print("\nThe migration plan's open questions, answered by measurement:\n");
  fmt::print("\n1. Event volume, per client and epoch file (an epoch's file ends with the\n"
             "   StateChanged that starts the next epoch):\n");
  fmt::print("  {:<10} {:>5} {:>8} {:>10} {:>10} {:>8}  {}\n", "client", "epoch", "events", "bytes", "B/event", "torn", "file");
  uint64_t total_files = 0, total_bytes = 0, total_events = 0, corrupt = 0;
  std::vector<eventkit::FileStats> victim_files;
  for (int i = 0; i < config.clients; ++i) {
    const auto dir = eventkit::read_directory<ev::Codec>(run.events_dir(i));
    if (dir.error) {
      fmt::print("  {}: {}\n", run.id(i), dir.error->message);
      continue;
    }
    for (const auto& f : dir.files) {
      fmt::print("  {:<10} {:>5} {:>8} {:>10} {:>10.1f} {:>8}  {}\n", run.id(i), f.header.epoch, f.events, f.file_bytes,
                 f.events ? static_cast<double>(f.file_bytes) / static_cast<double>(f.events) : 0.0,
                 f.torn_tail ? std::to_string(f.torn_tail_bytes) + " B" : "-", f.path.filename().string());
      ++total_files;
      total_bytes += f.file_bytes;
      total_events += f.events;
      corrupt += f.corrupt.size();
      if (i == victim) victim_files.push_back(f);
    }
    for (const auto& e : dir.file_errors) fmt::print("  {}: {}\n", run.id(i), e.message);
  }
  fmt::print("  total: {} files, {} events, {} bytes ({:.1f} B/event), {} corrupt records\n", total_files, total_events,
             total_bytes, total_events ? static_cast<double>(total_bytes) / static_cast<double>(total_events) : 0.0, corrupt);

  fmt::print("\n2. File watching latency, emit() -> EventReader delivery, over {} events:\n", latency_ms.size());
  fmt::print("  p50 {:.3f} ms   p90 {:.3f} ms   p99 {:.3f} ms   max {:.3f} ms   (inotify {})\n", percentile(latency_ms, 50),
             percentile(latency_ms, 90), percentile(latency_ms, 99), percentile(latency_ms, 100),
             reader.inotify_active() ? "on" : "off");
  fmt::print("\n3. Timestamp precision: every event carries UTC nanoseconds, e.g. {}\n",
             reader.history().empty() ? "-" : eventkit::gen::format_timestamp(reader.history().back().event.timestamp));
  fmt::print("\n4. Several containers: one events directory per client (a bind mount each): {}\n",
             (config.root / "client-N-events").string());

  if (victim >= 0) {
    fmt::print("\nKilled client {}: {} files; what its files hold after SIGKILL:\n", run.id(victim), victim_files.size());
    for (const auto& f : victim_files) {
      const auto content = eventkit::read_file<ev::Codec>(f.path);
      const std::string last = content.events.empty() ? "-"
                                                      : ev::qualified_name(content.events.back().data) + " (" +
                                                            ev::display(content.events.back().data) + ")";
      fmt::print("  epoch {}: {} events recovered, torn tail {}, corrupt {}; last event: {}\n", f.header.epoch,
                 f.events, f.torn_tail ? std::to_string(f.torn_tail_bytes) + " bytes" : "none", f.corrupt.size(), last);
    }
    fmt::print("  survivors reported: {} failed health check(s), {} untrained batch warning(s)\n", health.size(), untrained);
    for (const auto& h : health) fmt::print("    {}\n", h);
  }

  fmt::print("\nLoss by epoch (mean over steps), should trend down:\n");
  for (const auto& [client, epochs] : loss) {
    std::string line;
    for (const auto& [epoch, values] : epochs) {
      line += fmt::format("  e{}={:.3f}", epoch, std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size()));
    }
    fmt::print("  {:<10}{}\n", client, line);
  }
  const bool ok = run.clean_so_far() && corrupt == 0 && (victim < 0 || (!health.empty() && untrained > 0));
  if (!run.clean_so_far()) fmt::print("a client exited with an error (see its stderr above)\n");
  fmt::print("\n{}\n", ok ? "OK: all events accounted for." : "PROBLEM: see above.");
  if (!keep) {
    fs::remove_all(out);
    fmt::print("Run directory removed (keep it with --keep or --out DIR, then look inside with\n"
               "  bazel run //tools/cli:eventkit -- stats DIR/*-events).\n");
  } else {
    fmt::print("Run directory kept: {}\n  look inside: bazel run //tools/cli:eventkit -- stats {}/*-events\n", out, out);
  }
  return ok ? 0 : 1;
}
