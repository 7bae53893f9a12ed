// src/data/reader_internal.h: pieces shared by the LIBSVM and CSV readers.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fast_float/fast_float.h>

#include "lograd/collective.h"
#include "lograd/readers.h"

namespace lograd::detail {

// For a decimal number that from_chars found out of the double range: true when it is too
// large (rather than too small), judged by the decimal exponent of its first significant digit.
bool out_of_range_is_overflow(std::string_view number);

// How a piece of text read as a number.
enum class NumberParse { kOk, kNotNumber, kNotFinite };

// Parses the whole of s as a double (an optional leading '+' allowed); kNotFinite for nan,
// inf and values beyond the double range (too small ones read as a signed zero). No
// allocation. fast_float (Debian's libfast-float-dev): correctly rounded, several times
// faster than libstdc++'s from_chars, which the readers' speed depends on.
inline NumberParse parse_number(std::string_view s, double* out) {
  const char* first = s.data();
  const char* last = first + s.size();
  if (first != last && *first == '+') {
    ++first;
    if (first != last && (*first == '-' || *first == '+')) return NumberParse::kNotNumber;
  }
  if (first == last) return NumberParse::kNotNumber;
  const auto [ptr, ec] = fast_float::from_chars(first, last, *out);
  if (ptr != last || ec != std::errc()) {
    // fast_float reads a range error as success (inf, or 0); other errors are not numbers.
    if (ec == std::errc::result_out_of_range && ptr == last) {
      if (out_of_range_is_overflow(std::string_view(first, static_cast<size_t>(last - first))))
        return NumberParse::kNotFinite;
      *out = *first == '-' ? -0.0 : 0.0;
      return NumberParse::kOk;
    }
    return NumberParse::kNotNumber;
  }
  return std::isfinite(*out) ? NumberParse::kOk : NumberParse::kNotFinite;
}

// True when v is 0 or a normal float32 (1.2e-38 <= |v| <= 3.4e38): float32 keeps it to 7
// significant digits, neither overflowing nor flushing it towards zero.
inline bool float_normal(double v) {
  const double a = std::abs(v);
  return a == 0 || (a >= std::numeric_limits<float>::min() && a <= std::numeric_limits<float>::max());
}

// Throws ParseError when the start of `text` (the first 64 KiB) holds a control byte that no
// text file has (NUL and the like, not tab, CR, LF): binary data, or UTF-16 text.
void refuse_binary(std::string_view text, const std::string& path);

// The offset of the first byte of `text` that is not part of valid UTF-8, or npos.
size_t invalid_utf8(std::string_view text);

// 'text' in single quotes for an error message, shortened when long.
std::string quoted(std::string_view text);

// Hash for heterogeneous (std::string_view) lookup in std::unordered_map<std::string, ...>.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using TextMap = std::unordered_map<std::string, V, TextHash, std::equal_to<>>;

// The distinct class labels of a dataset in first-seen order, by canonical text.
class ClassIndex {
 public:
  // Index of the class of a label as written (canonicalised on first sight).
  int32_t index_of(std::string_view raw);
  // The classes seen so far, canonical text, in first-seen order.
  const std::vector<std::string>& names() const { return classes_; }
  // The classes, canonical text, in first-seen order.
  std::vector<std::string> take_classes() { return std::move(classes_); }

 private:
  std::string last_raw_;
  int32_t last_ = -1;
  TextMap<int32_t> by_raw_;
  TextMap<int32_t> by_name_;
  std::vector<std::string> classes_;
};

// The messages of ReadOptions::classes: a label of one class too many (`names` holds it last),
// and a file whose `examples` labels hold fewer classes than `wanted`.
std::string too_many_classes(const std::vector<std::string>& names, int32_t allowed);
std::string too_few_classes(const std::vector<std::string>& names, int64_t examples,
                            int32_t wanted, std::string_view where_labels_are);

// A matrix's entries as the readers collect them: CSR layout, 0-based columns strictly
// ascending within a row, values in float64 (wide) or already in float32.
struct Entries {
  explicit Entries(bool wide = true) : wide(wide) {}
  std::vector<int64_t> row_ptr{0};
  std::vector<int32_t> col;
  std::vector<float> val32;   // the values, when !wide
  std::vector<double> val64;  // the values, when wide
  bool wide;
  bool fits_float = true;  // every value so far is float_normal

