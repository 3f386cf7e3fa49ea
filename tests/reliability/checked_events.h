// Self-checking psyche events for the crash and load tests: every event is a
// pure function of its sequence number and carries that number plus a
// checksum of its content, so a reader can tell "missing" from "mis-decoded"
// without trusting anything else in the file.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/crc32c.h"
#include "schema/psyche_events.h"

namespace eventkit::reliability {

namespace ev = psyche::events;

inline uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline uint32_t text_crc(uint64_t seq, std::string_view body) {
  std::string s = std::to_string(seq) + ":" + std::string(body);
  return crc32c::value(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

inline ev::Timestamp checked_time(uint64_t seq) {
  return ev::Timestamp(std::chrono::nanoseconds(1'700'000'000'000'000'000 + int64_t(seq) * 1000));
}

// The event with sequence number `seq`. With `rotate_every` = K > 0, every
// K-th event is a StateChanged that raises the epoch (rotates the file).
// `big_every` = M > 0: every M-th Warning is `big_bytes` long.
inline ev::Event checked_event(uint64_t seq, uint64_t rotate_every = 0, uint64_t big_every = 0,
                               size_t big_bytes = 0) {
  const uint64_t h = mix(seq);
  if (rotate_every && seq % rotate_every == rotate_every - 1) {
    return {checked_time(seq), ev::client::StateChanged{.old_state = ev::RunState::Cooldown,
                                                        .new_state = ev::RunState::WaitingForMembers,
                                                        .epoch = seq / rotate_every + 1,
                                                        .step = seq}};
  }
  if (seq % 2 == 0) {
    size_t len = h % 400;
    if (big_every && (seq / 2) % big_every == big_every - 1) len = big_bytes;
    std::string body(len, ' ');
    for (size_t i = 0; i < len; ++i) body[i] = static_cast<char>('!' + (mix(h + i) % 90));
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", text_crc(seq, body));
    return {checked_time(seq),
            ev::client::Warning{.message = "seq=" + std::to_string(seq) + " crc=" + crc + " " + body}};
  }
  return {checked_time(seq), ev::train::TrainingFinished{.batch_id = {seq, seq ^ h}, .step = seq,
                                                          .loss = double(seq) * 0.5}};
}

// The sequence number an event claims, if its own checksum agrees with its
// content; nullopt for anything that cannot be one of ours.
inline std::optional<uint64_t> checked_sequence(const ev::Event& e) {
  if (const auto* w = std::get_if<ev::Client>(&e.data)) {
    if (const auto* warning = std::get_if<ev::client::Warning>(w)) {
      std::string_view m = warning->message;
      if (!m.starts_with("seq=")) return std::nullopt;
      m.remove_prefix(4);
      uint64_t seq = 0;
      auto [p, ec] = std::from_chars(m.data(), m.data() + m.size(), seq);
      if (ec != std::errc()) return std::nullopt;
      m.remove_prefix(static_cast<size_t>(p - m.data()));
      if (!m.starts_with(" crc=") || m.size() < 14) return std::nullopt;
      uint32_t crc = 0;
      auto r = std::from_chars(m.data() + 5, m.data() + 13, crc, 16);
      if (r.ec != std::errc() || m[13] != ' ') return std::nullopt;
      if (crc != text_crc(seq, m.substr(14))) return std::nullopt;
      return seq;
    }
    if (const auto* sc = std::get_if<ev::client::StateChanged>(w)) return sc->step;
    return std::nullopt;
  }
  if (const auto* t = std::get_if<ev::Train>(&e.data)) {
    if (const auto* tf = std::get_if<ev::train::TrainingFinished>(t)) {
      if (tf->batch_id.start != tf->step || (tf->batch_id.end ^ mix(tf->step)) != tf->step) {
        return std::nullopt;
      }
      return tf->step;
    }
  }
  return std::nullopt;
}

}  // namespace eventkit::reliability
