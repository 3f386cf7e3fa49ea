#include "runtime/dir_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>

namespace eventkit::tail {

DirWatcher::DirWatcher(bool use_inotify) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (use_inotify) inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

DirWatcher::~DirWatcher() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void DirWatcher::watch(size_t id, const std::filesystem::path& dir) {
  if (inotify_fd_ < 0 || wd_by_id_.count(id)) return;
  const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                                     IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
                                         IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
  if (wd >= 0) {
    ids_by_wd_[wd] = id;
    wd_by_id_[id] = wd;
    return;
  }
  // Not there yet: watch the nearest existing ancestor for creations.
  std::error_code ec;
  for (auto parent = dir.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    if (!std::filesystem::is_directory(parent, ec)) {
      if (parent == parent.root_path()) break;
      continue;
    }
    const int pwd = ::inotify_add_watch(inotify_fd_, parent.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    if (pwd >= 0) {
      auto& ids = waiting_by_wd_[pwd];
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    break;
  }
}

DirWatcher::Changes DirWatcher::wait(std::chrono::milliseconds timeout) {
  Changes changes;
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
  const int nfds = inotify_fd_ >= 0 ? 2 : 1;
  const int n = ::poll(fds, nfds, static_cast<int>(timeout.count()));
  if (n == 0) {
    changes.rescan_all = true;
    return changes;
  }
  if (n < 0) {  // EINTR: treat as a sweep
    changes.rescan_all = true;
    return changes;
  }
  if (fds[0].revents & POLLIN) {
    uint64_t value;
    while (::read(wake_fd_, &value, sizeof value) > 0) {
    }
    changes.woken = true;
  }
  if (nfds == 2 && (fds[1].revents & POLLIN)) {
    alignas(inotify_event) char buf[16 * 1024];
    for (;;) {
      const ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
      if (len <= 0) break;
      for (ssize_t off = 0; off < len;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->mask & IN_Q_OVERFLOW) {
          ++overflows_;
          changes.rescan_all = true;
          continue;
        }
        if (auto w = waiting_by_wd_.find(ev->wd); w != waiting_by_wd_.end()) {
          // Something appeared in an ancestor: let those sources look again.
          changes.ids.insert(changes.ids.end(), w->second.begin(), w->second.end());
          if (ev->mask & IN_IGNORED) waiting_by_wd_.erase(w);
        }
        auto it = ids_by_wd_.find(ev->wd);
        if (it == ids_by_wd_.end()) continue;
        changes.ids.push_back(it->second);
        if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && ev->len > 0) {
          changes.created.emplace_back(it->second, std::string(ev->name));
        }
        if (ev->mask & IN_MOVE_SELF) {  // renamed away: watch the path again, not the moved dir
          ::inotify_rm_watch(inotify_fd_, ev->wd);
        }
        if (ev->mask & (IN_IGNORED | IN_MOVE_SELF)) {  // removed: watch again when it returns
          wd_by_id_.erase(it->second);
          ids_by_wd_.erase(it);
        }
      }
    }
  }
  return changes;
}

void DirWatcher::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace eventkit::tail
