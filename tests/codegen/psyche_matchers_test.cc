// Generated gMock matchers: they match Events, EventData and variant
// structs, explain mismatches by variant and field, and compose with
// gMock's own matchers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "schema/psyche_events_matchers.h"

namespace psyche::events {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DescribeMatcher;
using ::testing::ElementsAre;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Lt;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::Optional;
using ::testing::StartsWith;

Event finished(uint64_t step, std::optional<double> loss) {
  return Event{.data = train::TrainingFinished{.batch_id = {1, 1}, .step = step, .loss = loss}};
}

template <class M, class T>
std::string explain(const M& m, const T& value) {
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(Matcher<const T&>(m).MatchAndExplain(value, &listener));
  return listener.str();
}

TEST(GeneratedMatchers, MatchVariantAndFields) {
  EXPECT_THAT(finished(3, 0.5), train::IsTrainingFinished());
  EXPECT_THAT(finished(3, 0.5), train::IsTrainingFinished().step(3).loss(Optional(Lt(1.0))));
  EXPECT_THAT(finished(3, 0.5), Not(train::IsTrainingFinished().step(4)));
  EXPECT_THAT(finished(3, 0.5), Not(train::IsTrainingStarted()));
}

TEST(GeneratedMatchers, MatchEventDataAndTheStructItself) {
  const EventData d = client::StateChanged{.old_state = RunState::Warmup, .new_state = RunState::RoundTrain};
  EXPECT_THAT(d, client::IsStateChanged().new_state(RunState::RoundTrain));
  EXPECT_THAT(*get_if<client::StateChanged>(d), client::IsStateChanged().old_state(RunState::Warmup));
  EXPECT_THAT(Event{.data = RunStarted{.run_id = "run-7"}}, IsRunStarted().run_id(StartsWith("run-")));
}

TEST(GeneratedMatchers, ExplainWrongVariantByName) {
  EXPECT_EQ(explain(train::IsTrainingFinished(), Event{.data = client::Warning{.message = "w"}}),
            "which is client::Warning, not train::TrainingFinished");
}

TEST(GeneratedMatchers, ExplainEveryFieldThatDidNotMatch) {
  const std::string why = explain(train::IsTrainingFinished().step(4).loss(Optional(Ge(1.0))).batch_id(BatchId{1, 1}),
                                  finished(3, 0.5));
  EXPECT_THAT(why, HasSubstr("field `step` is 3, expected: is equal to 4"));
  EXPECT_THAT(why, HasSubstr("field `loss` is (0.5)"));
  EXPECT_THAT(why, Not(HasSubstr("batch_id")));
}

TEST(GeneratedMatchers, DescribeNamesVariantAndFields) {
  EXPECT_EQ(DescribeMatcher<Event>(train::IsTrainingFinished().step(3)),
            "is a train::TrainingFinished whose step is equal to 3");
  EXPECT_EQ(DescribeMatcher<Event>(train::IsTrainingFinished(), /*negation=*/true),
            "is not is a train::TrainingFinished");
}

TEST(GeneratedMatchers, ComposeWithContainersAndAllOf) {
  const std::vector<Event> events = {finished(1, 2.0), finished(2, 1.5),
                                     Event{.data = client::Warning{.message = "slow"}}};
  EXPECT_THAT(events, Contains(train::IsTrainingFinished().step(2)));
  EXPECT_THAT(events, ElementsAre(train::IsTrainingFinished(), train::IsTrainingFinished().loss(Optional(Lt(2.0))),
                                  client::IsWarning().message(HasSubstr("slow"))));
  EXPECT_THAT(events[0], AllOf(train::IsTrainingFinished().step(1), Not(client::IsWarning())));
}

}  // namespace
}  // namespace psyche::events
