// Layout, all integers little-endian as in memory (the cache is a local file, not an exchange
// format: it records the byte order and refuses a foreign one):
//   "LOGRADB1"  u32 version  u32 0x01020304  u64 meta_len  meta (JSON, padded to 8 bytes)
//   arrays, each padded to 8 bytes: CSR row_ptr (i64, rows+1), col (i32), val (S) | dense val (S)
//   labels (i32, rows), weights (f64, rows, when present)
//   "LGBEND\0\0"  u64 file length
// The JSON meta holds the sizes, storage, value type, classes, feature names and encoding.
#include "lograd/binary_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "data/part_agree.h"
#include "data/reader_internal.h"
#include "data/text_file.h"
#include "io/atomic_file.h"
#include "lograd/paths.h"
#include "io/json_depth.h"

namespace lograd {
namespace {

constexpr char kMagic[8] = {'L', 'O', 'G', 'R', 'A', 'D', 'B', '1'};
constexpr char kEnd[8] = {'L', 'G', 'B', 'E', 'N', 'D', 0, 0};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kByteOrder = 0x01020304;

const char* kind_name(CsvColumn::Kind k) {
  switch (k) {
    case CsvColumn::Kind::kNumeric: return "numeric";
    case CsvColumn::Kind::kCategorical: return "categorical";
    case CsvColumn::Kind::kLabel: return "label";
    case CsvColumn::Kind::kWeight: return "weight";
  }
  return "?";
}

void pad8(std::string& out) { out.append((8 - out.size() % 8) % 8, '\0'); }

template <class V>
void put(std::string& out, const V& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
void put_array(std::string& out, const T* data, size_t count) {
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
  pad8(out);
}

// Reads the file's bytes in order, straight into their final arrays (no copy of the whole file
// in memory: a cache loads with its data's size, at disk or page-cache speed), with bounds
// checks against the file's size that name the file.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot open '" + path_ + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      ::close(fd_);
      throw Error("cannot read '" + path_ + "': " + std::strerror(errno));
    }
    size_ = static_cast<size_t>(st.st_size);
  }
  ~Reader() { ::close(fd_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path_ + ": not a valid lograd cache: " + what +
                "; recreate it with `lograd convert DATA -o " + path_ + "`");
  }
  template <class V>
  V get() {
    V v;
    read_into(&v, sizeof v);
    return v;
  }
  std::string get_bytes(size_t n) {
    need(n);
    std::string s(n, '\0');
    read_into(s.data(), n);
    return s;
  }
  template <class T>
  std::vector<T> get_array(size_t count) {
    if (count > size_ / sizeof(T)) fail("an array is longer than the file (truncated?)");
    need(count * sizeof(T));
    std::vector<T> v(count);
    read_into(v.data(), count * sizeof(T));
    skip_pad();
    return v;
  }
  void skip_pad() {
    char pad[8];
    const size_t n = (8 - pos_ % 8) % 8;
    if (n > 0 && pos_ + n <= size_) read_into(pad, n);
  }
  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  // Continues reading at byte `at` of the file.
  void seek(size_t at) {
    if (at > size_) fail("the file ends early (truncated?)");
    if (::lseek(fd_, static_cast<off_t>(at), SEEK_SET) != static_cast<off_t>(at))
      throw Error("cannot read '" + path_ + "': " + std::strerror(errno));
    pos_ = at;
  }

 private:
  void need(size_t n) const {
    if (pos_ > size_ || n > size_ - pos_) fail("the file ends early (truncated?)");
  }
  void read_into(void* out, size_t n) {
    need(n);
    auto* p = static_cast<char*>(out);
    for (size_t done = 0; done < n;) {
      const ssize_t got = ::read(fd_, p + done, std::min<size_t>(n - done, size_t{1} << 30));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw Error("cannot read '" + path_ + "': " + std::strerror(errno));
      if (got == 0) fail("the file ends early (truncated?)");
      done += static_cast<size_t>(got);
    }
    pos_ += n;
  }
  std::string path_;
  int fd_ = -1;
  size_t size_ = 0, pos_ = 0;
};

}  // namespace

