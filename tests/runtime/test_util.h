// Helpers for runtime tests: a fresh directory per test under TEST_TMPDIR,
// whole-file byte access, and an in-memory image of an event file whose
// frame boundaries are known (for the mutators).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/file_format.h"
#include "runtime/framing.h"
#include "tests/runtime/test_codec.h"

namespace eventkit::testing {

using Bytes = std::vector<uint8_t>;

// A new, empty directory named after the running test.
inline std::filesystem::path fresh_test_dir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::filesystem::path root = base ? base : std::filesystem::temp_directory_path();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir =
      root / (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline Bytes read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A file image: header frame then event frames; frame k spans
// [starts[k], starts[k+1]) (index 0 = header).
struct FileImage {
  Bytes bytes;
  std::vector<size_t> starts;
  size_t end(size_t k) const { return k + 1 < starts.size() ? starts[k + 1] : bytes.size(); }

  void add_payload(const Bytes& payload) {
    starts.push_back(bytes.size());
    framing::append_frame(payload, bytes);
  }
  void add_event(const TestEvent& e) {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = TestCodec::encode(e, fbb);
    Bytes payload{static_cast<uint8_t>(format::RecordType::kEvent)};
    payload.insert(payload.end(), body.begin(), body.end());
    add_payload(payload);
  }
};

inline format::FileHeader test_header(uint64_t epoch = 0) {
  format::FileHeader h;
  h.schema_name = std::string(TestCodec::kSchemaName);
  h.schema_fingerprint = TestCodec::kSchemaFingerprint;
  h.epoch = epoch;
  h.created_unix_ns = 1'700'000'000'000'000'000;
  return h;
}

inline FileImage image_with(const std::vector<TestEvent>& events,
                            const format::FileHeader& header = test_header()) {
  FileImage img;
  img.add_payload(format::encode_header(header));
  for (const auto& e : events) img.add_event(e);
  return img;
}

}  // namespace eventkit::testing
