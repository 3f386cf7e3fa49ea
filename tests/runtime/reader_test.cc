// Reading event files: torn tails, corruption, and files that are not event
// files. Files are built byte by byte (FileImage) and mutated on purpose.
#include "runtime/reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/runtime/test_codec.h"
#include "tests/runtime/test_util.h"

namespace eventkit::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::vector<TestEvent> kFour = {note(0, "zero"), note(1, "one"), note(2, std::string(300, 'x')),
                                      note(3, "three")};

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_test_dir(); }
  std::filesystem::path file(const std::string& name = "events-epoch-0-2024-01-01T00-00-00Z.evk") {
    return dir_ / name;
  }
  FileRead<TestEvent> read(const Bytes& bytes) {
    write_bytes(file(), bytes);
    return read_file<TestCodec>(file());
  }
  std::filesystem::path dir_;
};

TEST_F(ReaderTest, ReadsHeaderAndEventsOfAnIntactFile) {
  format::FileHeader h = test_header(7);
  flatbuffers::FlatBufferBuilder fbb;
  auto ctx = TestCodec::encode(run_started("run-1"), fbb);
  h.run_context.assign(ctx.begin(), ctx.end());
  auto r = read(image_with(kFour, h).bytes);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.events, kFour);
  EXPECT_EQ(r.stats.events, 4u);
  EXPECT_EQ(r.stats.header, h);
  EXPECT_TRUE(r.stats.fingerprint_matches);
  EXPECT_EQ(r.run_context, run_started("run-1"));
  EXPECT_FALSE(r.stats.torn_tail);
  EXPECT_THAT(r.stats.corrupt, IsEmpty());
}

TEST_F(ReaderTest, TruncatedTrailingRecordIsIgnored) {
  const FileImage img = image_with(kFour);
  const size_t last = img.starts.back();
  for (size_t cut = last; cut < img.bytes.size(); ++cut) {
    auto r = read(Bytes(img.bytes.begin(), img.bytes.begin() + static_cast<long>(cut)));
    ASSERT_FALSE(r.error) << cut;
    EXPECT_EQ(r.events, std::vector<TestEvent>(kFour.begin(), kFour.end() - 1)) << cut;
    EXPECT_THAT(r.stats.corrupt, IsEmpty()) << cut;
    EXPECT_EQ(r.stats.torn_tail, cut > last) << cut;
    EXPECT_EQ(r.stats.torn_tail_bytes, cut - last) << cut;
    if (cut > last) {
      EXPECT_EQ(r.stats.torn_tail_offset, last);
    }
  }
}

TEST_F(ReaderTest, TruncatedMiddleRecordKeepsEarlierRecords) {
  const FileImage img = image_with(kFour);
  for (size_t cut = img.starts[2]; cut < img.end(2); ++cut) {
    auto r = read(Bytes(img.bytes.begin(), img.bytes.begin() + static_cast<long>(cut)));
    ASSERT_FALSE(r.error) << cut;
    EXPECT_THAT(r.events, ElementsAre(kFour[0])) << cut;
    EXPECT_THAT(r.stats.corrupt, IsEmpty()) << cut;
    EXPECT_EQ(r.stats.torn_tail_bytes, cut - img.starts[2]) << cut;
  }
}

TEST_F(ReaderTest, PartialMiddleRecordFollowedByMoreRecordsIsOneCorruptRecord) {
  // A torn write that later writes appended to: the partial frame swallows
  // the next frame (no terminator between them), later frames are intact.
  const FileImage img = image_with(kFour);
  for (size_t keep = 1; keep < img.end(2) - img.starts[2]; ++keep) {
    Bytes b(img.bytes.begin(), img.bytes.begin() + static_cast<long>(img.starts[2] + keep));
    b.insert(b.end(), img.bytes.begin() + static_cast<long>(img.starts[3]), img.bytes.end());
    auto r = read(b);
    ASSERT_FALSE(r.error) << keep;
    EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[3])) << keep;
    ASSERT_EQ(r.stats.corrupt.size(), 1u) << keep;
    EXPECT_EQ(r.stats.corrupt[0].offset, img.starts[2]) << keep;
  }
}

TEST_F(ReaderTest, ResyncByteAfterAPartialRecordSavesTheNextRecord) {
  const FileImage img = image_with(kFour);
  // keep = frame length - 1 would be the whole frame, validly terminated.
  for (size_t keep = 1; keep + 1 < img.end(2) - img.starts[2]; ++keep) {
    Bytes b(img.bytes.begin(), img.bytes.begin() + static_cast<long>(img.starts[2] + keep));
    b.push_back(0x00);  // what FileSink writes after a failed write
    b.insert(b.end(), img.bytes.begin() + static_cast<long>(img.starts[3]), img.bytes.end());
    auto r = read(b);
    ASSERT_FALSE(r.error) << keep;
    EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[2], kFour[3])) << keep;
    ASSERT_EQ(r.stats.corrupt.size(), 1u) << keep;
    EXPECT_EQ(r.stats.corrupt[0].offset, img.starts[2]);
    EXPECT_EQ(r.stats.corrupt[0].length, keep + 1);
  }
}