namespace {

// The JSON header of a cache of `rows` x `cols` with `stored` entries, `classes` and the
// rest (feature names, source, encoding) of `like`.
nlohmann::json cache_meta(const Dataset& like, int64_t rows, int64_t cols, int64_t stored,
                          bool sparse, const std::string& dtype, bool has_weight,
                          const std::vector<std::string>& classes, const std::string& key) {
  nlohmann::json meta = {{"rows", rows},
                         {"cols", cols},
                         {"stored", stored},
                         {"storage", sparse ? "csr" : "dense"},
                         {"dtype", dtype},
                         {"has_weight", has_weight},
                         {"classes", classes},
                         {"feature_names", like.feature_names},
                         {"source", like.source}};
  if (!key.empty()) meta["key"] = key;
  if (!like.encoding.empty()) {
    nlohmann::json cols_json = nlohmann::json::array();
    for (const CsvColumn& c : like.encoding.columns)
      cols_json.push_back({{"name", c.name}, {"kind", kind_name(c.kind)},
                           {"first_feature", c.first_feature}, {"categories", c.categories},
                           {"fill", c.fill}});
    meta["encoding"] = {{"delimiter", std::string(1, like.encoding.delimiter)},
                        {"header", like.encoding.header}, {"columns", cols_json}};
    if (!like.encoding.missing.empty()) meta["encoding"]["missing"] = like.encoding.missing;
  }
  return meta;
}

// The bytes before the arrays: magic, version, byte order, the JSON header, padding.
std::string cache_head(const nlohmann::json& meta) {
  const std::string meta_text = meta.dump();
  std::string out;
  out.append(kMagic, 8);
  put(out, kVersion);
  put(out, kByteOrder);
  put(out, static_cast<uint64_t>(meta_text.size()));
  out += meta_text;
  pad8(out);
  return out;
}

// The bytes after the arrays of a file of `length` bytes before them.
std::string cache_tail(uint64_t length) {
  std::string out(kEnd, 8);
  put(out, length + out.size() + sizeof(uint64_t));
  return out;
}

}  // namespace

void write_binary_cache(const Dataset& data, const std::string& path, const std::string& key) {
  std::string out = cache_head(cache_meta(data, data.rows(), data.cols(), data.x.stored(),
                                          data.x.is_sparse(), data.x.dtype(),
                                          !data.weight.empty(), data.classes, key));
  out.reserve(out.size() + static_cast<size_t>(data.x.bytes()) + data.label.size() * 4 + 64);
  data.x.visit([&](const auto& m) {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (std::is_same_v<M, CsrMatrix<float>> || std::is_same_v<M, CsrMatrix<double>>) {
      put_array(out, m.row_ptr.data(), m.row_ptr.size());
      put_array(out, m.col.data(), m.col.size());
      put_array(out, m.val.data(), m.val.size());
    } else {
      put_array(out, m.data(), static_cast<size_t>(m.numel()));
    }
  });
  put_array(out, data.label.data(), data.label.size());
  if (!data.weight.empty()) put_array(out, data.weight.data(), data.weight.size());
  out += cache_tail(out.size());
  io::write_file_atomically(path, out);
}

