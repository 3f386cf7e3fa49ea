// EventStore: fans events out to backends. Emitting with no backends costs
// one relaxed atomic load; with backends, emit takes no lock (the backend set
// is immutable once published and retired sets stay alive until the store
// dies, so a concurrent shutdown can never free what an emitter is using).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/backend.h"
#include "runtime/codec.h"

namespace eventkit {

template <Codec C>
class EventStore {
 public:
  using Event = typename C::Event;
  using BackendPtr = std::unique_ptr<Backend<Event>>;

  EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;
  ~EventStore() { shutdown(); }

  // Installs `backends`, replacing (and shutting down) any previous ones.
  void init(std::vector<BackendPtr> backends) {
    std::lock_guard lock(admin_);
    auto set = std::make_unique<BackendSet>();
    set->backends = std::move(backends);
    BackendSet* old = current_.exchange(set.get(), std::memory_order_acq_rel);
    enabled_.store(!set->backends.empty(), std::memory_order_relaxed);
    sets_.push_back(std::move(set));
    if (old) shutdown_set(*old);
  }

  // True when at least one backend is installed (a hint: may race with init).
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  void emit(Event event) {
    if (!enabled_.load(std::memory_order_relaxed)) return;  // the cheap no-op
    const BackendSet* set = current_.load(std::memory_order_acquire);
    if (set == nullptr || set->backends.empty()) return;
    auto& bs = set->backends;
    for (size_t i = 0; i + 1 < bs.size(); ++i) bs[i]->emit(event);  // copies
    bs.back()->emit(std::move(event));                                 // last one moves
  }

  // Calls fn(B&) for the first installed backend of type B; returns whether
  // one was found. Runs under the admin lock, so fn must not call init(),
  // flush() or shutdown() of this store (the backend's own methods are fine).
  template <class B, class Fn>
  bool with_backend(Fn&& fn) {
    std::lock_guard lock(admin_);
    const BackendSet* set = current_.load(std::memory_order_acquire);
    if (set == nullptr) return false;
    for (const auto& b : set->backends) {
      if (auto* typed = dynamic_cast<B*>(b.get())) {
        std::forward<Fn>(fn)(*typed);
        return true;
      }
    }
    return false;
  }

  void flush() {
    std::lock_guard lock(admin_);
    if (const BackendSet* set = current_.load(std::memory_order_acquire)) {
      for (const auto& b : set->backends) b->flush();
    }
  }

  // Flushes and stops every backend; emit becomes a no-op again.
  void shutdown() {
    std::lock_guard lock(admin_);
    enabled_.store(false, std::memory_order_relaxed);
    if (BackendSet* old = current_.exchange(nullptr, std::memory_order_acq_rel)) shutdown_set(*old);
  }

 private:
  struct BackendSet {
    std::vector<BackendPtr> backends;
  };
  static void shutdown_set(BackendSet& set) {
    for (auto& b : set.backends) b->shutdown();
  }

  std::atomic<bool> enabled_{false};
  std::atomic<BackendSet*> current_{nullptr};
  std::mutex admin_;                              // init/shutdown/with_backend
  std::vector<std::unique_ptr<BackendSet>> sets_;  // every set ever installed
};

// The process-wide store for a schema (what EVENTKIT_EMIT uses).
template <Codec C>
EventStore<C>& global_store() {
  static EventStore<C> store;
  return store;
}

}  // namespace eventkit

// Emits `value` (anything Codec::Event{timestamp, value} accepts, e.g. a
// variant struct) to the global store, stamped with the current time. The
// value expression is not evaluated when no backend is installed. The
// generated header wraps this as EVENT(value).
#define EVENTKIT_EMIT(CodecType, ...)                                             \
  do {                                                                            \
    auto& eventkit_store_ = ::eventkit::global_store<CodecType>();                \
    if (eventkit_store_.enabled()) {                                              \
      eventkit_store_.emit(typename CodecType::Event{::eventkit::now(), __VA_ARGS__}); \
    }                                                                             \
  } while (0)
