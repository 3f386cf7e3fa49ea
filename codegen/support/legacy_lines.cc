#include "codegen/support/legacy_lines.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "codegen/support/legacy_fields.h"

namespace eventkit::legacy {

const char* kind_name(LineKind k) {
  switch (k) {
    case LineKind::kMapped: return "mapped";
    case LineKind::kSkipped: return "skipped";
    case LineKind::kRejected: return "rejected";
    case LineKind::kJoined: return "joined";
  }
  return "?";
}

const char* kind_name(Difference::Kind k) {
  switch (k) {
    case Difference::Kind::kLegacyOnly: return "legacy only";
    case Difference::Kind::kFileOnly: return "file only";
    case Difference::Kind::kMismatch: return "mismatch";
  }
  return "?";
}

const char* json_type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "array";
    case T::OBJECT: return "object";
    case T::INT64: return "integer";
    case T::UINT64: return "integer";
    case T::DOUBLE: return "number";
    case T::STRING: return "string";
    case T::BOOL: return "boolean";
    case T::NULL_VALUE: return "null";
  }
  return "?";
}

// ---- LineAdapterCore ----------------------------------------------------------
namespace {
constexpr std::string_view kMarkerKey = "integration_test_log_marker";
constexpr std::string_view kJsonFilePrefix = "{\"log\":";
// Longest line re-joined from Docker pieces (a json-file stream that never
// ends its line is not buffered forever).
constexpr size_t kMaxJoinedBytes = size_t{32} << 20;

std::string_view trim_eol(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `docker logs --timestamps`: "2026-12-03T16:12:25.684330789Z <line>".
bool strip_docker_timestamp(std::string_view& s) {
  if (s.size() < 21 || !is_digit(s[0]) || !is_digit(s[3]) || s[4] != '-' || s[7] != '-' ||
      s[10] != 'T') {
    return false;
  }
  const size_t limit = std::min<size_t>(s.size(), 40);
  for (size_t i = 19; i < limit; ++i) {
    if (s[i] == ' ') {
      s.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

bool starts_object(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t') continue;
    return c == '{';
  }
  return false;
}
}  // namespace

struct LineAdapterCore::Impl {
  MapFn map;
  std::vector<std::string> level_needles;  // "\"ERROR\""
  simdjson::dom::parser parser;             // the tracing line
  simdjson::dom::parser outer;              // Docker json-file entries
  Counters counters;
  std::vector<Rejection> rejections;
  struct Pending {
    std::string stream;
    std::string text;
    uint64_t first_line = 0;
  };
  std::vector<Pending> pending;

  bool interesting(std::string_view text) const {
    if (text.find(kMarkerKey) != std::string_view::npos) return true;
    for (const auto& n : level_needles) {
      if (text.find(n) != std::string_view::npos) return true;
    }
    return false;
  }

  LineResult reject(uint64_t no, std::string reason) {
    ++counters.rejected;
    rejections.push_back({no, std::move(reason)});
    return {LineKind::kRejected, no};
  }

  // One complete tracing line.
  LineResult process(std::string_view text, uint64_t no, void* event) {
    if (!interesting(text)) {
      ++counters.skipped;
      return {LineKind::kSkipped, no};
    }
    simdjson::dom::element root;
    auto error = parser.parse(text.data(), text.size(), true).get(root);
    if (error) {
      if (!starts_object(text)) {
        ++counters.skipped;
        return {LineKind::kSkipped, no};
      }
      return reject(no, std::string("malformed JSON: ") + simdjson::error_message(error));
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
      ++counters.skipped;
      return {LineKind::kSkipped, no};
    }
    std::string_view marker, level;
    if (object.at_key(kMarkerKey).get_string().get(marker) != simdjson::SUCCESS) marker = {};
    if (object.at_key("level").get_string().get(level) != simdjson::SUCCESS) level = {};
    Fields fields(object, marker, level);
    switch (map(fields, event)) {
      case MapStatus::kMapped:
        ++counters.mapped;
        return {LineKind::kMapped, no};
      case MapStatus::kNotMarker:
        ++counters.skipped;
        return {LineKind::kSkipped, no};
      case MapStatus::kRejected:
        break;
    }
    std::string reason = marker.empty() ? "level " + std::string(level) : std::string(marker);
    reason += ": ";
    reason += fields.reason();
    return reject(no, std::move(reason));
  }

  LineResult json_file(std::string_view line, uint64_t no, void* event) {
    simdjson::dom::element root;
    std::string_view log, stream;
    if (outer.parse(line.data(), line.size(), true).get(root) != simdjson::SUCCESS ||
        root["log"].get_string().get(log) != simdjson::SUCCESS) {
      return process(line, no, event);  // not a json-file entry after all
    }
    if (root["stream"].get_string().get(stream) != simdjson::SUCCESS) stream = {};
    auto it = std::find_if(pending.begin(), pending.end(),
                           [&](const Pending& p) { return p.stream == stream; });
    const bool last = !log.empty() && log.back() == '\n';
    if (!last) {
      if (it == pending.end()) {
        pending.push_back({std::string(stream), std::string(log), no});
        it = pending.end() - 1;
      } else {
        it->text.append(log);
      }
      ++counters.joined;
      if (it->text.size() > kMaxJoinedBytes) {
        // A stream that never ends its line: stop holding it in memory.
        Pending p = std::move(*it);
        pending.erase(it);
        --counters.joined;  // this piece stands for the whole line
        return process(p.text, p.first_line, event);
      }
      return {LineKind::kJoined, no};
    }
    log.remove_suffix(1);
    if (!log.empty() && log.back() == '\r') log.remove_suffix(1);
    if (it == pending.end()) return process(log, no, event);
    Pending p = std::move(*it);
    pending.erase(it);
    p.text.append(log);
    return process(p.text, p.first_line, event);
  }
};

LineAdapterCore::LineAdapterCore(MapFn map, std::vector<std::string> levels)
    : impl_(std::make_unique<Impl>()) {
  impl_->map = map;
  for (auto& l : levels) impl_->level_needles.push_back("\"" + l + "\"");
}
LineAdapterCore::~LineAdapterCore() = default;
LineAdapterCore::LineAdapterCore(LineAdapterCore&&) noexcept = default;
LineAdapterCore& LineAdapterCore::operator=(LineAdapterCore&&) noexcept = default;

LineResult LineAdapterCore::feed(std::string_view line, void* event) {
  Impl& d = *impl_;
  const uint64_t no = ++d.counters.lines;
  line = trim_eol(line);
  if (line.substr(0, kJsonFilePrefix.size()) == kJsonFilePrefix) return d.json_file(line, no, event);
  strip_docker_timestamp(line);
  return d.process(line, no, event);
}

void LineAdapterCore::finish(void* event, const std::function<void(LineResult)>& on_result) {
  Impl& d = *impl_;
  auto pending = std::move(d.pending);
  d.pending.clear();
  for (auto& p : pending) {
    --d.counters.joined;  // the first piece now stands for the whole line
    on_result(d.process(p.text, p.first_line, event));
  }
}

const Counters& LineAdapterCore::counters() const { return impl_->counters; }
const std::vector<Rejection>& LineAdapterCore::rejections() const { return impl_->rejections; }

// ---- Conversions ----------------------------------------------------------------
namespace {
bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || !is_digit(s[0])) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
}  // namespace

bool parse_interval(std::string_view text, std::string_view prefix, uint64_t& start,
                    uint64_t& end) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  if (!text.empty() && text.front() == '[') {
    if (text.back() != ']') return false;
    text = text.substr(1, text.size() - 2);
    const size_t comma = text.find(", ");
    if (comma == std::string_view::npos) return false;
    if (!parse_u64(text.substr(0, comma), start) || !parse_u64(text.substr(comma + 2), end)) {
      return false;
    }
    return start <= end;
  }
  if (!parse_u64(text, start)) return false;
  end = start;
  return true;
}

void append_interval(std::string& out, std::string_view prefix, uint64_t start, uint64_t end) {
  out += prefix;
  if (start == end) {
    ::eventkit::gen::append_uint(out, start);
    return;
  }
  out += '[';
  ::eventkit::gen::append_uint(out, start);
  out += ", ";
  ::eventkit::gen::append_uint(out, end);
  out += ']';
}

namespace {
// Rust's Debug of a str: "\"...\"" with \" \\ \n \r \t \0 \' \u{…} escapes.
bool unescape_rust_debug(std::string_view s, std::string& out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  s = s.substr(1, s.size() - 2);
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return false;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case 'u': {
        if (i + 1 >= s.size() || s[i + 1] != '{') return false;
        const size_t close = s.find('}', i);
        if (close == std::string_view::npos) return false;
        uint32_t cp = 0;
        auto hex = s.substr(i + 2, close - i - 2);
        auto r = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
        if (hex.empty() || r.ec != std::errc() || r.ptr != hex.data() + hex.size() ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return false;
        }
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        i = close;
        break;
      }
      default: return false;
    }
  }
  return true;
}
}  // namespace