void write_binary_cache_ranks(Dataset& part, const std::string& path, const std::string& key,
                              const ReadOptions& options, Collective& c) {
  if (c.size() == 1) return write_binary_cache(part, path, key);
  if (options.storage == Storage::kAuto && !part.x.is_sparse())
    throw std::logic_error("write_binary_cache_ranks: with automatic storage, the parts must be "
                           "read in CSR (their entry counts decide the storage)");
  // What every rank holds, to decide what one process would have stored.
  nlohmann::json mine = {{"rows", part.rows()},
                         {"cols", part.cols()},
                         {"stored", part.x.stored()},
                         {"float64", std::string(part.x.dtype()) == "float64"},
                         {"weighted", !part.weight.empty()},
                         {"stride", part.shard_stride},
                         {"classes", part.classes}};
  std::vector<nlohmann::json> all;
  for (const std::string& t : c.gather({mine.dump()})) all.push_back(nlohmann::json::parse(t));
  int64_t rows = 0, cols = 0, stored = 0;
  bool float64 = false, weighted = false;
  std::vector<std::string> classes;  // first seen over the parts in rank order: the file's order
  for (const nlohmann::json& r : all) {
    if (r["stride"].get<int64_t>() != 0)
      throw ValueError("the ranks hold every K-th example of a gzip file, not contiguous "
                       "parts, so they cannot write one cache in order: write it first in one "
                       "process (lograd convert DATA -o " + path + ")");
    rows += r["rows"].get<int64_t>();
    cols = std::max(cols, r["cols"].get<int64_t>());
    stored += r["stored"].get<int64_t>();
    float64 = float64 || r["float64"].get<bool>();
    weighted = weighted || r["weighted"].get<bool>();
    for (const std::string& name : r["classes"].get<std::vector<std::string>>())
      if (std::find(classes.begin(), classes.end(), name) == classes.end()) classes.push_back(name);
  }
  // This part as one process would have stored the whole: one storage, value type and width,
  // the classes numbered over all parts, weights where any part has them.
  const bool sparse = !detail::stores_dense(options.storage, rows, cols, stored, !float64);
  part.x = convert_matrix(part.x, sparse, float64, cols);
  std::vector<int32_t> to(part.classes.size());
  for (size_t q = 0; q < to.size(); ++q)
    to[q] = static_cast<int32_t>(std::find(classes.begin(), classes.end(), part.classes[q]) -
                                 classes.begin());
  for (int32_t& l : part.label) l = to[static_cast<size_t>(l)];
  part.classes = classes;
  if (weighted && part.weight.empty()) part.weight.assign(static_cast<size_t>(part.rows()), 1.0);

  // Each array goes to rank 0 rank by rank in pieces of at most kPiece bytes (every rank knows
  // every piece's size, so all make the same gathers), and rank 0 writes it as it arrives.
  constexpr size_t kPiece = size_t{8} << 20;
  const int me = c.rank();
  int64_t nnz_before = 0;  // this part's first entry in the whole
  for (int r = 0; r < me; ++r) nnz_before += all[static_cast<size_t>(r)]["stored"].get<int64_t>();
  std::vector<int64_t> row_ptr;  // CSR: this part's row ends, numbered in the whole
  std::vector<std::pair<const char*, std::vector<size_t>>> arrays;  // this rank's bytes; every rank's sizes
  const size_t value = float64 ? 8 : 4;
  auto sizes = [&](auto per_rank) {
    std::vector<size_t> out;
    for (int r = 0; r < c.size(); ++r) out.push_back(per_rank(all[static_cast<size_t>(r)], r));
    return out;
  };
  part.x.visit([&](const auto& m) {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (std::is_same_v<M, CsrMatrix<float>> || std::is_same_v<M, CsrMatrix<double>>) {
      // Rank 0 gives the leading 0 too; the others only their rows' ends.
      row_ptr.assign(m.row_ptr.begin() + (me == 0 ? 0 : 1), m.row_ptr.end());
      for (int64_t& e : row_ptr) e += nnz_before;
      arrays.push_back({reinterpret_cast<const char*>(row_ptr.data()),
                        sizes([](const nlohmann::json& r, int k) {
                          return static_cast<size_t>(r["rows"].get<int64_t>() + (k == 0)) * 8;
                        })});
      arrays.push_back({reinterpret_cast<const char*>(m.col.data()),
                        sizes([](const nlohmann::json& r, int) {
                          return static_cast<size_t>(r["stored"].get<int64_t>()) * 4;
                        })});
      arrays.push_back({reinterpret_cast<const char*>(m.val.data()),
                        sizes([&](const nlohmann::json& r, int) {
                          return static_cast<size_t>(r["stored"].get<int64_t>()) * value;
                        })});
    } else {
      arrays.push_back({reinterpret_cast<const char*>(m.data()),
                        sizes([&](const nlohmann::json& r, int) {
                          return static_cast<size_t>(r["rows"].get<int64_t>() * cols) * value;
                        })});
    }
  });
  arrays.push_back({reinterpret_cast<const char*>(part.label.data()),
                    sizes([](const nlohmann::json& r, int) {
                      return static_cast<size_t>(r["rows"].get<int64_t>()) * 4;
                    })});
  if (weighted)
    arrays.push_back({reinterpret_cast<const char*>(part.weight.data()),
                      sizes([](const nlohmann::json& r, int) {
                        return static_cast<size_t>(r["rows"].get<int64_t>()) * 8;
                      })});
  // Every gather happens on every rank, whatever rank 0's file does; rank 0 tells the outcome.
  const std::string head = me == 0 ? cache_head(cache_meta(part, rows, cols,
                                                           sparse ? stored : rows * cols, sparse,
                                                           float64 ? "float64" : "float32",
                                                           weighted, classes, key))
                                   : std::string();
  bool gathered = false;
  auto send_all = [&](const std::function<void(std::string_view)>* write) {
    gathered = true;
    uint64_t length = 0;
    std::string failure;
    auto put_bytes = [&](std::string_view b) {
      length += b.size();
      if (write == nullptr || !failure.empty()) return;
      try {
        (*write)(b);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    };
    if (me == 0) put_bytes(head);
    for (const auto& [data, size] : arrays) {
      for (int r = 0; r < c.size(); ++r)
        for (size_t at = 0; at < size[static_cast<size_t>(r)]; at += kPiece) {
          const size_t n = std::min(kPiece, size[static_cast<size_t>(r)] - at);
          const std::vector<std::string> got =
              c.gather({r == me ? std::string(data + at, n) : std::string()});
          if (me == 0) put_bytes(got[static_cast<size_t>(r)]);
        }
      if (me == 0) {
        const size_t total = length % 8;
        if (total != 0) put_bytes(std::string(8 - total, '\0'));
      }
    }
    if (me == 0) put_bytes(cache_tail(length));
    if (!failure.empty()) throw Error(failure);
  };
  std::string failure;
  if (me == 0) {
    try {
      io::write_file_atomically(path, [&](const std::function<void(std::string_view)>& write) {
        send_all(&write);
      });
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!gathered) send_all(nullptr);  // the file failed before its content: gather all the same
  } else {
    send_all(nullptr);
  }
  const std::string outcome = c.gather({me == 0 ? failure : std::string()})[0];
  if (!outcome.empty()) throw Error(outcome);
}

bool is_binary_cache(const std::string& path) {
  // Only regular files are looked at, and only they are opened: reading the head of a pipe
  // would lose it for the reader, and even opening a named pipe would let its writer in
  // (and end it when closed) before the reader's own open, which would then wait forever.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  char head[8];
  const bool cache = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                     ::pread(fd, head, 8, 0) == 8 && std::memcmp(head, kMagic, 8) == 0;
  ::close(fd);
  return cache;
}

namespace {

// What the header says of the arrays that follow it.
struct CacheLayout {
  int64_t rows = 0, cols = 0, stored = 0;
  bool csr = false, float32 = false, has_weight = false;
  size_t arrays_at = 0;  // the offset of the first array
};

size_t padded(size_t bytes) { return (bytes + 7) / 8 * 8; }

// Reads and checks the magic, version, byte order and JSON header; fills d's classes, feature
// names, source and encoding (checked against the sizes) and returns the arrays' layout.
CacheLayout read_header(Reader& r, const std::string& path, Dataset& d) {
  if (r.get_bytes(8) != std::string(kMagic, 8)) r.fail("it does not start with LOGRADB1");
  const auto version = r.get<uint32_t>();
  if (version != kVersion)
    r.fail("format version " + std::to_string(version) + ", this lograd reads version " +
           std::to_string(kVersion));
  if (r.get<uint32_t>() != kByteOrder) r.fail("it was written on a machine of another byte order");
  const auto meta_len = r.get<uint64_t>();
  if (meta_len > r.size()) r.fail("the header is longer than the file (truncated?)");
  nlohmann::json meta;
  try {
    meta = io::parse_json_limited(r.get_bytes(static_cast<size_t>(meta_len)),
                                  path +
                                      ": not a valid lograd cache: its header nests deeper "
                                      "than " +
                                      std::to_string(io::kMaxJsonDepth) + " levels");
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("its header is not JSON (") + e.what() + ")");
  }
  r.skip_pad();
  CacheLayout l;
  l.arrays_at = r.pos();
  try {
    // An integer field of the header (not a fraction, not beyond int64).
    auto integer = [&](const nlohmann::json& j, const char* key) {
      const nlohmann::json& v = j.at(key);
      if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t{INT64_MAX})
        return static_cast<int64_t>(v.get<uint64_t>());
      if (!v.is_number_integer() || v.is_number_unsigned())
        r.fail(std::string("its header's \"") + key + "\" is not an integer");
      return v.get<int64_t>();
    };
    l.rows = integer(meta, "rows");
    l.cols = integer(meta, "cols");
    l.stored = integer(meta, "stored");
    const auto storage = meta.at("storage").get<std::string>();
    const auto dtype = meta.at("dtype").get<std::string>();
    if (l.rows < 0 || l.cols < 0 || l.stored < 0 || l.cols > INT32_MAX)
      r.fail("negative or huge sizes");
    if (storage == "csr") {
      l.csr = true;
    } else if (storage == "dense") {
      if (l.cols != 0 && l.rows > INT64_MAX / l.cols) r.fail("dense sizes overflow");
      if (l.stored != l.rows * l.cols) r.fail("dense sizes disagree");
    } else {
      r.fail("unknown storage '" + storage + "'");
    }
    if (dtype == "float32") l.float32 = true;
    else if (dtype != "float64") r.fail("unknown value type '" + dtype + "'");
    l.has_weight = meta.at("has_weight").get<bool>();
    d.classes = meta.at("classes").get<std::vector<std::string>>();
    if (std::unordered_set<std::string>(d.classes.begin(), d.classes.end()).size() !=
        d.classes.size())
      r.fail("a class name appears twice");
    d.feature_names = meta.at("feature_names").get<std::vector<std::string>>();
    if (!d.feature_names.empty() && static_cast<int64_t>(d.feature_names.size()) != l.cols)
      r.fail(std::to_string(d.feature_names.size()) + " feature names for " +
             std::to_string(l.cols) + " features");
    d.source = meta.value("source", path);
    if (meta.contains("encoding")) {
      const int64_t cols = l.cols;
      const auto& e = meta["encoding"];
      const std::string delimiter = e.at("delimiter").get<std::string>();
      if (delimiter.size() != 1) r.fail("its encoding's delimiter is not one character");
      d.encoding.delimiter = delimiter[0];
      d.encoding.header = e.at("header").get<bool>();
      // The missing-value policy it was read with (absent in caches from before it was kept).
      d.encoding.missing = e.value("missing", std::string());
      if (!d.encoding.missing.empty() && !parse_missing_policy(d.encoding.missing))
        r.fail("its encoding's missing-value policy '" + d.encoding.missing +
               "' is none of error, skip-row, zero, mean");
      // Replayed at prediction, where each column's features are written into a row: their
      // ranges must ascend within the matrix without overlapping, as the CSV reader makes them.
      int64_t next_feature = 0;
      for (const auto& c : e.at("columns")) {
        CsvColumn col;
        col.name = c.at("name").get<std::string>();
        const std::string k = c.at("kind").get<std::string>();
        if (k == "numeric")
          col.kind = CsvColumn::Kind::kNumeric;
        else if (k == "categorical")
          col.kind = CsvColumn::Kind::kCategorical;
        else if (k == "label")
          col.kind = CsvColumn::Kind::kLabel;
        else if (k == "weight")
          col.kind = CsvColumn::Kind::kWeight;
        else
          r.fail("its encoding has a column of unknown kind '" + k + "'");
        col.first_feature = integer(c, "first_feature");
        col.categories = c.at("categories").get<std::vector<std::string>>();
        if (!c.at("fill").is_number()) r.fail("its encoding has a fill that is not a number");
        col.fill = c.at("fill").get<double>();
        if (!std::isfinite(col.fill)) r.fail("its encoding has a fill that is not finite");
        const int64_t width = col.kind == CsvColumn::Kind::kCategorical
                                  ? static_cast<int64_t>(col.categories.size())
                                  : (col.kind == CsvColumn::Kind::kNumeric ? 1 : 0);
        if (width > 0 && (col.first_feature < next_feature || col.first_feature > cols - width))
          r.fail("its encoding maps column '" + col.name + "' to features " +
                 std::to_string(col.first_feature) + ".." +
                 std::to_string(col.first_feature + width - 1) +
                 ", overlapping the columns before it or beyond the " + std::to_string(cols) +
                 " features");
        if (width > 0) next_feature = col.first_feature + width;
        if (std::unordered_set<std::string>(col.categories.begin(), col.categories.end()).size() !=
            col.categories.size())
          r.fail("its encoding repeats a category of column '" + col.name + "'");
        d.encoding.columns.push_back(std::move(col));
      }
      // A cache from before the policy was kept: fills other than 0 exist only under `mean`.
      if (d.encoding.missing.empty() &&
          std::any_of(d.encoding.columns.begin(), d.encoding.columns.end(),
                      [](const CsvColumn& c) { return c.fill != 0; }))
        d.encoding.missing = "mean";
    }
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("its header lacks a field (") + e.what() + ")");
  }
  return l;
}

