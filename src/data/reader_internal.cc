#include "data/reader_internal.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "lograd/labels.h"
#include "lograd/memory.h"
#include "lograd/parallel.h"

namespace lograd::detail {

size_t invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  const bool cut = text.size() > kMax;
  std::string s;
  s.reserve(std::min(text.size(), kMax) + 5);
  s.push_back('\'');
  for (const char ch : text.substr(0, kMax)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      s.push_back(ch);
    } else {  // control bytes (binary data) shown as \xNN, never written to the terminal raw
      constexpr char kHex[] = "0123456789abcdef";
      s.append({'\\', 'x', kHex[c >> 4], kHex[c & 15]});
    }
  }
  if (cut) s.append("...");
  s.push_back('\'');
  return s;
}

void refuse_binary(std::string_view text, const std::string& path) {
  if (text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') ||
                           (text[0] == '\xFE' && text[1] == '\xFF')))
    throw ParseError(path, 1, 1,
                     "the file is UTF-16 text: lograd reads UTF-8 (or ASCII); convert it, e.g. "
                     "iconv -f UTF-16 -t UTF-8");
  const std::string_view head = text.substr(0, size_t{1} << 16);
  // JSON (a lograd model or checkpoint given as data): '{' then '"' or '}' after blanks.
  if (const size_t brace = head.find_first_not_of(" \t\r\n"); brace != std::string_view::npos &&
                                                                 head[brace] == '{') {
    const size_t next = head.find_first_not_of(" \t\r\n", brace + 1);
    if (next == std::string_view::npos || head[next] == '"' || head[next] == '}') {
      const auto line_of = std::count(head.begin(), head.begin() + static_cast<ptrdiff_t>(brace), '\n');
      const size_t bol = head.rfind('\n', brace);
      throw ParseError(path, 1 + line_of,
                       static_cast<int64_t>(bol == std::string_view::npos ? brace : brace - bol - 1) + 1,
                       "this is a JSON file (it starts with '{'), not LIBSVM or CSV data: a "
                       "lograd model or checkpoint? Give the data file here (LIBSVM, CSV or a "
                       ".lgb cache from lograd convert); a model is read as the model");
    }
  }
  int64_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < head.size(); ++i) {
    const auto c = static_cast<unsigned char>(head[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      throw ParseError(path, line, static_cast<int64_t>(i - line_start) + 1,
                       std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15] + " at offset " +
                           std::to_string(i) +
                           ": this is a binary file, not LIBSVM or CSV text; lograd reads text "
                           "files (plain or gzip-compressed) and .lgb caches from lograd convert");
    }
  }
}

std::string too_many_classes(const std::vector<std::string>& names, int32_t allowed) {
  std::string seen;
  for (size_t i = 0; i + 1 < names.size(); ++i) seen += (i ? ", '" : "'") + names[i] + "'";
  return "label '" + names.back() + "' makes " + std::to_string(names.size()) +
         " classes (before it: " + seen + "), but " +
         (allowed == 2 ? std::string("lograd trains binary models")
                       : "at most " + std::to_string(allowed) + " are allowed") +
         ": keep two classes (e.g. grep -v the others out of the file), or map the labels to two "
         "(e.g. one class against the rest)";
}

std::string too_few_classes(const std::vector<std::string>& names, int64_t examples,
                            int32_t wanted, std::string_view where_labels_are) {
  const std::string label = names.empty() ? std::string() : names.front();
  return "every one of the " + std::to_string(examples) + " examples has the label '" + label +
         "': training needs " + std::to_string(wanted) + " classes; " +
         std::string(where_labels_are);
}

bool out_of_range_is_overflow(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  int64_t magnitude = 0;  // decimal exponent of the first significant digit, before any e/E
  bool significant = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
    if (significant || s[i] != '0') {
      significant = true;
      ++magnitude;
    }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (significant) continue;
      if (s[i] != '0')
        significant = true;
      else
        --magnitude;
    }
  }
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      exponent = std::min<int64_t>(exponent * 10 + (s[i] - '0'), int64_t{1} << 40);
    if (negative) exponent = -exponent;
  }
  return significant && magnitude + exponent > 0;
}

int32_t ClassIndex::index_of(std::string_view raw) {
  if (last_ >= 0 && raw == last_raw_) return last_;
  int32_t index;
  if (auto it = by_raw_.find(raw); it != by_raw_.end()) {
    index = it->second;
  } else {
    std::string name = canonical_label(std::string(raw));
    auto [named, inserted] = by_name_.try_emplace(name, static_cast<int32_t>(classes_.size()));
    if (inserted) classes_.push_back(std::move(name));
    index = named->second;
    by_raw_.emplace(std::string(raw), index);
  }
  last_raw_.assign(raw);
  last_ = index;
  return index;
}

void Entries::reserve(size_t rows, size_t nnz) {
  row_ptr.reserve(row_ptr.size() + rows);
  col.reserve(col.size() + nnz);
  if (wide) {
    val64.reserve(val64.size() + nnz);
  } else {
    val32.reserve(val32.size() + nnz);
  }
}

bool stores_float32(ValueType type, bool all_fit_float) {
  return type == ValueType::kFloat32 || (type == ValueType::kAuto && all_fit_float);
}

bool stores_dense(Storage storage, int64_t rows, int64_t cols, int64_t nnz, bool float32) {
  if (storage != Storage::kAuto) return storage == Storage::kDense;
  // Dense costs value_bytes per cell, CSR value_bytes + 4 per entry: dense is chosen while it
  // takes at most 1.25x the memory, since dense rows stream without index loads and gathers.
  const double value_bytes = float32 ? 4 : 8;
  const double cells = static_cast<double>(rows) * static_cast<double>(cols);
  return cells * value_bytes <= 1.25 * static_cast<double>(nnz) * (value_bytes + 4);
}


