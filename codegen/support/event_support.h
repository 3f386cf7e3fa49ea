// Schema-independent helpers that generated event libraries call: equality
// that treats NaN as equal to NaN (so decode(encode(e)) == e holds for every
// value), display formatting of primitives, hex, and UTC timestamps.
#pragma once

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace eventkit::gen {

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// Field equality for generated operator==. Floating point compares by value,
// except that NaN equals NaN: events are values, and a NaN loss written to a
// file must compare equal to itself when read back.
template <class T>
bool same(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a == b || (std::isnan(a) && std::isnan(b));
  } else {
    return a == b;
  }
}
template <class T>
bool same(const std::optional<T>& a, const std::optional<T>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same(*a, *b);
}

// Display of primitives (appending keeps one buffer per line).
void append(std::string& out, bool v);
void append(std::string& out, std::string_view v);
void append(std::string& out, double v);  // shortest round-trip form; nan, inf
void append(std::string& out, float v);
void append_int(std::string& out, int64_t v);
void append_uint(std::string& out, uint64_t v);
template <class T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
void append(std::string& out, T v) {
  if constexpr (std::is_signed_v<T>) {
    append_int(out, v);
  } else {
    append_uint(out, v);
  }
}
void append_hex(std::string& out, std::span<const uint8_t> bytes);

// "2026-12-03T16:37:09.123456789Z" (RFC 3339, UTC, always 9 digits).
std::string format_timestamp(Timestamp t);
// Parses the form above (fraction optional, 1–9 digits); nullopt if
// malformed or outside what int64 nanoseconds hold (years 1678–2261).
std::optional<Timestamp> parse_timestamp(std::string_view text);

// Appends `s` as a JSON string (RFC 8259 escapes; bytes are kept as they
// are, so valid UTF-8 stays valid).
void append_json_string(std::string& out, std::string_view s);

// Printable form of a string for PrintTo: quoted, with C escapes.
std::string quoted(std::string_view s);

}  // namespace eventkit::gen