template <class S>
void check_finite(const Reader& r, const std::vector<S>& v) {
  for (S x : v)
    if (!std::isfinite(x)) r.fail("a feature value is not finite (NaN or infinite)");
}

// A CSR matrix as read: well formed and finite, or the reader fails naming what is wrong.
template <class S>
DataMatrix checked_csr(const Reader& r, CsrMatrix<S>&& m) {
  try {
    m.validate();
  } catch (const ValueError& e) {
    r.fail(e.what());
  }
  check_finite(r, m.val);
  return DataMatrix(std::move(m));
}

void check_labels(const Reader& r, const Dataset& d) {
  for (int32_t l : d.label)
    if (l < 0 || static_cast<size_t>(l) >= d.classes.size()) r.fail("a label index is out of range");
  for (double w : d.weight)
    if (!std::isfinite(w) || w < 0) r.fail("a sample weight is negative or not finite");
}

}  // namespace

Dataset read_binary_cache(const std::string& path) {
  Reader r(path);
  Dataset d;
  const CacheLayout l = read_header(r, path, d);
  auto load = [&](auto tag) {
    using S = decltype(tag);
    if (l.csr) {
      CsrMatrix<S> m;
      m.rows = l.rows;
      m.cols = l.cols;
      m.row_ptr = r.get_array<int64_t>(static_cast<size_t>(l.rows) + 1);
      m.col = r.get_array<int32_t>(static_cast<size_t>(l.stored));
      m.val = r.get_array<S>(static_cast<size_t>(l.stored));
      d.x = checked_csr(r, std::move(m));
    } else {
      std::vector<S> v = r.get_array<S>(static_cast<size_t>(l.stored));
      check_finite(r, v);
      d.x = DataMatrix(Tensor<S>(Shape{l.rows, l.cols}, std::move(v)));
    }
  };
  if (l.float32) load(float{});
  else load(double{});
  d.label = r.get_array<int32_t>(static_cast<size_t>(l.rows));
  if (l.has_weight) d.weight = r.get_array<double>(static_cast<size_t>(l.rows));
  check_labels(r, d);
  if (r.get_bytes(8) != std::string(kEnd, 8)) r.fail("the end marker is missing (truncated or corrupt)");
  const auto length = r.get<uint64_t>();
  if (length != r.size() || r.pos() != r.size()) r.fail("its length does not match its contents");
  return d;
}

