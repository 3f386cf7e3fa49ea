// COBS, CRC32C and the FrameScanner, on bytes only.
#include "runtime/framing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/crc32c.h"

namespace eventkit::framing {
namespace {

using Bytes = std::vector<uint8_t>;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

Bytes cobs(const Bytes& in) {
  Bytes out;
  cobs_encode(in, out);
  return out;
}

Bytes uncobs(const Bytes& in) {
  Bytes out;
  auto err = cobs_decode(in, out);
  EXPECT_FALSE(err) << *err;
  return out;
}

Bytes span_bytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

Bytes counting(size_t n, uint8_t first = 1) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i % 255);  // never 0
  for (auto& x : b) {
    if (x == 0) x = 1;
  }
  return b;
}

// ---- CRC32C ----

TEST(Crc32c, MatchesStandardCheckValue) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32c::value({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xE3069283u);
}

TEST(Crc32c, MatchesLevelDbVectors) {
  Bytes zeros(32, 0), ones(32, 0xff), inc(32);
  for (size_t i = 0; i < 32; ++i) inc[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c::value(zeros), 0x8a9136aau);
  EXPECT_EQ(crc32c::value(ones), 0x62a8ab43u);
  EXPECT_EQ(crc32c::value(inc), 0x46dd794eu);
}

TEST(Crc32c, HardwareAndPortablePathsAgreeOnEveryLengthAndAlignment) {
  Bytes data = counting(300, 7);
  for (size_t off = 0; off < 8; ++off) {
    for (size_t len = 0; off + len <= data.size(); len += 13) {
      std::span<const uint8_t> s(data.data() + off, len);
      ASSERT_EQ(crc32c::extend(0, s), crc32c::extend_portable(0, s)) << off << "+" << len;
    }
  }
}

TEST(Crc32c, ExtendEqualsOneShot) {
  Bytes data = counting(100);
  const uint32_t whole = crc32c::value(data);
  const uint32_t split = crc32c::extend(crc32c::value({data.data(), 37}), {data.data() + 37, 63});
  EXPECT_EQ(whole, split);
}

TEST(Crc32c, MaskIsInvertibleAndChangesTheValue) {
  const uint32_t crc = crc32c::value(counting(10));
  EXPECT_NE(crc32c::mask(crc), crc);
  EXPECT_NE(crc32c::mask(crc32c::mask(crc)), crc);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(crc)), crc);
}

// ---- COBS ----

TEST(Cobs, EncodesWikipediaExamples) {
  EXPECT_THAT(cobs({}), ElementsAre(0x01));
  EXPECT_THAT(cobs({0x00}), ElementsAre(0x01, 0x01));
  EXPECT_THAT(cobs({0x00, 0x00}), ElementsAre(0x01, 0x01, 0x01));
  EXPECT_THAT(cobs({0x00, 0x11, 0x00}), ElementsAre(0x01, 0x02, 0x11, 0x01));
  EXPECT_THAT(cobs({0x11, 0x22, 0x00, 0x33}), ElementsAre(0x03, 0x11, 0x22, 0x02, 0x33));
  EXPECT_THAT(cobs({0x11, 0x00, 0x00, 0x00}), ElementsAre(0x02, 0x11, 0x01, 0x01, 0x01));
}

TEST(Cobs, RoundTripsAtBlockEdges) {
  for (size_t n : {0u, 1u, 252u, 253u, 254u, 255u, 256u, 507u, 508u, 509u, 1000u}) {
    for (const Bytes& in : {counting(n), Bytes(n, 0)}) {
      const Bytes enc = cobs(in);
      EXPECT_EQ(std::count(enc.begin(), enc.end(), 0), 0) << n;
      EXPECT_LE(enc.size(), cobs_max_encoded_size(n)) << n;
      EXPECT_EQ(uncobs(enc), in) << n;
    }
  }
}

TEST(Cobs, FullBlockAtTheEndNeedsNoExtraCodeByte) {
  const Bytes enc = cobs(counting(254));
  ASSERT_EQ(enc.size(), 255u);
  EXPECT_EQ(enc[0], 0xff);
}