void enforce_memory_limit(const ReadOptions& options, const std::string& path, int64_t line,
                          int64_t held, int64_t rows, int64_t cols, int64_t nnz, bool float32) {
  if (options.memory_limit <= 0) return;
  const double value_bytes = float32 ? 4 : 8;
  const double matrix =
      stores_dense(options.storage, rows, cols, nnz, float32)
          ? static_cast<double>(rows) * static_cast<double>(cols) * value_bytes
          : static_cast<double>(nnz) * (value_bytes + 4) + 8 * static_cast<double>(rows + 1);
  const double training = static_cast<double>(training_memory(rows, cols, num_threads()));
  const double need = static_cast<double>(held) + matrix + training;
  if (need <= static_cast<double>(options.memory_limit)) return;
  throw MemoryLimitError(
      path + ": not enough memory: " +
      (line > 0 ? "reading stopped at line " + std::to_string(line) + ", where the data already"
                : std::string("the data")) +
      " needs about " + format_bytes(need) + ": " + std::to_string(cols) + " features (" +
      format_bytes(training) +
      " for training's vectors of one entry per feature and "
      "per thread), " +
      std::to_string(rows) + " examples with " + std::to_string(nnz) + " stored entries (" +
      format_bytes(matrix) + " as a matrix), " + format_bytes(static_cast<double>(held)) +
      " of text and entries being read; more than the limit of " +
      format_bytes(static_cast<double>(options.memory_limit)) +
      ". Stopped rather than running out of memory part-way");
}

namespace {

// The values of e as T (e's own vector when it already holds T).
template <class T>
std::vector<T> take_values(Entries& e) {
  if constexpr (std::is_same_v<T, float>) {
    if (!e.wide) return std::move(e.val32);
  } else {
    if (e.wide) return std::move(e.val64);
  }
  std::vector<T> out;
  if (e.wide) {
    out.assign(e.val64.begin(), e.val64.end());
  } else {
    out.assign(e.val32.begin(), e.val32.end());
  }
  return out;
}

template <class T>
DataMatrix build_as(std::vector<Entries>&& parts, int64_t cols, bool dense) {
  int64_t rows = 0, nnz = 0;
  for (const Entries& e : parts) {
    rows += e.rows();
    nnz += e.nnz();
  }
  const int threads = num_threads();
  if (dense) {
    // Rows are zeroed and filled part by part as each part is freed: the matrix's pages are
    // touched only as the parts' are released.
    std::vector<T> x;
    x.reserve(static_cast<size_t>(rows * cols));
    for (Entries& e : parts) {
      const int64_t first = static_cast<int64_t>(x.size()) / std::max<int64_t>(cols, 1);
      x.resize(x.size() + static_cast<size_t>(e.rows() * cols));
      T* out = x.data() + first * cols;
      auto fill = [&](const auto* val) {
#pragma omp parallel for schedule(static) num_threads(threads) if (e.nnz() > (1 << 20))
        for (int64_t r = 0; r < e.rows(); ++r)
          for (int64_t k = e.row_ptr[r]; k < e.row_ptr[r + 1]; ++k)
            out[r * cols + e.col[k]] = static_cast<T>(val[k]);
      };
      if (e.wide) {
        fill(e.val64.data());
      } else {
        fill(e.val32.data());
      }
      e = Entries();
    }
    return DataMatrix(Tensor<T>(Shape{rows, cols}, std::move(x)));
  }
  CsrMatrix<T> m;
  m.rows = rows;
  m.cols = cols;
  if (parts.size() == 1) {  // no copy: the part's arrays become the matrix's
    m.row_ptr = std::move(parts[0].row_ptr);
    m.col = std::move(parts[0].col);
    m.val = take_values<T>(parts[0]);
    return DataMatrix(std::move(m));
  }
  m.row_ptr.clear();
  m.row_ptr.reserve(static_cast<size_t>(rows) + 1);
  m.col.reserve(static_cast<size_t>(nnz));
  m.val.reserve(static_cast<size_t>(nnz));
  for (Entries& e : parts) {
    const int64_t base = static_cast<int64_t>(m.col.size());
    for (int64_t r = 0; r < e.rows(); ++r) m.row_ptr.push_back(base + e.row_ptr[r]);
    m.col.insert(m.col.end(), e.col.begin(), e.col.end());
    if (e.wide) {
      m.val.insert(m.val.end(), e.val64.begin(), e.val64.end());
    } else {
      m.val.insert(m.val.end(), e.val32.begin(), e.val32.end());
    }
    e = Entries();
  }
  m.row_ptr.push_back(nnz);
  return DataMatrix(std::move(m));
}

}  // namespace

DataMatrix build_data_matrix(std::vector<Entries>&& parts, int64_t cols, Storage storage,
                             ValueType type) {
  int64_t rows = 0, nnz = 0;
  bool fit = true, narrow = false;
  for (const Entries& e : parts) {
    rows += e.rows();
    nnz += e.nnz();
    fit = fit && e.fits_float;
    narrow = narrow || !e.wide;
  }
  const bool f32 = stores_float32(type, fit);
  if (narrow && !f32)
    throw std::logic_error("build_data_matrix: float32 entries cannot be stored in float64");
  const bool dense = stores_dense(storage, rows, cols, nnz, f32);
  return f32 ? build_as<float>(std::move(parts), cols, dense)
             : build_as<double>(std::move(parts), cols, dense);
}

DataMatrix build_data_matrix(Entries&& entries, int64_t cols, Storage storage, ValueType type) {
  std::vector<Entries> parts;
  parts.push_back(std::move(entries));
  return build_data_matrix(std::move(parts), cols, storage, type);
}

}  // namespace lograd::detail
