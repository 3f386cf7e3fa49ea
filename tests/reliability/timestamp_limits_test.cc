// Regression tests for undefined behaviour found while fuzzing: timestamps
// at the limits of Timestamp (int64 nanoseconds, 1677-09-21 .. 2262-04-11).
// Any decoded event can carry one; any legacy line can spell a date outside.
#include <gtest/gtest.h>

#include <limits>

#include "codegen/support/event_support.h"

namespace eventkit::gen {
namespace {

using std::chrono::nanoseconds;

TEST(TimestampLimits, FormatsTheExtremesWithoutOverflow) {
  // Used to compute (t - floor<seconds>(t)) in nanoseconds, which overflows
  // for t near the minimum (fuzz/record_decoder_fuzzer via to_json).
  EXPECT_EQ(format_timestamp(Timestamp(nanoseconds(std::numeric_limits<int64_t>::min()))),
            "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(format_timestamp(Timestamp(nanoseconds(std::numeric_limits<int64_t>::max()))),
            "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_timestamp(Timestamp(nanoseconds(-1))), "1969-12-31T23:59:59.999999999Z");
}

TEST(TimestampLimits, ParsesTheExtremesAndRejectsWhatDoesNotFit) {
  EXPECT_EQ(parse_timestamp("2262-04-11T23:47:16.854775807Z"),
            Timestamp(nanoseconds(std::numeric_limits<int64_t>::max())));
  EXPECT_EQ(parse_timestamp("1677-09-21T00:12:43.145224192Z"),
            Timestamp(nanoseconds(std::numeric_limits<int64_t>::min())));
  // Used to overflow (signed) when converting to nanoseconds.
  EXPECT_EQ(parse_timestamp("2262-04-11T23:47:16.854775808Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("1677-09-21T00:12:43.145224191Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("9999-12-31T23:59:59Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("0000-01-01T00:00:00Z"), std::nullopt);
}

}  // namespace
}  // namespace eventkit::gen
