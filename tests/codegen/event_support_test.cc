// Helpers every generated library uses: timestamps, NaN-aware equality,
// primitive display.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "codegen/support/event_support.h"

namespace eventkit::gen {
namespace {

using std::chrono::nanoseconds;

TEST(Timestamps, FormatAndParseRoundTripWithNanoseconds) {
  for (int64_t ns : {int64_t{0}, int64_t{1}, int64_t{1'764'779'829'123'456'789}, int64_t{-1'000'000'001}}) {
    const Timestamp t{nanoseconds(ns)};
    EXPECT_EQ(parse_timestamp(format_timestamp(t)), t) << format_timestamp(t);
  }
  EXPECT_EQ(format_timestamp(Timestamp{nanoseconds(-1)}), "1969-12-31T23:59:59.999999999Z");
}

TEST(Timestamps, ParseAcceptsShortFractionsAndNoFraction) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:01Z"), Timestamp{nanoseconds(1'000'000'000)});
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00.5Z"), Timestamp{nanoseconds(500'000'000)});
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00.1234567891Z"), Timestamp{nanoseconds(123'456'789)});
}

TEST(Timestamps, RejectsMalformedAndOutOfRange) {
  for (const char* bad : {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk",
                          "9999-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "2262-06-01T00:00:00Z"}) {
    EXPECT_EQ(parse_timestamp(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(parse_timestamp("2261-12-31T23:59:59Z").has_value());
}

TEST(Equality, NanEqualsNanButNothingElse) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(same(nan, nan));
  EXPECT_FALSE(same(nan, 0.0));
  EXPECT_TRUE(same(std::optional<double>(nan), std::optional<double>(nan)));
  EXPECT_FALSE(same(std::optional<double>(), std::optional<double>(nan)));
  EXPECT_TRUE(same(0.0, -0.0));
}

TEST(Display, PrimitivesAreExactAndReadable) {
  std::string out;
  append(out, 0.1);
  out += ' ';
  append(out, std::numeric_limits<double>::infinity());
  out += ' ';
  append(out, std::numeric_limits<int64_t>::min());
  out += ' ';
  append(out, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out, "0.1 inf -9223372036854775808 18446744073709551615");
  EXPECT_EQ(quoted("a\"b\n\x01"), "\"a\\\"b\\n\\x01\"");
}

TEST(Json, StringsAreEscapedPerRfc8259) {
  std::string out;
  append_json_string(out, "q\" b\\ n\n t\t c\x01 \xC3\xA9");
  EXPECT_EQ(out, "\"q\\\" b\\\\ n\\n t\\t c\\u0001 \xC3\xA9\"");
}

}  // namespace
}  // namespace eventkit::gen
