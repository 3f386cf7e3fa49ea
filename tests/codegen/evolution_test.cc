// Schema evolution: bytes written with an older schema stay readable by a
// newer one, and bytes from a newer schema decode in an older build to
// explicit unknown alternatives (tag kept), never a crash or a silent drop.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include "tests/schemas/evolution_v1_events.h"
#include "tests/schemas/evolution_v2_events.h"

namespace {

template <class To, class From>
typename To::DecodeResult transcode(const typename From::Event& e) {
  flatbuffers::FlatBufferBuilder fbb;
  return To::decode(From::encode(e, fbb));
}

TEST(SchemaEvolution, NewReaderReadsOldVariantWithNewFieldAtDefault) {
  const auto r = transcode<evo::v2::Codec, evo::v1::Codec>(evo::v1::Event{.data = evo::v1::work::Begun{.id = 7}});
  ASSERT_TRUE(r.event) << r.error;
  const auto* begun = evo::v2::get_if<evo::v2::work::Begun>(r.event->data);
  ASSERT_NE(begun, nullptr);
  EXPECT_EQ(begun->id, 7u);
  EXPECT_EQ(begun->label, "");
}

TEST(SchemaEvolution, OldReaderIgnoresFieldAddedAtTheEnd) {
  const auto r = transcode<evo::v1::Codec, evo::v2::Codec>(
      evo::v2::Event{.data = evo::v2::work::Begun{.id = 9, .label = "new"}});
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(evo::v1::get_if<evo::v1::work::Begun>(r.event->data)->id, 9u);
}

TEST(SchemaEvolution, OldReaderKeepsTagOfVariantAddedAtTheEnd) {
  const auto r = transcode<evo::v1::Codec, evo::v2::Codec>(evo::v2::Event{.data = evo::v2::work::Ended{.id = 1}});
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->data, evo::v1::EventData(evo::v1::work::Unknown{.tag = 2}));
  EXPECT_EQ(evo::v1::category_name(r.event->data), "work");
  EXPECT_EQ(evo::v1::variant_name(r.event->data), "Unknown");
}

TEST(SchemaEvolution, OldReaderKeepsTagOfCategoryAddedAtTheEnd) {
  const auto r = transcode<evo::v1::Codec, evo::v2::Codec>(evo::v2::Event{.data = evo::v2::Extra{.note = "x"}});
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->data, evo::v1::EventData(evo::v1::UnknownCategory{.tag = 3}));
}

TEST(SchemaEvolution, FingerprintsDifferButSchemaNameIsShared) {
  EXPECT_NE(evo::v1::Codec::kSchemaFingerprint, evo::v2::Codec::kSchemaFingerprint);
  EXPECT_EQ(evo::v1::Codec::kSchemaName, evo::v2::Codec::kSchemaName);
}

}  // namespace
