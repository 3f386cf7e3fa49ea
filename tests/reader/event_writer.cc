// A real writer process for the EventReader tests: emits psyche events
// through EventStore + FileBackend into an events directory, as a psyche
// client in a container would. Each TrainingFinished carries its sequence
// number as `step`, so tests can check order and completeness.
//
// event_writer --dir D --count N [--start S] [--rotate-every K]
//              [--big-every M --big-bytes B] [--interval-us U]
//              [--keep-files K] [--node NAME] [--torn-then-kill]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>

#include "runtime/file_backend.h"
#include "runtime/framing.h"
#include "runtime/store.h"
#include "schema/psyche_events.h"

namespace ev = psyche::events;

int main(int argc, char** argv) {
  std::string dir, node = "node";
  uint64_t count = 0, start = 0, rotate_every = 0, big_every = 0, big_bytes = 0, interval_us = 0, keep = 0;
  bool torn_then_kill = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "event_writer: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") dir = next();
    else if (a == "--count") count = std::stoull(next());
    else if (a == "--start") start = std::stoull(next());
    else if (a == "--rotate-every") rotate_every = std::stoull(next());
    else if (a == "--big-every") big_every = std::stoull(next());
    else if (a == "--big-bytes") big_bytes = std::stoull(next());
    else if (a == "--interval-us") interval_us = std::stoull(next());
    else if (a == "--keep-files") keep = std::stoull(next());
    else if (a == "--node") node = next();
    else if (a == "--torn-then-kill") torn_then_kill = true;
    else {
      std::fprintf(stderr, "event_writer: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: event_writer --dir D --count N [options]\n");
    return 2;
  }
  eventkit::FileBackendOptions options;
  options.dir = dir;
  options.flush = eventkit::FlushPolicy::kEveryEvent;
  options.keep_files = keep;
  options.initial_epoch = rotate_every ? start / rotate_every : 0;
  auto backend = std::make_unique<eventkit::FileBackend<ev::Codec>>(
      options, ev::Event{eventkit::now(), ev::RunStarted{.run_id = "test-run", .node_id = node,
                                                          .config = "{}", .psyche_version = "0"}});
  auto* file_backend = backend.get();
  eventkit::EventStore<ev::Codec> store;
  std::vector<eventkit::EventStore<ev::Codec>::BackendPtr> backends;
  backends.push_back(std::move(backend));
  store.init(std::move(backends));

  for (uint64_t i = start; i < start + count; ++i) {
    if (rotate_every && i > start && i % rotate_every == 0) {
      store.emit({eventkit::now(), ev::client::StateChanged{.old_state = ev::RunState::Cooldown,
                                                            .new_state = ev::RunState::WaitingForMembers,
                                                            .epoch = i / rotate_every, .step = i}});
    }
    store.emit({eventkit::now(), ev::train::TrainingFinished{.batch_id = {i, i}, .step = i, .loss = 1.0 / (1 + i)}});
    if (big_every && i % big_every == 0) {
      store.emit({eventkit::now(), ev::client::Warning{.message = std::string(big_bytes, 'x') + std::to_string(i)}});
    }
    if (interval_us) std::this_thread::sleep_for(std::chrono::microseconds(interval_us));
  }
  store.flush();
  if (torn_then_kill) {
    // Die like a crash in the middle of write(2): half a frame, then SIGKILL.
    const auto path = file_backend->status().current_file;
    std::vector<uint8_t> frame;
    eventkit::framing::append_frame(std::vector<uint8_t>(200, 0x42), frame);
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    if (fd < 0 || ::write(fd, frame.data(), frame.size() / 2) < 0) return 3;
    ::kill(::getpid(), SIGKILL);
  }
  store.shutdown();
  return 0;
}
