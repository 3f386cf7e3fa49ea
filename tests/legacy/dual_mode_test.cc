// Dual mode, end to end: a producer emits through EventStore to a
// FileBackend and to a LineBackend printing legacy marker lines (as a psyche
// client would during the migration); the lines, read back by the legacy
// adapter, agree with the event files (compare_legacy).
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/file_backend.h"
#include "runtime/line_backend.h"
#include "runtime/reader.h"
#include "runtime/store.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"

namespace psyche::events {
namespace {

namespace fs = std::filesystem;

TEST(DualMode, LegacyLinesAndEventFilesAgree) {
  const fs::path dir = fs::path(std::getenv("TEST_TMPDIR")) / "dual";
  fs::remove_all(dir);
  const fs::path log = fs::path(std::getenv("TEST_TMPDIR")) / "dual.log";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  {
    eventkit::EventStore<Codec> store;
    std::vector<eventkit::EventStore<Codec>::BackendPtr> backends;
    eventkit::FileBackendOptions options;
    options.dir = dir;
    backends.push_back(std::make_unique<eventkit::FileBackend<Codec>>(options, Event{.data = RunStarted{.run_id = "r"}}));
    backends.push_back(std::make_unique<eventkit::LineBackend<Event>>(&to_legacy_line, fd));
    store.init(std::move(backends));
    const auto t = [](int64_t s) { return Timestamp(std::chrono::seconds(1'764'000'000 + s)); };
    store.emit({t(0), client::StateChanged{.old_state = RunState::Uninitialized, .new_state = RunState::WaitingForMembers}});
    store.emit({t(1), warmup::ModelLoadComplete{.checkpoint = "owner/model"}});
    store.emit({t(2), train::TrainingFinished{.batch_id = {1, 1}, .step = 1, .loss = 2.5}});  // no marker
    store.emit({t(3), train::LossComputed{.client_id = "c1", .epoch = 0, .step = 1, .loss = 2.5}});
    store.emit({t(4), train::UntrainedBatchWarning{.batch_id = {4, 7}, .expected_trainer = "node-3"}});
    store.emit({t(5), client::HealthCheckFailed{.index = 2, .round = 9}});
    EXPECT_TRUE(store.with_backend<eventkit::LineBackend<Event>>(
        [](auto& b) { EXPECT_EQ(b.lines_written(), 5u) << "one line per event that has a marker"; }));
    store.shutdown();
  }
  ::close(fd);

  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  LegacyLineAdapter adapter;
  std::vector<Event> legacy;
  adapter.feed_all(text.str(), legacy);
  EXPECT_EQ(adapter.counters().rejected, 0u);
  EXPECT_EQ(legacy.size(), 5u);

  const auto files = eventkit::read_directory<Codec>(dir);
  ASSERT_FALSE(files.error);
  EXPECT_EQ(files.events.size(), 6u);
  const auto comparison = compare_legacy(legacy, files.events);
  EXPECT_TRUE(comparison.agree) << comparison.report();
  EXPECT_EQ(comparison.matched, 5u);
}

}  // namespace
}  // namespace psyche::events
