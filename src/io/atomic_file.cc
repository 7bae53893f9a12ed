#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "lograd/error.h"

namespace lograd::io {
namespace {

std::atomic<int64_t> g_fail_after_bytes{-1};
std::atomic<void (*)(const char*)> g_before_rename{nullptr};

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
  throw Error("cannot write '" + path + "': " + step + ": " + std::strerror(err));
}

// The temporary files being written, for remove_temporary_files: fixed slots a signal handler
// can walk without locks or allocation. A slot is free (0), being filled (1) or live (2).
constexpr int kSlots = 32;
constexpr size_t kMaxPath = 4096;
struct Slot {
  std::atomic<int> state{0};
  char path[kMaxPath];
};
Slot g_slots[kSlots];
static_assert(std::atomic<int>::is_always_lock_free);

// Registers path; returns its slot, or -1 when every slot is taken or the path is too long
// (the file is then still removed on errors, only not by a signal).
int register_temp(const std::string& path) {
  if (path.size() >= kMaxPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int free = 0;
    if (!g_slots[i].state.compare_exchange_strong(free, 1)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(2);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) g_slots[slot].state.store(0);
}

// A new, unique name beside `path`'s file: `.NAME.tmp.` and 12 random letters and digits.
std::string temp_name(const std::filesystem::path& dir, const std::string& name) {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char r[12];
  if (::getrandom(r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
    static std::atomic<uint64_t> counter{0};
    uint64_t x = static_cast<uint64_t>(
                     std::chrono::steady_clock::now().time_since_epoch().count()) ^
                 (static_cast<uint64_t>(::getpid()) << 32) ^ (counter++ * 0x9E3779B97F4A7C15ull);
    for (unsigned char& c : r) {
      x ^= x >> 29, x *= 0xBF58476D1CE4E5B9ull, x ^= x >> 32;
      c = static_cast<unsigned char>(x);
    }
  }
  std::string suffix;
  for (unsigned char c : r) suffix += kChars[c % (sizeof kChars - 1)];
  return (dir / ("." + name + ".tmp." + suffix)).string();
}

// The temporary file: removed (and forgotten by the signal cleanup) on every exit path that
// did not rename it. Its writer holds an flock on it while it lives, so that another writer can
// tell a live temporary file from one left by a process that died.
class TempFile {
 public:
  TempFile() = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
    unregister_temp(slot_);
    if (fd_ >= 0) ::close(fd_);
  }
  // Creates a new file with a unique name in dir; false with errno set when it cannot.
  bool create(const std::filesystem::path& dir, const std::string& name) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::string p = temp_name(dir, name);
      fd_ = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) {
        path_ = p;
        slot_ = register_temp(p);
        ::flock(fd_, LOCK_EX);  // best effort: a file system without locks still works
        return true;
      }
      if (errno != EEXIST) {
        const int err = errno;
        released_name_ = p;  // for the message; nothing to remove
        errno = err;
        return false;
      }
    }
    errno = EEXIST;
    return false;
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_.empty() ? released_name_ : path_; }
  // The file was renamed: nothing to remove any more.
  void release() {
    released_name_ = path_;
    path_.clear();
    unregister_temp(slot_);
    slot_ = -1;
  }

 private:
  std::string path_, released_name_;
  int fd_ = -1;
  int slot_ = -1;
};

// Writes the pieces it is given to fd, all of each; error() is 0 or the errno of the first
// failure (nothing more is written after one). With the test limit, the bytes past
// g_fail_after_bytes (counted over all pieces) fail with ENOSPC.
class FdWriter {
 public:
  FdWriter(int fd, bool test_limit) : fd_(fd), limit_(test_limit ? g_fail_after_bytes.load() : -1) {}
  void write(std::string_view content) {
    if (err_ != 0) return;
    size_t budget = content.size();
    if (limit_ >= 0)
      budget = std::min(budget, static_cast<size_t>(std::max<int64_t>(limit_ - written_, 0)));
    size_t done = 0;
    while (done < budget) {
      const ssize_t k = ::write(fd_, content.data() + done, budget - done);
      if (k < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
        return;
      }
      done += static_cast<size_t>(k);
    }
    written_ += static_cast<int64_t>(done);
    if (done != content.size()) err_ = ENOSPC;
  }
  int error() const { return err_; }

