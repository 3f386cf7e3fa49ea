// Record framing: COBS(payload || masked CRC32C LE32) followed by 0x00.
// Works on bytes only; see docs/format.md §2 and §5 for the rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace eventkit::framing {

inline constexpr uint8_t kTerminator = 0x00;
inline constexpr size_t kCrcBytes = 4;
// Frames longer than this (encoded) are reported corrupt without buffering.
inline constexpr size_t kMaxFrameBytes = size_t{16} << 20;

// Upper bound of COBS output for `n` input bytes (no terminator).
constexpr size_t cobs_max_encoded_size(size_t n) { return n + n / 254 + 1; }

// Appends the canonical COBS encoding of `in` to `out` (no terminator).
void cobs_encode(std::span<const uint8_t> in, std::vector<uint8_t>& out);

// Decodes `in` (one frame without its terminator) into `out` (replaced).
// Returns an error text, or nullopt on success.
std::optional<std::string> cobs_decode(std::span<const uint8_t> in, std::vector<uint8_t>& out);

// Appends one complete frame for `payload` (any length, may be empty) to `out`.
void append_frame(std::span<const uint8_t> payload, std::vector<uint8_t>& out);

// Decodes one frame body (without the terminator) and checks its CRC. On
// success `payload` holds the payload (CRC stripped) and nullopt is returned.
std::optional<std::string> unframe(std::span<const uint8_t> encoded,
                                   std::vector<uint8_t>& payload);

// Incremental scanner: feed it bytes as they are appended to a file, pull
// complete frames out. Bytes after the last terminator stay pending (a torn
// tail when the file is complete, a partial frame when tailing a live file).
class FrameScanner {
 public:
  struct Item {
    enum class Kind { kFrame, kCorrupt };
    Kind kind;
    uint64_t offset;  // stream offset of the frame's first byte
    uint64_t length;  // encoded length including the terminator
    // kFrame: the payload; valid until the next call to next() or append().
    std::span<const uint8_t> payload;
    std::string reason;  // kCorrupt: why
  };

  // `start_offset` is the stream offset of the first byte to be appended.
  explicit FrameScanner(uint64_t start_offset = 0, size_t max_frame_bytes = kMaxFrameBytes);

  void append(std::span<const uint8_t> bytes);

  // Next complete frame or corrupt frame, or nullopt when more bytes are
  // needed. Padding (empty frames) is skipped and counted.
  std::optional<Item> next();

  // Bytes after the last terminator seen, and where they start.
  uint64_t pending_bytes() const { return discarded_ + (buf_.size() - pos_); }
  uint64_t pending_offset() const { return discarded_ ? discard_offset_ : buf_offset_ + pos_; }
  uint64_t padding_bytes() const { return padding_; }

 private:
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;       // first unconsumed byte in buf_
  size_t searched_ = 0;  // buf_[pos_, searched_) holds no terminator
  uint64_t buf_offset_;  // stream offset of buf_[0]
  size_t max_frame_bytes_;
  uint64_t discarded_ = 0;  // bytes of an oversized frame already dropped
  uint64_t discard_offset_ = 0;
  uint64_t padding_ = 0;
  std::vector<uint8_t> decoded_;
};

}  // namespace eventkit::framing
