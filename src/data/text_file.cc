#include "data/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lograd/error.h"

namespace lograd::detail {
namespace {

bool has_gzip_magic(const unsigned char* p, size_t n) {
  return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

constexpr size_t kInBlock = size_t{1} << 20;  // compressed bytes read from the file at a time
constexpr size_t kMaxZ = size_t{1} << 30;     // zlib counts in 32 bits

}  // namespace

struct TextSource::Impl {
  std::string path;
  int fd = -1;                    // the file, or -1 for bytes in memory
  std::string_view memory;        // bytes in memory not yet consumed (fd < 0)
  std::string_view whole;         // all the bytes in memory (fd < 0), for reopen()
  int64_t size = -1;              // plain regular file: its size
  int64_t begin = -1;             // regular file: the offset where the text begins, else -1
  int64_t file_size = -1;         // regular file: its size from `begin`
  bool keep = false;              // a pipe: every raw byte read is appended to `kept`
  std::string kept;               // (for reopen(): the pipe cannot be read again)
  std::string replay;             // raw bytes to serve before reading fd again (after reopen())
  size_t replay_pos = 0;
  bool gz = false;
  bool gz_done = false;           // the last gzip member ended and no other follows
  z_stream zs{};
  std::vector<unsigned char> in;  // compressed input buffer (file sources)
  std::string pending;            // bytes peeked (or read ahead to find the magic), not yet read
  size_t pending_pos = 0;

  ~Impl() {
    if (gz) inflateEnd(&zs);
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail_read() const {
    throw Error("cannot read '" + path + "': " + std::strerror(errno));
  }

  // Raw bytes of the underlying file or memory (compressed when gz), up to n; 0 at the end.
  size_t raw(char* dst, size_t n) {
    if (fd < 0) {
      const size_t k = std::min(n, memory.size());
      std::memcpy(dst, memory.data(), k);
      memory.remove_prefix(k);
      return k;
    }
    size_t done = 0;
    if (replay_pos < replay.size()) {
      done = std::min(n, replay.size() - replay_pos);
      std::memcpy(dst, replay.data() + replay_pos, done);
      replay_pos += done;
      if (replay_pos == replay.size()) {
        std::string().swap(replay);
        replay_pos = 0;
      }
    }
    while (done < n) {
      const ssize_t k = ::read(fd, dst + done, n - done);
      if (k < 0) {
        if (errno == EINTR) continue;
        fail_read();
      }
      if (k == 0) break;
      done += static_cast<size_t>(k);
    }
    if (keep) kept.append(dst, done);
    return done;
  }

  // Makes zs.avail_in > 0 unless the compressed input is exhausted; false then.
  bool refill() {
    if (zs.avail_in > 0) return true;
    if (fd < 0) {
      if (memory.empty()) return false;
      const size_t k = std::min(memory.size(), kMaxZ);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(memory.data()));
      zs.avail_in = static_cast<uInt>(k);
      memory.remove_prefix(k);
      return true;
    }
    in.resize(kInBlock);
    const size_t k = raw(reinterpret_cast<char*>(in.data()), in.size());
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(k);
    return k > 0;
  }

  // Decompressed bytes, up to n; 0 at the end of the last member.
  size_t inflate_some(char* dst, size_t n) {
    size_t done = 0;
    while (done < n && !gz_done) {
      if (!refill()) {
        throw Error("cannot decompress '" + path +
                    "': the gzip data ends early (is the file truncated?)");
      }
      zs.next_out = reinterpret_cast<Bytef*>(dst + done);
      zs.avail_out = static_cast<uInt>(std::min(n - done, kMaxZ));
      const uInt before = zs.avail_out;
      const int ret = inflate(&zs, Z_NO_FLUSH);
      done += before - zs.avail_out;
      if (ret == Z_STREAM_END) {
        // A gzip file may hold several members back to back (`cat a.gz b.gz`); anything else
        // after the end of a member is ignored, as gzip -d does with trailing zeros.
        if (refill() && zs.next_in[0] == 0x1f &&
            (zs.avail_in < 2 || zs.next_in[1] == 0x8b) && inflateReset(&zs) == Z_OK)
          continue;
        gz_done = true;
        break;
      }
      if (ret == Z_OK || ret == Z_BUF_ERROR) continue;  // Z_BUF_ERROR: needs more input
      throw Error("cannot decompress '" + path + "': " +
                  (zs.msg != nullptr ? zs.msg : "invalid gzip data") + " (is it a gzip file?)");
    }
    return done;
  }

  // Text bytes, past any pending ones.
  size_t next(char* dst, size_t n) { return gz ? inflate_some(dst, n) : raw(dst, n); }

  size_t read(char* dst, size_t n) {
    size_t done = 0;
    if (pending_pos < pending.size()) {
      done = std::min(n, pending.size() - pending_pos);
      std::memcpy(dst, pending.data() + pending_pos, done);
      pending_pos += done;
      if (pending_pos == pending.size()) {
        std::string().swap(pending);
        pending_pos = 0;
      }
    }
    while (done < n) {
      const size_t k = next(dst + done, n - done);
      if (k == 0) break;
      done += k;
    }
    return done;
  }

