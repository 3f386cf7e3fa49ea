// Wakes the EventReader when watched directories change: inotify on Linux,
// plus a periodic sweep that doubles as the polling fallback (for bind
// mounts where inotify delivers nothing) and catches directories that do
// not exist yet. An inotify queue overflow asks for a full rescan.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace eventkit::tail {

class DirWatcher {
 public:
  explicit DirWatcher(bool use_inotify);
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  // Watches `dir` under `id` if it exists and is not watched yet (call it
  // again after the directory appears, or is replaced). While `dir` does not
  // exist, its nearest existing ancestor is watched for creations instead,
  // so the directory's appearance wakes the reader at once.
  void watch(size_t id, const std::filesystem::path& dir);

  struct Changes {
    std::vector<size_t> ids;  // directories with inotify events
    // Names created in watched directories (id, file name): lets a follower
    // count files that retention deleted before it could list them.
    std::vector<std::pair<size_t, std::string>> created;
    bool rescan_all = false;  // timeout (periodic sweep) or queue overflow
    bool woken = false;       // wake() was called
  };
  // Waits until a watched directory changes, wake() is called, or `timeout`.
  Changes wait(std::chrono::milliseconds timeout);

  // Interrupts wait() from another thread.
  void wake();

  bool inotify_active() const { return inotify_fd_ >= 0; }
  uint64_t overflows() const { return overflows_; }

 private:
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::map<int, size_t> ids_by_wd_;
  std::map<size_t, int> wd_by_id_;
  std::map<int, std::vector<size_t>> waiting_by_wd_;  // ancestor watches → ids awaiting their dir
  uint64_t overflows_ = 0;
};

}  // namespace eventkit::tail