Dataset read_binary_cache_part(const std::string& path, int part, int parts) {
  if (parts < 1 || part < 0 || part >= parts)
    throw ValueError("a part needs 0 <= part < parts, got part " + std::to_string(part) + " of " +
                     std::to_string(parts));
  Reader r(path);
  Dataset d;
  const CacheLayout l = read_header(r, path, d);
  // Where each array starts, from the sizes alone; the file must be exactly that long.
  const size_t value_bytes = l.float32 ? 4 : 8;
  const auto rows = static_cast<size_t>(l.rows), stored = static_cast<size_t>(l.stored);
  if (rows > r.size() / 4 || stored > r.size() / 4) r.fail("an array is longer than the file (truncated?)");
  const size_t row_ptr_at = l.arrays_at;
  const size_t col_at = row_ptr_at + (l.csr ? padded((rows + 1) * 8) : 0);
  const size_t val_at = col_at + (l.csr ? padded(stored * 4) : 0);
  const size_t label_at = val_at + padded(stored * value_bytes);
  const size_t weight_at = label_at + padded(rows * 4);
  const size_t end_at = weight_at + (l.has_weight ? rows * 8 : 0);
  if (end_at + 16 != r.size()) r.fail("its length does not match its contents");
  r.seek(end_at);
  if (r.get_bytes(8) != std::string(kEnd, 8)) r.fail("the end marker is missing (truncated or corrupt)");
  if (r.get<uint64_t>() != r.size()) r.fail("its length does not match its contents");
  // Rows [first, last) of this part.
  const int64_t first = l.rows * part / parts, last = l.rows * (part + 1) / parts;
  const auto n = static_cast<size_t>(last - first);
  auto load = [&](auto tag) {
    using S = decltype(tag);
    if (l.csr) {
      // The whole file's first and last row pointers, then this part's, rebased to 0.
      r.seek(row_ptr_at);
      const int64_t begin_all = r.get<int64_t>();
      r.seek(row_ptr_at + rows * 8);
      const int64_t end_all = r.get<int64_t>();
      if (begin_all != 0 || end_all != l.stored)
        r.fail("its row pointers do not run from 0 to the stored count");
      r.seek(row_ptr_at + static_cast<size_t>(first) * 8);
      CsrMatrix<S> m;
      m.rows = static_cast<int64_t>(n);
      m.cols = l.cols;
      m.row_ptr = r.get_array<int64_t>(n + 1);
      const int64_t from = m.row_ptr.front(), to = m.row_ptr.back();
      if (from < 0 || to < from || to > l.stored)
        r.fail("its row pointers are out of range");
      for (int64_t& p : m.row_ptr) p -= from;
      r.seek(col_at + static_cast<size_t>(from) * 4);
      m.col = r.get_array<int32_t>(static_cast<size_t>(to - from));
      r.seek(val_at + static_cast<size_t>(from) * value_bytes);
      m.val = r.get_array<S>(static_cast<size_t>(to - from));
      d.x = checked_csr(r, std::move(m));
    } else {
      const auto cols = static_cast<size_t>(l.cols);
      r.seek(val_at + static_cast<size_t>(first) * cols * value_bytes);
      std::vector<S> v = r.get_array<S>(n * cols);
      check_finite(r, v);
      d.x = DataMatrix(Tensor<S>(Shape{static_cast<int64_t>(n), l.cols}, std::move(v)));
    }
  };
  if (l.float32) load(float{});
  else load(double{});
  r.seek(label_at + static_cast<size_t>(first) * 4);
  d.label = r.get_array<int32_t>(n);
  if (l.has_weight) {
    r.seek(weight_at + static_cast<size_t>(first) * 8);
    d.weight = r.get_array<double>(n);
  }
  check_labels(r, d);
  return d;
}