  // Adds an entry; false, storing nothing, when the entries are not wide and v is beyond
  // float32's range (it would become infinite).
  bool add(int32_t c, double v) {
    fits_float = fits_float && float_normal(v);
    if (wide) {
      val64.push_back(v);
    } else {
      if (std::abs(v) > std::numeric_limits<float>::max()) return false;
      val32.push_back(static_cast<float>(v));
    }
    col.push_back(c);
    return true;
  }
  void end_row() { row_ptr.push_back(static_cast<int64_t>(col.size())); }
  int64_t rows() const { return static_cast<int64_t>(row_ptr.size()) - 1; }
  int64_t nnz() const { return static_cast<int64_t>(col.size()); }
  // Reserves room for `rows` more rows and `nnz` more entries.
  void reserve(size_t rows, size_t nnz);
};

// Whether values of `type` (kAuto: float32 when every value is float_normal, else float64) are
// stored in float32.
bool stores_float32(ValueType type, bool all_fit_float);
// Whether `storage` (kAuto: dense when it takes at most 1.25x the memory of CSR's values and
// indices, that is when at least 40% of the entries are set in float32, 54% in float64) is
// dense, for a rows x cols matrix with nnz stored entries.
bool stores_dense(Storage storage, int64_t rows, int64_t cols, int64_t nnz, bool float32);

// The data matrix of the rows of `parts`, one after the other, with `cols` columns; each part
// is freed once copied, so the peak is about one matrix and one part. Storage and value type
// as stores_dense and stores_float32. A part that is not wide may only be stored in float32
// (throws std::logic_error otherwise).
DataMatrix build_data_matrix(std::vector<Entries>&& parts, int64_t cols, Storage storage,
                             ValueType type);
DataMatrix build_data_matrix(Entries&& entries, int64_t cols, Storage storage, ValueType type);

// Enforces ReadOptions::memory_limit while reading (the estimate made before reading cannot
// know the feature count, nor the size of piped input): throws MemoryLimitError, naming the
// file and the line reached (none when 0), when `held` bytes (text and entries in memory) plus a
// rows x cols matrix of nnz stored entries (as build_data_matrix would store it) plus
// training_memory exceed the limit. No-op when the limit is 0.
void enforce_memory_limit(const ReadOptions& options, const std::string& path, int64_t line,
                          int64_t held, int64_t rows, int64_t cols, int64_t nnz, bool float32);

// The LIBSVM reader cuts text into chunks of at least this many bytes (no threads for small
// files), at most max(4 threads, libsvm_max_chunks) of them. Tests lower both to cut small
// texts into many chunks.
inline size_t libsvm_chunk_bytes = size_t{1} << 22;
inline size_t libsvm_max_chunks = 0;

// read_libsvm over text in memory (gzip is decompressed); `path` names it.
Dataset parse_libsvm(std::string_view text, const std::string& path, const ReadOptions& options);
// read_libsvm over the text of `source`, streamed in windows of about libsvm_chunk_bytes x
// max(4 threads, libsvm_max_chunks) bytes; with ValueType kAuto it reads the text a second
// time (source.reopen(): open pipes rewindable for this) in float64 when a value is not
// float_normal.
class TextSource;
Dataset parse_libsvm(TextSource source, const std::string& path, const ReadOptions& options);
// read_csv over text already in memory (decompressed); `path` names it.

// Throws ValueError when a CSV-only option (label/weight column, header, delimiter, missing
// policy) is given for a file read as LIBSVM, instead of silently ignoring it.
void refuse_csv_options(const std::string& path, const ReadOptions& options);
Dataset parse_csv(std::string_view text, const std::string& path, const ReadOptions& options);
// The rest of source's text, for the CSV reader; with a memory limit, a MemoryLimitError once
// the text passes the limit / kPeakBytesPerTextByte (lograd/memory.h), as the estimate made
// before reading would have said of a file of that size (piped input has none).
std::string read_csv_text(TextSource& source, const std::string& path, const ReadOptions& options);
// The first records of a CSV file (at least three when it has them, else the whole file).
std::string read_csv_head(const std::string& path);
// Data-parallel read_csv: rank c.rank()'s part of the file (byte ranges cut at line ends; gzip:
// every K-th line), with the encoding one process learns from the whole file (see
// read_dataset_part in lograd/readers.h). Every rank must call it; errors are thrown on all.
Dataset read_csv_part(const std::string& path, const ReadOptions& options, Collective& c);
// Several CSV files read as one (lograd::read_dataset_files): `files` are this rank's, the
// ranks' in rank order being all the files in order. Every rank must call it.
Dataset read_csv_files(const std::string& name, const std::vector<std::string>& files,
                       const ReadOptions& options, Collective& c);

}  // namespace lograd::detail
