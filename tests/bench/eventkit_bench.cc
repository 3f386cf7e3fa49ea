// The event path against the legacy log path, side by side in one run, and
// against the machine's limit (issue 9). Run it through tools/bench.sh, which
// builds with -c opt and prints the summary table this binary ends with.
//
//   1. emit latency distribution (EVENTKIT_EMIT into FileBackend) vs spdlog
//      async logging the equivalent JSON marker line
//   2. sustained write throughput, 1 and 2 producers, vs plain write(2)
//   3. reading an event file into typed events vs nlohmann DOM / simdjson
//   4. bytes per event vs the legacy line
//   5. emit() → EventReader delivery latency, inotify vs polling
//
// --smoke runs every benchmark on a tiny workload (the bazel test smoke run).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_reader.h"
#include "runtime/file_backend.h"
#include "runtime/framing.h"
#include "runtime/reader.h"
#include "runtime/store.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/corpus.h"

namespace ev = psyche::events;
using eventkit::bench::Distribution;
using eventkit::bench::scaled;

namespace {

// ---------------------------------------------------------------------------
// Shared: the event path's backend and the legacy path's spdlog logger.

constexpr size_t kBurst = 256;            // back-to-back calls between drains
constexpr uint64_t kSparseGapNs = 20000;  // "sparse": one call every 20 µs

std::unique_ptr<eventkit::FileBackend<ev::Codec>> install_global_file_backend(const std::string& name,
                                                                              bool idle_poll) {
  eventkit::FileBackendOptions options;
  options.dir = eventkit::bench::scratch_dir(name);
  if (!idle_poll) options.idle_poll = std::chrono::microseconds(0);  // producers wake the writer
  auto backend = std::make_unique<eventkit::FileBackend<ev::Codec>>(options);
  return backend;
}

// spdlog as psyche's tracing JSON formatter would print: timestamp and level
// by the pattern (formatted on spdlog's worker thread: the cheapest option
// for the producer), the fields formatted by fmt at the call site.
struct LegacyLogger {
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
  explicit LegacyLogger(const std::string& name) {
    auto dir = eventkit::bench::scratch_dir(name);
    pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "legacy.log").string(), true);
    logger = std::make_shared<spdlog::async_logger>(name, sink, pool, spdlog::async_overflow_policy::block);
    logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","level":"INFO",%v})",
                        spdlog::pattern_time_type::utc);
  }
  void drain() {
    while (pool->queue_size() > 0) std::this_thread::yield();
    logger->flush();
  }
};

void spdlog_training_finished(spdlog::async_logger& l, uint64_t i) {
  l.info(R"("message":"training finished step {} batch B[{}, {}] loss {}","integration_test_log_marker":"training_finished","batch_id":"B[{}, {}]","step":{},"loss":{},"target":"psyche::train")",
         i, i, i + 7, 2.5, i, i + 7, i, 2.5);
}
void spdlog_loss(spdlog::async_logger& l, uint64_t i) {
  const std::string_view client = "988ced4d";
  l.info(R"("message":"loss computed by {}: epoch={} step={} loss={}","integration_test_log_marker":"loss","client_id":"{}","epoch":{},"step":{},"loss":{},"target":"psyche::train")",
         client, 2, i, 3.25, client, 2, i, 3.25);
}

void set_distribution(benchmark::State& state, const Distribution& d) {
  state.counters["p50_ns"] = d.p50;
  state.counters["p90_ns"] = d.p90;
  state.counters["p99_ns"] = d.p99;
  state.counters["p999_ns"] = d.p999;
  state.counters["mean_ns"] = d.mean;
  state.counters["max_ns"] = d.max;
  state.counters["samples"] = static_cast<double>(d.n);
}

// Times `call(i)` per call with the TSC; `drain()` (untimed) after every
// `burst` calls lets the consumer catch up, so the queue never fills.
template <class Call, class Drain>
Distribution sample_calls(Call&& call, Drain&& drain, size_t total, size_t burst, uint64_t gap_ns) {
  std::vector<uint64_t> s;
  s.reserve(total);
  const uint64_t overhead = eventkit::bench::tsc_overhead();
  uint64_t i = 0;
  while (s.size() < total) {
    for (size_t b = 0; b < burst && s.size() < total; ++b) {
      const uint64_t t0 = eventkit::bench::tsc_start();
      call(i++);
      const uint64_t t1 = eventkit::bench::tsc_stop();
      s.push_back(t1 - t0 > overhead ? t1 - t0 - overhead : 0);
      if (gap_ns) eventkit::bench::spin_ns(gap_ns);
    }
    drain();
  }
  return eventkit::bench::distribution_ns(s, eventkit::bench::tsc_per_ns());
}