 private:
  int fd_;
  int64_t limit_;
  int64_t written_ = 0;
  int err_ = 0;
};

// Removes `.NAME.tmp.*` files in dir that no live writer holds (their flock is free): those of
// processes killed mid-write. An empty one made in the last two seconds may be a writer that has
// not taken its lock yet, and is left. Best effort: errors are ignored.
void remove_stale_temps(const std::filesystem::path& dir, const std::string& name) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const std::string prefix = "." + name + ".tmp.";
  const auto now = std::chrono::system_clock::now();
  while (const dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) != 0) continue;
    const std::string p = (dir / e->d_name).string();
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {}, again {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::lstat(p.c_str(), &again) == 0 && again.st_ino == st.st_ino &&
        again.st_dev == st.st_dev) {
      const auto mtime = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
      if (!(st.st_size == 0 && now - mtime < std::chrono::seconds(2))) ::unlink(p.c_str());
    }
    ::close(fd);
  }
  ::closedir(d);
}

}  // namespace

void set_write_failure_after_bytes_for_testing(int64_t bytes) { g_fail_after_bytes = bytes; }
void set_before_rename_hook_for_testing(void (*hook)(const char*)) { g_before_rename = hook; }

}  // namespace lograd::io

namespace lograd {

using io::fail;

void write_file_atomically(const std::string& path, std::string_view content) {
  write_file_atomically(path, [content](const std::function<void(std::string_view)>& write) {
    write(content);
  });
}

void write_file_atomically(
    const std::string& path,
    const std::function<void(const std::function<void(std::string_view)>& write)>& produce) {
  using namespace io;
  namespace fs = std::filesystem;
  // Runs produce into w; the first write error ends it with `fail_write(err)`.
  const auto produce_into = [&](FdWriter& w, const auto& fail_write) {
    produce([&](std::string_view piece) {
      w.write(piece);
      if (w.error() != 0) fail_write(w.error());
    });
  };
  if (path == "-") {  // standard output: nothing to replace
    FdWriter w(STDOUT_FILENO, false);
    produce_into(w, [](int err) {
      throw Error(std::string("cannot write to standard output: ") + std::strerror(err));
    });
    return;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    // A device or a pipe (/dev/null, /dev/stdout, a FIFO): there is nothing to replace
    // atomically, and renaming over it would replace the device node itself.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(path, "cannot open it", errno);
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    FdWriter w(fd, false);
    produce_into(w, [&](int err) { fail(path, "writing", err); });
    return;
  }
  const fs::path target(path);
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw Error("cannot write '" + path + "': not a file name");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  TempFile tmp;
  if (!tmp.create(dir, name))
    fail(path, "cannot create a temporary file in '" + dir.string() + "'", errno);
  FdWriter w(tmp.fd(), true);
  produce_into(w, [&](int err) { fail(path, "writing temporary file '" + tmp.path() + "'", err); });
  if (::fsync(tmp.fd()) != 0) fail(path, "syncing temporary file '" + tmp.path() + "'", errno);
  if (auto* hook = g_before_rename.load()) hook(tmp.path().c_str());
  // The file stays open (and locked) until renamed, so no other writer takes it for stale.
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
  remove_stale_temps(dir, name);
}

namespace {

extern "C" void remove_temporary_files_then_die(int sig) {
  remove_temporary_files();
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
}

}  // namespace

void remove_temporary_files() noexcept {
  for (auto& slot : io::g_slots)
    if (slot.state.load() == 2) ::unlink(slot.path);
}

void remove_temporary_files_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_temporary_files_then_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace lograd
