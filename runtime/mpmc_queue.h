// Dmitry Vyukov's bounded MPMC queue. try_push/try_pop take no lock, never
// allocate and make no system call; each costs one CAS on the shared
// position plus one acquire/release pair on the cell.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <utility>

namespace eventkit {

template <class T>
class MpmcQueue {
 public:
  // `capacity` is rounded up to a power of two (at least 2).
  explicit MpmcQueue(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
        cells_(std::make_unique<Cell[]>(mask_ + 1)) {
    for (size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  MpmcQueue(const MpmcQueue&) = delete;
  MpmcQueue& operator=(const MpmcQueue&) = delete;
  ~MpmcQueue() {
    while (try_pop()) {
    }
  }

  size_t capacity() const { return mask_ + 1; }

  // Moves from `value` only on success. `ticket`, if given, receives the
  // value's position in the total push order (0, 1, 2, ...).
  bool try_push(T& value, uint64_t* ticket = nullptr) {
    size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const size_t seq = cell.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (diff == 0) {
        // seq_cst (free on x86: a CAS is a full barrier anyway) so that a
        // producer's later seq_cst load of a consumer's "sleeping" flag
        // forms a Dekker pair with the consumer's flag store + empty_hint().
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                               std::memory_order_relaxed)) {
          ::new (static_cast<void*>(cell.storage)) T(std::move(value));
          cell.seq.store(pos + 1, std::memory_order_release);
          if (ticket) *ticket = pos;
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  std::optional<T> try_pop() {
    size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const size_t seq = cell.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* item = std::launder(reinterpret_cast<T*>(cell.storage));
          std::optional<T> out(std::move(*item));
          item->~T();
          cell.seq.store(pos + mask_ + 1, std::memory_order_release);
          return out;
        }
      } else if (diff < 0) {
        return std::nullopt;  // empty
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  // Approximate (racy) emptiness, for the writer's sleep decision.
  bool empty_hint() const {
    return dequeue_pos_.load(std::memory_order_seq_cst) >=
           enqueue_pos_.load(std::memory_order_seq_cst);
  }
  // Number of successful pushes so far.
  uint64_t pushed() const { return enqueue_pos_.load(std::memory_order_acquire); }

 private:
  static constexpr size_t kLine = 64;
  struct Cell {
    std::atomic<size_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
  };

  const size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kLine) std::atomic<size_t> enqueue_pos_{0};
  alignas(kLine) std::atomic<size_t> dequeue_pos_{0};
};

}  // namespace eventkit
