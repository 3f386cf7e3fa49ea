// Malformed input, conversions, round trip and the legacy-vs-file comparison.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "codegen/support/legacy_lines.h"
#include "schema/psyche_events.h"
#include "schema/psyche_events_legacy.h"
#include "tests/legacy/legacy_testing.h"

namespace psyche::events {
namespace {

using legacy_testing::read_lines;
using nlohmann::json;
using LineKind = LegacyLineAdapter::LineKind;

const std::string kStateLine =
    R"({"timestamp":"2026-12-03T16:12:26.045187Z","level":"INFO","message":"applying state",)"
    R"("integration_test_log_marker":"state_change","client_id":"988ced4d","old_state":"Waiting for members",)"
    R"("new_state":"Warmup","epoch":0,"step":1,"target":"psyche_client::client"})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("not found: " + from);
  return s.replace(pos, from.size(), to);
}

// ---- Malformed marker lines: rejected with line number and reason ------------
struct Malformed {
  const char* name;
  std::string line;
  const char* reason_part;
};

TEST(Malformed, MarkerLinesAreRejectedWithLineNumberAndReason) {
  const std::vector<Malformed> cases = {
      {"missing field", replace(kStateLine, R"("epoch":0,)", ""), "field 'epoch': missing"},
      {"wrong type", replace(kStateLine, R"("epoch":0)", R"("epoch":"0")"),
       "field 'epoch': expected an unsigned integer, got string"},
      {"negative", replace(kStateLine, R"("epoch":0)", R"("epoch":-1)"), "field 'epoch'"},
      {"float for int", replace(kStateLine, R"("epoch":0)", R"("epoch":1.5)"), "field 'epoch'"},
      {"unknown state", replace(kStateLine, R"("Warmup")", R"("Sleeping")"),
       "field 'new_state': \"Sleeping\" is not a RunState display text"},
      {"bad timestamp", replace(kStateLine, "2026-12-03T16:12:26.045187Z", "yesterday"),
       "field 'timestamp'"},
      {"missing timestamp", replace(kStateLine, R"("timestamp":"2026-12-03T16:12:26.045187Z",)", ""),
       "field 'timestamp': missing"},
      {"timestamp out of range", replace(kStateLine, "2026-12-03", "9999-12-03"), "field 'timestamp'"},
      {"truncated JSON", kStateLine.substr(0, kStateLine.size() / 2), "malformed JSON"},
      {"binary garbage", replace(kStateLine, "988ced4d", std::string("\xff\xfe\x00\x80garbage", 11)),
       "malformed JSON"},
      {"bad batch id",
       R"({"timestamp":"2026-12-03T16:12:26Z","level":"WARN","message":"m","integration_test_log_marker":"untrained_batches","batch_id":"B[3, 1]","expected_trainer":"None","target":"t"})",
       "field 'batch_id'"},
      {"bad option",
       R"({"timestamp":"2026-12-03T16:12:26Z","level":"WARN","message":"m","integration_test_log_marker":"untrained_batches","batch_id":"B3","expected_trainer":"Maybe","target":"t"})",
       "field 'expected_trainer'"},
      {"bad bool string",
       R"({"timestamp":"2026-12-03T16:12:26Z","level":"INFO","message":"m","integration_test_log_marker":"witness_elected","step":1,"round":0,"epoch":0,"index":0,"committee_position":0,"witness":"yes","target":"t"})",
       "field 'witness'"},
      {"error without message",
       R"({"timestamp":"2026-12-03T16:12:26Z","level":"ERROR","target":"t"})", "field 'message': missing"},
  };
  LegacyLineAdapter adapter;
  adapter.feed("plain text first");  // line 1
  uint64_t no = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ++no;
    auto out = adapter.feed(c.line);
    EXPECT_EQ(out.kind, LineKind::kRejected);
    EXPECT_FALSE(out.event.has_value());
    EXPECT_EQ(out.line_no, no);
    ASSERT_FALSE(adapter.rejections().empty());
    const auto& r = adapter.rejections().back();
    EXPECT_EQ(r.line_no, no);
    EXPECT_NE(r.reason.find(c.reason_part), std::string::npos) << r.reason;
  }
  EXPECT_EQ(adapter.counters().rejected, cases.size());
  EXPECT_EQ(adapter.counters().mapped, 0u);
  EXPECT_EQ(adapter.counters().skipped, 1u);
}