bool parse_rust_option(std::string_view text, std::optional<std::string>& out) {
  if (text == "None") {
    out.reset();
    return true;
  }
  if (text.size() < 6 || text.substr(0, 5) != "Some(" || text.back() != ')') return false;
  std::string_view inner = text.substr(5, text.size() - 6);
  std::string unescaped;
  if (!inner.empty() && inner.front() == '"' && unescape_rust_debug(inner, unescaped)) {
    out = std::move(unescaped);
  } else {
    out.emplace(inner);
  }
  return true;
}

std::string format_rust_option(const std::optional<std::string>& v) {
  if (!v) return "None";
  return "Some(" + *v + ")";
}

bool is_non_finite_text(std::string_view text) {
  std::string lower;
  for (char c : text.substr(0, 16)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text.size() > 16) return false;
  if (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) lower.erase(0, 1);
  return lower == "nan" || lower == "inf" || lower == "infinity";
}

// ---- LineWriter ---------------------------------------------------------------

LineWriter::LineWriter(Timestamp timestamp, std::string_view level) {
  out_ = "{\"timestamp\":";
  append_json_string(out_, ::eventkit::gen::format_timestamp(timestamp));
  out_ += ",\"level\":";
  append_json_string(out_, level);
}
void LineWriter::key(std::string_view k) {
  out_ += ',';
  append_json_string(out_, k);
  out_ += ':';
}
void LineWriter::string(std::string_view k, std::string_view value) {
  key(k);
  append_json_string(out_, value);
}
void LineWriter::null(std::string_view k) {
  key(k);
  out_ += "null";
}
void LineWriter::unsigned_int(std::string_view k, uint64_t value) {
  key(k);
  ::eventkit::gen::append_uint(out_, value);
}
void LineWriter::signed_int(std::string_view k, int64_t value) {
  key(k);
  ::eventkit::gen::append_int(out_, value);
}
void LineWriter::number(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    out_ += "null";
    return;
  }
  char buf[64];
  // Shortest form, but never a bare integer beyond the exactly representable
  // range: to_chars writes 2^64 as "18446744073709552000", which JSON
  // readers (simdjson) reject as an integer too big for 64 bits, so the
  // line would not read back (found by fuzz/legacy_line_fuzzer).
  auto r = std::abs(value) >= 1e16
               ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific)
               : std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, r.ptr);
}
void LineWriter::boolean(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
}
std::string LineWriter::finish(std::string_view target) && {
  key("target");
  append_json_string(out_, target);
  out_ += '}';
  return std::move(out_);
}

