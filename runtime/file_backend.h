// FileBackend<Codec>: writes events to self-contained, rotated event files
// (docs/format.md). The producer side (emit) pushes the moved event into a
// bounded lock-free queue: no lock, no allocation, no system call unless the
// writer thread is asleep (then one mutex + notify) or the queue is full.
// One writer thread encodes, frames, batches and write(2)s.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "runtime/backend.h"
#include "runtime/codec.h"
#include "runtime/file_backend_options.h"
#include "runtime/file_format.h"
#include "runtime/file_sink.h"
#include "runtime/framing.h"
#include "runtime/mpmc_queue.h"

namespace eventkit {

template <Codec C>
class FileBackend final : public Backend<typename C::Event> {
 public:
  using Event = typename C::Event;

  // `run_context` (e.g. RunStarted) is stored in every file's header. The
  // first file is created before the constructor returns, so status()
  // already reports a directory or permission problem.
  explicit FileBackend(FileBackendOptions options, std::optional<Event> run_context = std::nullopt)
      : options_(std::move(options)),
        queue_(options_.queue_capacity),
        sink_(options_, make_header(run_context)) {
    sink_.open(options_.initial_epoch);
    last_open_attempt_ = std::chrono::steady_clock::now();
    writer_ = std::thread([this] { run(); });
  }
  ~FileBackend() override { close(); }
  FileBackend(const FileBackend&) = delete;
  FileBackend& operator=(const FileBackend&) = delete;

  void emit(Event event) override {
    if (closed_.load(std::memory_order_relaxed)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!queue_.try_push(event)) [[unlikely]] {
      if (!push_slow(event)) return;
    }
    wake_writer_if_sleeping();
  }

  // Blocks until every event emitted before the call has been written (and
  // fsynced unless FsyncPolicy::kNever).
  void flush() override {
    const uint64_t target = queue_.pushed();
    uint64_t cur = flush_target_.load(std::memory_order_relaxed);
    while (cur < target && !flush_target_.compare_exchange_weak(cur, target)) {
    }
    wake_writer();
    std::unique_lock lock(flushed_mu_);
    const auto& done = options_.fsync == FsyncPolicy::kOnClose ? durable_seq_ : flushed_seq_;
    flushed_cv_.wait(lock, [&] {
      return done.load(std::memory_order_acquire) >= target ||
             writer_done_.load(std::memory_order_acquire);
    });
  }

  void shutdown() override { close(); }

  // Drains the queue, writes everything, closes the file, stops the writer.
  // Idempotent. Later emits are dropped and counted.
  void close() {
    std::lock_guard lock(close_mu_);
    if (!writer_.joinable()) return;
    closed_.store(true, std::memory_order_relaxed);
    stop_.store(true, std::memory_order_seq_cst);
    wake_writer();
    writer_.join();
    // A producer that raced with close may have pushed after the final drain.
    while (queue_.try_pop()) dropped_.fetch_add(1, std::memory_order_relaxed);
  }

  FileBackendStatus status() const {
    FileBackendStatus s;
    sink_.fill_status(s);
    s.events_accepted = queue_.pushed();
    s.events_written = written_.load(std::memory_order_relaxed);
    s.events_dropped = dropped_.load(std::memory_order_relaxed);
    s.events_lost = lost_.load(std::memory_order_relaxed);
    s.flushed_sequence = flushed_seq_.load(std::memory_order_acquire);
    return s;
  }
  uint64_t flushed_sequence() const { return flushed_seq_.load(std::memory_order_acquire); }
  const FileBackendOptions& options() const { return options_; }

 private:
  static format::FileHeader make_header(const std::optional<Event>& run_context) {
    format::FileHeader h;
    h.schema_name = std::string(C::kSchemaName);
    h.schema_fingerprint = C::kSchemaFingerprint;
    if (run_context) {
      flatbuffers::FlatBufferBuilder fbb;
      auto bytes = C::encode(*run_context, fbb);
      h.run_context.assign(bytes.begin(), bytes.end());
    }
    return h;
  }

  // Queue full. Returns true once the event is queued.
  bool push_slow(Event& event) {
    if (options_.full_queue == FullQueuePolicy::kDropAndCount) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    // kBlock: the writer always drains (even when writes fail), so this ends.
    for (int spins = 0;; ++spins) {
      wake_writer();
      if (closed_.load(std::memory_order_relaxed)) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      if (spins < 64) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      if (queue_.try_push(event)) return true;
    }
  }

