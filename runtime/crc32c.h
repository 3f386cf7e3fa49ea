// CRC32C (Castagnoli) and LevelDB-style masking; see docs/format.md §2.
#pragma once

#include <cstdint>
#include <span>

namespace eventkit::crc32c {

// Extends `crc` (a finished CRC32C of earlier bytes, 0 for none) with `data`.
uint32_t extend(uint32_t crc, std::span<const uint8_t> data);
inline uint32_t value(std::span<const uint8_t> data) { return extend(0, data); }

// Portable table implementation; exposed so tests can compare it with the
// hardware path on the machine they run on.
uint32_t extend_portable(uint32_t crc, std::span<const uint8_t> data);
bool hardware_available();

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Masking keeps CRCs of data that itself contains CRCs strong (LevelDB).
inline constexpr uint32_t mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline constexpr uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}
static_assert(unmask(mask(0x12345678u)) == 0x12345678u);

}  // namespace eventkit::crc32c