// ---- Comparison ---------------------------------------------------------------
std::string Comparison::report() const {
  std::string out;
  for (const auto& d : differences) {
    out += kind_name(d.kind);
    out += ": ";
    out += d.marker;
    out += " (";
    out += d.variant;
    out += ")";
    if (d.legacy_index) out += " legacy#" + std::to_string(*d.legacy_index);
    if (d.file_index) out += " file#" + std::to_string(*d.file_index);
    for (const auto& f : d.fields) {
      out += "\n    " + f.field + ": legacy " + f.legacy + " != file " + f.file;
    }
    out += '\n';
  }
  out += agree ? "AGREE" : "DISAGREE";
  out += ": " + std::to_string(legacy_events) + " legacy marker events, " +
         std::to_string(file_events) + " file marker events, " + std::to_string(matched) +
         " matched, " + std::to_string(differences.size()) + " differences\n";
  return out;
}

std::vector<std::pair<size_t, size_t>> align(size_t n, size_t m,
                                             const std::function<bool(size_t, size_t)>& equal,
                                             size_t max_cells) {
  std::vector<std::pair<size_t, size_t>> out;
  if (n == 0 || m == 0) return out;
  if ((n + 1) * (m + 1) > max_cells) {
    // Greedy: each left item takes the next equal right item within a window.
    size_t j = 0;
    for (size_t i = 0; i < n && j < m; ++i) {
      for (size_t k = j; k < std::min(m, j + 64); ++k) {
        if (equal(i, k)) {
          out.emplace_back(i, k);
          j = k + 1;
          break;
        }
      }
    }
    return out;
  }
  // L[i][j] = LCS length of suffixes i.., j..
  std::vector<uint32_t> L((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return L[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = equal(i, j) ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (equal(i, j) && at(i, j) == at(i + 1, j + 1) + 1) {
      out.emplace_back(i++, j++);
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

}  // namespace eventkit::legacy