TEST_F(ReaderTest, EveryFlippedBitIsDetectedAndNeighboursSurvive) {
  const FileImage img = image_with(kFour);
  const size_t begin = img.starts[2], end = img.end(2);  // frame of kFour[1]
  for (size_t bit = begin * 8; bit < end * 8; ++bit) {
    Bytes b = img.bytes;
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto r = read(b);
    ASSERT_FALSE(r.error) << bit;
    const bool terminator_hit = bit / 8 == end - 1;
    if (terminator_hit) {  // merges with the next frame
      EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[3])) << bit;
    } else {
      EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[2], kFour[3])) << bit;
    }
    ASSERT_GE(r.stats.corrupt.size(), 1u) << bit;
    EXPECT_EQ(r.stats.corrupt[0].offset, begin) << bit;
  }
}

TEST_F(ReaderTest, GarbageBetweenRecordsIsSkippedAndCounted) {
  FileImage img = image_with({kFour[0]});
  const size_t garbage_at = img.bytes.size();
  const Bytes garbage = {'h', 'e', 'l', 'l', 'o', 0x00};
  img.bytes.insert(img.bytes.end(), garbage.begin(), garbage.end());
  img.add_event(kFour[1]);
  auto r = read(img.bytes);
  ASSERT_FALSE(r.error);
  EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[1]));
  ASSERT_EQ(r.stats.corrupt.size(), 1u);
  EXPECT_EQ(r.stats.corrupt[0].offset, garbage_at);
  EXPECT_EQ(r.stats.corrupt[0].length, garbage.size());
}

TEST_F(ReaderTest, PaddingBetweenRecordsIsNotCorruption) {
  FileImage img = image_with({kFour[0]});
  img.bytes.insert(img.bytes.end(), 3, 0x00);
  img.add_event(kFour[1]);
  auto r = read(img.bytes);
  EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[1]));
  EXPECT_THAT(r.stats.corrupt, IsEmpty());
  EXPECT_EQ(r.stats.padding_bytes, 3u);
}

TEST_F(ReaderTest, RecordTheCodecRejectsIsCorruptWithTheCodecsReason) {
  FileImage img = image_with({kFour[0]});
  img.add_payload({static_cast<uint8_t>(format::RecordType::kEvent), 1, 2, 3});
  img.add_event(kFour[1]);
  auto r = read(img.bytes);
  EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[1]));
  ASSERT_EQ(r.stats.corrupt.size(), 1u);
  EXPECT_THAT(r.stats.corrupt[0].reason, HasSubstr("decode"));
}

TEST_F(ReaderTest, EmptyRecordAndUnknownMustUnderstandTypeAreCorrupt) {
  FileImage img = image_with({});
  img.add_payload({});
  img.add_payload({0x03, 1});
  auto r = read(img.bytes);
  ASSERT_EQ(r.stats.corrupt.size(), 2u);
  EXPECT_EQ(r.stats.corrupt[0].reason, "empty record");
  EXPECT_THAT(r.stats.corrupt[1].reason, HasSubstr("record type 3"));
}

TEST_F(ReaderTest, IgnorableRecordTypesAreSkippedAndCounted) {
  FileImage img = image_with({kFour[0]});
  img.add_payload({0x80, 1, 2});
  img.add_event(kFour[1]);
  auto r = read(img.bytes);
  EXPECT_THAT(r.events, ElementsAre(kFour[0], kFour[1]));
  EXPECT_THAT(r.stats.corrupt, IsEmpty());
  EXPECT_EQ(r.stats.unknown_records, 1u);
}

TEST_F(ReaderTest, HeaderWithExtraTrailingBytesIsAccepted) {
  Bytes header = format::encode_header(test_header());
  header.insert(header.end(), {9, 9, 9});
  FileImage img;
  img.add_payload(header);
  img.add_event(kFour[0]);
  auto r = read(img.bytes);
  ASSERT_FALSE(r.error);
  EXPECT_THAT(r.events, ElementsAre(kFour[0]));
}

TEST_F(ReaderTest, OtherFingerprintIsReadButReported) {
  format::FileHeader h = test_header();
  h.schema_fingerprint ^= 1;
  auto r = read(image_with({kFour[0]}, h).bytes);
  ASSERT_FALSE(r.error);
  EXPECT_FALSE(r.stats.fingerprint_matches);
  EXPECT_THAT(r.events, ElementsAre(kFour[0]));
}