namespace {

// What makes a cache stand for `path` read with `options`: the file as it is now, and every
// option that changes what is read.
std::string cache_key(const std::string& path, const ReadOptions& o) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  nlohmann::json k = {
      {"path", path},
      {"size", static_cast<int64_t>(st.st_size)},
      {"mtime_ns", static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec},
      {"format", static_cast<int>(o.format)},
      {"storage", static_cast<int>(o.storage)},
      {"dtype", static_cast<int>(o.value_type)},
      {"header", o.header ? (*o.header ? 1 : 0) : -1},
      {"delimiter", o.delimiter ? std::string(1, *o.delimiter) : std::string()},
      {"label_column", o.label_column},
      {"weight_column", o.weight_column},
      {"missing", static_cast<int>(o.missing)}};
  return k.dump();
}

// The key in a cache's header; empty when the file is not a cache or has none.
std::string stored_key(const std::string& cache) {
  if (!is_binary_cache(cache)) return {};
  try {
    Reader r(cache);
    r.get_bytes(8);
    if (r.get<uint32_t>() != kVersion || r.get<uint32_t>() != kByteOrder) return {};
    const auto meta_len = r.get<uint64_t>();
    if (meta_len > r.size()) return {};
    const auto meta = io::parse_json_limited(r.get_bytes(static_cast<size_t>(meta_len)), cache);
    return meta.value("key", std::string());
  } catch (const std::exception&) {
    return {};  // unreadable: rebuilt
  }
}

}  // namespace

