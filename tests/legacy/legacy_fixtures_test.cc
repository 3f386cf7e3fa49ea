// The legacy adapter on real formatter output (tests/legacy/testdata, copied
// from the shared fixtures). Every expected value below comes from the
// ground-truth manifest expected.jsonl (built from the values the producer
// passed in, not parsed from the logs), or, for timestamps, from the raw
// line read with nlohmann::json.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "tests/legacy/legacy_testing.h"

namespace psyche::events {
namespace {

using legacy_testing::expected_rows;
using legacy_testing::read_lines;
using nlohmann::json;
using LineKind = LegacyLineAdapter::LineKind;

// RunState display texts as the reference document lists them.
RunState state_from_reference(const std::string& text) {
  static const std::map<std::string, RunState> kTable = {
      {" - ", RunState::Uninitialized},      {"Uninitialized", RunState::Uninitialized},
      {"Waiting for members", RunState::WaitingForMembers},
      {"Warmup", RunState::Warmup},          {"Training", RunState::RoundTrain},
      {"Witness", RunState::RoundWitness},   {"Cooldown", RunState::Cooldown},
      {"Finished", RunState::Finished},      {"Paused", RunState::Paused}};
  auto it = kTable.find(text);
  if (it == kTable.end()) throw std::runtime_error("unknown state " + text);
  return it->second;
}

ErrorKind kind_from_manifest(const std::string& kind) {
  if (kind == "InvalidRunState") return ErrorKind::InvalidRunState;
  if (kind == "InvalidWitness") return ErrorKind::InvalidWitness;
  if (kind == "Timeout") return ErrorKind::Timeout;
  if (kind == "Unknown") return ErrorKind::Unknown;
  throw std::runtime_error("unknown kind " + kind);
}

// Compares a mapped event with its manifest row, field by field.
void expect_ground_truth(const Event& e, const json& row, const std::string& raw_jsonl_line) {
  SCOPED_TRACE("ground truth row: " + row.dump());
  const json& ev = row["event"];
  const json& fields = row["fields"];
  const std::string marker = row["marker"];
  // Timestamp: the raw line's own `timestamp` (first key the formatter writes).
  const json raw = json::parse(raw_jsonl_line);
  auto ts = eventkit::gen::parse_timestamp(raw["timestamp"].get<std::string>());
  ASSERT_TRUE(ts);
  EXPECT_EQ(e.timestamp, *ts);
  if (marker == "state_change") {
    const auto* v = get_if<client::StateChanged>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->old_state, state_from_reference(ev["old_state"]));
    EXPECT_EQ(v->new_state, state_from_reference(ev["new_state"]));
    EXPECT_EQ(v->epoch, ev["epoch"].get<uint64_t>());
    EXPECT_EQ(v->step, ev["step"].get<uint64_t>());
  } else if (marker == "loss") {
    const auto* v = get_if<train::LossComputed>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->client_id, ev["client_id"].get<std::string>());
    EXPECT_EQ(v->epoch, ev["epoch"].get<uint64_t>());
    EXPECT_EQ(v->step, ev["step"].get<uint64_t>());
    if (ev["loss_passed_f32"] == "NaN" || ev["loss"].is_null()) {
      EXPECT_FALSE(v->loss.has_value());
    } else {
      ASSERT_TRUE(v->loss.has_value());
      EXPECT_EQ(*v->loss, ev["loss"].get<double>());
      EXPECT_EQ(static_cast<float>(*v->loss), std::stof(ev["loss_passed_f32"].get<std::string>()));
    }
  } else if (marker == "loaded_model") {
    const auto* v = get_if<warmup::ModelLoadComplete>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->checkpoint, ev["checkpoint"].get<std::string>());
  } else if (marker == "health_check") {
    const auto* v = get_if<client::HealthCheckFailed>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->index, ev["index"].get<uint64_t>());
    EXPECT_EQ(v->round, ev["current_step"].get<uint64_t>());
  } else if (marker == "untrained_batches") {
    const auto* v = get_if<train::UntrainedBatchWarning>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->batch_id.start, ev["batch_range"][0].get<uint64_t>());
    EXPECT_EQ(v->batch_id.end, ev["batch_range"][1].get<uint64_t>());
    EXPECT_EQ(v->batch_id.end - v->batch_id.start + 1, ev["batch_ids"].size());
    const std::string trainer = ev["expected_trainer"];
    if (trainer == "None") {
      EXPECT_FALSE(v->expected_trainer.has_value());
    } else {
      ASSERT_EQ(trainer.substr(0, 5), "Some(");
      EXPECT_EQ(v->expected_trainer, trainer.substr(5, trainer.size() - 6));
    }
  } else if (marker == "solana_subscription") {
    const auto* v = get_if<coordinator::SolanaSubscriptionChanged>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->url, ev["url"].get<std::string>());
    EXPECT_EQ(v->status, ev["status"] == "up" ? SubscriptionStatus::Up : SubscriptionStatus::Down);
  } else if (marker == "witness_elected") {
    const auto* v = get_if<train::WitnessElected>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->step, ev["step"].get<uint64_t>());
    EXPECT_EQ(v->round, ev["round"].get<uint64_t>());
    EXPECT_EQ(v->epoch, ev["epoch"].get<uint64_t>());
    EXPECT_EQ(v->index, ev["index"].get<uint64_t>());
    EXPECT_EQ(v->committee_position, fields["committee_position"].get<uint64_t>());
    EXPECT_EQ(v->is_witness, ev["is_witness"].get<bool>());
    EXPECT_EQ(v->client_id, "");  // not on the legacy line
  } else if (marker == "error") {
    const auto* v = get_if<client::ErrorOccurred>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->kind, kind_from_manifest(ev["kind"]));
    EXPECT_EQ(v->message, ev["message"].get<std::string>());
  } else if (marker == "rpc_fallback") {
    const auto* v = get_if<coordinator::RpcFallback>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->failed_rpc_index, ev["failed_rpc_index"].get<uint64_t>());
    EXPECT_EQ(v->next_rpc_index, ev["next_rpc_index"].get<uint64_t>());
    EXPECT_EQ(v->error, ev["error"].get<std::string>());
  } else {
    ADD_FAILURE() << "marker not covered by this test: " << marker;
  }
}