  // Dekker-style handshake with the writer's sleep(): the push's seq_cst CAS
  // precedes this seq_cst load; the writer stores sleeping_ (seq_cst) and
  // then re-reads the queue position (seq_cst). One of us sees the other.
  void wake_writer_if_sleeping() {
    if (sleeping_.load(std::memory_order_seq_cst)) [[unlikely]] wake_writer();
  }
  void wake_writer() {
    { std::lock_guard lock(wake_mu_); }  // order with the writer's check-then-wait
    wake_cv_.notify_one();
  }

  // A flush() is waiting for something the writer has not done yet.
  bool flush_pending() const {
    const uint64_t target = flush_target_.load(std::memory_order_relaxed);
    return target > processed_ - batch_events_ ||
           (options_.fsync == FsyncPolicy::kOnClose && target > durable_seq_.load(std::memory_order_relaxed));
  }

  // Writer thread ------------------------------------------------------------

  void run() {
    auto last_write = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_event{};  // polling ends idle_poll_for after it
    for (;;) {
      const uint64_t processed_before = processed_;
      while (std::optional<Event> e = queue_.try_pop()) {
        ++processed_;
        append(*e);
        const std::optional<uint64_t> next_epoch = C::rotation_epoch(*e);
        if (next_epoch && *next_epoch > epoch_) {
          // The rotating event belongs to the old file (as in psyche).
          // Publish progress only once the new file exists, so a flush()
          // that returns has seen the rotation complete.
          write_batch(/*publish=*/false);
          epoch_ = *next_epoch;
          sink_.open(epoch_);
          last_open_attempt_ = std::chrono::steady_clock::now();
          publish_progress(/*synced=*/false);
          last_write = std::chrono::steady_clock::now();
        } else if (options_.flush == FlushPolicy::kEveryEvent ||
                   batch_.size() >= options_.batch_bytes) {
          write_batch();
          last_write = std::chrono::steady_clock::now();
        } else if (options_.flush == FlushPolicy::kInterval &&
                   std::chrono::steady_clock::now() - last_write >= options_.flush_interval) {
          write_batch();
          last_write = std::chrono::steady_clock::now();
        }
        // Don't let a busy queue starve a waiting flush().
        if (batch_events_ > 0 && processed_ >= flush_target_.load(std::memory_order_relaxed) &&
            flush_pending()) {
          break;
        }
      }
      const bool stopping = stop_.load(std::memory_order_seq_cst);
      const bool flushing = flush_pending();
      const auto since = std::chrono::steady_clock::now() - last_write;
      if (options_.flush != FlushPolicy::kInterval || since >= options_.flush_interval ||
          flushing || stopping) {
        if (!batch_.empty()) last_write = std::chrono::steady_clock::now();
        write_batch();
      }
      const bool synced =
          flushing && batch_events_ == 0 && options_.fsync == FsyncPolicy::kOnClose;
      if (synced) sink_.sync();
      publish_progress(synced);
      if (stopping && queue_.empty_hint()) break;
      const auto now = std::chrono::steady_clock::now();
      if (processed_ != processed_before) last_event = now;
      const bool poll = options_.idle_poll.count() > 0 && now - last_event < options_.idle_poll_for;
      sleep(batch_.empty() ? std::chrono::milliseconds(500)
                           : std::chrono::duration_cast<std::chrono::milliseconds>(
                                 options_.flush_interval - since),
            poll);
    }
    write_batch();
    sink_.close();
    publish_progress(/*synced=*/true);
    writer_done_.store(true, std::memory_order_release);
    { std::lock_guard lock(flushed_mu_); }
    flushed_cv_.notify_all();
  }

  // `poll`: producers are not told we sleep (they never wake us); we look
  // again after idle_poll. flush() and close() still wake us.
  void sleep(std::chrono::milliseconds timeout, bool poll) {
    std::unique_lock lock(wake_mu_);
    if (!poll) sleeping_.store(true, std::memory_order_seq_cst);
    if (queue_.empty_hint() && !stop_.load(std::memory_order_seq_cst) && !flush_pending()) {
      const std::chrono::microseconds t = std::max(timeout, std::chrono::milliseconds(1));
      wake_cv_.wait_for(lock, poll ? std::min(t, options_.idle_poll) : t);
    }
    sleeping_.store(false, std::memory_order_relaxed);
  }

