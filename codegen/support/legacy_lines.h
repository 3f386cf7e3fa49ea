// Schema-independent half of the legacy log-marker adapters (docs/legacy.md).
//
// Generated `<name>_legacy.cc` files map a parsed tracing JSON object to a
// typed event (one function per marker variant, from the schema's legacy
// attributes); everything that does not depend on the schema lives here:
//  - LineAdapterCore: the three line forms (raw tracing JSON, Docker
//    json-file entries incl. 16 KiB splits, `docker logs --timestamps`),
//    JSON parsing (simdjson), counters and rejections;
//  - the value conversions' text forms (BatchId-style intervals, Rust
//    Option Debug), used both ways;
//  - LineWriter: prints a marker line like tracing-subscriber's JSON
//    formatter does;
//  - the comparison result types and the sequence alignment compare uses.
// This header does not include simdjson; legacy_fields.h does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codegen/support/event_support.h"

namespace eventkit::legacy {

using Timestamp = ::eventkit::gen::Timestamp;

class Fields;  // legacy_fields.h

// What one fed line turned into.
enum class LineKind : uint8_t {
  kMapped,    // a marker (or legacy-level) line: produced an event
  kSkipped,   // not JSON, not an object, or not a marker line
  kRejected,  // a marker line that could not be mapped (see rejections())
  kJoined,    // a Docker json-file piece without '\n': held until the last piece
};
const char* kind_name(LineKind k);

struct Counters {
  uint64_t lines = 0;     // physical lines fed
  uint64_t mapped = 0;
  uint64_t skipped = 0;
  uint64_t rejected = 0;
  uint64_t joined = 0;    // pieces of split Docker entries absorbed into a later line
  // Once finish() ran: lines == mapped + skipped + rejected + joined.
  friend bool operator==(const Counters&, const Counters&) = default;
};

struct Rejection {
  uint64_t line_no;    // 1-based physical line (first piece of a joined line)
  std::string reason;  // e.g. "state_change: field 'epoch': expected an unsigned integer, got string"
  friend bool operator==(const Rejection&, const Rejection&) = default;
};

struct LineResult {
  LineKind kind;
  uint64_t line_no;
};

// The schema-specific part: maps a parsed object to the event at `event`.
enum class MapStatus : uint8_t { kMapped, kNotMarker, kRejected };
using MapFn = MapStatus (*)(Fields& fields, void* event);

class LineAdapterCore {
 public:
  // `levels`: the schema's legacy_level values (lines at these levels are
  // marker lines even without a marker field). `map` fills `*event`.
  LineAdapterCore(MapFn map, std::vector<std::string> levels);
  ~LineAdapterCore();
  LineAdapterCore(LineAdapterCore&&) noexcept;
  LineAdapterCore& operator=(LineAdapterCore&&) noexcept;

  // One line, with or without its trailing "\n" / "\r\n". Never throws on
  // any input bytes. Docker pieces of one line are held up to 32 MiB; a
  // longer line is processed (normally rejected as truncated) at that size.
  LineResult feed(std::string_view line, void* event);
  // End of input: Docker pieces still waiting for their last piece are
  // processed as they are; `on_result` is called for each (event filled
  // when mapped).
  void finish(void* event, const std::function<void(LineResult)>& on_result);

  const Counters& counters() const;
  const std::vector<Rejection>& rejections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Conversions: text forms ------------------------------------------------
// Interval display (`interval` attribute): "B5" (start == end) or "B[1, 3]".
// Parsing accepts both (and "B[5, 5]"); rejects end < start and overflow.
bool parse_interval(std::string_view text, std::string_view prefix, uint64_t& start,
                    uint64_t& end);
void append_interval(std::string& out, std::string_view prefix, uint64_t start, uint64_t end);

// Rust Debug of Option<T>: "None" → nullopt, "Some(x)" → "x"; when x is a
// Debug string literal ("\"a\\\"b\"") it is unescaped. false if neither.
bool parse_rust_option(std::string_view text, std::optional<std::string>& out);
std::string format_rust_option(const std::optional<std::string>& v);

// Text the formatter writes in place of a non-finite float, or a string:
// "NaN", "inf", "-inf", "Infinity", ... (case-insensitive).
bool is_non_finite_text(std::string_view text);

// ---- Writing marker lines ----------------------------------------------------
// {"timestamp":"…","level":"…",<fields in call order>,"target":"…"} — key
// order and escaping as tracing-subscriber's JSON formatter writes them
// (non-finite floats become null, UTF-8 is kept).
class LineWriter {
 public:
  LineWriter(Timestamp timestamp, std::string_view level);
  void string(std::string_view key, std::string_view value);
  void null(std::string_view key);
  void unsigned_int(std::string_view key, uint64_t value);
  void signed_int(std::string_view key, int64_t value);
  void number(std::string_view key, double value);  // non-finite → null
  void boolean(std::string_view key, bool value);
  std::string finish(std::string_view target) &&;

 private:
  void key(std::string_view k);
  std::string out_;
};
using ::eventkit::gen::append_json_string;

// ---- Comparison (legacy events vs. event-file events) ----------------------
struct FieldMismatch {
  std::string field;
  std::string legacy;  // the value as text
  std::string file;
  friend bool operator==(const FieldMismatch&, const FieldMismatch&) = default;
};

struct Difference {
  enum class Kind : uint8_t { kLegacyOnly, kFileOnly, kMismatch };
  Kind kind;
  std::string marker;                 // e.g. "state_change"
  std::string variant;                // e.g. "client::StateChanged"
  std::optional<size_t> legacy_index; // index into the legacy input
  std::optional<size_t> file_index;   // index into the file input
  std::vector<FieldMismatch> fields;  // kMismatch only
};
const char* kind_name(Difference::Kind k);

struct Comparison {
  bool agree = true;          // no differences
  size_t legacy_events = 0;   // legacy events with a marker
  size_t file_events = 0;     // file events whose variant has a marker
  size_t matched = 0;         // pairs equal in every field (timestamps ignored)
  std::vector<Difference> differences;
  // Human-readable report, one line per difference, then a verdict line.
  std::string report() const;
};

// Order-preserving alignment of two sequences (longest common subsequence on
// `equal`); returns matched index pairs in increasing order. Quadratic;
// sequences longer than `max_cells` cells fall back to greedy in-order
// matching.
std::vector<std::pair<size_t, size_t>> align(size_t n, size_t m,
                                             const std::function<bool(size_t, size_t)>& equal,
                                             size_t max_cells = size_t{1} << 26);

}  // namespace eventkit::legacy
