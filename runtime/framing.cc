#include "runtime/framing.h"

#include <cstring>

#include "runtime/crc32c.h"

namespace eventkit::framing {
namespace {

// Byte-at-a-time canonical COBS encoder, so a frame's payload and CRC can be
// encoded without first concatenating them.
class CobsEncoder {
 public:
  explicit CobsEncoder(std::vector<uint8_t>& out) : out_(out) { open_block(); }

  void push(uint8_t b) {
    if (!open_) open_block();
    if (b == 0) {
      close_block();
      open_block();  // a zero always starts a new (possibly empty) block
      return;
    }
    out_.push_back(b);
    if (++code_ == 0xff) close_block();  // full block: no implied zero
  }
  void push(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes) push(b);
  }
  void finish() {
    if (open_) close_block();
  }

 private:
  void open_block() {
    code_index_ = out_.size();
    out_.push_back(0);  // placeholder for the code byte
    code_ = 1;
    open_ = true;
  }
  void close_block() {
    out_[code_index_] = code_;
    open_ = false;
  }

  std::vector<uint8_t>& out_;
  size_t code_index_ = 0;
  uint8_t code_ = 1;
  bool open_ = false;
};

}  // namespace

void cobs_encode(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  out.reserve(out.size() + cobs_max_encoded_size(in.size()));
  CobsEncoder enc(out);
  enc.push(in);
  enc.finish();
}

std::optional<std::string> cobs_decode(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const uint8_t code = in[i];
    if (code == 0) return "COBS: zero code byte at frame offset " + std::to_string(i);
    const size_t data = code - 1u;
    if (data > in.size() - i - 1) {
      return "COBS: block at frame offset " + std::to_string(i) + " overruns the frame";
    }
    for (size_t k = 1; k <= data; ++k) {
      if (in[i + k] == 0) return "COBS: zero data byte";
      out.push_back(in[i + k]);
    }
    i += code;
    // Every block but a full one is followed by a zero, except the implied
    // zero at the very end of the frame.
    if (code != 0xff && i < in.size()) out.push_back(0);
  }
  return std::nullopt;
}

void append_frame(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  const uint32_t m = crc32c::mask(crc32c::value(payload));
  const uint8_t crc[kCrcBytes] = {static_cast<uint8_t>(m), static_cast<uint8_t>(m >> 8),
                                  static_cast<uint8_t>(m >> 16), static_cast<uint8_t>(m >> 24)};
  out.reserve(out.size() + cobs_max_encoded_size(payload.size() + kCrcBytes) + 1);
  CobsEncoder enc(out);
  enc.push(payload);
  enc.push(std::span<const uint8_t>(crc, kCrcBytes));
  enc.finish();
  out.push_back(kTerminator);
}

std::optional<std::string> unframe(std::span<const uint8_t> encoded,
                                   std::vector<uint8_t>& payload) {
  if (auto err = cobs_decode(encoded, payload)) return err;
  if (payload.size() < kCrcBytes) return "frame shorter than its CRC";
  const size_t n = payload.size() - kCrcBytes;
  const uint8_t* c = payload.data() + n;
  const uint32_t stored = uint32_t{c[0]} | uint32_t{c[1]} << 8 | uint32_t{c[2]} << 16 |
                          uint32_t{c[3]} << 24;
  const uint32_t actual = crc32c::value(std::span<const uint8_t>(payload.data(), n));
  if (crc32c::unmask(stored) != actual) return "CRC mismatch";
  payload.resize(n);
  return std::nullopt;
}

FrameScanner::FrameScanner(uint64_t start_offset, size_t max_frame_bytes)
    : buf_offset_(start_offset), max_frame_bytes_(max_frame_bytes) {}

void FrameScanner::append(std::span<const uint8_t> bytes) {
  // Compact lazily so consumed bytes are not copied on every append.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    buf_offset_ += pos_;
    searched_ -= pos_;
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::optional<FrameScanner::Item> FrameScanner::next() {
  for (;;) {
    const uint8_t* base = buf_.data();
    const void* z = searched_ < buf_.size()
                        ? std::memchr(base + searched_, kTerminator, buf_.size() - searched_)
                        : nullptr;
    if (z == nullptr) {
      searched_ = buf_.size();
      const size_t pending = buf_.size() - pos_;
      if (pending > max_frame_bytes_ || discarded_ + pending > max_frame_bytes_) {
        // Oversized: drop what we hold, remember where the frame started.
        if (discarded_ == 0) discard_offset_ = buf_offset_ + pos_;
        discarded_ += pending;
        buf_offset_ += buf_.size();
        buf_.clear();
        pos_ = searched_ = 0;
      }
      return std::nullopt;
    }
    const size_t end = static_cast<size_t>(static_cast<const uint8_t*>(z) - base);
    const size_t start = pos_;
    pos_ = searched_ = end + 1;
    if (discarded_ > 0) {
      Item item{Item::Kind::kCorrupt, discard_offset_, discarded_ + (end - start) + 1, {},
                "frame longer than " + std::to_string(max_frame_bytes_) + " bytes"};
      discarded_ = 0;
      return item;
    }
    if (end == start) {  // 0x00 right after 0x00: padding
      ++padding_;
      continue;
    }
    const uint64_t offset = buf_offset_ + start;
    const uint64_t length = end - start + 1;
    auto err = unframe(std::span<const uint8_t>(base + start, end - start), decoded_);
    if (err) return Item{Item::Kind::kCorrupt, offset, length, {}, std::move(*err)};
    return Item{Item::Kind::kFrame, offset, length, decoded_, {}};
  }
}

}  // namespace eventkit::framing