  std::string_view peek(size_t n) {
    if (pending_pos > 0) {
      pending.erase(0, pending_pos);
      pending_pos = 0;
    }
    while (pending.size() < n) {
      const size_t have = pending.size();
      pending.resize(n);
      const size_t k = next(pending.data() + have, n - have);
      pending.resize(have + k);
      if (k == 0) break;
    }
    return std::string_view(pending).substr(0, n);
  }

  // Reads the first bytes to tell gzip from text.
  void start() {
    unsigned char magic[2];
    size_t k;
    if (fd < 0) {
      k = std::min<size_t>(2, memory.size());
      std::memcpy(magic, memory.data(), k);
    } else {
      k = raw(reinterpret_cast<char*>(magic), 2);
    }
    if (!has_gzip_magic(magic, k)) {
      if (fd >= 0) pending.assign(reinterpret_cast<char*>(magic), k);
      return;
    }
    gz = true;
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {  // 15: largest window; +16: gzip wrapper only
      gz = false;
      throw Error("cannot decompress '" + path + "': zlib failed to initialise");
    }
    if (fd >= 0) {  // the two magic bytes go in first
      in.assign(magic, magic + 2);
      in.resize(kInBlock);
      const size_t more = raw(reinterpret_cast<char*>(in.data()) + 2, in.size() - 2);
      zs.next_in = in.data();
      zs.avail_in = static_cast<uInt>(2 + more);
    }
    size = -1;
  }
};

TextSource::TextSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextSource::TextSource(TextSource&&) noexcept = default;
TextSource& TextSource::operator=(TextSource&&) noexcept = default;
TextSource::~TextSource() = default;

TextSource TextSource::open(const std::string& path, bool rewindable) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->fd = path == "-" ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
                         : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl->fd < 0 && path == "-") {
    throw Error(std::string("cannot read standard input ('-'): ") + std::strerror(errno));
  }
  if (impl->fd < 0) {
    const int err = errno;
    std::string hint;
    if (err == ENOENT) hint = ": check the path (relative paths start in the current directory)";
    if (err == EACCES) hint = ": check the file's permissions (ls -l)";
    throw Error("cannot open '" + path + "': " + std::strerror(err) + hint);
  }
  struct stat st {};
  if (::fstat(impl->fd, &st) != 0) impl->fail_read();
  if (S_ISDIR(st.st_mode)) throw Error("cannot read '" + path + "': " + std::strerror(EISDIR));
  // Standard input may be a file read from where its offset is (`lograd train - < FILE`).
  const off_t begin = S_ISREG(st.st_mode) ? ::lseek(impl->fd, 0, SEEK_CUR) : -1;
  if (begin >= 0) {
    impl->begin = begin;
    impl->file_size = std::max<int64_t>(static_cast<int64_t>(st.st_size) - begin, 0);
    impl->size = impl->file_size;
    ::posix_fadvise(impl->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  } else {
    impl->keep = rewindable;  // a pipe or a terminal: read once, so kept for reopen()
  }
  impl->start();
  return TextSource(std::move(impl));
}

TextSource TextSource::reopen() {
  Impl& old = *impl_;
  if (old.fd < 0) return over(old.whole, old.path);
  auto impl = std::make_unique<Impl>();
  impl->path = old.path;
  if (old.begin >= 0) {
    if (::lseek(old.fd, old.begin, SEEK_SET) != old.begin) old.fail_read();
    impl->begin = old.begin;
    impl->file_size = old.file_size;
    impl->size = old.file_size;
  } else {
    if (!old.keep) throw std::logic_error("TextSource::reopen: a pipe not opened rewindable");
    impl->replay = std::move(old.kept);
    impl->replay.append(old.replay, old.replay_pos);
  }
  impl->fd = old.fd;
  old.fd = -1;
  impl->start();
  return TextSource(std::move(impl));
}

void TextSource::stop_keeping() {
  impl_->keep = false;
  std::string().swap(impl_->kept);
}

TextSource TextSource::over(std::string_view bytes, const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->memory = bytes;
  impl->whole = bytes;
  impl->size = static_cast<int64_t>(bytes.size());
  impl->start();
  return TextSource(std::move(impl));
}

size_t TextSource::read(char* dst, size_t n) { return impl_->read(dst, n); }
std::string_view TextSource::peek(size_t n) { return impl_->peek(n); }
int64_t TextSource::size_hint() const { return impl_->size; }
bool TextSource::gzip() const { return impl_->gz; }

std::string read_all(TextSource& source, size_t max_bytes, const std::function<void()>& too_long) {
  std::string out;
  size_t size = 0;
  size_t first =
      source.size_hint() >= 0 ? static_cast<size_t>(source.size_hint()) + 1 : size_t{1} << 16;
  if (max_bytes > 0) first = std::min(first, max_bytes + 1);
  out.resize(first);
  for (;;) {
    if (max_bytes > 0 && size > max_bytes) too_long();
    if (size == out.size())
      out.resize(max_bytes > 0 ? std::min(out.size() * 2, max_bytes + 1) : out.size() * 2);
    const size_t k = source.read(out.data() + size, out.size() - size);
    if (k == 0) break;
    size += k;
  }
  out.resize(size);
  return out;
}

std::string read_text_file(const std::string& path) {
  TextSource source = TextSource::open(path);
  return read_all(source);
}

std::string gunzip(std::string_view in, const std::string& path) {
  TextSource source = TextSource::over(in, path);
  return read_all(source);
}

std::string_view without_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

}  // namespace lograd::detail