struct Form {
  const char* suffix;     // file name suffix
  const char* row_key;    // manifest key holding the line number in this form
};
constexpr Form kForms[] = {
    {".jsonl", "line"},
    {".json-file.log", "json_file_entries"},
    {".docker-logs-timestamps.txt", "docker_logs_line"},
};

class FixtureForms : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(FixtureForms, EveryMarkerLineMapsToItsGroundTruthAndNothingElseMaps) {
  const int client = std::get<0>(GetParam());
  const Form form = kForms[std::get<1>(GetParam())];
  const std::string base = "client-" + std::to_string(client);
  const auto raw_lines = read_lines(base + ".jsonl");
  const auto lines = read_lines(base + form.suffix);

  std::map<uint64_t, json> expected;  // line number in this form → row
  for (const auto& row : expected_rows()) {
    if (row["client"] != client) continue;
    const json& at = row[form.row_key];
    expected[at.is_array() ? at[0].get<uint64_t>() : at.get<uint64_t>()] = row;
  }
  ASSERT_FALSE(expected.empty());

  LegacyLineAdapter adapter;
  std::map<uint64_t, Event> mapped;
  for (const auto& line : lines) {
    auto out = adapter.feed(line);
    if (out.kind == LineKind::kMapped) {
      ASSERT_TRUE(out.event.has_value());
      mapped.emplace(out.line_no, *out.event);
    } else {
      EXPECT_FALSE(out.event.has_value());
    }
  }
  std::vector<Event> tail;
  adapter.finish(tail);
  EXPECT_TRUE(tail.empty());

  std::set<uint64_t> want, got;
  for (const auto& [no, row] : expected) want.insert(no);
  for (const auto& [no, e] : mapped) got.insert(no);
  EXPECT_EQ(got, want) << "the mapped lines must be exactly the manifest's marker/ERROR lines";
  for (const auto& [no, row] : expected) {
    auto it = mapped.find(no);
    if (it == mapped.end()) continue;
    expect_ground_truth(it->second, row, raw_lines.at(row["line"].get<size_t>() - 1));
  }

