// A tiny schema for runtime tests: a test double for generated code, built
// on FlatBuffers' low-level builder like flatc's output. The runtime under
// test is real; only the schema is fake.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>

#include "runtime/codec.h"

namespace eventkit::testing {

enum class Kind : uint8_t { kRunStarted = 0, kNote = 1, kEpochChanged = 2 };

struct TestData {
  Kind kind = Kind::kNote;
  uint64_t value = 0;  // kEpochChanged: the new epoch
  std::string text;
  bool operator==(const TestData&) const = default;
};

struct TestEvent {
  Timestamp timestamp;
  TestData data;
  bool operator==(const TestEvent&) const = default;
};

inline void PrintTo(const TestEvent& e, std::ostream* os) {
  *os << "TestEvent{t=" << e.timestamp.time_since_epoch().count()
      << " kind=" << static_cast<int>(e.data.kind) << " value=" << e.data.value << " text=\""
      << e.data.text << "\"}";
}

struct TestCodec {
  using Event = TestEvent;
  static constexpr std::string_view kSchemaName = "eventkit_test";
  static constexpr uint64_t kSchemaFingerprint = 0x5eed'0000'0000'0001ull;

  // Test hook, called by encode() on the writer thread (e.g. to hold it).
  static inline std::function<void(const Event&)> on_encode;

  static std::span<const uint8_t> encode(const Event& e, flatbuffers::FlatBufferBuilder& fbb) {
    if (on_encode) on_encode(e);
    fbb.Clear();
    auto text = fbb.CreateString(e.data.text);
    auto start = fbb.StartTable();
    fbb.AddElement<int64_t>(kTimestamp, e.timestamp.time_since_epoch().count(), 0);
    fbb.AddElement<uint64_t>(kValue, e.data.value, 0);
    fbb.AddOffset(kText, text);
    fbb.AddElement<uint8_t>(kKind, static_cast<uint8_t>(e.data.kind), 0);
    fbb.Finish(flatbuffers::Offset<Table>(fbb.EndTable(start)));
    return {fbb.GetBufferPointer(), fbb.GetSize()};
  }

  static DecodeResult<Event> decode(std::span<const uint8_t> bytes) {
    flatbuffers::Verifier verifier(bytes.data(), bytes.size());
    if (!verifier.VerifyBuffer<Table>(nullptr)) return DecodeResult<Event>::fail("verifier failed");
    const Table* t = flatbuffers::GetRoot<Table>(bytes.data());
    const uint8_t kind = t->kind();
    if (kind > static_cast<uint8_t>(Kind::kEpochChanged)) {
      return DecodeResult<Event>::fail("unknown kind " + std::to_string(kind));
    }
    Event e;
    e.timestamp = Timestamp(std::chrono::nanoseconds(t->timestamp()));
    e.data.kind = static_cast<Kind>(kind);
    e.data.value = t->value();
    if (t->text()) e.data.text = t->text()->str();
    return DecodeResult<Event>::ok(std::move(e));
  }

  static std::optional<uint64_t> rotation_epoch(const Event& e) {
    if (e.data.kind == Kind::kEpochChanged) return e.data.value;
    return std::nullopt;
  }

 private:
  static constexpr flatbuffers::voffset_t kTimestamp = 4, kKind = 6, kValue = 8, kText = 10;
  struct Table : private flatbuffers::Table {
    int64_t timestamp() const { return GetField<int64_t>(kTimestamp, 0); }
    uint8_t kind() const { return GetField<uint8_t>(kKind, 0); }
    uint64_t value() const { return GetField<uint64_t>(kValue, 0); }
    const flatbuffers::String* text() const { return GetPointer<const flatbuffers::String*>(kText); }
    bool Verify(flatbuffers::Verifier& v) const {
      return VerifyTableStart(v) && VerifyField<int64_t>(v, kTimestamp, 8) &&
             VerifyField<uint8_t>(v, kKind, 1) && VerifyField<uint64_t>(v, kValue, 8) &&
             VerifyOffset(v, kText) && v.VerifyString(text()) && v.EndTable();
    }
  };
};
static_assert(Codec<TestCodec>);

// Deterministic timestamps: tests never depend on the wall clock.
inline Timestamp at(int64_t ns) { return Timestamp(std::chrono::nanoseconds(ns)); }

inline TestEvent note(uint64_t value, std::string text = "note", int64_t ns = 1'000) {
  return TestEvent{at(ns), TestData{Kind::kNote, value, std::move(text)}};
}
inline TestEvent epoch_changed(uint64_t epoch) {
  return TestEvent{at(2'000), TestData{Kind::kEpochChanged, epoch, "epoch"}};
}
inline TestEvent run_started(std::string run_id) {
  return TestEvent{at(500), TestData{Kind::kRunStarted, 0, std::move(run_id)}};
}

}  // namespace eventkit::testing
