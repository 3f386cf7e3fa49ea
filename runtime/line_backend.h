// LineBackend: writes one text line per event that a formatter turns into a
// line, synchronously, like a logger writing to stdout. Used for dual mode:
// producers keep printing the legacy marker lines (the generated
// to_legacy_line) while they emit events to files.
//
//   backends.push_back(std::make_unique<eventkit::LineBackend<Event>>(&psyche::events::to_legacy_line, STDOUT_FILENO));
#pragma once

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/backend.h"

namespace eventkit {

template <class Event>
class LineBackend : public Backend<Event> {
 public:
  using Formatter = std::function<std::optional<std::string>(const Event&)>;

  // Writes to `fd` (not owned). Lines are written whole, one write(2) each,
  // so concurrent producers never interleave within a line.
  LineBackend(Formatter format, int fd) : format_(std::move(format)), fd_(fd) {}

  void emit(Event event) override {
    std::optional<std::string> line = format_(event);
    if (!line) return;
    line->push_back('\n');
    std::lock_guard lock(mu_);
    const char* p = line->data();
    size_t left = line->size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errors_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    lines_.fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t lines_written() const { return lines_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  Formatter format_;
  int fd_;
  std::mutex mu_;
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace eventkit