enum class Mode { kBurst, kSparse };
size_t mode_burst(Mode m) { return m == Mode::kBurst ? kBurst : 1000; }
uint64_t mode_gap(Mode m) { return m == Mode::kBurst ? 0 : kSparseGapNs; }
size_t mode_samples(Mode m) {
  return m == Mode::kBurst ? scaled(1'000'000, 2000) : scaled(50'000, 200);
}

// ---------------------------------------------------------------------------
// 1. Producer-side cost of one emit.

enum class Kind { kTrainingFinished, kLossComputed };

void BM_Emit(benchmark::State& state, Kind kind, Mode mode, bool idle_poll) {
  auto& store = eventkit::global_store<ev::Codec>();
  for (auto _ : state) {
    std::vector<eventkit::EventStore<ev::Codec>::BackendPtr> backends;
    backends.push_back(install_global_file_backend("emit", idle_poll));
    auto* backend = static_cast<eventkit::FileBackend<ev::Codec>*>(backends.back().get());
    store.init(std::move(backends));
    auto drain = [&] { store.flush(); };
    Distribution d;
    if (kind == Kind::kTrainingFinished) {
      d = sample_calls(
          [](uint64_t i) {
            EVENTKIT_EMIT(ev::Codec, ev::train::TrainingFinished{ev::BatchId{i, i + 7}, i, 2.5});
          },
          drain, mode_samples(mode), mode_burst(mode), mode_gap(mode));
    } else {
      d = sample_calls(
          [](uint64_t i) { EVENTKIT_EMIT(ev::Codec, ev::train::LossComputed{"988ced4d", 2, i, 3.25}); },
          drain, mode_samples(mode), mode_burst(mode), mode_gap(mode));
    }
    const auto status = backend->status();
    store.shutdown();
    set_distribution(state, d);
    state.counters["written"] = static_cast<double>(status.events_written);
    if (status.events_written != d.n) state.SkipWithError("not every event was written");
  }
}

void BM_SpdlogAsync(benchmark::State& state, Kind kind, Mode mode) {
  for (auto _ : state) {
    LegacyLogger legacy("spdlog");
    auto& l = *legacy.logger;
    auto drain = [&] { legacy.drain(); };
    Distribution d;
    if (kind == Kind::kTrainingFinished) {
      d = sample_calls([&](uint64_t i) { spdlog_training_finished(l, i); }, drain, mode_samples(mode),
                       mode_burst(mode), mode_gap(mode));
    } else {
      d = sample_calls([&](uint64_t i) { spdlog_loss(l, i); }, drain, mode_samples(mode), mode_burst(mode),
                       mode_gap(mode));
    }
    legacy.drain();
    set_distribution(state, d);
  }
}

// Parts of the emit cost (same per-call TSC method), for the profile in
// docs/performance.md: the clock read, and building + destroying the Event.
void BM_ClockNow(benchmark::State& state) {
  for (auto _ : state) {
    const Distribution d = sample_calls([](uint64_t) { benchmark::DoNotOptimize(eventkit::now()); }, [] {},
                                        scaled(1'000'000, 1000), kBurst, 0);
    set_distribution(state, d);
  }
}
void BM_MakeEvent(benchmark::State& state) {
  for (auto _ : state) {
    const Distribution d = sample_calls(
        [](uint64_t i) {
          ev::Event e{eventkit::now(), ev::train::TrainingFinished{ev::BatchId{i, i + 7}, i, 2.5}};
          benchmark::DoNotOptimize(e);
        },
        [] {}, scaled(1'000'000, 1000), kBurst, 0);
    set_distribution(state, d);
  }
}

// ---------------------------------------------------------------------------
// 2. Sustained throughput: producers emit as fast as they can (the queue's
// kBlock policy makes them wait for the writer), until flush() returns.

void BM_Throughput(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const size_t total = scaled(4'000'000, 20'000);
  for (auto _ : state) {
    eventkit::FileBackendOptions options;
    options.dir = eventkit::bench::scratch_dir("throughput");
    eventkit::EventStore<ev::Codec> store;
    std::vector<eventkit::EventStore<ev::Codec>::BackendPtr> backends;
    backends.push_back(std::make_unique<eventkit::FileBackend<ev::Codec>>(options));
    auto* backend = static_cast<eventkit::FileBackend<ev::Codec>*>(backends.back().get());
    store.init(std::move(backends));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        const uint64_t n = total / static_cast<size_t>(producers);
        for (uint64_t i = 0; i < n; ++i) {
          store.emit(ev::Event{eventkit::now(), ev::train::TrainingFinished{ev::BatchId{i, i + 7}, i, 2.5 + p}});
        }
      });
    }
    for (auto& t : threads) t.join();
    store.flush();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto st = backend->status();
    store.shutdown();
    state.SetIterationTime(secs);
    state.counters["events_per_s"] = static_cast<double>(st.events_written) / secs;
    state.counters["MB_per_s"] = static_cast<double>(st.bytes_written) / secs / 1e6;
    state.counters["bytes_per_event"] = static_cast<double>(st.bytes_written) / static_cast<double>(st.events_written);
    if (st.events_written != total / static_cast<size_t>(producers) * static_cast<size_t>(producers)) {
      state.SkipWithError("events missing");
    }
  }
}