  const auto& c = adapter.counters();
  EXPECT_EQ(c.lines, lines.size());
  EXPECT_EQ(c.mapped, expected.size());
  EXPECT_EQ(c.rejected, 0u) << (adapter.rejections().empty() ? "" : adapter.rejections()[0].reason);
  EXPECT_EQ(c.lines, c.mapped + c.skipped + c.rejected + c.joined);
  if (std::string(form.suffix) == ".json-file.log" && client == 1) {
    EXPECT_GT(c.joined, 0u) << "client 1's ~41 KB line is split by Docker";
  } else {
    EXPECT_EQ(c.joined, 0u);
  }
}

std::string FormName(const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
  static const char* kNames[] = {"jsonl", "json_file", "docker_timestamps"};
  return "client" + std::to_string(std::get<0>(info.param)) + "_" + kNames[std::get<1>(info.param)];
}
INSTANTIATE_TEST_SUITE_P(AllClientsAllForms, FixtureForms,
                         ::testing::Combine(::testing::Values(1, 3), ::testing::Values(0, 1, 2)),
                         FormName);

TEST(FixtureStderr, PanicTextIsSkipped) {
  LegacyLineAdapter adapter;
  for (const auto& line : read_lines("client-3.stderr.txt")) {
    EXPECT_EQ(adapter.feed(line).kind, LineKind::kSkipped) << line;
  }
  EXPECT_EQ(adapter.counters().mapped, 0u);
  EXPECT_EQ(adapter.counters().rejected, 0u);
}

// ---- Sharp edges (docs/legacy.md), each on real lines where the fixtures
// have them ------------------------------------------------------------------

// The raw line `line_no` (1-based) of client-N.jsonl.
std::string fixture_line(int client, size_t line_no) {
  return read_lines("client-" + std::to_string(client) + ".jsonl").at(line_no - 1);
}
const json& manifest_row(int client, const std::string& marker, const std::string& level = "") {
  static const auto rows = expected_rows();
  for (const auto& r : rows) {
    if (r["client"] == client && r["marker"] == marker && (level.empty() || r["level"] == level)) return r;
  }
  throw std::runtime_error("no row " + marker);
}
std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("not found: " + from);
  return s.replace(pos, from.size(), to);
}
Event map_one(const std::string& line) {
  LegacyLineAdapter adapter;
  auto out = adapter.feed(line);
  EXPECT_EQ(out.kind, LineKind::kMapped)
      << line << (adapter.rejections().empty() ? "" : "\n" + adapter.rejections()[0].reason);
  return out.event.value_or(Event{});
}
// The variant V the line maps to (a copy; nullopt when it maps to another).
template <class V>
std::optional<V> map_as(const std::string& line) {
  const Event e = map_one(line);
  const V* v = get_if<V>(e.data);
  return v ? std::optional<V>(*v) : std::nullopt;
}

TEST(SharpEdge, NonFiniteFloatsAreWrittenAsNullByTheFormatter) {
  // Fixture evidence: the formatter writes null for f64 inf and NaN.
  const json numeric = json::parse(fixture_line(1, 13));
  EXPECT_EQ(numeric["message"], "numeric rendering");
  EXPECT_TRUE(numeric["pos_inf"].is_null());
  EXPECT_TRUE(numeric["nan64"].is_null());
  // A real loss line with its loss as the formatter writes NaN/inf (null),
  // and as string forms other writers use: loss absent.
  const auto& row = manifest_row(1, "loss");
  const std::string line = fixture_line(1, row["line"]);
  const std::string value = "\"loss\":" + json(row["fields"]["loss"]).dump();
  for (const char* repl : {"null", "\"NaN\"", "\"inf\"", "\"-inf\"", "\"Infinity\""}) {
    SCOPED_TRACE(repl);
    Event e = map_one(replace(line, value, std::string("\"loss\":") + repl));
    const auto* v = get_if<train::LossComputed>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_FALSE(v->loss.has_value());
    EXPECT_EQ(v->step, row["event"]["step"].get<uint64_t>());
  }
  // The unmodified line keeps its finite loss.
  auto v = map_as<train::LossComputed>(line);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->loss, row["event"]["loss"].get<double>());
  // A string that is not a non-finite spelling is rejected, not silently absent.
  LegacyLineAdapter adapter;
  EXPECT_EQ(adapter.feed(replace(line, value, "\"loss\":\"abc\"")).kind, LineKind::kRejected);
  EXPECT_NE(adapter.rejections().at(0).reason.find("loss"), std::string::npos);
}