TEST(Cobs, ByteAfterAFullBlockStartsANewBlock) {
  const Bytes enc = cobs(counting(255));
  ASSERT_EQ(enc.size(), 257u);
  EXPECT_EQ(enc[0], 0xff);
  EXPECT_EQ(enc[255], 0x02);
}

TEST(Cobs, DecoderAcceptsNonCanonicalTrailingEmptyBlock) {
  Bytes enc = cobs(counting(254));
  enc.push_back(0x01);
  EXPECT_EQ(uncobs(enc), counting(254));
}

TEST(Cobs, DecoderRejectsBlockOverrunAndZeroBytes) {
  Bytes out;
  EXPECT_TRUE(cobs_decode(Bytes{0x05, 0x11}, out));
  EXPECT_TRUE(cobs_decode(Bytes{0x00}, out));
  EXPECT_TRUE(cobs_decode(Bytes{0x03, 0x11, 0x00}, out));
}

// ---- frames ----

TEST(Frame, MatchesTheWorkedExampleInFormatMd) {
  Bytes out;
  append_frame(Bytes{0x02, 0x41, 0x00, 0x42}, out);
  EXPECT_THAT(out, ElementsAre(0x03, 0x02, 0x41, 0x06, 0x42, 0xA0, 0x55, 0xD7, 0xD1, 0x00));
}

TEST(Frame, EndsWithTheOnlyZeroByte) {
  Bytes out;
  append_frame(Bytes(300, 0), out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), 0), 1);
}

// The textbook byte-at-a-time canonical encoder, to check the optimised one
// (which takes a shifted-copy fast path when no block reaches 254 bytes).
Bytes reference_cobs(const Bytes& in) {
  Bytes out{0};
  size_t code_at = 0;
  uint8_t code = 1;
  bool open = true;
  for (uint8_t b : in) {
    if (!open) {
      code_at = out.size();
      out.push_back(0);
      code = 1;
      open = true;
    }
    if (b == 0) {
      out[code_at] = code;
      code_at = out.size();
      out.push_back(0);
      code = 1;
      continue;
    }
    out.push_back(b);
    if (++code == 0xff) {
      out[code_at] = code;
      open = false;
    }
  }
  if (open) out[code_at] = code;
  return out;
}

TEST(Cobs, MatchesReferenceEncoderOnRandomInputs) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int round = 0; round < 3000; ++round) {
    const size_t n = next() % 700;
    const unsigned zero_per_256 = static_cast<unsigned>(next() % 4 == 0 ? 0 : next() % 256);
    Bytes in(n);
    for (auto& b : in) b = (next() % 256) < zero_per_256 ? 0 : static_cast<uint8_t>(1 + next() % 255);
    const Bytes enc = cobs(in);
    ASSERT_EQ(enc, reference_cobs(in)) << "n=" << n << " round=" << round;
    ASSERT_EQ(uncobs(enc), in);
  }
}

TEST(Frame, RoundTripsEmptyAndEdgeSizedPayloads) {
  // Sizes around the 254-byte COBS block, for the payload alone and for
  // payload + 4 CRC bytes.
  for (size_t n : {0u, 1u, 249u, 250u, 251u, 252u, 253u, 254u, 255u, 256u, 1024u}) {
    for (const Bytes& payload : {counting(n), Bytes(n, 0)}) {
      Bytes frame;
      append_frame(payload, frame);
      Bytes decoded;
      auto err = unframe({frame.data(), frame.size() - 1}, decoded);
      ASSERT_FALSE(err) << n << ": " << *err;
      EXPECT_EQ(decoded, payload) << n;
    }
  }
}

TEST(Frame, DetectsEveryFlippedBit) {
  Bytes frame;
  append_frame(counting(40), frame);
  frame.pop_back();
  for (size_t bit = 0; bit < frame.size() * 8; ++bit) {
    Bytes bad = frame;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Bytes out;
    EXPECT_TRUE(unframe(bad, out)) << "bit " << bit;
  }
}

// ---- FrameScanner ----

struct Scanned {
  std::vector<Bytes> frames;
  std::vector<FrameScanner::Item> corrupt;
};