Dataset read_dataset_cached(const std::string& path, const std::string& cache,
                            const ReadOptions& options, bool* hit) {
  if (options.encoding != nullptr)
    throw ValueError("a cache holds data read with its own CSV encoding, not a replayed one");
  struct stat st {};
  if (is_standard_stream(path) || (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)))
    throw ValueError("a cache stands for a data file as it is now (its size and modification "
                     "time), so data read from '" + path + "' (standard input or a pipe) cannot "
                     "go through one: read the data without a cache, or save it to a file first");
  const std::string key = cache_key(path, options);
  if (stored_key(cache) == key) {
    *hit = true;
    Dataset d = read_binary_cache(cache);
    detail::enforce_memory_limit(options, cache, 0, 0, d.rows(),
                                 std::max(d.cols(), options.min_features), d.x.stored(),
                                 std::string(d.x.dtype()) == "float32");
    if (options.min_features > d.cols()) d.x = d.x.with_cols(options.min_features);
    return d;
  }
  *hit = false;
  ReadOptions plain = options;
  plain.min_features = 0;  // the cache keeps the file's own width
  Dataset d = read_dataset(path, plain);
  write_binary_cache(d, cache, key);
  if (options.min_features > d.cols()) d.x = d.x.with_cols(options.min_features);
  return d;
}