// The same bytes (a 4 M-event file's worth) written with large write(2)s.
void BM_WriteSyscall(benchmark::State& state) {
  const size_t chunk = static_cast<size_t>(state.range(0));
  const size_t total = scaled(4'000'000, 20'000) * 48;  // ≈ bytes of the throughput run
  std::vector<uint8_t> buf(chunk, 0x5a);
  for (auto _ : state) {
    auto path = eventkit::bench::scratch_dir("write") / "plain.bin";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      state.SkipWithError("open failed");
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t done = 0; done < total;) {
      const ssize_t n = ::write(fd, buf.data(), std::min(chunk, total - done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ::close(fd);
    state.SetIterationTime(secs);
    state.counters["MB_per_s"] = static_cast<double>(total) / secs / 1e6;
  }
}

// ---------------------------------------------------------------------------
// 3 + 4. Reading and size over the fixture mix.

struct ReadCorpus {
  eventkit::bench::Corpus corpus;
  std::filesystem::path dir;   // the corpus written by FileBackend (rotates on epochs)
  uint64_t dir_bytes = 0;      // all files, headers included
  uint64_t frame_bytes = 0;    // the event records' frames alone
  std::vector<simdjson::padded_string> padded;
};

uint64_t frame_size(const ev::Event& e, flatbuffers::FlatBufferBuilder& fbb) {
  auto body = ev::Codec::encode(e, fbb);
  std::vector<uint8_t> payload, frame;
  eventkit::format::append_event_record_prefix(payload);
  payload.insert(payload.end(), body.begin(), body.end());
  eventkit::framing::append_frame(payload, frame);
  return frame.size();
}

const ReadCorpus& read_corpus() {
  static ReadCorpus* rc = [] {
    auto* r = new ReadCorpus;
    r->corpus = eventkit::bench::fixture_corpus(scaled(200'000, 500));
    eventkit::FileBackendOptions options;
    options.dir = r->dir = eventkit::bench::scratch_dir("read");
    {
      eventkit::FileBackend<ev::Codec> backend(options);
      for (const auto& e : r->corpus.events) backend.emit(e);
      backend.close();
      r->dir_bytes = backend.status().bytes_written;
    }
    flatbuffers::FlatBufferBuilder fbb;
    for (const auto& e : r->corpus.events) r->frame_bytes += frame_size(e, fbb);
    for (const auto& l : r->corpus.legacy_lines) r->padded.emplace_back(l);
    return r;
  }();
  return *rc;
}

void BM_ReadEventFile(benchmark::State& state) {
  const auto& rc = read_corpus();
  size_t n = 0;
  for (auto _ : state) {
    auto r = eventkit::read_directory<ev::Codec>(rc.dir);
    n = r.events.size();
    benchmark::DoNotOptimize(r);
  }
  if (n != rc.corpus.events.size()) state.SkipWithError("event count mismatch");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rc.dir_bytes));
}

void BM_LegacyNlohmannDom(benchmark::State& state) {
  const auto& rc = read_corpus();
  size_t markers = 0;
  for (auto _ : state) {
    markers = 0;
    for (const auto& l : rc.corpus.legacy_lines) {
      nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
      markers += j.is_object() && (j.contains("integration_test_log_marker") || j.contains("level"));
      benchmark::DoNotOptimize(j);
    }
  }
  if (markers != rc.corpus.events.size()) state.SkipWithError("marker count mismatch");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rc.corpus.legacy_lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rc.corpus.legacy_bytes));
}

void BM_LegacySimdjsonDom(benchmark::State& state) {
  const auto& rc = read_corpus();
  simdjson::dom::parser parser;
  size_t markers = 0;
  for (auto _ : state) {
    markers = 0;
    for (const auto& l : rc.padded) {
      simdjson::dom::element doc;
      if (parser.parse(l).get(doc) != simdjson::SUCCESS) continue;
      std::string_view marker, level;
      markers += doc["integration_test_log_marker"].get(marker) == simdjson::SUCCESS ||
                 doc["level"].get(level) == simdjson::SUCCESS;
      benchmark::DoNotOptimize(marker);
      benchmark::DoNotOptimize(level);
    }
  }
  if (markers != rc.corpus.events.size()) state.SkipWithError("marker count mismatch");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rc.padded.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rc.corpus.legacy_bytes));
}