TEST(SharpEdge, FieldsCollidingWithBuiltInKeysDoNotShadowThem) {
  // Fixture lines 14 (fields named timestamp/level/target) and 15 (a
  // `message` field next to the format message) are not marker lines.
  LegacyLineAdapter adapter;
  EXPECT_EQ(adapter.feed(fixture_line(1, 14)).kind, LineKind::kSkipped);
  EXPECT_EQ(adapter.feed(fixture_line(1, 15)).kind, LineKind::kSkipped);
  // The same collisions on a marker line: the formatter's own timestamp and
  // level (written first) win over the event's fields of the same name.
  const auto& row = manifest_row(1, "state_change");
  const std::string line = fixture_line(1, row["line"]);
  const std::string shadowed =
      replace(line, ",\"target\":", ",\"level\":\"shadow-level\",\"timestamp\":12345,\"span\":\"shadow-span\",\"target\":\"shadow-target\",\"target\":");
  Event plain = map_one(line);
  Event e = map_one(shadowed);
  EXPECT_EQ(e, plain);
  // An ERROR line whose event also has a `message` field: the format
  // message (first) is the one classified and kept.
  const std::string error_line = fixture_line(3, manifest_row(3, "error")["line"]);
  const std::string first = json::parse(error_line)["message"];
  Event err = map_one(replace(error_line, ",\"target\":", ",\"message\":\"TIMEOUT shadow\",\"target\":"));
  const auto* v = get_if<client::ErrorOccurred>(err.data);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->message, first);
  EXPECT_EQ(v->kind, kind_from_manifest(manifest_row(3, "error")["event"]["kind"]));
  // The manifest's error row of client 1 carries fields `error`, `url` next
  // to `message`; only `message` feeds the event.
  const auto& row1 = manifest_row(1, "error");
  EXPECT_TRUE(row1["fields"].contains("error"));
  auto v1 = map_as<client::ErrorOccurred>(fixture_line(1, row1["line"]));
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->message, row1["event"]["message"].get<std::string>());
}

TEST(SharpEdge, DockerSplitsLongLinesAt16KiBAndTheAdapterRejoinsThem) {
  const auto entries = read_lines("client-1.json-file.log");
  // Find the split: entries whose `log` does not end with '\n'.
  std::vector<size_t> pieces;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string log = json::parse(entries[i])["log"];
    if (log.empty() || log.back() != '\n') pieces.push_back(i);
  }
  ASSERT_FALSE(pieces.empty());
  const size_t first = pieces.front(), last = pieces.back() + 1;  // last piece ends with \n
  std::string joined;
  for (size_t i = first; i <= last; ++i) joined += json::parse(entries[i])["log"].get<std::string>();
  EXPECT_GT(joined.size(), 16u * 1024);
  // The manifest lists the entries that hold this line.
  json row;
  for (const auto& r : expected_rows()) {
    if (r["client"] == 1 && r["json_file_entries"].size() > 1) row = r;
  }
  ASSERT_FALSE(row.is_null());
  ASSERT_EQ(row["json_file_entries"].size(), last - first + 1);
  EXPECT_EQ(row["json_file_entries"][0].get<size_t>(), first + 1);

  LegacyLineAdapter adapter;
  std::vector<LegacyLineAdapter::Outcome> outs;
  for (size_t i = first; i <= last; ++i) outs.push_back(adapter.feed(entries[i]));
  for (size_t i = 0; i + 1 < outs.size(); ++i) EXPECT_EQ(outs[i].kind, LineKind::kJoined);
  ASSERT_EQ(outs.back().kind, LineKind::kMapped);
  EXPECT_EQ(outs.back().line_no, 1u);  // a joined line has its first piece's number
  expect_ground_truth(*outs.back().event, row, fixture_line(1, row["line"]));

  // Pieces of stderr interleaved with the split stdout line do not mix in.
  LegacyLineAdapter mixed;
  std::vector<Event> events;
  for (size_t i = first; i <= last; ++i) {
    auto out = mixed.feed(entries[i]);
    if (out.event) events.push_back(*out.event);
    auto err = mixed.feed(R"({"log":"warning: stderr noise\n","stream":"stderr","time":"2026-12-03T16:12:26Z"})");
    EXPECT_EQ(err.kind, LineKind::kSkipped);
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], *outs.back().event);

  // Input ending before the last piece: finish() processes the partial line,
  // which is truncated JSON of a marker line → rejected, not mapped.
  LegacyLineAdapter cut;
  for (size_t i = first; i < last; ++i) cut.feed(entries[i]);
  std::vector<Event> none;
  cut.finish(none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(cut.counters().rejected, 1u);
  ASSERT_EQ(cut.rejections().size(), 1u);
  EXPECT_EQ(cut.rejections()[0].line_no, 1u);
  EXPECT_NE(cut.rejections()[0].reason.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(cut.counters().lines,
            cut.counters().mapped + cut.counters().skipped + cut.counters().rejected + cut.counters().joined);
}

TEST(SharpEdge, BatchIdHasTwoDisplayForms) {
  bool saw_single = false, saw_range = false;
  for (const auto& row : expected_rows()) {
    if (row["marker"] != "untrained_batches") continue;
    const std::string text = row["fields"]["batch_id"];
    Event e = map_one(fixture_line(row["client"], row["line"]));
    const auto* v = get_if<train::UntrainedBatchWarning>(e.data);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->batch_id.start, row["event"]["batch_range"][0].get<uint64_t>()) << text;
    EXPECT_EQ(v->batch_id.end, row["event"]["batch_range"][1].get<uint64_t>()) << text;
    (text.find('[') == std::string::npos ? saw_single : saw_range) = true;
  }
  EXPECT_TRUE(saw_single) << "fixtures have a B5-style id";
  EXPECT_TRUE(saw_range) << "fixtures have a B[1, 3]-style id";
}

