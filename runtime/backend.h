// Where EventStore sends events. A backend must be safe to call from many
// threads at once.
#pragma once

namespace eventkit {

template <class Event>
class Backend {
 public:
  virtual ~Backend() = default;
  // Takes ownership of one event. Must not block for long (the producer is
  // application code) and must never throw.
  virtual void emit(Event event) = 0;
  // Blocks until every event emitted before the call is persisted as far as
  // the backend's policy goes.
  virtual void flush() {}
  // Flushes and stops; later emits are dropped (and may be counted).
  virtual void shutdown() { flush(); }
};

}  // namespace eventkit