// The legacy line adapter (lines → typed events), for reference.
void BM_LegacyAdapterTyped(benchmark::State& state) {
  const auto& rc = read_corpus();
  size_t mapped = 0;
  for (auto _ : state) {
    ev::LegacyLineAdapter adapter;
    for (const auto& l : rc.corpus.legacy_lines) {
      auto out = adapter.feed(l);
      benchmark::DoNotOptimize(out);
    }
    mapped = adapter.counters().mapped;
  }
  if (mapped != rc.corpus.events.size()) state.SkipWithError("mapped count mismatch");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rc.corpus.legacy_lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rc.corpus.legacy_bytes));
}

void BM_Size(benchmark::State& state) {
  const auto& rc = read_corpus();
  for (auto _ : state) {
  }
  const double n = static_cast<double>(rc.corpus.events.size());
  state.counters["event_bytes"] = static_cast<double>(rc.frame_bytes) / n;
  state.counters["event_bytes_with_headers"] = static_cast<double>(rc.dir_bytes) / n;
  state.counters["legacy_bytes"] = static_cast<double>(rc.corpus.legacy_bytes) / n;
  // The same events re-printed by to_legacy_line (the adapter's canonical form).
  double canon = 0;
  for (size_t i = 0; i < rc.corpus.distinct; ++i) {
    auto line = ev::to_legacy_line(rc.corpus.events[i]);
    canon += line ? static_cast<double>(line->size() + 1) : 0;
  }
  state.counters["canonical_legacy_bytes"] = canon / static_cast<double>(rc.corpus.distinct);
  state.counters["distinct_events"] = static_cast<double>(rc.corpus.distinct);
  // One TrainingFinished (no legacy marker: compared with the line the
  // spdlog benchmark prints for it).
  flatbuffers::FlatBufferBuilder fbb;
  ev::Event tf{eventkit::now(), ev::train::TrainingFinished{ev::BatchId{1200, 1207}, 1200, 2.5}};
  state.counters["tf_event_bytes"] = static_cast<double>(frame_size(tf, fbb));
  const std::string tf_line =
      R"({"timestamp":"2026-12-03T16:12:25.685910Z","level":"INFO","message":"training finished step 1200 batch B[1200, 1207] loss 2.5","integration_test_log_marker":"training_finished","batch_id":"B[1200, 1207]","step":1200,"loss":2.5,"target":"psyche::train"})";
  state.counters["tf_legacy_bytes"] = static_cast<double>(tf_line.size() + 1);
}

// ---------------------------------------------------------------------------
// 5. emit() → delivery by EventReader (writer thread and reader thread in
// this process; the file between them).