TEST(SharpEdge, OldStateDashMeansUninitialized) {
  bool seen = false;
  for (const auto& row : expected_rows()) {
    if (row["marker"] != "state_change" || row["event"]["old_state"] != " - ") continue;
    seen = true;
    auto v = map_as<client::StateChanged>(fixture_line(row["client"], row["line"]));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->old_state, RunState::Uninitialized);
    EXPECT_EQ(v->new_state, state_from_reference(row["event"]["new_state"]));
  }
  EXPECT_TRUE(seen);
}

TEST(SharpEdge, SubscriptionStatusComesFromTheLevel) {
  const auto& up = manifest_row(1, "solana_subscription", "INFO");
  const auto& down = manifest_row(1, "solana_subscription", "WARN");
  auto u = map_as<coordinator::SolanaSubscriptionChanged>(fixture_line(1, up["line"]));
  auto d = map_as<coordinator::SolanaSubscriptionChanged>(fixture_line(1, down["line"]));
  ASSERT_TRUE(u);
  ASSERT_TRUE(d);
  EXPECT_EQ(u->status, SubscriptionStatus::Up);
  EXPECT_EQ(d->status, SubscriptionStatus::Down);
  // A level outside the map is a rejection with a reason.
  LegacyLineAdapter adapter;
  auto out = adapter.feed(replace(fixture_line(1, up["line"]), "\"level\":\"INFO\"", "\"level\":\"DEBUG\""));
  EXPECT_EQ(out.kind, LineKind::kRejected);
  EXPECT_NE(adapter.rejections().at(0).reason.find("DEBUG"), std::string::npos);
}

TEST(SharpEdge, ErrorLevelLinesWithoutMarkerAreErrors) {
  int n = 0;
  for (const auto& row : expected_rows()) {
    if (row["level"] != "ERROR") continue;
    const std::string line = fixture_line(row["client"], row["line"]);
    EXPECT_EQ(json::parse(line).count("integration_test_log_marker"), 0u);
    auto v = map_as<client::ErrorOccurred>(line);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->kind, kind_from_manifest(row["event"]["kind"]));
    ++n;
  }
  EXPECT_EQ(n, 6);
}

TEST(SharpEdge, UntrainedBatchesNeedNoSpecialTarget) {
  // The old harness required target == "untrained_batch", which never
  // matched the producer's module path; the adapter does not check targets.
  const auto& row = manifest_row(1, "untrained_batches");
  EXPECT_NE(row["target"], "untrained_batch");
  EXPECT_TRUE(holds<train::UntrainedBatchWarning>(map_one(fixture_line(1, row["line"])).data));
}

}  // namespace
}  // namespace psyche::events