  void append(const Event& e) {
    auto body = C::encode(e, fbb_);
    payload_.clear();
    format::append_event_record_prefix(payload_);
    payload_.insert(payload_.end(), body.begin(), body.end());
    const size_t before = batch_.size();
    framing::append_frame(payload_, batch_);
    if (batch_.size() - before > framing::kMaxFrameBytes) [[unlikely]] {
      // Readers reject such frames (docs/format.md §5): don't write what
      // cannot be read back; count the event as lost and say why.
      const size_t frame_bytes = batch_.size() - before;
      batch_.resize(before);
      lost_.fetch_add(1, std::memory_order_relaxed);
      sink_.record_error("event of " + std::to_string(payload_.size() - 1) + " bytes (frame of " +
                         std::to_string(frame_bytes) + " bytes) exceeds the frame limit of " +
                         std::to_string(framing::kMaxFrameBytes) + " bytes; not written");
      return;
    }
    ++batch_events_;
  }

  void write_batch(bool publish = true) {
    if (batch_events_ == 0) return;
    if (sink_.is_open()) {
      // The directory may have been removed or replaced under us; writes to
      // a file without a name succeed but nobody can read them. Check now
      // and then (one fstat), and start a new file when it happened.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_link_check_ >= options_.reopen_interval) {
        last_link_check_ = now;
        if (sink_.current_file_unlinked()) {
          const auto s = status();
          sink_.record_error("event file " + s.current_file.string() +
                             " was removed while being written; starting a new file");
          last_open_attempt_ = now;
          sink_.open(epoch_);
        }
      }
    }
    if (!sink_.is_open()) {
      // The directory may become usable later (e.g. a volume mounted late);
      // retry now and then rather than for every batch.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_open_attempt_ >= options_.reopen_interval) {
        last_open_attempt_ = now;
        sink_.open(epoch_);
      }
    }
    if (sink_.write(batch_)) {
      written_.fetch_add(batch_events_, std::memory_order_relaxed);
    } else {
      lost_.fetch_add(batch_events_, std::memory_order_relaxed);
    }
    batch_.clear();
    batch_events_ = 0;
    if (publish) publish_progress(/*synced=*/false);  // advances under load too
  }

  // `synced`: everything written so far was just fsynced (kOnClose).
  void publish_progress(bool synced) {
    const uint64_t done = processed_ - batch_events_;
    const bool durable_moves = (synced || options_.fsync != FsyncPolicy::kOnClose) &&
                               done != durable_seq_.load(std::memory_order_relaxed);
    if (done == flushed_seq_.load(std::memory_order_relaxed) && !durable_moves) return;
    {
      std::lock_guard lock(flushed_mu_);
      flushed_seq_.store(done, std::memory_order_release);
      if (durable_moves) durable_seq_.store(done, std::memory_order_release);
    }
    flushed_cv_.notify_all();
  }

  const FileBackendOptions options_;
  MpmcQueue<Event> queue_;
  FileSink sink_;  // writer thread only (after construction)

  // Producer/consumer handshake.
  std::atomic<bool> closed_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> sleeping_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<uint64_t> flush_target_{0};
  std::atomic<uint64_t> flushed_seq_{0};  // events written (or lost)
  std::atomic<uint64_t> durable_seq_{0};  // of those, fsynced as the policy demands
  std::atomic<bool> writer_done_{false};
  std::mutex flushed_mu_;
  std::condition_variable flushed_cv_;
  std::mutex close_mu_;

  // Counters (see FileBackendStatus).
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> lost_{0};

  // Writer-thread state.
  uint64_t epoch_ = options_.initial_epoch;  // the epoch events now belong to
  std::chrono::steady_clock::time_point last_open_attempt_;
  std::chrono::steady_clock::time_point last_link_check_;
  uint64_t processed_ = 0;   // events popped
  uint64_t batch_events_ = 0;
  std::vector<uint8_t> batch_;
  std::vector<uint8_t> payload_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::thread writer_;
};

}  // namespace eventkit
