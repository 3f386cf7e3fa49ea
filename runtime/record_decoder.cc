#include "runtime/record_decoder.h"

namespace eventkit::detail {

ReadError make_read_error(ReadError::Code code, const std::filesystem::path& path, std::string what) {
  ReadError e{code, path, std::move(what)};
  e.message = describe(e);
  return e;
}

RecordDecoder::RecordDecoder(std::filesystem::path path, std::string_view schema_name,
                             uint64_t schema_fingerprint, FileStats& stats)
    : path_(std::move(path)), schema_name_(schema_name), schema_fingerprint_(schema_fingerprint),
      stats_(stats) {
  stats_.path = path_;
}

std::optional<ReadError> RecordDecoder::consume(framing::FrameScanner::Item& item,
                                                const EventBodySink& on_event) {
  using Kind = framing::FrameScanner::Item::Kind;
  if (!have_header_) {
    // The first frame decides whether this is an event file at all.
    if (item.kind != Kind::kFrame) {
      return make_read_error(ReadError::Code::kNotAnEventFile, path_,
                             "not an event file: first frame is invalid (" + item.reason + ")");
    }
    format::HeaderParse h = format::parse_header(item.payload);
    if (h.status == format::HeaderParse::Status::kUnsupportedVersion) {
      return make_read_error(ReadError::Code::kUnsupportedVersion, path_, h.error);
    }
    if (h.status != format::HeaderParse::Status::kOk) {
      return make_read_error(ReadError::Code::kNotAnEventFile, path_, "not an event file: " + h.error);
    }
    if (h.header.schema_name != schema_name_) {
      return make_read_error(ReadError::Code::kSchemaMismatch, path_,
                             "schema \"" + h.header.schema_name + "\", expected \"" + schema_name_ + "\"");
    }
    stats_.header = std::move(h.header);
    stats_.fingerprint_matches = stats_.header.schema_fingerprint == schema_fingerprint_;
    have_header_ = true;
    return std::nullopt;
  }
  if (item.kind == Kind::kCorrupt) {
    stats_.corrupt.push_back({item.offset, item.length, std::move(item.reason)});
    return std::nullopt;
  }
  const auto payload = item.payload;
  const uint8_t type = payload.empty() ? 0 : payload[0];
  if (type == static_cast<uint8_t>(format::RecordType::kEvent)) {
    // The body sits at payload offset 1; FlatBuffers needs it aligned, so
    // hand the codec a copy at the start of a heap buffer.
    aligned_.assign(payload.begin() + 1, payload.end());
    if (auto why = on_event(aligned_)) {
      stats_.corrupt.push_back({item.offset, item.length, std::move(*why)});
    } else {
      ++stats_.events;
    }
  } else if (type >= format::kFirstIgnorableRecordType) {
    ++stats_.unknown_records;
  } else {
    stats_.corrupt.push_back({item.offset, item.length,
                              payload.empty() ? std::string("empty record")
                                              : "unexpected record type " + std::to_string(type)});
  }
  return std::nullopt;
}

void RecordDecoder::finish(const framing::FrameScanner& scanner) {
  stats_.padding_bytes = scanner.padding_bytes();
  stats_.torn_tail_bytes = scanner.pending_bytes();
  stats_.torn_tail = stats_.torn_tail_bytes > 0;
  stats_.torn_tail_offset = stats_.torn_tail ? scanner.pending_offset() : 0;
}

ReadError RecordDecoder::missing_header_error() const {
  return make_read_error(ReadError::Code::kNotAnEventFile, path_,
                         stats_.file_bytes == 0 ? "not an event file: empty"
                                                : "not an event file: no complete header record");
}

}  // namespace eventkit::detail
