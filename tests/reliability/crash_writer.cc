// A writer process for crash_test: emits checked events (checked_events.h)
// through EventStore + FileBackend and, now and then, reports how far the
// backend has got, as 16-byte records {flushed_sequence, events_lost} on
// file descriptor 3. The test SIGKILLs it at a random moment and checks the
// directory against the last report.
//
// crash_writer --dir D --seed S [--flush idle|interval|every]
//              [--fsync never|close|write] [--rotate-every K]
//              [--big-every M --big-bytes B] [--report-every R] [--batch-bytes B] [--queue Q] [--threads T]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/file_backend.h"
#include "runtime/store.h"
#include "tests/reliability/checked_events.h"

namespace ev = psyche::events;
using eventkit::reliability::checked_event;

namespace {

void report(uint64_t flushed, uint64_t lost) {
  const uint64_t rec[2] = {flushed, lost};
  if (::write(3, rec, sizeof rec) != sizeof rec) std::_Exit(4);  // parent gone
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, flush = "idle", fsync = "never";
  uint64_t seed = 1, rotate_every = 0, big_every = 0, big_bytes = 0, report_every = 64, batch_bytes = 64 * 1024, queue = 1 << 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "crash_writer: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") dir = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--flush") flush = next();
    else if (a == "--fsync") fsync = next();
    else if (a == "--rotate-every") rotate_every = std::stoull(next());
    else if (a == "--big-every") big_every = std::stoull(next());
    else if (a == "--big-bytes") big_bytes = std::stoull(next());
    else if (a == "--report-every") report_every = std::max<uint64_t>(1, std::stoull(next()));
    else if (a == "--batch-bytes") batch_bytes = std::stoull(next());
    else if (a == "--queue") queue = std::stoull(next());
    else {
      std::fprintf(stderr, "crash_writer: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  eventkit::FileBackendOptions options;
  options.dir = dir;
  options.flush = flush == "every"      ? eventkit::FlushPolicy::kEveryEvent
                  : flush == "interval" ? eventkit::FlushPolicy::kInterval
                                        : eventkit::FlushPolicy::kWhenIdle;
  options.flush_interval = std::chrono::milliseconds(2);
  options.fsync = fsync == "write"   ? eventkit::FsyncPolicy::kEveryWrite
                  : fsync == "close" ? eventkit::FsyncPolicy::kOnClose
                                     : eventkit::FsyncPolicy::kNever;
  options.batch_bytes = batch_bytes;
  options.queue_capacity = queue;
  auto backend = std::make_unique<eventkit::FileBackend<ev::Codec>>(
      options, ev::Event{eventkit::now(), ev::RunStarted{.run_id = "crash", .node_id = "w",
                                                          .config = "{}", .psyche_version = "0"}});
  auto* file_backend = backend.get();
  eventkit::EventStore<ev::Codec> store;
  std::vector<eventkit::EventStore<ev::Codec>::BackendPtr> backends;
  backends.push_back(std::move(backend));
  store.init(std::move(backends));

  std::mt19937_64 rng(seed);
  for (uint64_t seq = 0;; ++seq) {
    store.emit(checked_event(seq, rotate_every, big_every, big_bytes));
    if (seq % report_every == report_every - 1) {
      // Half the time wait for the writer (flush), half the time just ask
      // how far it is: both are claims the parent checks.
      if (rng() % 2) store.flush();
      const auto s = file_backend->status();
      report(s.flushed_sequence, s.events_lost);
    }
  }
}
