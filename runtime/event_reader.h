// EventReader: tails any number of (source, events directory) pairs and
// delivers typed events as their records complete — what integration tests
// use instead of streaming Docker logs. See docs/reader.md.
//
//   eventkit::EventReader<psyche::events::Codec> reader;
//   reader.watch("client-1", "./data/client-1-events");
//   auto r = reader.wait_for<train::TrainingFinished>([](auto& f) { return f.step == 3; }, 10s);
//   ASSERT_TRUE(r) << r.failure;
//
// One background thread reads; events are kept (history) and consumed in
// arrival order by recv()/wait_for() through one cursor; rewind() replays.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/codec.h"
#include "runtime/dir_follower.h"
#include "runtime/dir_watcher.h"

namespace eventkit {

// Turns a gMock matcher into a predicate and a description; defined in
// runtime/event_reader_matchers.h (include it to pass matchers to wait_for).
template <class Matcher, class Event>
struct MatcherAdapter;

struct EventReaderOptions {
  // inotify wakes the reader as soon as a writer appends; without it (or for
  // directories where it delivers nothing) the periodic sweep finds changes.
  bool use_inotify = true;
  // Sweep period: every source is rescanned at least this often.
  std::chrono::milliseconds poll_interval{100};
  // How many recent events a wait_for() failure message lists.
  size_t failure_context = 30;
};

template <Codec C>
class EventReader {
 public:
  using Event = typename C::Event;
  using EventData = decltype(std::declval<Event>().data);

  struct Item {
    std::string source;
    Event event;
    Timestamp received{};  // when the reader delivered it (same clock as event timestamps)
  };

  // Which events recv()/wait_for() accept. Empty lists accept everything.
  struct Filter {
    std::vector<std::string> sources{};
    // Category ("train"), variant ("TrainingFinished") or both
    // ("train::TrainingFinished"); case-insensitive.
    std::vector<std::string> types{};
    std::function<bool(const Item&)> predicate{};

    bool matches(const Item& item) const {
      if (!sources.empty() && std::find(sources.begin(), sources.end(), item.source) == sources.end()) {
        return false;
      }
      if (!types.empty()) {
        const std::string category(category_name(item.event.data));
        const std::string variant(variant_name(item.event.data));
        const std::string qualified = qualified_name(item.event.data);
        bool any = false;
        for (const auto& t : types) {
          any = any || iequals(t, category) || iequals(t, variant) || iequals(t, qualified);
        }
        if (!any) return false;
      }
      return !predicate || predicate(item);
    }
  };

  struct WaitResult {
    std::optional<Item> item;
    std::string failure;  // on timeout: what was awaited and what was seen
    explicit operator bool() const { return item.has_value(); }
    const Event& event() const { return item->event; }
  };

  struct SourceStatus {
    std::string source;
    std::filesystem::path dir;
    bool dir_exists = false;
    tail::FollowerStats stats;
    uint64_t decode_errors = 0;
  };

  explicit EventReader(EventReaderOptions options = {})
      : options_(options), watcher_(options.use_inotify), thread_([this] { run(); }) {}
  ~EventReader() { stop(); }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Starts following `dir` as `source`. The directory may not exist yet.
  void watch(std::string source, std::filesystem::path dir) {
    std::lock_guard lock(sources_mu_);
    sources_.push_back(std::make_unique<Source>(std::move(source), dir, C::kSchemaName, C::kSchemaFingerprint));
    watcher_.wake();
  }

  // The next event after the cursor that passes `filter`, waiting up to
  // `timeout`; events passed over stay in history().
  std::optional<Item> recv(std::chrono::milliseconds timeout, const Filter& filter = {}) {
    auto r = wait_impl([&](const Item& i) { return filter.matches(i); }, "any event", timeout);
    return std::move(r.item);
  }

