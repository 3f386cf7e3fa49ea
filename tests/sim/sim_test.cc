// psyche's integration tests, ported onto EventReader and the generated
// matchers, run against simulated client processes (tools/sim). Modelled on
// psyche's integration_tests.rs / chaos_tests.rs scenarios; no Docker, no
// log scraping, no fixed sleeps: every wait is for a typed event.
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "runtime/event_reader_matchers.h"
#include "runtime/reader.h"
#include "schema/psyche_events_legacy.h"
#include "schema/psyche_events_matchers.h"
#include "tools/sim/harness.h"

namespace {

namespace ev = psyche::events;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventkit::sim::Harness;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

constexpr auto kDeadline = 30s;  // only a failing test waits this long

eventkit::sim::RunConfig config(int clients, uint64_t epochs, uint64_t steps = 6) {
  eventkit::sim::RunConfig c;
  c.root = fs::path(std::getenv("TEST_TMPDIR")) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(c.root);
  c.client_binary = "tools/sim/client_sim";
  c.clients = clients;
  c.epochs = epochs;
  c.steps_per_epoch = steps;
  c.step_ms = 2;
  return c;
}

// Every event of `source` in the reader's history, once the run is over.
std::vector<ev::Event> events_of(Harness& run, const std::string& source) {
  std::vector<ev::Event> out;
  for (auto& item : run.reader().history()) {
    if (item.source == source) out.push_back(item.event);
  }
  return out;
}

// Waits until every client has announced Finished, then for the processes.
// Each wait starts from the first event: an earlier wait may have passed
// over a client's Finished (clients run at their own pace).
void wait_until_finished(Harness& run, const std::vector<int>& clients) {
  for (int i : clients) {
    run.reader().rewind();
    auto r = run.reader().wait_for(ev::client::IsStateChanged().new_state(ev::RunState::Finished), kDeadline,
                                   {.sources = {run.id(i)}});
    ASSERT_TRUE(r) << r.failure;
  }
  ASSERT_TRUE(run.all_exited_cleanly());
}

std::vector<ev::RunState> states(const std::vector<ev::Event>& events) {
  std::vector<ev::RunState> out;
  for (const auto& e : events) {
    if (const auto* s = ev::get_if<ev::client::StateChanged>(e.data)) out.push_back(s->new_state);
  }
  return out;
}

TEST(PsycheIntegration, OneClientThreeEpochsWalksTheStateMachineAndLossFalls) {
  Harness run(config(1, 3));
  run.start_all();
  wait_until_finished(run, {0});
  const auto events = events_of(run, "client-1");
  using S = ev::RunState;
  std::vector<S> expected = {S::WaitingForMembers};
  for (int epoch = 0; epoch < 3; ++epoch) {
    if (epoch > 0) expected.push_back(S::WaitingForMembers);
    expected.push_back(S::Warmup);
    for (int step = 0; step < 6; ++step) {
      expected.push_back(S::RoundTrain);
      expected.push_back(S::RoundWitness);
    }
    expected.push_back(S::Cooldown);
  }
  expected.push_back(S::Finished);
  EXPECT_THAT(states(events), ElementsAreArray(expected));
  // psyche's rule: each epoch's loss is at most 1.1 x the previous epoch's.
  std::map<uint64_t, double> last_loss;
  for (const auto& e : events) {
    if (const auto* l = ev::get_if<ev::train::LossComputed>(e.data)) last_loss[l->epoch] = l->loss.value();
  }
  ASSERT_EQ(last_loss.size(), 3u);
  EXPECT_LE(last_loss[1], 1.1 * last_loss[0]);
  EXPECT_LE(last_loss[2], 1.1 * last_loss[1]);
  EXPECT_THAT(events, ::testing::Contains(ev::warmup::IsModelLoadComplete().checkpoint("emozilla/llama2-20m-init")));
  // One self-contained file per epoch (rotation on StateChanged epoch rises).
  const auto files = eventkit::read_directory<ev::Codec>(run.events_dir(0));
  ASSERT_EQ(files.files.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(files.files[i].header.epoch, i);
}

TEST(PsycheIntegration, TwoClientsTrainTogetherWithoutHealthFailures) {
  Harness run(config(2, 2));
  run.start_all();
  wait_until_finished(run, {0, 1});
  for (int i = 0; i < 2; ++i) {
    const auto events = events_of(run, run.id(i));
    EXPECT_THAT(events, ::testing::Contains(ev::train::IsWitnessElected().is_witness(true)));
    EXPECT_THAT(events, ::testing::Not(::testing::Contains(ev::client::IsHealthCheckFailed())));
    EXPECT_THAT(events, ::testing::Contains(ev::IsRunStarted().node_id(run.id(i))));
  }
}

TEST(PsycheIntegration, ClientKilledMidEpochIsReportedBySurvivors) {
  Harness run(config(3, 3, 8));
  run.start_all({"--hold-at-step", "12"});  // mid-epoch 1
  auto& reader = run.reader();
  ASSERT_TRUE(run.wait_held({0, 1, 2}, kDeadline));
  run.kill(1);
  run.release();
  for (const char* survivor : {"client-1", "client-3"}) {
    reader.rewind();
    auto health = reader.wait_for(ev::client::IsHealthCheckFailed().index(1), kDeadline, {.sources = {survivor}});
    ASSERT_TRUE(health) << health.failure;
    reader.rewind();
    auto untrained = reader.wait_for(ev::train::IsUntrainedBatchWarning().expected_trainer(Optional(std::string("client-2"))),
                                     kDeadline, {.sources = {survivor}});
    ASSERT_TRUE(untrained) << untrained.failure;
  }
  wait_until_finished(run, {0, 2});
  // What the killed client wrote before SIGKILL is intact: nothing corrupt.
  const auto files = eventkit::read_directory<ev::Codec>(run.events_dir(1));
  for (const auto& f : files.files) EXPECT_THAT(f.corrupt, IsEmpty()) << f.path;
  EXPECT_THAT(files.file_errors, IsEmpty());
}

TEST(PsycheIntegration, KilledClientRejoinsAndFinishes) {
  Harness run(config(2, 3, 6));
  run.start_all({"--hold-at-step", "9"});  // mid-epoch 1
  auto& reader = run.reader();
  ASSERT_TRUE(run.wait_held({0, 1}, kDeadline));
  run.kill(1);
  run.release();
  auto noticed = reader.wait_for(ev::client::IsHealthCheckFailed().index(1), kDeadline, {.sources = {"client-1"}});
  ASSERT_TRUE(noticed) << noticed.failure;
  run.start(1, {"--start-epoch", "2"});
  // The rejoined client starts over from Uninitialized, in epoch 2.
  auto rejoined = reader.wait_for(ev::client::IsStateChanged()
                                      .old_state(ev::RunState::Uninitialized)
                                      .new_state(ev::RunState::WaitingForMembers)
                                      .epoch(2),
                                  kDeadline, {.sources = {"client-2"}});
  ASSERT_TRUE(rejoined) << rejoined.failure;
  wait_until_finished(run, {0, 1});
  const auto files = eventkit::read_directory<ev::Codec>(run.events_dir(1));
  EXPECT_EQ(files.files.back().header.epoch, 2u) << "the restart writes a new file, never appends";
  EXPECT_GE(files.files.size(), 3u);
}

TEST(PsycheIntegration, EverybodyLeavesDuringWarmup) {
  Harness run(config(2, 2));
  run.start_all({"--exit-in-warmup"});
  ASSERT_TRUE(run.all_exited_cleanly());
  for (int i = 0; i < 2; ++i) {
    auto last = run.reader().wait_for(ev::warmup::IsModelLoadComplete(), kDeadline, {.sources = {run.id(i)}});
    ASSERT_TRUE(last) << last.failure;
    run.reader().rewind();
  }
  // Give the reader a last look, then check nobody trained.
  auto trained = run.reader().wait_for(ev::train::IsTrainingStarted(), 300ms);
  EXPECT_FALSE(trained);
  for (int i = 0; i < 2; ++i) {
    const auto s = states(events_of(run, run.id(i)));
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back(), ev::RunState::Warmup);
    const auto files = eventkit::read_directory<ev::Codec>(run.events_dir(i));
    ASSERT_EQ(files.files.size(), 1u);
    EXPECT_FALSE(files.files[0].torn_tail) << "a clean exit flushes everything";
  }
}

TEST(PsycheIntegration, PauseAndResume) {
  Harness run(config(1, 1, 6));
  run.start_all({"--pause-at-step", "3", "--pause-ms", "20"});
  auto paused = run.reader().wait_for(ev::client::IsStateChanged().new_state(ev::RunState::Paused).step(3), kDeadline);
  ASSERT_TRUE(paused) << paused.failure;
  auto resumed = run.reader().wait_for(
      ev::client::IsStateChanged().old_state(ev::RunState::Paused).new_state(ev::RunState::RoundTrain).step(3), kDeadline);
  ASSERT_TRUE(resumed) << resumed.failure;
  EXPECT_GE(resumed.event().timestamp - paused.event().timestamp, 20ms);
  wait_until_finished(run, {0});
}

TEST(PsycheIntegration, DualModeLegacyLinesAgreeWithEventFiles) {
  auto c = config(2, 2);
  c.dual = true;
  Harness run(c);
  run.start_all();
  wait_until_finished(run, {0, 1});
  for (int i = 0; i < 2; ++i) {
    std::stringstream log;
    log << std::ifstream(run.log_path(i)).rdbuf();
    ev::LegacyLineAdapter adapter;
    std::vector<ev::Event> legacy;
    adapter.feed_all(log.str(), legacy);
    EXPECT_EQ(adapter.counters().rejected, 0u);
    const auto files = eventkit::read_directory<ev::Codec>(run.events_dir(i));
    const auto comparison = ev::compare_legacy(legacy, files.events);
    EXPECT_TRUE(comparison.agree) << comparison.report();
    EXPECT_GT(comparison.matched, 20u);
  }
}

}  // namespace
