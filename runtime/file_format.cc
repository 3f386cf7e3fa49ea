#include "runtime/file_format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace eventkit::format {
namespace {

template <class T>
void put_le(std::vector<uint8_t>& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Bounds-checked little-endian cursor; a short read sets `ok` to false.
struct Cursor {
  std::span<const uint8_t> bytes;
  size_t pos = 0;
  bool ok = true;

  template <class T>
  T get() {
    T v = 0;
    if (bytes.size() - pos < sizeof(T)) {
      ok = false;
      return v;
    }
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(T{bytes[pos + i]} << (8 * i));
    pos += sizeof(T);
    return v;
  }
  std::span<const uint8_t> take(size_t n) {
    if (bytes.size() - pos < n) {
      ok = false;
      return {};
    }
    auto s = bytes.subspan(pos, n);
    pos += n;
    return s;
  }
};

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;  // canonical decimal only
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool is_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH-MM-SSZ
  constexpr std::string_view kShape = "dddd-dd-ddTdd-dd-ddZ";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<uint8_t> encode_header(const FileHeader& h) {
  std::vector<uint8_t> out;
  out.reserve(41 + h.schema_name.size() + h.run_context.size());
  out.push_back(static_cast<uint8_t>(RecordType::kHeader));
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  put_le<uint16_t>(out, h.format_version);
  put_le<uint64_t>(out, h.schema_fingerprint);
  put_le<uint64_t>(out, h.epoch);
  put_le<uint64_t>(out, static_cast<uint64_t>(h.created_unix_ns));
  put_le<uint16_t>(out, static_cast<uint16_t>(h.schema_name.size()));
  out.insert(out.end(), h.schema_name.begin(), h.schema_name.end());
  put_le<uint32_t>(out, static_cast<uint32_t>(h.run_context.size()));
  out.insert(out.end(), h.run_context.begin(), h.run_context.end());
  return out;
}

HeaderParse parse_header(std::span<const uint8_t> payload) {
  HeaderParse r;
  Cursor c{payload};
  if (c.get<uint8_t>() != static_cast<uint8_t>(RecordType::kHeader) || !c.ok) {
    r.error = "first record is not a header record";
    return r;
  }
  auto magic = c.take(kMagic.size());
  if (!c.ok || !std::equal(magic.begin(), magic.end(), kMagic.begin())) {
    r.error = "bad magic (not an eventkit file)";
    return r;
  }
  r.header.format_version = c.get<uint16_t>();
  if (c.ok && r.header.format_version != kFormatVersion) {
    r.status = HeaderParse::Status::kUnsupportedVersion;
    r.error = "unsupported format version " + std::to_string(r.header.format_version) +
              " (this reader knows " + std::to_string(kFormatVersion) + ")";
    return r;
  }
  r.header.schema_fingerprint = c.get<uint64_t>();
  r.header.epoch = c.get<uint64_t>();
  r.header.created_unix_ns = static_cast<int64_t>(c.get<uint64_t>());
  auto name = c.take(c.get<uint16_t>());
  r.header.schema_name.assign(name.begin(), name.end());
  auto ctx = c.take(c.get<uint32_t>());
  r.header.run_context.assign(ctx.begin(), ctx.end());
  if (!c.ok) {
    r.error = "header record truncated";
    return r;
  }
  // Bytes after the run context are reserved for compatible additions.
  r.status = HeaderParse::Status::kOk;
  return r;
}

void append_event_record_prefix(std::vector<uint8_t>& payload) {
  payload.push_back(static_cast<uint8_t>(RecordType::kEvent));
}

std::string file_name(uint64_t epoch, std::chrono::sys_seconds created, uint64_t suffix) {
  const std::time_t t = std::chrono::system_clock::to_time_t(created);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H-%M-%SZ", &tm);
  std::string name = "events-epoch-" + std::to_string(epoch) + "-" + ts;
  if (suffix > 0) name += "-" + std::to_string(suffix);
  name += kFileExtension;
  return name;
}

std::optional<FileNameKey> parse_file_name(std::string_view name) {
  constexpr std::string_view kPrefix = "events-epoch-";
  if (!name.starts_with(kPrefix) || !name.ends_with(kFileExtension)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kFileExtension.size());
  FileNameKey key;
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos || !parse_u64(name.substr(0, dash), key.epoch)) {
    return std::nullopt;
  }
  name.remove_prefix(dash + 1);
  constexpr size_t kTsLen = 20;
  if (name.size() < kTsLen || !is_timestamp(name.substr(0, kTsLen))) return std::nullopt;
  key.timestamp = std::string(name.substr(0, kTsLen));
  name.remove_prefix(kTsLen);
  if (!name.empty()) {
    if (name[0] != '-' || !parse_u64(name.substr(1), key.suffix) || key.suffix == 0) {
      return std::nullopt;
    }
  }
  return key;
}

std::vector<std::filesystem::path> list_event_files(const std::filesystem::path& dir,
                                                    std::error_code& ec) {
  std::vector<std::pair<FileNameKey, std::filesystem::path>> found;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return {};
  for (const auto& entry : it) {
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    if (auto key = parse_file_name(entry.path().filename().string())) {
      found.emplace_back(std::move(*key), entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

}  // namespace eventkit::format