  // Waits for an event satisfying `pred` (called with const Item& or const
  // Event&), or a gMock matcher (include runtime/event_reader_matchers.h).
  template <class P>
  WaitResult wait_for(P&& pred, std::chrono::milliseconds timeout, const Filter& filter = {}) {
    if constexpr (std::is_invocable_r_v<bool, P&, const Item&>) {
      return wait_impl([&](const Item& i) { return filter.matches(i) && pred(i); }, "an event matching the predicate", timeout);
    } else if constexpr (std::is_invocable_r_v<bool, P&, const Event&>) {
      return wait_impl([&](const Item& i) { return filter.matches(i) && pred(i.event); }, "an event matching the predicate", timeout);
    } else {
      using Adapter = MatcherAdapter<std::decay_t<P>, Event>;
      return wait_impl([&](const Item& i) { return filter.matches(i) && Adapter::matches(pred, i.event); },
                       Adapter::describe(pred), timeout);
    }
  }

  // Waits for variant V (optionally satisfying pred(const V&)).
  template <class V>
  WaitResult wait_for(std::chrono::milliseconds timeout, const Filter& filter = {}) {
    return wait_for<V>([](const V&) { return true; }, timeout, filter);
  }
  template <class V, class P>
    requires std::is_invocable_r_v<bool, P&, const V&>
  WaitResult wait_for(P&& pred, std::chrono::milliseconds timeout, const Filter& filter = {}) {
    return wait_impl(
        [&](const Item& i) {
          const V* v = get_if<V>(i.event.data);
          return v != nullptr && filter.matches(i) && pred(*v);
        },
        "a " + qualified_name(EventData(V{})) + " matching the predicate", timeout);
  }

  // Everything delivered so far, in arrival order (per source: write order).
  std::vector<Item> history() const {
    std::lock_guard lock(mu_);
    return std::vector<Item>(history_.begin(), history_.end());
  }
  // recv()/wait_for() start again from the first event.
  void rewind() {
    std::lock_guard lock(mu_);
    cursor_ = 0;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return history_.size();
  }

  std::vector<SourceStatus> status() const {
    std::lock_guard lock(status_mu_);
    return status_;
  }

  bool inotify_active() const { return watcher_.inotify_active(); }

  // Stops the reading thread (idempotent). Delivered events stay readable.
  void stop() {
    if (stopping_.exchange(true)) return;
    watcher_.wake();
    if (thread_.joinable()) thread_.join();
    cv_.notify_all();
  }

 private:
  struct Source {
    Source(std::string n, std::filesystem::path d, std::string_view schema, uint64_t fingerprint)
        : name(std::move(n)), follower(std::move(d), std::string(schema), fingerprint) {}
    std::string name;
    tail::DirectoryFollower follower;
    std::optional<Event> last_run_context;
    uint64_t decode_errors = 0;
  };

  static bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  }