TEST(Malformed, UnrelatedAndNonJsonLinesAreSkippedAndCounted) {
  LegacyLineAdapter adapter;
  const std::vector<std::string> lines = {
      "",
      "thread 'main' panicked at src/main.rs:1:1",
      "[1, 2, 3]",
      "\"just a string\"",
      R"({"timestamp":"2026-12-03T16:12:26Z","level":"INFO","message":"hello","target":"t"})",
      // Unknown marker (not in this schema): unrelated.
      R"({"timestamp":"2026-12-03T16:12:26Z","level":"INFO","integration_test_log_marker":"new_thing","target":"t"})",
      // Marker field that is not a string: not a marker line.
      R"({"timestamp":"2026-12-03T16:12:26Z","level":"INFO","integration_test_log_marker":5,"target":"t"})",
      std::string("\x00\x01\x02\xff binary", 11),
      "ERROR: plain text mentioning ERROR is not JSON",
  };
  for (const auto& l : lines) EXPECT_EQ(adapter.feed(l).kind, LineKind::kSkipped) << l;
  EXPECT_EQ(adapter.counters().skipped, lines.size());
  EXPECT_TRUE(adapter.rejections().empty());
}

TEST(Malformed, NoInputCrashes) {
  // Every prefix of every fixture marker line, every single-byte corruption
  // of one, and random bytes: the adapter returns an outcome, never throws.
  std::vector<std::string> seeds = {kStateLine};
  for (const auto& l : read_lines("client-1.jsonl")) {
    if (l.find("integration_test_log_marker") != std::string::npos && l.size() < 2000) seeds.push_back(l);
  }
  LegacyLineAdapter adapter;
  uint64_t fed = 0;
  for (const auto& s : seeds) {
    for (size_t n = 0; n < s.size(); ++n) {
      auto out = adapter.feed(std::string_view(s).substr(0, n));
      ++fed;
      if (n > 0 && s[0] == '{') {
        EXPECT_NE(out.kind, LineKind::kMapped);
      }
    }
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[i % seeds.size()];
    s[rng() % s.size()] = static_cast<char>(rng() & 0xff);
    adapter.feed(s);
    ++fed;
    std::string junk(rng() % 200, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng() & 0xff);
    adapter.feed(junk);
    adapter.feed("{\"log\":" + junk);
    adapter.feed("2026-12-03T16:12:25.684330789Z " + junk);
    fed += 3;
  }
  std::vector<Event> events;
  adapter.finish(events);
  const auto& c = adapter.counters();
  EXPECT_EQ(c.lines, fed);
  EXPECT_EQ(c.lines, c.mapped + c.skipped + c.rejected + c.joined);
  EXPECT_EQ(c.rejected, adapter.rejections().size());
}

TEST(Malformed, EndlessDockerLineIsNotBufferedForever) {
  LegacyLineAdapter adapter;
  const std::string chunk(16 * 1024, 'x');
  const std::string head = json({{"log", R"({"timestamp":"2026-12-03T16:12:26Z","integration_test_log_marker":"loss","message":")"},
                                 {"stream", "stdout"}}).dump();
  adapter.feed(head);
  const std::string piece = json({{"log", chunk}, {"stream", "stdout"}}).dump();
  uint64_t fed = 1;
  while (adapter.counters().rejected == 0 && fed < 4000) {
    adapter.feed(piece);
    ++fed;
  }
  EXPECT_EQ(adapter.counters().rejected, 1u);
  EXPECT_LT(fed, 2100u);  // ~32 MiB of 16 KiB pieces
  ASSERT_EQ(adapter.rejections().size(), 1u);
  EXPECT_EQ(adapter.rejections()[0].line_no, 1u);
  const auto& c = adapter.counters();
  EXPECT_EQ(c.lines, c.mapped + c.skipped + c.rejected + c.joined);
}

