// Display strings, JSON rendering and GoogleTest printing of psyche events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "schema/psyche_events.h"

namespace psyche::events {
namespace {

using ::testing::HasSubstr;

TEST(PsycheDisplay, FollowsTheDisplayAttribute) {
  EXPECT_EQ(display(train::TrainingFinished{.batch_id = {5, 5}, .step = 3, .loss = 0.5}),
            "training finished: B5 step=3 loss=0.5");
  EXPECT_EQ(display(train::TrainingFinished{.batch_id = {1, 3}, .step = 3, .loss = std::nullopt}),
            "training finished: B[1, 3] step=3 loss=none");
  EXPECT_EQ(display(client::StateChanged{.old_state = RunState::WaitingForMembers,
                                         .new_state = RunState::RoundTrain, .epoch = 1, .step = 7}),
            "state changed Waiting for members→Training epoch=1 step=7");
}

TEST(PsycheDisplay, ValueTablesUseTheirAlternatives) {
  EXPECT_EQ(display(train::BatchDataDownloadComplete{.result = {}}), "batch data download complete: ok");
  EXPECT_EQ(display(train::BatchDataDownloadComplete{.result = {.error = "disk full"}}),
            "batch data download complete: error: disk full");
}

TEST(PsycheDisplay, HashesAreHexAndFloatsAreExact) {
  BlobHash h{};
  h.bytes[0] = 0xab;
  h.bytes[31] = 0x01;
  const auto text = display(p2p::BlobDownloadRequested{.blob = h});
  EXPECT_EQ(text, "blob download requested: ab" + std::string(60, '0') + "01");
  EXPECT_EQ(display(train::LossComputed{.client_id = "c", .epoch = 0, .step = 1,
                                        .loss = std::numeric_limits<double>::quiet_NaN()}),
            "loss computed by c: epoch=0 step=1 loss=NaN");
}

TEST(PsycheDisplay, UnknownVariantsSayWhatTheyAre) {
  EXPECT_EQ(display(EventData(train::Unknown{.tag = 99})), "train variant unknown to this build (tag 99)");
  EXPECT_EQ(display(EventData(UnknownCategory{.tag = 42})), "Unknown variant unknown to this build (tag 42)");
}

TEST(PsycheJson, IsOneParseableObjectWithEscapedStrings) {
  const Event e{.timestamp = Timestamp(std::chrono::nanoseconds(1'500'000'000'000'000'123)),
                .data = client::Error{.message = "quote \" backslash \\ newline \n tab \t ctl \x01 é"}};
  const std::string line = to_json(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["timestamp"], "2017-07-14T02:40:00.000000123Z");
  EXPECT_EQ(j["category"], "client");
  EXPECT_EQ(j["variant"], "Error");
  EXPECT_EQ(j["data"]["message"], "quote \" backslash \\ newline \n tab \t ctl \x01 é");
}

TEST(PsycheJson, NonFiniteFloatsBecomeNullAndEnumsUseNames) {
  const auto j = nlohmann::json::parse(to_json(Event{
      .data = ResourceSnapshot{.gpu_mem_used_bytes = std::nullopt,
                               .gpu_utilization_percent = std::numeric_limits<float>::infinity(),
                               .cpu_mem_used_bytes = 1,
                               .cpu_utilization_percent = 50}}));
  EXPECT_TRUE(j["data"]["gpu_mem_used_bytes"].is_null());
  EXPECT_TRUE(j["data"]["gpu_utilization_percent"].is_null());
  EXPECT_EQ(j["data"]["cpu_mem_used_bytes"], 1);
  const auto s = nlohmann::json::parse(to_json(Event{.data = client::StateChanged{.new_state = RunState::RoundWitness}}));
  EXPECT_EQ(s["data"]["new_state"], "RoundWitness");
}

TEST(PsycheJson, InvalidUtf8IsReplacedNotThrown) {
  const std::string line = to_json(Event{.data = client::Warning{.message = "bad \xff\xfe bytes"}});
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["data"]["message"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(PsychePrinting, GoogleTestPrintsFieldsNotBytes) {
  const Event e{.data = train::TrainingFinished{.batch_id = {1, 3}, .step = 3, .loss = std::nullopt}};
  const std::string printed = ::testing::PrintToString(e);
  EXPECT_THAT(printed, HasSubstr("train::TrainingFinished{batch_id: BatchId{start: 1, end: 3}, step: 3, loss: nullopt}"));
  EXPECT_THAT(::testing::PrintToString(client::Error{.message = "a\"b"}), HasSubstr("message: \"a\\\"b\""));
}

TEST(PsycheEnums, ParseFromDisplayTextOrName) {
  EXPECT_EQ(parse_RunState("Waiting for members"), RunState::WaitingForMembers);
  EXPECT_EQ(parse_RunState("RoundTrain"), RunState::RoundTrain);
  EXPECT_EQ(parse_RunState("Training"), RunState::RoundTrain);
  EXPECT_EQ(parse_RunState("nope"), std::nullopt);
  EXPECT_EQ(display_text(static_cast<RunState>(200)), "RunState(200)");
}

}  // namespace
}  // namespace psyche::events
