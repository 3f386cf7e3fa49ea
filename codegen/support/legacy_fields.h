// Typed reads of one flattened tracing JSON object (simdjson DOM), used by
// the generated per-marker mapping functions (`<name>_legacy.cc`).
//
// Every read names its key; a missing key or a value of the wrong JSON type
// fails with a reason ("field 'epoch': expected an unsigned integer, got
// string") and the generated code rejects the line. When a key occurs more
// than once on a line (a field named like a built-in key, or a `message`
// field next to the format message), the FIRST occurrence is read: the
// formatter writes its own `timestamp`, `level` and `message` before the
// event's fields.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "codegen/support/event_support.h"
#include "codegen/support/legacy_lines.h"

namespace eventkit::legacy {

const char* json_type_name(simdjson::dom::element_type t);

class Fields {
 public:
  Fields(simdjson::dom::object object, std::string_view marker, std::string_view level)
      : object_(object), marker_(marker), level_(level) {}

  // The `integration_test_log_marker` string ("" when absent) and `level`.
  std::string_view marker() const { return marker_; }
  std::string_view level() const { return level_; }
  const std::string& reason() const { return reason_; }

  bool fail(std::string reason) {
    reason_ = std::move(reason);
    return false;
  }
  bool fail_field(std::string_view key, std::string_view what) {
    return fail("field '" + std::string(key) + "': " + std::string(what));
  }
  bool fail_value(std::string_view key, std::string_view text, std::string_view expected) {
    std::string shown(text.substr(0, 80));
    return fail_field(key, "\"" + shown + (text.size() > 80 ? "…" : "") + "\" is not " +
                               std::string(expected));
  }

  // The element at `key` (first occurrence); fails when missing.
  bool element(std::string_view key, simdjson::dom::element& out) {
    if (object_.at_key(key).get(out) != simdjson::SUCCESS) return fail_field(key, "missing");
    return true;
  }
  bool wrong_type(std::string_view key, simdjson::dom::element e, std::string_view expected) {
    return fail_field(key, "expected " + std::string(expected) + ", got " + json_type_name(e.type()));
  }

  bool read_timestamp(Timestamp& out) {
    std::string_view text;
    if (!read_text("timestamp", text)) return false;
    // Nanoseconds since 1970 in int64 cover 1678..2261; guard here because
    // parse_timestamp overflows (UB) for years beyond that.
    int year = 0;
    if (text.size() < 4 || std::from_chars(text.data(), text.data() + 4, year).ptr != text.data() + 4 ||
        year < 1678 || year > 2261) {
      return fail_value("timestamp", text, "an RFC 3339 UTC timestamp in years 1678..2261");
    }
    auto t = ::eventkit::gen::parse_timestamp(text);
    if (!t) return fail_value("timestamp", text, "an RFC 3339 UTC timestamp");
    out = *t;
    return true;
  }

  // A JSON string; the view lives until the next line is parsed.
  bool read_text(std::string_view key, std::string_view& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    if (e.get_string().get(out) != simdjson::SUCCESS) return wrong_type(key, e, "a string");
    return true;
  }
  bool read_string(std::string_view key, std::string& out) {
    std::string_view v;
    if (!read_text(key, v)) return false;
    out.assign(v);
    return true;
  }
  // A string or null (→ nullopt).
  bool read_string(std::string_view key, std::optional<std::string>& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    if (e.is_null()) {
      out.reset();
      return true;
    }
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return wrong_type(key, e, "a string or null");
    out.emplace(v);
    return true;
  }

