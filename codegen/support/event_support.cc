#include "codegen/support/event_support.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

namespace eventkit::gen {

void append(std::string& out, bool v) { out += v ? "true" : "false"; }
void append(std::string& out, std::string_view v) { out += v; }

template <class F>
static void append_float(std::string& out, F v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}
void append(std::string& out, double v) { append_float(out, v); }
void append(std::string& out, float v) { append_float(out, v); }

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}
void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_hex(std::string& out, std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
}

std::string format_timestamp(Timestamp t) {
  // Integer arithmetic on the count: converting floor<seconds>(t) back to
  // nanoseconds overflows for timestamps near the int64 limits (any decoded
  // event may carry one; found by fuzz/record_decoder_fuzzer).
  const int64_t ns = t.time_since_epoch().count();
  int64_t nanos = ns % 1'000'000'000;
  std::time_t tt = ns / 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    tt -= 1;
  }
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos));
  return buf;
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':' || !num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) ||
      !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t digits = 0;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) frac *= 10;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  // Years 0000-9999 parse, but Timestamp (int64 ns) spans only 1677-2262:
  // reject what it cannot hold instead of overflowing (found by fuzzing).
  const int64_t secs = (seconds{sys_days{ymd}.time_since_epoch()} + hours{h} + minutes{mi} +
                        seconds{se}).count();
  const __int128 ns = static_cast<__int128>(secs) * 1'000'000'000 + frac;
  if (ns > std::numeric_limits<int64_t>::max() || ns < std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return Timestamp{nanoseconds{static_cast<int64_t>(ns)}};
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace eventkit::gen
