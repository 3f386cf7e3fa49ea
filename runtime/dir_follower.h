// Follows one events directory as a writer appends to it: reads the new
// bytes of the current file, moves to the next file when the writer rotates,
// and survives files deleted by retention. Schema-independent; the
// EventReader decodes the event bodies it hands out.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/framing.h"
#include "runtime/reader.h"
#include "runtime/record_decoder.h"

namespace eventkit::tail {

struct FollowerStats {
  uint64_t files_opened = 0;
  uint64_t events = 0;
  uint64_t bytes = 0;
  // Files listed in the directory but deleted (retention) before they could
  // be opened: their events are missed, and counted here.
  uint64_t files_missed = 0;
  std::vector<std::filesystem::path> missed;
  std::vector<FileStats> finished;   // per finished file: corrupt records, torn tail
  std::vector<ReadError> file_errors;  // files that are not event files of this schema
  uint64_t corrupt_records = 0;
  uint64_t torn_tails = 0;
};

class DirectoryFollower {
 public:
  using HeaderSink = std::function<void(const format::FileHeader&, const std::filesystem::path&)>;

  DirectoryFollower(std::filesystem::path dir, std::string schema_name, uint64_t schema_fingerprint);
  ~DirectoryFollower();
  DirectoryFollower(const DirectoryFollower&) = delete;
  DirectoryFollower& operator=(const DirectoryFollower&) = delete;

  // Reads everything that is new. Complete records go to the sinks in write
  // order; a partial record at the end of the newest file is kept for the
  // next poll (the writer is mid-write), not reported. Returns whether any
  // new bytes were read. A missing directory is not an error: it may appear.
  bool poll(const detail::EventBodySink& on_event, const HeaderSink& on_header);

  // Tells the follower a file of this name was created (from inotify), so
  // that it is counted as missed if it is deleted before being listed.
  void note_created(const std::string& name);

  bool directory_exists() const;
  const std::filesystem::path& dir() const { return dir_; }
  const FollowerStats& stats() const { return stats_; }

 private:
  struct Current;
  bool open_next(const std::vector<std::filesystem::path>& files);
  bool read_available(const detail::EventBodySink& on_event, const HeaderSink& on_header);
  void finish_current();

  std::filesystem::path dir_;
  std::string schema_name_;
  uint64_t schema_fingerprint_;
  std::set<std::string> opened_;           // names already opened (never reopened)
  std::set<std::string> listed_unopened_;  // seen in a listing, not opened yet
  std::unique_ptr<Current> cur_;
  FollowerStats stats_;
  std::vector<uint8_t> chunk_;
};

}  // namespace eventkit::tail
