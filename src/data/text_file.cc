#include "data/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lograd/error.h"

namespace lograd::detail {
namespace {

// Closes a file descriptor on scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_bytes(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    const int err = errno;
    std::string hint;
    if (err == ENOENT) hint = ": check the path (relative paths start in the current directory)";
    if (err == EACCES) hint = ": check the file's permissions (ls -l)";
    throw Error("cannot open '" + path + "': " + std::strerror(err) + hint);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error("cannot read '" + path + "': " + std::strerror(EISDIR));
  std::string buf;
  size_t size = 0;
  // Regular files are read in one allocation; pipes and the like grow the buffer as needed.
  buf.resize(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) + 1 : size_t{1} << 16);
  for (;;) {
    if (size == buf.size()) buf.resize(buf.size() * 2);
    const ssize_t n = ::read(f.fd, buf.data() + size, buf.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot read '" + path + "': " + std::strerror(errno));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  buf.resize(size);
  return buf;
}

bool has_gzip_magic(std::string_view s) {
  return s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0x1f &&
         static_cast<unsigned char>(s[1]) == 0x8b;
}

}  // namespace

std::string gunzip(std::string_view in, const std::string& path) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK)  // 15: largest window; +16: gzip wrapper only
    throw Error("cannot decompress '" + path + "': zlib failed to initialise");
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};

  constexpr size_t kMaxChunk = size_t{1} << 30;  // zlib counts in 32 bits
  std::string out;
  out.resize(std::max<size_t>(in.size() * 4, size_t{1} << 16));
  size_t in_pos = 0, out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    const size_t in_chunk = std::min(in.size() - in_pos, kMaxChunk);
    const size_t out_chunk = std::min(out.size() - out_pos, kMaxChunk);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(out_chunk);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out_pos += out_chunk - zs.avail_out;
    if (ret == Z_STREAM_END) {
      // A gzip file may hold several members back to back (`cat a.gz b.gz`).
      if (has_gzip_magic(in.substr(in_pos)) && inflateReset(&zs) == Z_OK) continue;
      break;
    }
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR) {
      if (zs.avail_out == 0) continue;  // output full: grow it
      if (in_pos == in.size())
        throw Error("cannot decompress '" + path +
                    "': the gzip data ends early (is the file truncated?)");
      continue;
    }
    throw Error("cannot decompress '" + path + "': " +
                (zs.msg != nullptr ? zs.msg : "invalid gzip data") + " (is it a gzip file?)");
  }
  out.resize(out_pos);
  return out;
}

std::string read_text_file(const std::string& path) {
  std::string bytes = read_bytes(path);
  if (has_gzip_magic(bytes)) return gunzip(bytes, path);
  return bytes;
}

std::string_view without_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

}  // namespace lograd::detail