void BM_DeliveryLatency(benchmark::State& state) {
  const bool inotify = state.range(0) != 0;
  const bool idle_poll = state.range(1) != 0;
  const size_t n = inotify ? scaled(1000, 20) : scaled(200, 5);
  const auto gap = inotify ? std::chrono::microseconds(2000) : std::chrono::microseconds(5000);
  for (auto _ : state) {
    auto dir = eventkit::bench::scratch_dir(inotify ? "deliver_inotify" : "deliver_poll");
    eventkit::EventReaderOptions ro;
    ro.use_inotify = inotify;
    eventkit::EventReader<ev::Codec> reader(ro);
    reader.watch("w", dir);
    eventkit::FileBackendOptions options;
    options.dir = dir;
    if (!idle_poll) options.idle_poll = std::chrono::microseconds(0);
    eventkit::FileBackend<ev::Codec> backend(options);
    std::this_thread::sleep_for(std::chrono::milliseconds(inotify ? 50 : 250));  // reader found the file
    std::vector<std::chrono::steady_clock::time_point> sent(n), got(n);
    std::atomic<size_t> received{0};
    std::thread consumer([&] {
      while (received.load() < n) {
        auto item = reader.recv(std::chrono::milliseconds(2000));
        if (!item) break;
        const auto* tf = ev::get_if<ev::train::TrainingFinished>(item->event.data);
        if (tf == nullptr || tf->step >= n) continue;
        got[tf->step] = std::chrono::steady_clock::now();
        received.fetch_add(1);
      }
    });
    for (uint64_t i = 0; i < n; ++i) {
      sent[i] = std::chrono::steady_clock::now();
      backend.emit(ev::Event{eventkit::now(), ev::train::TrainingFinished{ev::BatchId{i, i}, i, 1.0}});
      std::this_thread::sleep_for(gap);
    }
    consumer.join();
    backend.close();
    reader.stop();
    if (received.load() != n) {
      state.SkipWithError("not every event was delivered");
      break;
    }
    std::vector<uint64_t> lat(n);
    for (size_t i = 0; i < n; ++i) {
      lat[i] = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(got[i] - sent[i]).count());
    }
    Distribution d = eventkit::bench::distribution_ns(lat, 1.0);
    state.counters["p50_us"] = d.p50 / 1e3;
    state.counters["p90_us"] = d.p90 / 1e3;
    state.counters["p99_us"] = d.p99 / 1e3;
    state.counters["max_us"] = d.max / 1e3;
  }
}

