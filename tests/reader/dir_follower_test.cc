// DirectoryFollower without threads: the bookkeeping of missed files and
// torn tails, step by step.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/dir_follower.h"
#include "runtime/file_format.h"
#include "runtime/framing.h"

namespace {

namespace fs = std::filesystem;
using eventkit::tail::DirectoryFollower;

fs::path temp_dir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  fs::path p = fs::path(base ? base : "/tmp") / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// Writes an event file with a header and `events` one-byte event bodies.
void write_file(const fs::path& path, int events, bool torn = false) {
  std::vector<uint8_t> bytes;
  eventkit::format::FileHeader header;
  header.schema_name = "s";
  eventkit::framing::append_frame(eventkit::format::encode_header(header), bytes);
  for (int i = 0; i < events; ++i) {
    eventkit::framing::append_frame(std::vector<uint8_t>{0x02, static_cast<uint8_t>(i)}, bytes);
  }
  if (torn) bytes.insert(bytes.end(), {0x05, 0x02, 0x07});
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
}

struct Counter {
  int events = 0;
  int headers = 0;
  bool poll(DirectoryFollower& f) {
    return f.poll([&](std::span<const uint8_t>) -> std::optional<std::string> { ++events; return std::nullopt; },
                  [&](const auto&, const auto&) { ++headers; });
  }
};

TEST(DirectoryFollower, MissingDirectoryIsNotAnError) {
  DirectoryFollower f(temp_dir("missing") / "not-yet", "s", 0);
  Counter c;
  EXPECT_FALSE(c.poll(f));
  EXPECT_FALSE(f.directory_exists());
  EXPECT_TRUE(f.stats().file_errors.empty());
}

TEST(DirectoryFollower, CreatedThenDeletedBeforeListingCountsAsMissed) {
  const auto dir = temp_dir("missed");
  write_file(dir / "events-epoch-0-2026-01-01T00-00-00Z.evk", 2);
  DirectoryFollower f(dir, "s", 0);
  Counter c;
  c.poll(f);
  EXPECT_EQ(c.events, 2);
  f.note_created("events-epoch-1-2026-01-01T00-00-01Z.evk");  // inotify saw it; retention removed it
  f.note_created("unrelated.txt");                             // not an event file name: ignored
  c.poll(f);
  EXPECT_EQ(f.stats().files_missed, 1u);
  ASSERT_EQ(f.stats().missed.size(), 1u);
  EXPECT_EQ(f.stats().missed[0].filename(), "events-epoch-1-2026-01-01T00-00-01Z.evk");
}

TEST(DirectoryFollower, TornTailIsReportedOnlyOnceANewerFileExists) {
  const auto dir = temp_dir("torn");
  write_file(dir / "events-epoch-0-2026-01-01T00-00-00Z.evk", 3, /*torn=*/true);
  DirectoryFollower f(dir, "s", 0);
  Counter c;
  c.poll(f);
  EXPECT_EQ(c.events, 3);
  EXPECT_EQ(f.stats().torn_tails, 0u) << "the writer may still complete the record";
  write_file(dir / "events-epoch-0-2026-01-01T00-00-09Z.evk", 1);
  c.poll(f);
  EXPECT_EQ(c.events, 4);
  EXPECT_EQ(c.headers, 2);
  EXPECT_EQ(f.stats().torn_tails, 1u);
  ASSERT_EQ(f.stats().finished.size(), 1u);
  EXPECT_EQ(f.stats().finished[0].torn_tail_bytes, 3u);
}

TEST(DirectoryFollower, OpenFileStaysReadableAfterItsDirectoryIsRemoved) {
  const auto dir = temp_dir("removed");
  const auto path = dir / "events-epoch-0-2026-01-01T00-00-00Z.evk";
  write_file(path, 1);
  DirectoryFollower f(dir, "s", 0);
  Counter c;
  c.poll(f);
  {
    // Append one more record, then remove the directory under the follower.
    std::vector<uint8_t> frame;
    eventkit::framing::append_frame(std::vector<uint8_t>{0x02, 9}, frame);
    std::ofstream(path, std::ios::binary | std::ios::app)
        .write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
  }
  fs::remove_all(dir);
  c.poll(f);
  EXPECT_EQ(c.events, 2) << "the record written before removal is still read";
}

}  // namespace
