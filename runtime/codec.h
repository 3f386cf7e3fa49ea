// The Codec contract between a schema's generated code and the runtime
// (docs/design.md). Everything in runtime/ that touches events is a template
// on a type satisfying `eventkit::Codec`.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>


namespace eventkit {

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// What Codec::decode returns: an event, or why the bytes were rejected.
// Codecs may use this template or define their own struct with the same two
// members (the concept below checks the members, not the type).
template <class Event>
struct DecodeResult {
  std::optional<Event> event;
  std::string error;

  static DecodeResult ok(Event e) { return DecodeResult{std::move(e), {}}; }
  static DecodeResult fail(std::string why) { return DecodeResult{std::nullopt, std::move(why)}; }
};

// A decode result for `Event`: `std::optional<Event> event; std::string error;`.
template <class R, class Event>
concept DecodeResultFor = requires(R r) {
  requires std::same_as<decltype(r.event), std::optional<Event>>;
  { r.error } -> std::convertible_to<std::string_view>;
};

// decode() is always given a buffer that starts at an address aligned to
// alignof(std::max_align_t): the runtime copies record bodies out of their
// frames (the record type byte would misalign them) before decoding.
template <class C>
concept Codec = requires(const typename C::Event& event, flatbuffers::FlatBufferBuilder& fbb,
                         std::span<const uint8_t> bytes) {
  typename C::Event;
  requires std::movable<typename C::Event>;
  requires std::copy_constructible<typename C::Event>;
  { event.timestamp } -> std::convertible_to<Timestamp>;
  { C::kSchemaName } -> std::convertible_to<std::string_view>;
  { C::kSchemaFingerprint } -> std::convertible_to<uint64_t>;
  { C::encode(event, fbb) } -> std::same_as<std::span<const uint8_t>>;
  { C::decode(bytes) } -> DecodeResultFor<typename C::Event>;
  { C::rotation_epoch(event) } -> std::same_as<std::optional<uint64_t>>;
};

// Current time as stored in events (UTC, ns).
inline Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now());
}

}  // namespace eventkit