  template <class Pred>
  WaitResult wait_impl(Pred&& pred, const std::string& what, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    const size_t start = cursor_;
    for (;;) {
      while (cursor_ < history_.size()) {
        const Item& item = history_[cursor_++];
        if (pred(item)) return WaitResult{item, {}};
      }
      if (stopping_.load() && !thread_running_) break;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && cursor_ >= history_.size()) break;
    }
    return WaitResult{std::nullopt, failure_message(what, timeout, start)};
  }

  // Called with mu_ held.
  std::string failure_message(const std::string& what, std::chrono::milliseconds timeout, size_t start) const {
    std::string out = "timed out after " + std::to_string(timeout.count()) + " ms waiting for " + what + "; ";
    const size_t seen = history_.size() - start;
    out += "saw " + std::to_string(seen) + " event(s) meanwhile";
    const size_t first = seen > options_.failure_context ? history_.size() - options_.failure_context : start;
    if (first > start) out += " (last " + std::to_string(history_.size() - first) + " shown)";
    out += seen ? ":" : ".";
    for (size_t i = first; i < history_.size(); ++i) {
      out += "\n  [" + history_[i].source + "] " + qualified_name(history_[i].event.data) + ": " +
             display(history_[i].event.data);
    }
    std::lock_guard slock(status_mu_);
    for (const auto& s : status_) {
      if (!s.dir_exists) out += "\n  note: source " + s.source + ": directory " + s.dir.string() + " does not exist";
      for (const auto& e : s.stats.file_errors) out += "\n  note: source " + s.source + ": " + e.message;
      if (s.stats.corrupt_records || s.decode_errors) {
        out += "\n  note: source " + s.source + ": " + std::to_string(s.stats.corrupt_records + s.decode_errors) +
               " corrupt record(s) skipped";
      }
    }
    return out;
  }

  void run() {
    std::vector<Item> batch;
    bool sweep = true;
    std::vector<size_t> dirty;
    while (!stopping_.load()) {
      {
        std::lock_guard lock(sources_mu_);
        for (size_t i = 0; i < sources_.size(); ++i) {
          Source& s = *sources_[i];
          if (!sweep && std::find(dirty.begin(), dirty.end(), i) == dirty.end()) continue;
          // Watch before reading: whatever is written after this wakes us.
          watcher_.watch(i, s.follower.dir());
          // Re-read until quiet: a record may complete while we read.
          while (s.follower.poll([&](std::span<const uint8_t> body) { return deliver(s, body, batch); },
                                 [&](const format::FileHeader& h, const std::filesystem::path&) {
                                   deliver_run_context(s, h, batch);
                                 })) {
          }
        }
        publish_status();
      }
      if (!batch.empty()) {
        const Timestamp received = now();
        std::lock_guard lock(mu_);
        for (auto& item : batch) {
          item.received = received;
          history_.push_back(std::move(item));
        }
        batch.clear();
        cv_.notify_all();
      }
      const auto changes = watcher_.wait(options_.poll_interval);
      sweep = changes.rescan_all || changes.woken;
      dirty = changes.ids;
      if (!changes.created.empty()) {
        std::lock_guard lock(sources_mu_);
        for (const auto& [id, name] : changes.created) sources_[id]->follower.note_created(name);
      }
    }
    std::lock_guard lock(mu_);
    thread_running_ = false;
    cv_.notify_all();
  }

  std::optional<std::string> deliver(Source& s, std::span<const uint8_t> body, std::vector<Item>& batch) {
    auto r = C::decode(body);
    if (!r.event) {
      ++s.decode_errors;
      return "decode: " + r.error;
    }
    batch.push_back(Item{s.name, std::move(*r.event), {}});
    return std::nullopt;
  }

  // The header's run context is delivered once per source, and again only
  // when it changes (a restarted writer with a new run context).
  void deliver_run_context(Source& s, const format::FileHeader& h, std::vector<Item>& batch) {
    if (h.run_context.empty()) return;
    std::vector<uint8_t> aligned(h.run_context.begin(), h.run_context.end());
    auto r = C::decode(aligned);
    if (!r.event || (s.last_run_context && *s.last_run_context == *r.event)) return;
    s.last_run_context = *r.event;
    batch.push_back(Item{s.name, std::move(*r.event), {}});
  }

  void publish_status() {  // sources_mu_ held
    std::vector<SourceStatus> st;
    for (const auto& s : sources_) {
      st.push_back(SourceStatus{s->name, s->follower.dir(), s->follower.directory_exists(), s->follower.stats(),
                                s->decode_errors});
    }
    std::lock_guard lock(status_mu_);
    status_ = std::move(st);
  }

  EventReaderOptions options_;
  tail::DirWatcher watcher_;
  std::mutex sources_mu_;
  std::vector<std::unique_ptr<Source>> sources_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> history_;
  size_t cursor_ = 0;
  bool thread_running_ = true;  // guarded by mu_; false once run() returns
  mutable std::mutex status_mu_;
  std::vector<SourceStatus> status_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace eventkit
