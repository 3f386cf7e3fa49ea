// libFuzzer target (a): the record decoder with FlatBuffers decoding.
// The input is used three ways, so the fuzzer reaches the codec and not
// only the CRC check:
//  1. as the raw bytes of an event file, fed to FrameScanner + RecordDecoder
//     in input-determined chunk sizes (framing, header parsing, psyche
//     Codec::decode on whatever frames happen to pass their CRC);
//  2. split at "\xff\xfe" into payloads that are framed with a valid CRC
//     behind a valid psyche header, so every payload reaches the decoder;
//  3. directly as a Codec::decode input (aligned copy); a decoded event is
//     re-encoded, and decoding that must give the same bytes again.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "runtime/file_format.h"
#include "runtime/framing.h"
#include "runtime/reader.h"
#include "runtime/record_decoder.h"
#include "schema/psyche_events.h"

namespace {

using Codec = psyche::events::Codec;

void scan(std::span<const uint8_t> file, size_t chunk) {
  eventkit::FileStats stats;
  eventkit::detail::RecordDecoder decoder("fuzz.evk", Codec::kSchemaName, Codec::kSchemaFingerprint,
                                          stats);
  eventkit::framing::FrameScanner scanner(0, 1 << 16);  // small limit: exercise oversize frames
  const eventkit::detail::EventBodySink sink =
      [](std::span<const uint8_t> body) -> std::optional<std::string> {
    auto r = Codec::decode(body);
    if (!r.event) return r.error;
    return std::nullopt;
  };
  for (size_t pos = 0; pos < file.size(); pos += chunk) {
    scanner.append(file.subspan(pos, std::min(chunk, file.size() - pos)));
    while (auto item = scanner.next()) {
      if (decoder.consume(*item, sink)) return;
    }
  }
  if (decoder.have_header()) decoder.finish(scanner);
}

void round_trip(std::span<const uint8_t> bytes) {
  std::vector<uint64_t> aligned((bytes.size() + 7) / 8 + 1);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  auto r = Codec::decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(aligned.data()),
                                                  bytes.size()));
  if (!r.event) return;
  (void)psyche::events::to_json(*r.event);
  (void)psyche::events::display(r.event->data);
  flatbuffers::FlatBufferBuilder fbb;
  auto once = Codec::encode(*r.event, fbb);
  std::vector<uint8_t> first(once.begin(), once.end());
  auto again = Codec::decode(first);
  if (!again.event) {
    std::fprintf(stderr, "re-encoded event does not decode: %s\n", again.error.c_str());
    std::abort();
  }
  flatbuffers::FlatBufferBuilder fbb2;
  auto twice = Codec::encode(*again.event, fbb2);
  if (twice.size() != first.size() || std::memcmp(twice.data(), first.data(), first.size()) != 0) {
    std::fprintf(stderr, "decode(encode(e)) changed the event\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  // 1. Raw file bytes.
  scan(in, 1 + (size ? data[0] % 64 : 0) * 97);

  // 2. Payloads with valid CRCs behind a valid header.
  std::vector<uint8_t> file;
  eventkit::format::FileHeader h;
  h.schema_name = std::string(Codec::kSchemaName);
  h.schema_fingerprint = Codec::kSchemaFingerprint;
  eventkit::framing::append_frame(eventkit::format::encode_header(h), file);
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i == size || (i + 1 < size && data[i] == 0xff && data[i + 1] == 0xfe)) {
      std::vector<uint8_t> payload{static_cast<uint8_t>(eventkit::format::RecordType::kEvent)};
      payload.insert(payload.end(), data + start, data + i);
      eventkit::framing::append_frame(payload, file);
      round_trip(in.subspan(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  scan(file, file.size());
  return 0;
}