// ---- Conversions ---------------------------------------------------------------
TEST(Conversions, Interval) {
  uint64_t s = 0, e = 0;
  EXPECT_TRUE(eventkit::legacy::parse_interval("B5", "B", s, e));
  EXPECT_EQ(s, 5u);
  EXPECT_EQ(e, 5u);
  EXPECT_TRUE(eventkit::legacy::parse_interval("B[1, 3]", "B", s, e));
  EXPECT_EQ(s, 1u);
  EXPECT_EQ(e, 3u);
  EXPECT_TRUE(eventkit::legacy::parse_interval("B[18446744073709551615, 18446744073709551615]", "B", s, e));
  for (const char* bad : {"", "B", "5", "X5", "B[1,3]", "B[3, 1]", "B[1, 3", "B-1", "B 5", "B[, 3]",
                          "B18446744073709551616", "B5x"}) {
    EXPECT_FALSE(eventkit::legacy::parse_interval(bad, "B", s, e)) << bad;
  }
  std::string out;
  eventkit::legacy::append_interval(out, "B", 7, 7);
  out += ' ';
  eventkit::legacy::append_interval(out, "B", 1, 3);
  EXPECT_EQ(out, "B7 B[1, 3]");
}

TEST(Conversions, RustOption) {
  std::optional<std::string> v;
  EXPECT_TRUE(eventkit::legacy::parse_rust_option("None", v));
  EXPECT_FALSE(v);
  EXPECT_TRUE(eventkit::legacy::parse_rust_option("Some(NodeIdentity(00dd4aab/ec505698))", v));
  EXPECT_EQ(v, "NodeIdentity(00dd4aab/ec505698)");
  EXPECT_TRUE(eventkit::legacy::parse_rust_option(R"(Some("a \"b\"\n\u{e9}"))", v));
  EXPECT_EQ(v, "a \"b\"\n\xc3\xa9");
  EXPECT_TRUE(eventkit::legacy::parse_rust_option("Some((1, 3))", v));
  EXPECT_EQ(v, "(1, 3)");
  for (const char* bad : {"", "none", "Some(", "Some", "Some(x", "Nothing"}) {
    EXPECT_FALSE(eventkit::legacy::parse_rust_option(bad, v)) << bad;
  }
  EXPECT_EQ(eventkit::legacy::format_rust_option(std::nullopt), "None");
  EXPECT_EQ(eventkit::legacy::format_rust_option("x"), "Some(x)");
}

TEST(Conversions, NonFiniteText) {
  for (const char* t : {"NaN", "nan", "inf", "-inf", "+inf", "Infinity", "-Infinity"}) {
    EXPECT_TRUE(eventkit::legacy::is_non_finite_text(t)) << t;
  }
  for (const char* t : {"", "1.0", "abc", "nanx", "infinite"}) {
    EXPECT_FALSE(eventkit::legacy::is_non_finite_text(t)) << t;
  }
}

// ---- Round trip: event → legacy line → event ------------------------------------
Timestamp at(int64_t ns) { return Timestamp(std::chrono::nanoseconds(ns)); }

std::vector<Event> one_event_per_marker() {
  return {
      {at(1796316745123456789), coordinator::SolanaSubscriptionChanged{"ws://validator:8900", SubscriptionStatus::Up}},
      {at(1796316745123456790), coordinator::SolanaSubscriptionChanged{"ws://validator:8900", SubscriptionStatus::Down}},
      {at(1796316745000000001), coordinator::RpcFallback{0, 1, "timed out: \"quoted\"\n\ttab"}},
      {at(1796316745000000002), client::StateChanged{RunState::Uninitialized, RunState::WaitingForMembers, 0, 1}},
      {at(1796316745000000003), client::StateChanged{RunState::RoundTrain, RunState::RoundWitness, 7, 42}},
      {at(1796316745000000004), client::HealthCheckFailed{3, 17}},
      {at(1796316745000000005), client::ErrorOccurred{ErrorKind::Timeout, "RPC request TIMEOUT after 30s"}},
      {at(1796316745000000006), client::ErrorOccurred{ErrorKind::Unknown, "日本語 🚀 \x01 control"}},
      {at(1796316745000000007), train::UntrainedBatchWarning{BatchId{5, 5}, std::nullopt}},
      {at(1796316745000000008), train::UntrainedBatchWarning{BatchId{1, 3}, "NodeIdentity(00dd4aab/ec505698)"}},
      {at(1796316745000000009), train::WitnessElected{"", 1, 2, 3, 4, 5, true}},
      {at(1796316745000000010), train::WitnessElected{"", 1, 2, 3, 4, 5, false}},
      {at(1796316745000000011), train::LossComputed{"988ced4d", 1, 4, 4.307005405426025}},
      {at(1796316745000000012), train::LossComputed{"988ced4d", 1, 5, std::nullopt}},
      {at(1796316745000000013), warmup::ModelLoadComplete{"emozilla/llama2-20m-init"}},
  };
}

