// Options and status of FileBackend (schema-independent parts).
// The guarantees of each policy are specified in docs/format.md §6.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace eventkit {

// What emit() does when the queue is full.
enum class FullQueuePolicy {
  kBlock,         // wait for the writer (default: losing events silently is worse)
  kDropAndCount,  // drop the event, count it in status().events_dropped
};

// When the writer hands batched frames to write(2).
enum class FlushPolicy {
  kWhenIdle,    // when the queue runs empty or the batch is full (default)
  kInterval,    // every `flush_interval`, or when the batch is full
  kEveryEvent,  // after every event
};

enum class FsyncPolicy {
  kNever,       // leave it to the kernel (default)
  kOnClose,     // fsync on rotation, flush() and close
  kEveryWrite,  // fsync after every write(2)
};

struct FileBackendOptions {
  std::filesystem::path dir;  // created (with parents) if missing
  // Events; rounded up to a power of two. Memory: capacity * sizeof(Event).
  size_t queue_capacity = 1 << 14;
  FullQueuePolicy full_queue = FullQueuePolicy::kBlock;
  FlushPolicy flush = FlushPolicy::kWhenIdle;
  std::chrono::milliseconds flush_interval{100};  // kInterval only
  FsyncPolicy fsync = FsyncPolicy::kNever;
  size_t batch_bytes = 64 * 1024;  // write(2) once a batch reaches this size
  size_t keep_files = 0;           // retention: newest N files; 0 keeps all
  uint64_t initial_epoch = 0;      // epoch of the first file
  // After failing to create a file, the writer retries at most this often
  // (events meanwhile are counted in events_lost).
  // Also how often the writer checks that its current file still exists
  // (the directory removed or replaced under it); when it does not, the
  // writer reports it and starts a new file.
  std::chrono::milliseconds reopen_interval{1000};
  // Wall clock for file names and header creation times; empty = the system
  // clock. Tests inject a clock that steps backwards (docs/format.md §6).
  std::function<std::chrono::system_clock::time_point()> clock;
  // Keeping emit() free of system calls when events are sparse: waking a
  // sleeping writer is a futex call (microseconds) in the producer. While
  // events keep arriving, an idle writer instead re-checks the queue every
  // `idle_poll` (producers never wake it; an event waits at most this long
  // before it is written); after `idle_poll_for` without events it sleeps
  // until a producer wakes it. idle_poll == 0: always sleep until woken.
  std::chrono::microseconds idle_poll{500};
  std::chrono::milliseconds idle_poll_for{200};
};

struct FileBackendStatus {
  uint64_t events_accepted = 0;  // entered the queue
  uint64_t events_written = 0;   // handed to write(2) successfully
  uint64_t events_dropped = 0;   // rejected: queue full (kDropAndCount) or closed
  uint64_t events_lost = 0;      // accepted but not written (write error, no file)
  uint64_t write_errors = 0;     // failed write/open/fsync calls
  uint64_t files_created = 0;
  uint64_t files_deleted = 0;    // by retention
  uint64_t bytes_written = 0;
  // Events 0..flushed_sequence-1 (in queue order) are done: written, or lost.
  uint64_t flushed_sequence = 0;
  uint64_t current_epoch = 0;
  std::filesystem::path current_file;  // empty when no file is open
  std::string last_error;              // empty when nothing went wrong
  bool healthy() const { return last_error.empty(); }
};

}  // namespace eventkit
