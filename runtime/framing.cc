#include "runtime/framing.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "runtime/crc32c.h"

namespace eventkit::framing {
namespace {

// Canonical COBS, byte at a time (any input). Returns the output end.
uint8_t* cobs_encode_bytewise(const uint8_t* p, size_t n, uint8_t* o) {
  const uint8_t* const end = p + n;
  uint8_t* code_ptr = o++;
  uint8_t code = 1;
  bool open = true;
  for (; p != end; ++p) {
    const uint8_t b = *p;
    if (!open) {  // a full block closed just before: start the next one
      code_ptr = o++;
      code = 1;
      open = true;
    }
    if (b == 0) {  // close the block; a zero always starts a new (maybe empty) one
      *code_ptr = code;
      code_ptr = o++;
      code = 1;
      continue;
    }
    *o++ = b;
    if (++code == 0xff) {  // full block: no implied zero
      *code_ptr = code;
      open = false;
    }
  }
  if (open) *code_ptr = code;
  return o;
}

// Bitmask of the zero bytes among p[0..16).
inline uint32_t zero_mask16(const uint8_t* p) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())));
#else
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) m |= uint32_t{p[i] == 0} << i;
  return m;
#endif
}

// Canonical COBS of p[0..n) written at `o` (room for cobs_max_encoded_size);
// returns the output end. When no run of non-zero bytes reaches 254 (always
// for typical events) the output is the input shifted by one with every zero
// replaced by the length of the block that follows it: one memcpy, then the
// zeros found 16 at a time patch in the code bytes. Otherwise byte at a time.
uint8_t* cobs_encode_to(const uint8_t* p, size_t n, uint8_t* o) {
  if (n != 0) std::memcpy(o + 1, p, n);  // p may be null when n == 0
  size_t block = 0;  // input index where the current block starts (its code byte is o[block])
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (uint32_t m = zero_mask16(p + i); m != 0; m &= m - 1) {
      const size_t z = i + static_cast<size_t>(__builtin_ctz(m));
      if (z - block >= 254) return cobs_encode_bytewise(p, n, o);
      o[block] = static_cast<uint8_t>(z - block + 1);
      block = z + 1;
    }
  }
  for (; i < n; ++i) {
    if (p[i] != 0) continue;
    if (i - block >= 254) return cobs_encode_bytewise(p, n, o);
    o[block] = static_cast<uint8_t>(i - block + 1);
    block = i + 1;
  }
  if (n - block >= 254) return cobs_encode_bytewise(p, n, o);
  o[block] = static_cast<uint8_t>(n - block + 1);
  return o + n + 1;
}

}  // namespace

void cobs_encode(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + cobs_max_encoded_size(in.size()));
  uint8_t* e = cobs_encode_to(in.data(), in.size(), out.data() + start);
  out.resize(static_cast<size_t>(e - out.data()));
}

std::optional<std::string> cobs_decode(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  // Fast path (no zero byte, no full 0xFF block: typical frames): the data is
  // the input shifted by one with each inner code byte turned into a zero.
  const size_t n = in.size();
  if (n > 0 && std::memchr(in.data(), 0, n) == nullptr) {
    out.resize(n - 1);
    if (n > 1) std::memcpy(out.data(), in.data() + 1, n - 1);
    size_t i = 0;
    for (;;) {
      const uint8_t code = in[i];
      if (code == 0xff) break;  // general path below
      i += code;
      if (i >= n) {
        if (i == n) return std::nullopt;
        break;  // overrun: the general path reports it
      }
      out[i - 1] = 0;
    }
  }
  out.resize(in.size());  // decoded output is never longer than its encoding
  uint8_t* o = out.data();
  size_t i = 0;
  while (i < in.size()) {
    const uint8_t code = in[i];
    if (code == 0) {
      out.clear();
      return "COBS: zero code byte at frame offset " + std::to_string(i);
    }
    const size_t data = code - 1u;
    if (data > in.size() - i - 1) {
      out.clear();
      return "COBS: block at frame offset " + std::to_string(i) + " overruns the frame";
    }
    const uint8_t* src = in.data() + i + 1;
    for (size_t k = 0; k < data; ++k) {
      if (src[k] == 0) {
        out.clear();
        return "COBS: zero data byte";
      }
      *o++ = src[k];
    }
    i += code;
    // Every block but a full one is followed by a zero, except the implied
    // zero at the very end of the frame.
    if (code != 0xff && i < in.size()) *o++ = 0;
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return std::nullopt;
}

void append_frame(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  const uint32_t m = crc32c::mask(crc32c::value(payload));
  // COBS works on payload || CRC as one stream; assemble it in a reused
  // per-thread buffer (a memcpy of the payload is cheaper than a stateful
  // byte-at-a-time encoder).
  thread_local std::vector<uint8_t> framed;
  framed.resize(payload.size() + kCrcBytes);
  if (!payload.empty()) std::memcpy(framed.data(), payload.data(), payload.size());
  uint8_t* c = framed.data() + payload.size();
  c[0] = static_cast<uint8_t>(m);
  c[1] = static_cast<uint8_t>(m >> 8);
  c[2] = static_cast<uint8_t>(m >> 16);
  c[3] = static_cast<uint8_t>(m >> 24);
  const size_t start = out.size();
  out.resize(start + cobs_max_encoded_size(framed.size()) + 1);
  uint8_t* e = cobs_encode_to(framed.data(), framed.size(), out.data() + start);
  *e++ = kTerminator;
  out.resize(static_cast<size_t>(e - out.data()));
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