TEST(RoundTrip, EveryMarkerVariantSurvivesEventToLineToEvent) {
  std::set<std::string_view> covered;
  for (const Event& e : one_event_per_marker()) {
    SCOPED_TRACE(::testing::PrintToString(e));
    auto line = to_legacy_line(e);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->find('\n'), std::string::npos);
    // The line is what the old harness parses: JSON with the marker field.
    const json j = json::parse(*line);
    EXPECT_EQ(j["integration_test_log_marker"], *legacy_marker(e.data));
    EXPECT_TRUE(j["message"].is_string());
    EXPECT_TRUE(j["target"].is_string());
    EXPECT_EQ(j["timestamp"], eventkit::gen::format_timestamp(e.timestamp));
    LegacyLineAdapter adapter;
    auto out = adapter.feed(*line);
    ASSERT_EQ(out.kind, LineKind::kMapped) << *line << "\n"
                                           << (adapter.rejections().empty() ? "" : adapter.rejections()[0].reason);
    EXPECT_EQ(*out.event, e) << *line;
    // Also through both Docker forms.
    LegacyLineAdapter docker;
    json entry = {{"log", *line + "\n"}, {"stream", "stdout"}, {"time", "2026-12-03T16:12:25.687949321Z"}};
    EXPECT_EQ(docker.feed(entry.dump()).event, e);
    EXPECT_EQ(docker.feed("2026-12-03T16:12:25.687949321Z " + *line).event, e);
    covered.insert(*legacy_marker(e.data));
  }
  std::set<std::string_view> all;
  for (const auto& m : legacy_markers()) all.insert(m.marker);
  EXPECT_EQ(covered, all) << "add an event for each new legacy marker";
}

TEST(RoundTrip, LevelsAndNonFiniteValuesAsTheFormatterWritesThem) {
  const auto up = json::parse(*to_legacy_line({at(0), coordinator::SolanaSubscriptionChanged{"u", SubscriptionStatus::Up}}));
  const auto down = json::parse(*to_legacy_line({at(0), coordinator::SolanaSubscriptionChanged{"u", SubscriptionStatus::Down}}));
  EXPECT_EQ(up["level"], "INFO");
  EXPECT_EQ(down["level"], "WARN");
  const auto err = json::parse(*to_legacy_line({at(0), client::ErrorOccurred{ErrorKind::Unknown, "boom"}}));
  EXPECT_EQ(err["level"], "ERROR");
  EXPECT_EQ(err["message"], "boom");
  const std::string nan_line = *to_legacy_line({at(0), train::LossComputed{"c", 0, 0, std::nan("")}});
  EXPECT_NE(nan_line.find(R"("loss":null)"), std::string::npos) << nan_line;
  LegacyLineAdapter adapter;
  auto back = adapter.feed(nan_line);
  ASSERT_TRUE(back.event);
  EXPECT_FALSE(get_if<train::LossComputed>(back.event->data)->loss.has_value());
  // Events without a marker have no legacy line.
  EXPECT_FALSE(to_legacy_line({at(0), client::Warning{"w"}}).has_value());
  EXPECT_FALSE(legacy_marker(client::Warning{"w"}).has_value());
}

// ---- Comparison ------------------------------------------------------------------
std::vector<Event> fixture_events(int client) {
  LegacyLineAdapter adapter;
  std::vector<Event> events;
  adapter.feed_all(legacy_testing::read_file("client-" + std::to_string(client) + ".jsonl"), events);
  return events;
}

TEST(Compare, SameRunAgrees) {
  const auto legacy = fixture_events(1);
  ASSERT_EQ(legacy.size(), 42u);
  // File events of the same run: captured a little earlier than logged,
  // interleaved with events that have no marker.
  std::vector<Event> file;
  file.push_back({at(1), RunStarted{"test", "988ced4d", "{}", "0.1"}});
  for (const Event& e : legacy) {
    Event f = e;
    f.timestamp -= std::chrono::microseconds(3);
    file.push_back(f);
    file.push_back({f.timestamp, p2p::GossipLagged{}});
  }
  auto c = compare_legacy(legacy, file);
  EXPECT_TRUE(c.agree) << c.report();
  EXPECT_EQ(c.legacy_events, 42u);
  EXPECT_EQ(c.file_events, 42u);
  EXPECT_EQ(c.matched, 42u);
  EXPECT_NE(c.report().find("AGREE"), std::string::npos);
}