// What the idle_poll writer costs: one event every 10 ms (the writer never
// reaches deep sleep), CPU time of the whole process over wall time.
void BM_WriterCpu(benchmark::State& state) {
  const bool idle_poll = state.range(0) != 0;
  const size_t n = scaled(200, 5);
  for (auto _ : state) {
    eventkit::FileBackendOptions options;
    options.dir = eventkit::bench::scratch_dir("writer_cpu");
    if (!idle_poll) options.idle_poll = std::chrono::microseconds(0);
    eventkit::FileBackend<ev::Codec> backend(options);
    auto cpu = [] {
      timespec ts{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    const double c0 = cpu();
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < n; ++i) {
      backend.emit(ev::Event{eventkit::now(), ev::train::TrainingFinished{ev::BatchId{i, i}, i, 1.0}});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["cpu_percent"] = (cpu() - c0) / wall * 100;
    backend.close();
  }
}

// ---------------------------------------------------------------------------
// Summary table: medians over repetitions, ratios side by side.

class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.error_occurred) ++errors_;
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      auto& m = values_[r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args)];
      for (const auto& [k, c] : r.counters) m[k].push_back(c.value);
    }
  }
  int errors() const { return errors_; }
  void Finalize() override {
    ConsoleReporter::Finalize();
    print();
  }

 private:
  double get(const std::string& bench, const std::string& counter) {
    auto it = values_.find(bench);
    if (it == values_.end()) return NAN;
    auto jt = it->second.find(counter);
    if (jt == it->second.end() || jt->second.empty()) return NAN;
    auto v = jt->second;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  static void line() { std::printf("%s\n", std::string(100, '-').c_str()); }

  void print() {
    std::printf("\n== eventkit benchmark summary (medians over repetitions) ==\n");
    line();
    std::printf("1. emit cost per call, ns (FileBackend active) vs spdlog async + JSON marker line\n");
    std::printf("%-34s %8s %8s %8s %8s %8s | goal p50<=30 p99<=200\n", "", "p50", "p90", "p99", "p99.9", "mean");
    for (const char* mode : {"burst", "sparse"}) {
      for (const char* kind : {"TrainingFinished", "LossComputed"}) {
        const std::string e = std::string("BM_Emit/") + kind + "/" + mode;
        const std::string s = std::string("BM_SpdlogAsync/") + kind + "/" + mode;
        std::vector<std::pair<std::string, std::string>> rows = {
            {"eventkit " + std::string(kind) + "/" + mode, e}};
        if (std::string(mode) == "sparse") rows.push_back({"  (idle_poll=0) " + std::string(kind), e + "_wake"});
        rows.push_back({"spdlog   " + std::string(kind) + "/" + mode, s});
        for (const auto& [label, b] : rows) {
          std::printf("%-34s %8.1f %8.1f %8.1f %8.1f %8.1f\n", label.c_str(), get(b, "p50_ns"), get(b, "p90_ns"),
                      get(b, "p99_ns"), get(b, "p999_ns"), get(b, "mean_ns"));
        }
        std::printf("%-34s %7.1fx %7.1fx %7.1fx %7.1fx %7.1fx   (spdlog/eventkit; goal >=5x)\n", "  ratio",
                    get(s, "p50_ns") / get(e, "p50_ns"), get(s, "p90_ns") / get(e, "p90_ns"),
                    get(s, "p99_ns") / get(e, "p99_ns"), get(s, "p999_ns") / get(e, "p999_ns"),
                    get(s, "mean_ns") / get(e, "mean_ns"));
      }
    }
    std::printf("parts (p50 / p99): eventkit::now() %.1f / %.1f ns; now() + building + destroying the Event "
                "(no store) %.1f / %.1f ns\n",
                get("BM_ClockNow", "p50_ns"), get("BM_ClockNow", "p99_ns"), get("BM_MakeEvent", "p50_ns"),
                get("BM_MakeEvent", "p99_ns"));
    line();
    std::printf("2. sustained write throughput (TrainingFinished, until flush() returns)\n");
    const double w64 = get("BM_WriteSyscall/65536", "MB_per_s");
    const double w1m = get("BM_WriteSyscall/1048576", "MB_per_s");
    for (int p : {1, 2}) {
      const std::string b = "BM_Throughput/" + std::to_string(p);
      const double mbps = get(b, "MB_per_s");
      std::printf("%d producer(s): %6.2f M events/s  %7.1f MB/s  (%.1f B/event)  = %.2f of write(2) 64 KiB, "
                  "%.2f of 1 MiB   | goal >=5 M/s\n",
                  p, get(b, "events_per_s") / 1e6, mbps, get(b, "bytes_per_event"), mbps / w64, mbps / w1m);
    }
    std::printf("write(2) limit: 64 KiB chunks %.1f MB/s, 1 MiB chunks %.1f MB/s\n", w64, w1m);
    line();
    std::printf("3. reading (fixture marker mix)          events/s        MB/s\n");
    const double ek = get("BM_ReadEventFile", "items_per_second");
    const double nl = get("BM_LegacyNlohmannDom", "items_per_second");
    const double sj = get("BM_LegacySimdjsonDom", "items_per_second");
    const double ad = get("BM_LegacyAdapterTyped", "items_per_second");
    std::printf("event file -> typed events   %14.0f  %10.1f\n", ek, get("BM_ReadEventFile", "bytes_per_second") / 1e6);
    std::printf("legacy lines, nlohmann DOM   %14.0f  %10.1f   eventkit = %.1fx (goal >=10x)\n", nl,
                get("BM_LegacyNlohmannDom", "bytes_per_second") / 1e6, ek / nl);
    std::printf("legacy lines, simdjson DOM   %14.0f  %10.1f   eventkit = %.1fx (goal >=2x)\n", sj,
                get("BM_LegacySimdjsonDom", "bytes_per_second") / 1e6, ek / sj);
    std::printf("legacy lines -> typed events %14.0f  %10.1f   eventkit = %.1fx (LegacyLineAdapter)\n", ad,
                get("BM_LegacyAdapterTyped", "bytes_per_second") / 1e6, ek / ad);
    line();
    std::printf("4. size                                  event B    legacy B   ratio (goal <=0.33)\n");
    const double eb = get("BM_Size", "event_bytes"), lb = get("BM_Size", "legacy_bytes");
    const double cb = get("BM_Size", "canonical_legacy_bytes");
    std::printf("fixture marker mix (%3.0f distinct)     %8.1f   %8.1f   %.3f  (vs to_legacy_line: %.1f B, %.3f)\n",
                get("BM_Size", "distinct_events"), eb, lb, eb / lb, cb, eb / cb);
    const double te = get("BM_Size", "tf_event_bytes"), tl = get("BM_Size", "tf_legacy_bytes");
    std::printf("TrainingFinished                     %8.1f   %8.1f   %.3f\n", te, tl, te / tl);
    line();
    std::printf("5. emit() -> EventReader delivery, us     p50        p90        p99        max | goal p50<=1000 p99<=5000 (inotify)\n");
    for (const auto& [label, b] : {std::pair{"inotify", "BM_DeliveryLatency/1/1"},
                                   std::pair{"inotify, writer idle_poll=0", "BM_DeliveryLatency/1/0"},
                                   std::pair{"polling (100 ms)", "BM_DeliveryLatency/0/1"}}) {
      std::printf("%-36s %10.0f %10.0f %10.0f %10.0f\n", label, get(b, "p50_us"), get(b, "p90_us"), get(b, "p99_us"),
                  get(b, "max_us"));
    }
    std::printf("writer CPU at one event / 10 ms (whole process, %% of a core): idle_poll=500us %.2f%%, idle_poll=0 %.2f%%\n",
                get("BM_WriterCpu/1", "cpu_percent"), get("BM_WriterCpu/0", "cpu_percent"));
    line();
  }

  std::map<std::string, std::map<std::string, std::vector<double>>> values_;
  int errors_ = 0;
};

