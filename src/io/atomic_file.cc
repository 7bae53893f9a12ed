#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lograd/error.h"

namespace lograd::io {
namespace {

std::atomic<int64_t> g_fail_after_bytes{-1};

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
  throw Error("cannot write '" + path + "': " + step + ": " + std::strerror(err));
}

// Removes the temporary file on every exit path that did not rename it.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int& fd() { return fd_; }
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_ = -1;
};

// Writes all of `content` to fd; returns 0 or the errno of the failure.
int write_all(int fd, std::string_view content) {
  const int64_t limit = g_fail_after_bytes.load();
  size_t budget =
      limit >= 0 ? std::min(content.size(), static_cast<size_t>(limit)) : content.size();
  size_t done = 0;
  while (done < budget) {
    const ssize_t k = ::write(fd, content.data() + done, budget - done);
    if (k < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(k);
  }
  return done == content.size() ? 0 : ENOSPC;
}

}  // namespace

void set_write_failure_after_bytes_for_testing(int64_t bytes) { g_fail_after_bytes = bytes; }

void write_file_atomically(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw Error("cannot write '" + path + "': not a file name");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  TempFile tmp((dir / ("." + name + ".tmp." + std::to_string(::getpid()))).string());

  tmp.fd() = ::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (tmp.fd() < 0) fail(path, "cannot create temporary file '" + tmp.path() + "'", errno);
  if (const int err = write_all(tmp.fd(), content); err != 0)
    fail(path, "writing temporary file '" + tmp.path() + "'", err);
  if (::fsync(tmp.fd()) != 0) fail(path, "syncing temporary file '" + tmp.path() + "'", errno);
  const int fd = tmp.fd();
  tmp.fd() = -1;
  if (::close(fd) != 0) fail(path, "closing temporary file '" + tmp.path() + "'", errno);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0)
    fail(path, "renaming '" + tmp.path() + "' over it", errno);
  tmp.release();

  // Make the rename itself durable. A directory we may not open for reading (mode -wx) or a
  // file system without directory fsync (EINVAL) still has the new file in place.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const int rc = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (rc != 0 && err != EINVAL && err != ENOTSUP)
      fail(path, "syncing directory '" + dir.string() + "' after the rename", err);
  }
}

}  // namespace lograd::io