TEST(Compare, ReportsOneSidedMarkersAndFieldMismatches) {
  const auto legacy = fixture_events(3);
  std::vector<Event> file(legacy.begin(), legacy.end());
  // 1. the file misses the first loss event;
  size_t loss_index = 0;
  while (!holds<train::LossComputed>(file[loss_index].data)) ++loss_index;
  file.erase(file.begin() + static_cast<std::ptrdiff_t>(loss_index));
  // 2. the file has an extra health check the logs never showed;
  file.push_back({at(5), client::HealthCheckFailed{9, 10}});
  // 3. a state change disagrees in one field;
  size_t state_index = 0;
  while (!holds<client::StateChanged>(file[state_index].data)) ++state_index;
  auto changed = *get_if<client::StateChanged>(file[state_index].data);
  changed.step += 100;
  file[state_index].data = changed;
  // 4. the file's WitnessElected carries a client_id, which the legacy line
  //    cannot: not a difference (compared through legacy_normalize).
  for (auto& e : file) {
    if (const auto* w = get_if<train::WitnessElected>(e.data)) {
      auto copy = *w;
      copy.client_id = "00dd4aab";
      e.data = copy;
    }
  }
  auto c = compare_legacy(legacy, file);
  EXPECT_FALSE(c.agree);
  ASSERT_EQ(c.differences.size(), 3u) << c.report();
  using K = eventkit::legacy::Difference::Kind;
  std::map<K, const eventkit::legacy::Difference*> by_kind;
  for (const auto& d : c.differences) by_kind[d.kind] = &d;
  ASSERT_TRUE(by_kind.count(K::kLegacyOnly));
  EXPECT_EQ(by_kind[K::kLegacyOnly]->marker, "loss");
  EXPECT_EQ(by_kind[K::kLegacyOnly]->legacy_index, loss_index);
  ASSERT_TRUE(by_kind.count(K::kFileOnly));
  EXPECT_EQ(by_kind[K::kFileOnly]->marker, "health_check");
  ASSERT_TRUE(by_kind.count(K::kMismatch));
  const auto& m = *by_kind[K::kMismatch];
  EXPECT_EQ(m.marker, "state_change");
  EXPECT_EQ(m.variant, "client::StateChanged");
  ASSERT_EQ(m.fields.size(), 1u);
  EXPECT_EQ(m.fields[0].field, "step");
  EXPECT_EQ(std::stoull(m.fields[0].file), std::stoull(m.fields[0].legacy) + 100);
  const std::string report = c.report();
  EXPECT_NE(report.find("DISAGREE"), std::string::npos) << report;
  EXPECT_NE(report.find("step"), std::string::npos) << report;
}

TEST(Markers, TableFollowsTheSchema) {
  std::map<std::string_view, std::string_view> by_marker;
  for (const auto& m : legacy_markers()) by_marker[m.marker] = m.name;
  EXPECT_EQ(by_marker.size(), 9u);
  EXPECT_EQ(by_marker["state_change"], "StateChanged");
  EXPECT_EQ(by_marker["health_check"], "HealthCheckFailed");
  EXPECT_EQ(by_marker["error"], "ErrorOccurred");
  EXPECT_EQ(by_marker["loss"], "LossComputed");
  EXPECT_EQ(by_marker["loaded_model"], "ModelLoadComplete");
  EXPECT_EQ(by_marker["untrained_batches"], "UntrainedBatchWarning");
  EXPECT_EQ(by_marker["witness_elected"], "WitnessElected");
  EXPECT_EQ(by_marker["solana_subscription"], "SolanaSubscriptionChanged");
  EXPECT_EQ(by_marker["rpc_fallback"], "RpcFallback");
  for (const auto& m : legacy_markers()) EXPECT_EQ(m.level, m.marker == "error" ? "ERROR" : "");
}

TEST(Compare, EmptyInputsAgree) {
  auto c = compare_legacy({}, {});
  EXPECT_TRUE(c.agree);
  EXPECT_EQ(c.matched, 0u);
}

}  // namespace
}  // namespace psyche::events