Scanned drain(FrameScanner& s) {
  Scanned out;
  while (auto item = s.next()) {
    if (item->kind == FrameScanner::Item::Kind::kFrame) {
      out.frames.push_back(span_bytes(item->payload));
    } else {
      out.corrupt.push_back(*item);
    }
  }
  return out;
}

TEST(FrameScanner, YieldsFramesFedOneByteAtATime) {
  Bytes stream;
  const std::vector<Bytes> payloads = {counting(3), {}, Bytes(260, 0), counting(600)};
  for (const auto& p : payloads) append_frame(p, stream);
  FrameScanner s;
  std::vector<Bytes> got;
  for (uint8_t b : stream) {
    s.append({&b, 1});
    for (auto& f : drain(s).frames) got.push_back(f);
  }
  EXPECT_EQ(got, payloads);
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(FrameScanner, KeepsAPartialFramePendingUntilItsTerminatorArrives) {
  Bytes stream;
  append_frame(counting(10), stream);
  const size_t first = stream.size();
  append_frame(counting(20), stream);
  FrameScanner s;
  s.append({stream.data(), stream.size() - 5});
  EXPECT_EQ(drain(s).frames.size(), 1u);
  EXPECT_EQ(s.pending_offset(), first);
  EXPECT_EQ(s.pending_bytes(), stream.size() - 5 - first);
  s.append({stream.data() + stream.size() - 5, 5});
  EXPECT_THAT(drain(s).frames, ElementsAre(counting(20)));
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(FrameScanner, ReportsCorruptFrameWithOffsetAndResumesAfterIt) {
  Bytes stream;
  append_frame(counting(10), stream);
  const size_t bad_at = stream.size();
  append_frame(counting(10), stream);
  const size_t bad_len = stream.size() - bad_at;
  stream[bad_at + 3] ^= 0x10;
  append_frame(counting(5), stream);
  FrameScanner s;
  s.append(stream);
  Scanned got = drain(s);
  EXPECT_THAT(got.frames, ElementsAre(counting(10), counting(5)));
  ASSERT_EQ(got.corrupt.size(), 1u);
  EXPECT_EQ(got.corrupt[0].offset, bad_at);
  EXPECT_EQ(got.corrupt[0].length, bad_len);
  EXPECT_EQ(got.corrupt[0].reason, "CRC mismatch");
}

TEST(FrameScanner, CountsConsecutiveTerminatorsAsPadding) {
  Bytes stream{0, 0};
  append_frame(counting(3), stream);
  stream.push_back(0);
  FrameScanner s;
  s.append(stream);
  EXPECT_EQ(drain(s).frames.size(), 1u);
  EXPECT_EQ(s.padding_bytes(), 3u);
}

TEST(FrameScanner, ReportsOversizedFrameWithoutBufferingIt) {
  FrameScanner s(/*start_offset=*/100, /*max_frame_bytes=*/64);
  Bytes junk(50, 0x11);
  s.append(junk);
  EXPECT_FALSE(s.next());
  s.append(junk);
  EXPECT_FALSE(s.next());
  EXPECT_EQ(s.pending_bytes(), 100u);
  Bytes tail{0x11, 0x00};
  append_frame(counting(3), tail);
  s.append(tail);
  Scanned got = drain(s);
  ASSERT_EQ(got.corrupt.size(), 1u);
  EXPECT_EQ(got.corrupt[0].offset, 100u);
  EXPECT_EQ(got.corrupt[0].length, 102u);
  EXPECT_THAT(got.frames, ElementsAre(counting(3)));
}

TEST(FrameScanner, ReportsStreamOffsetsFromItsStartOffset) {
  Bytes stream;
  append_frame(Bytes{1}, stream);
  stream[1] ^= 2;  // 0x01 -> 0x03: still one frame, bad CRC
  FrameScanner s(/*start_offset=*/1000);
  s.append(stream);
  Scanned got = drain(s);
  ASSERT_EQ(got.corrupt.size(), 1u);
  EXPECT_EQ(got.corrupt[0].offset, 1000u);
}

}  // namespace
}  // namespace eventkit::framing
