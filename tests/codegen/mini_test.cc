// The second schema (tests/schemas/mini.fbs): the generator is not tied to
// psyche. Covers the type kinds psyche does not use (signed enum, uint
// interval, 4-byte array, float optional, long, records as run context).
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include "tests/schemas/mini_events.h"
#include "tests/schemas/mini_events_random.h"

namespace mini::events {
namespace {

TEST(MiniSchema, EveryVariantRoundTrips) {
  testing::RandomFill fill(7);
  flatbuffers::FlatBufferBuilder fbb;
  for (size_t i = 0; i < all_variants().size(); ++i) {
    for (int round = 0; round < 100; ++round) {
      const Event e = fill.event(i);
      const auto r = Codec::decode(Codec::encode(e, fbb));
      ASSERT_TRUE(r.event) << r.error;
      ASSERT_EQ(*r.event, e);
    }
  }
}

TEST(MiniSchema, DisplayAndReflection) {
  const EventData d = job::Finished{.span = {.lo = 2, .hi = 2}, .digest = {.bytes = {1, 2, 3, 255}},
                                    .outcome = {.reason = "late"}, .score = std::nullopt};
  EXPECT_EQ(display(d), "job finished S2 010203ff failed: late score=none");
  EXPECT_EQ(display(job::Started{.name = "j", .color = Color::Green}), "job j started (green)");
  EXPECT_EQ(qualified_name(d), "job::Finished");
  EXPECT_EQ(qualified_name(Hello{}), "Hello");
  EXPECT_EQ(Codec::kSchemaName, "mini");
  EXPECT_EQ(Codec::rotation_epoch(Event{.data = job::Finished{.epoch = 3}}), 3u);
  EXPECT_TRUE(Codec::is_run_context(Event{.data = Hello{.who = "me"}}));
}

TEST(MiniSchema, RejectsPsycheLikeForeignBytes) {
  flatbuffers::FlatBufferBuilder fbb;
  auto s = fbb.CreateString("not an event");
  fbb.Finish(s, "PSYE");
  const auto r = Codec::decode({fbb.GetBufferPointer(), fbb.GetSize()});
  EXPECT_FALSE(r.event);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace mini::events