  template <class T>
    requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
  bool read_integer(std::string_view key, T& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    if constexpr (std::is_unsigned_v<T>) {
      uint64_t v;
      if (e.get_uint64().get(v) != simdjson::SUCCESS) {
        return e.is_number() ? fail_field(key, "not an unsigned integer in range")
                             : wrong_type(key, e, "an unsigned integer");
      }
      if (v > std::numeric_limits<T>::max()) return fail_field(key, "out of range");
      out = static_cast<T>(v);
    } else {
      int64_t v;
      if (e.get_int64().get(v) != simdjson::SUCCESS) {
        return e.is_number() ? fail_field(key, "not an integer in range")
                             : wrong_type(key, e, "an integer");
      }
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return fail_field(key, "out of range");
      }
      out = static_cast<T>(v);
    }
    return true;
  }
  template <class T>
    requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
  bool read_integer(std::string_view key, std::optional<T>& out) {
    return read_nullable(key, out, [this](std::string_view k, T& v) { return read_integer(k, v); });
  }

  // Any JSON number.
  template <class T>
    requires std::is_floating_point_v<T>
  bool read_float(std::string_view key, T& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    double v;
    if (e.get_double().get(v) != simdjson::SUCCESS) return wrong_type(key, e, "a number");
    out = static_cast<T>(v);
    return true;
  }
  template <class T>
    requires std::is_floating_point_v<T>
  bool read_float(std::string_view key, std::optional<T>& out) {
    return read_nullable(key, out, [this](std::string_view k, T& v) { return read_float(k, v); });
  }

  // A nullable field: JSON null → absent, anything else read by `read`.
  template <class T, class Read>
  bool read_nullable(std::string_view key, std::optional<T>& out, Read read) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    if (e.is_null()) {
      out.reset();
      return true;
    }
    T v{};
    if (!read(key, v)) return false;
    out = v;
    return true;
  }
  // @finite: a finite number → value; null (what the formatter writes for
  // NaN/inf) or a non-finite text ("NaN", "inf", …) → absent.
  template <class T>
    requires std::is_floating_point_v<T>
  bool read_finite(std::string_view key, std::optional<T>& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    std::string_view text;
    double v;
    if (e.is_null()) {
      out.reset();
    } else if (e.get_string().get(text) == simdjson::SUCCESS) {
      if (!is_non_finite_text(text)) return fail_value(key, text, "a number or NaN/inf");
      out.reset();
    } else if (e.get_double().get(v) == simdjson::SUCCESS) {
      if (std::isfinite(v) && std::isfinite(static_cast<T>(v))) {
        out = static_cast<T>(v);
      } else {
        out.reset();
      }
    } else {
      return wrong_type(key, e, "a number, null or NaN/inf text");
    }
    return true;
  }

  bool read_bool(std::string_view key, bool& out) {
    simdjson::dom::element e;
    if (!element(key, e)) return false;
    if (e.get_bool().get(out) != simdjson::SUCCESS) return wrong_type(key, e, "a boolean");
    return true;
  }
  // @bool_string: the strings "true" / "false".
  bool read_bool_string(std::string_view key, bool& out) {
    std::string_view text;
    if (!read_text(key, text)) return false;
    if (text == "true") {
      out = true;
    } else if (text == "false") {
      out = false;
    } else {
      return fail_value(key, text, "\"true\" or \"false\"");
    }
    return true;
  }
  // @rust_option: "Some(x)" / "None".
  bool read_rust_option(std::string_view key, std::optional<std::string>& out) {
    std::string_view text;
    if (!read_text(key, text)) return false;
    if (!parse_rust_option(text, out)) return fail_value(key, text, "Some(…) or None");
    return true;
  }
  // Interval display ("B5", "B[1, 3]") into an {start, end} struct.
  template <class T>
  bool read_interval(std::string_view key, std::string_view prefix, T& start, T& end) {
    std::string_view text;
    if (!read_text(key, text)) return false;
    uint64_t s, e;
    if (!parse_interval(text, prefix, s, e) || s > std::numeric_limits<T>::max() ||
        e > std::numeric_limits<T>::max()) {
      return fail_value(key, text, "an interval like " + std::string(prefix) + "5 or " +
                                       std::string(prefix) + "[1, 3]");
    }
    start = static_cast<T>(s);
    end = static_cast<T>(e);
    return true;
  }

 private:
  simdjson::dom::object object_;
  std::string_view marker_;
  std::string_view level_;
  std::string reason_;
};

}  // namespace eventkit::legacy
