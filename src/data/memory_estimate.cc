// Memory estimates for data files (gzip footers, counted decompression) and the memory
// available to the process (/proc/meminfo, cgroup v2).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "lograd/memory.h"

namespace lograd {
namespace {

// Closes a file descriptor on every exit path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads up to size bytes at offset; returns the count read (fewer at the end of the file).
size_t read_at(int fd, void* buf, size_t size, off_t offset) {
  size_t done = 0;
  while (done < size) {
    const ssize_t k =
        ::pread(fd, static_cast<char*>(buf) + done, size - done, offset + static_cast<off_t>(done));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    done += static_cast<size_t>(k);
  }
  return done;
}

// The decompressed size of the gzip data in fd (every member), counted without keeping it;
// stops once it reaches `stop_at` bytes (0: never). Stops at damaged data: the reader will name
// the problem; the count so far is returned. Bytes after the last member that do not start
// another one (the reader ignores them) are counted in `trailing`.
int64_t count_gunzipped(int fd, int64_t file_bytes, int64_t stop_at, bool& stopped,
                        int64_t& trailing) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return 0;
  std::vector<unsigned char> in(size_t{1} << 20), out(size_t{1} << 18);
  int64_t total = 0;
  off_t offset = 0;
  bool done = false, member_ended = false;
  while (!done) {
    const size_t got = read_at(fd, in.data(), in.size(), offset);
    if (got == 0) break;
    offset += static_cast<off_t>(got);
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(got);
    while (zs.avail_in > 0 && !done) {
      if (member_ended) {
        // Another member may follow (`cat a.gz b.gz`, bgzip blocks); anything else is trailing.
        const bool magic = zs.next_in[0] == 0x1f && (zs.avail_in < 2 || zs.next_in[1] == 0x8b);
        if (!magic || inflateReset(&zs) != Z_OK) {
          trailing = file_bytes - (static_cast<int64_t>(offset) - zs.avail_in);
          done = true;
          break;
        }
        member_ended = false;
      }
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(&zs, Z_NO_FLUSH);
      total += static_cast<int64_t>(out.size() - zs.avail_out);
      if (stop_at > 0 && total >= stop_at) {
        stopped = true;
        done = true;
      } else if (rc == Z_STREAM_END) {
        member_ended = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        done = true;
      }
    }
  }
  inflateEnd(&zs);
  return total;
}

int64_t read_int_file(const std::string& path) {
  std::ifstream f(path);
  std::string text;
  if (!(f >> text) || text == "max") return -1;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

// The room left under this process's cgroup v2 memory limit, or -1 if there is none.
int64_t cgroup_room() {
  std::string dir = "/sys/fs/cgroup";
  std::ifstream cg("/proc/self/cgroup");
  for (std::string line; std::getline(cg, line);)
    if (line.rfind("0::", 0) == 0) dir += line.substr(3);
  for (const std::string& d : {dir, std::string("/sys/fs/cgroup")}) {
    const int64_t max = read_int_file(d + "/memory.max");
    if (max < 0) continue;
    const int64_t current = read_int_file(d + "/memory.current");
    return std::max<int64_t>(max - std::max<int64_t>(current, 0), 0);
  }
  return -1;
}

}  // namespace

MemoryEstimate estimate_read_memory(const std::string& path, int64_t stop_above) {
  MemoryEstimate e;
  // Pipes and the like: nothing to estimate from, and not opened (opening a named pipe would
  // let its writer in, and closing it end the writer before the reader's own open).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    e.how = "not a regular file: size unknown";
    return e;
  }
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    e.how = "not a regular file: size unknown";
    return e;
  }
  e.file_bytes = st.st_size;
  e.text_bytes = e.file_bytes;
  e.how = "file size";
  unsigned char head[8] = {};
  const size_t n_head = read_at(f.fd, head, sizeof head, 0);
  if (n_head >= 7 && std::memcmp(head, "LOGRADB", 7) == 0) {
    e.binary_cache = true;
    e.how = "binary cache";
    e.bytes = static_cast<int64_t>(kPeakBytesPerCacheByte * static_cast<double>(e.file_bytes));
    return e;
  }
  if (n_head >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    // A gzip footer's size cannot be trusted: it is the last member's alone (a file of many
    // members, as from bgzip or a "gzip bomb", inflates far beyond it), modulo 4 GiB, and
    // whatever trailing bytes hold. The data is decompressed and counted, without being kept,
    // up to the limit; the compressed copy held while decompressing is added below.
    e.gzip = true;
    const int64_t c = e.file_bytes;
    const auto stop_at =
        stop_above > 0
            ? std::max<int64_t>(static_cast<int64_t>(static_cast<double>(stop_above - c) /
                                                     kPeakBytesPerTextByte) +
                                    1,
                                1)
            : 0;
    e.text_bytes = count_gunzipped(f.fd, c, stop_at, e.stopped_early, e.trailing_bytes);
    e.how =
        e.stopped_early ? "decompressed and counted, up to the limit" : "decompressed and counted";
  }
  e.bytes = static_cast<int64_t>(kPeakBytesPerTextByte * static_cast<double>(e.text_bytes)) +
            (e.gzip ? e.file_bytes : 0);
  return e;
}

int64_t training_memory(int64_t rows, int64_t cols, int threads) {
  const double per_feature = kTrainingVectorsPerFeature + std::max(threads, 1);
  const double bytes =
      8 * (per_feature * static_cast<double>(std::max<int64_t>(cols, 0)) +
           kTrainingVectorsPerExample * static_cast<double>(std::max<int64_t>(rows, 0)));
  return bytes >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(bytes);
}

int64_t available_memory() {
  int64_t avail = -1;
  std::ifstream f("/proc/meminfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream is(line.substr(13));
      int64_t kb = 0;
      if (is >> kb) avail = kb * 1024;
    }
  }
  const int64_t room = cgroup_room();
  if (room >= 0 && (avail < 0 || room < avail)) avail = room;
  return avail;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (bytes >= 1000 && u < 5) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

int64_t parse_byte_size(const std::string& text) {
  auto bad = [&] {
    return ValueError("'" + text +
                      "' is not a byte count: give a number with an optional "
                      "suffix K, M, G or T (powers of 1024), e.g. 512M or 8G");
  };
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) throw bad();
  std::string unit;
  for (size_t i = used; i < text.size(); ++i)
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  double scale = 1;
  const std::string units = "KMGT";
  if (!unit.empty() && unit != "B") {
    const size_t k = units.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (k == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) throw bad();
    scale = std::pow(1024.0, static_cast<double>(k + 1));
  }
  const double bytes = value * scale;
  if (!std::isfinite(bytes) || bytes < 0 || bytes > 9.2e18) throw bad();
  return static_cast<int64_t>(bytes);
}

}  // namespace lograd
