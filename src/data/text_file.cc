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
  // shard(): this source serves only rank `shard_rank`'s lines of `shard_count`.
  int shard_rank = 0, shard_count = 1;
  bool shard_bytes = false;       // by byte range (plain regular files), else every K-th line
  bool shard_done = false;
  int64_t pos = 0;                // byte range: text offset of the next byte served
  int64_t shard_end = 0;          // byte range: lines that start before this offset are ours
  int64_t line = 0;               // every K-th line: the current line's number
  std::string shard_buf;          // every K-th line: text read, not yet filtered
  size_t shard_buf_pos = 0;

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

  size_t read(char* dst, size_t n) { return shard_count > 1 ? shard_read(dst, n) : read_text(dst, n); }

  // The shard's bytes: a byte range cut at line ends, or the lines whose number is rank mod K.
  size_t shard_read(char* dst, size_t n) {
    if (shard_done || n == 0) return 0;
    if (shard_bytes) {
      size_t k = read_text(dst, n);
      if (k == 0) {
        shard_done = true;
        return 0;
      }
      // Ours up to the first line end at or after offset shard_end - 1.
      const int64_t from = std::max<int64_t>(0, shard_end - 1 - pos);
      if (from < static_cast<int64_t>(k)) {
        const void* nl = std::memchr(dst + from, '\n', k - static_cast<size_t>(from));
        if (nl != nullptr) {
          k = static_cast<size_t>(static_cast<const char*>(nl) - dst) + 1;
          shard_done = true;
        }
      }
      pos += static_cast<int64_t>(k);
      return k;
    }
    size_t done = 0;
    while (done < n) {
      if (shard_buf_pos == shard_buf.size()) {
        shard_buf.resize(size_t{1} << 16);
        const size_t k = read_text(shard_buf.data(), shard_buf.size());
        shard_buf.resize(k);
        shard_buf_pos = 0;
        if (k == 0) break;
      }
      const char* p = shard_buf.data() + shard_buf_pos;
      const size_t avail = shard_buf.size() - shard_buf_pos;
      const void* nl = std::memchr(p, '\n', avail);
      const size_t seg = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - p) + 1 : avail;
      if (line % shard_count == shard_rank) {
        const size_t take = std::min(seg, n - done);
        std::memcpy(dst + done, p, take);
        done += take;
        shard_buf_pos += take;
        if (take == seg && nl != nullptr) ++line;
      } else {
        shard_buf_pos += seg;
        if (nl != nullptr) ++line;
      }
    }
    return done;
  }

  size_t read_text(char* dst, size_t n) {
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
  if (old.shard_count > 1) {  // the same shard again
    const int rank = old.shard_rank, count = old.shard_count;
    old.shard_count = 1;
    return reopen().shard(rank, count);
  }
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

TextSource TextSource::shard(int rank, int count) {
  if (count < 1 || rank < 0 || rank >= count)
    throw ValueError("a shard needs 0 <= rank < count, got rank " + std::to_string(rank) +
                     " of " + std::to_string(count));
  if (impl_->begin < 0)
    throw ValueError("'" + impl_->path + "' is a pipe or standard input: ranks read their parts "
                     "of a file by its path; save the data to a file first");
  TextSource t = reopen();
  if (count == 1) return t;
  Impl& s = *t.impl_;
  s.shard_rank = rank;
  s.shard_count = count;
  s.shard_bytes = !s.gz;
  if (!s.shard_bytes) return t;  // gzip: every rank inflates the stream, keeping every K-th line
  // A byte range [b, e) of the file, cut at line ends: a line is ours when it starts in it.
  const int64_t total = s.file_size, b = total * rank / count, e = total * (rank + 1) / count;
  s.pending.clear();
  s.pending_pos = 0;
  s.shard_end = e;
  s.size = e - b;
  const int64_t at = b > 0 ? b - 1 : 0;  // the byte before b tells whether a line starts at b
  if (::lseek(s.fd, s.begin + at, SEEK_SET) != s.begin + at) s.fail_read();
  s.pos = at;
  if (b > 0) {
    std::string block(size_t{1} << 16, '\0');
    for (;;) {
      const size_t k = s.raw(block.data(), block.size());
      if (k == 0) {
        s.shard_done = true;
        break;
      }
      const void* nl = std::memchr(block.data(), '\n', k);
      if (nl == nullptr) {
        s.pos += static_cast<int64_t>(k);
        continue;
      }
      const size_t skip = static_cast<size_t>(static_cast<const char*>(nl) - block.data()) + 1;
      s.pos += static_cast<int64_t>(skip);
      s.pending.assign(block.data() + skip, k - skip);
      break;
    }
  }
  if (s.pos >= e) s.shard_done = true;  // no line starts in [b, e)
  return t;
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
