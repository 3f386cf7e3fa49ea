// Keeps events in memory; for tests.
#pragma once

#include <mutex>
#include <vector>

#include "runtime/backend.h"

namespace eventkit {

template <class Event>
class MemoryBackend final : public Backend<Event> {
 public:
  void emit(Event event) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  // A copy of everything emitted so far, in arrival order.
  std::vector<Event> snapshot() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  void clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
};

}  // namespace eventkit