TEST_F(ReaderTest, OtherSchemaNameIsAnError) {
  format::FileHeader h = test_header();
  h.schema_name = "other";
  auto r = read(image_with({kFour[0]}, h).bytes);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kSchemaMismatch);
  EXPECT_THAT(r.error->message, HasSubstr("\"other\""));
}

TEST_F(ReaderTest, NewerFormatVersionIsAnError) {
  format::FileHeader h = test_header();
  h.format_version = 2;
  auto r = read(image_with({}, h).bytes);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kUnsupportedVersion);
}

TEST_F(ReaderTest, NonEventFilesAreReportedNotCrashedOn) {
  const std::vector<Bytes> not_event_files = {
      {},                                              // empty
      {'h', 'e', 'l', 'l', 'o', '\n'},                 // text, no terminator
      {'{', '}', 0x00, 'x', 0x00},                     // garbage frames
      image_with({}).bytes,                            // valid frames ...
  };
  for (size_t i = 0; i < not_event_files.size(); ++i) {
    Bytes b = not_event_files[i];
    if (i == 3) b[2] ^= 0x40;  // ... but the header frame's CRC is broken
    auto r = read(b);
    ASSERT_TRUE(r.error) << i;
    EXPECT_EQ(r.error->code, ReadError::Code::kNotAnEventFile) << i;
    EXPECT_THAT(r.error->message, HasSubstr("not an event file")) << i;
  }
  Bytes other_record;
  framing::append_frame(Bytes{0x02, 1}, other_record);
  auto r = read(other_record);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kNotAnEventFile);
}

TEST_F(ReaderTest, MissingFileIsNotFound) {
  auto r = read_file<TestCodec>(dir_ / "nope.evk");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kNotFound);
}

TEST_F(ReaderTest, MissingDirectoryIsAnErrorValue) {
  auto r = read_directory<TestCodec>(dir_ / "does-not-exist");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kNotFound);
  EXPECT_THAT(r.error->message, HasSubstr("does-not-exist"));
}

TEST_F(ReaderTest, EmptyDirectoryHasNoEventsAndNoError) {
  auto r = read_directory<TestCodec>(dir_);
  EXPECT_FALSE(r.error);
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(r.files, IsEmpty());
}

TEST_F(ReaderTest, DirectoryGivenAsAFileIsAnIoError) {
  auto r = read_file<TestCodec>(dir_);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ReadError::Code::kIo);
}

TEST_F(ReaderTest, DirectoryIsReadInEpochThenNameOrder) {
  write_bytes(file("events-epoch-10-2024-01-01T00-00-00Z.evk"), image_with({note(4)}).bytes);
  write_bytes(file("events-epoch-2-2024-01-01T00-00-05Z.evk"), image_with({note(3)}).bytes);
  write_bytes(file("events-epoch-2-2024-01-01T00-00-00Z-1.evk"), image_with({note(2)}).bytes);
  write_bytes(file("events-epoch-2-2024-01-01T00-00-00Z.evk"), image_with({note(1)}).bytes);
  write_bytes(file("notes.txt"), {'x'});                                           // ignored
  write_bytes(file("events-epoch-3-2024-01-01T00-00-00Z.evk"), {'j', 'u', 'n', 'k'});  // error
  auto r = read_directory<TestCodec>(dir_);
  ASSERT_FALSE(r.error);
  EXPECT_THAT(r.events, ElementsAre(note(1), note(2), note(3), note(4)));
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[1].path.filename(), "events-epoch-2-2024-01-01T00-00-00Z-1.evk");
  ASSERT_EQ(r.file_errors.size(), 1u);
  EXPECT_EQ(r.file_errors[0].code, ReadError::Code::kNotAnEventFile);
}

TEST(FileNames, RoundTripAndRejectLookalikes) {
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(1'704'067'200));  // 2024-01-01
  EXPECT_EQ(format::file_name(3, t, 0), "events-epoch-3-2024-01-01T00-00-00Z.evk");
  EXPECT_EQ(format::file_name(3, t, 2), "events-epoch-3-2024-01-01T00-00-00Z-2.evk");
  auto key = format::parse_file_name("events-epoch-3-2024-01-01T00-00-00Z-2.evk");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->epoch, 3u);
  EXPECT_EQ(key->suffix, 2u);
  for (const char* bad :
       {"events-epoch-3-2024-01-01T00-00-00Z.postcard", "events-epoch-x-2024-01-01T00-00-00Z.evk",
        "events-epoch-03-2024-01-01T00-00-00Z.evk", "events-epoch-3-2024-01-01T00-00-00Z-0.evk",
        "events-epoch-3-2024-01-01T00:00:00Z.evk", "events-epoch-3-2024-01-01T00-00-00Z-.evk"}) {
    EXPECT_FALSE(format::parse_file_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace eventkit::testing