Dataset read_dataset_cached_part(const std::string& path, const std::string& cache,
                                 const ReadOptions& options, Collective& c, bool* hit) {
  if (options.encoding != nullptr)
    throw ValueError("a cache holds data read with its own CSV encoding, not a replayed one");
  if (c.size() == 1) return read_dataset_cached(path, cache, options, hit);
  if (is_binary_cache(path))
    throw ValueError("'" + path + "' is a cache already: give it as the data, without --cache");
  // Rank 0 decides, so that every rank does the same even when the file changes meanwhile; its
  // error (the data file gone) is every rank's.
  const std::string decided = detail::gather_agreed(c, [&] {
    if (c.rank() != 0) return std::string();
    const std::string key = cache_key(path, options);
    bool use = false;
    if (is_binary_cache(cache)) {
      const std::string stored = stored_key(cache);
      use = stored.empty() || stored == key;
    }
    const bool gzip = !use && detail::TextSource::open(path).gzip();
    return std::string(use ? "1" : "0") + (gzip ? "1" : "0") + key;
  })[0];
  *hit = decided[0] == '1';
  const std::string key = decided.substr(2);
  if (*hit) return read_dataset_part(cache, options, c);
  ReadOptions plain = options;
  plain.min_features = 0;  // the cache keeps the file's own width
  if (decided[1] == '1') {
    // A gzip file's parts are every K-th line, not the cache's row ranges (and a comment or a
    // skipped row breaks the stride): rank 0 reads the file whole, once, with one process's
    // memory, and writes one process's cache; then every rank reads its rows from it.
    detail::gather_agreed(c, [&] {
      if (c.rank() != 0) return std::string();
      ReadOptions whole = plain;
      whole.shard_rank = 0;
      whole.shard_count = 1;
      Dataset d = read_dataset(path, whole);
      write_binary_cache(d, cache, key);
      return std::string();
    });
    return read_dataset_part(cache, options, c);
  }
  // Each part in CSR, its entries as read, until the storage is decided over all parts.
  ReadOptions part_options = plain;
  if (part_options.storage == Storage::kAuto) part_options.storage = Storage::kSparse;
  Dataset d = read_dataset_part(path, part_options, c);
  write_binary_cache_ranks(d, cache, key, plain, c);
  if (options.min_features > d.cols()) d.x = d.x.with_cols(options.min_features);
  return d;
}

}  // namespace lograd
