// Every psyche variant round-trips encode → decode → equal, with random
// values that favour edges (mavgen's generated round-trip test, in spirit):
// empty/long/non-ASCII strings, absent optionals, extreme integers, NaN, ±inf.
#include <flatbuffers/flatbuffers.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "schema/psyche_events.h"
#include "schema/psyche_events_random.h"

namespace psyche::events {
namespace {

using ::testing::HasSubstr;

TEST(PsycheRoundTrip, EveryVariantRoundTripsWithRandomValues) {
  testing::RandomFill fill(20261203);
  flatbuffers::FlatBufferBuilder fbb;
  const auto variants = all_variants();
  ASSERT_GT(variants.size(), 50u);
  for (size_t i = 0; i < variants.size(); ++i) {
    for (int round = 0; round < 50; ++round) {
      const Event original = fill.event(i);
      ASSERT_EQ(variant_name(original.data), variants[i].name);
      const auto bytes = Codec::encode(original, fbb);
      const auto decoded = Codec::decode(bytes);
      ASSERT_TRUE(decoded.event.has_value()) << decoded.error << " for " << original;
      ASSERT_EQ(*decoded.event, original);
    }
  }
}

TEST(PsycheRoundTrip, DesignatedInitializersAndImplicitConversion) {
  const Event e{.timestamp = Timestamp(std::chrono::nanoseconds(1'764'779'829'123'456'789)),
                .data = train::TrainingFinished{.batch_id = {.start = 5, .end = 5}, .step = 3, .loss = 0.25}};
  ASSERT_TRUE(holds<train::TrainingFinished>(e.data));
  EXPECT_EQ(get_if<train::TrainingFinished>(e.data)->step, 3u);
  EXPECT_EQ(get_if<train::TrainingStarted>(e.data), nullptr);
  EXPECT_EQ(category_name(e.data), "train");
  EXPECT_EQ(variant_name(e.data), "TrainingFinished");
  EXPECT_EQ(qualified_name(e.data), "train::TrainingFinished");
}

TEST(PsycheRoundTrip, NanosecondTimestampSurvives) {
  flatbuffers::FlatBufferBuilder fbb;
  const Event e{.timestamp = Timestamp(std::chrono::nanoseconds(1'764'779'829'000'000'001)),
                .data = RunStarted{.run_id = "r", .node_id = "n", .config = "c", .psyche_version = "v"}};
  const auto decoded = Codec::decode(Codec::encode(e, fbb));
  ASSERT_TRUE(decoded.event);
  EXPECT_EQ(decoded.event->timestamp.time_since_epoch().count(), 1'764'779'829'000'000'001);
  EXPECT_EQ(eventkit::gen::format_timestamp(e.timestamp), "2025-12-03T16:37:09.000000001Z");
}

TEST(PsycheRoundTrip, AbsentAndEmptyOptionalStringsStayDistinct) {
  flatbuffers::FlatBufferBuilder fbb;
  for (const std::optional<std::string>& trainer : {std::optional<std::string>(), std::optional<std::string>("")}) {
    const Event e{.data = train::UntrainedBatchWarning{.batch_id = {1, 3}, .expected_trainer = trainer}};
    const auto decoded = Codec::decode(Codec::encode(e, fbb));
    ASSERT_TRUE(decoded.event);
    EXPECT_EQ(get_if<train::UntrainedBatchWarning>(decoded.event->data)->expected_trainer, trainer);
  }
}

TEST(PsycheCodec, RejectsBytesTheVerifierRejects) {
  flatbuffers::FlatBufferBuilder fbb;
  const Event e{.data = client::Error{.message = "boom"}};
  const auto bytes = Codec::encode(e, fbb);
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  // Point the root offset far outside the buffer.
  copy[0] = 0xff;
  copy[1] = 0xff;
  const auto decoded = Codec::decode(copy);
  EXPECT_FALSE(decoded.event.has_value());
  EXPECT_THAT(decoded.error, HasSubstr("verifier"));
  EXPECT_FALSE(Codec::decode(std::span<const uint8_t>()).event.has_value());
}

TEST(PsycheCodec, RejectsAnotherSchemasFileIdentifier) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto bytes = Codec::encode(Event{.data = client::Warning{.message = "w"}}, fbb);
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  copy[4] = 'X';  // the 4-byte file identifier follows the root offset
  const auto decoded = Codec::decode(copy);
  EXPECT_FALSE(decoded.event);
  EXPECT_THAT(decoded.error, HasSubstr("not a psyche event"));
}

TEST(PsycheCodec, RotationRuleComesFromTheSchema) {
  const Event rotate{.data = client::StateChanged{.old_state = RunState::Cooldown,
                                                   .new_state = RunState::WaitingForMembers,
                                                   .epoch = 4, .step = 0}};
  EXPECT_EQ(Codec::rotation_epoch(rotate), 4u);
  EXPECT_EQ(Codec::rotation_epoch(Event{.data = client::Warning{}}), std::nullopt);
  EXPECT_TRUE(Codec::is_run_context(Event{.data = RunStarted{}}));
}

TEST(PsycheReflection, ListsEveryVariantOnce) {
  std::set<std::string> names;
  for (const auto& v : all_variants()) {
    EXPECT_TRUE(names.insert(std::string(v.category) + "::" + std::string(v.name)).second);
  }
  // Spot checks against ../shared/reference/psyche-events.md.
  EXPECT_TRUE(names.count("client::StateChanged"));
  EXPECT_TRUE(names.count("coordinator::RpcFallback"));
  EXPECT_TRUE(names.count("train::LossComputed"));
  EXPECT_TRUE(names.count("p2p::BlobDownloadCompleted"));
  EXPECT_TRUE(names.count("RunStarted::RunStarted"));
  EXPECT_TRUE(names.count("ResourceSnapshot::ResourceSnapshot"));
}

}  // namespace
}  // namespace psyche::events