void register_all() {
  for (Mode mode : {Mode::kBurst, Mode::kSparse}) {
    const std::string m = mode == Mode::kBurst ? "burst" : "sparse";
    for (Kind kind : {Kind::kTrainingFinished, Kind::kLossComputed}) {
      const std::string k = kind == Kind::kTrainingFinished ? "TrainingFinished" : "LossComputed";
      benchmark::RegisterBenchmark(("BM_Emit/" + k + "/" + m).c_str(), BM_Emit, kind, mode, true)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
      if (mode == Mode::kSparse) {  // the writer woken by producers (idle_poll = 0, the old default)
        benchmark::RegisterBenchmark(("BM_Emit/" + k + "/" + m + "_wake").c_str(), BM_Emit, kind, mode, false)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
      }
      benchmark::RegisterBenchmark(("BM_SpdlogAsync/" + k + "/" + m).c_str(), BM_SpdlogAsync, kind, mode)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RegisterBenchmark("BM_ClockNow", BM_ClockNow)->Iterations(1)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_MakeEvent", BM_MakeEvent)->Iterations(1)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Throughput", BM_Throughput)
      ->Arg(1)
      ->Arg(2)
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_WriteSyscall", BM_WriteSyscall)
      ->Arg(64 << 10)
      ->Arg(1 << 20)
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  for (auto* b : {benchmark::RegisterBenchmark("BM_ReadEventFile", BM_ReadEventFile),
                  benchmark::RegisterBenchmark("BM_LegacyNlohmannDom", BM_LegacyNlohmannDom),
                  benchmark::RegisterBenchmark("BM_LegacySimdjsonDom", BM_LegacySimdjsonDom),
                  benchmark::RegisterBenchmark("BM_LegacyAdapterTyped", BM_LegacyAdapterTyped)}) {
    b->Unit(benchmark::kMillisecond);
    if (eventkit::bench::smoke()) b->Iterations(1);
  }
  benchmark::RegisterBenchmark("BM_Size", BM_Size)->Iterations(1);
  benchmark::RegisterBenchmark("BM_DeliveryLatency", BM_DeliveryLatency)
      ->Args({1, 1})
      ->Args({1, 0})
      ->Args({0, 1})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_WriterCpu", BM_WriterCpu)->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      eventkit::bench::smoke() = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  register_all();
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  TableReporter reporter;
  const size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::filesystem::remove_all(eventkit::bench::scratch_dir("x").parent_path());
  if (reporter.errors() > 0) std::fprintf(stderr, "%d benchmark(s) failed\n", reporter.errors());
  return ran > 0 && reporter.errors() == 0 ? 0 : 1;
}
