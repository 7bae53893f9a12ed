#include "data/reader_internal.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "lograd/labels.h"
#include "lograd/parallel.h"

namespace lograd::detail {

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

namespace {

template <class T>
DataMatrix build_as(Entries&& e, int64_t cols, bool dense) {
  const int64_t rows = e.rows();
  if (dense) {
    Tensor<T> x(Shape{rows, cols});
    for (int64_t r = 0; r < rows; ++r) {
      T* out = x.data() + r * cols;
      for (int64_t k = e.row_ptr[r]; k < e.row_ptr[r + 1]; ++k)
        out[e.col[k]] = static_cast<T>(e.val[k]);
    }
    return DataMatrix(std::move(x));
  }
  CsrMatrix<T> m;
  m.rows = rows;
  m.cols = cols;
  m.row_ptr = std::move(e.row_ptr);
  m.col = std::move(e.col);
  if constexpr (std::is_same_v<T, double>) {
    m.val = std::move(e.val);
  } else {
    m.val.assign(e.val.begin(), e.val.end());
    std::vector<double>().swap(e.val);
  }
  return DataMatrix(std::move(m));
}

template <class T>
DataMatrix build_parts_as(std::vector<Entries>&& parts, int64_t cols, bool dense) {
  std::vector<int64_t> row0(parts.size() + 1, 0), nz0(parts.size() + 1, 0);
  for (size_t p = 0; p < parts.size(); ++p) {
    row0[p + 1] = row0[p] + parts[p].rows();
    nz0[p + 1] = nz0[p] + static_cast<int64_t>(parts[p].col.size());
  }
  const int64_t rows = row0.back();
  const int threads = num_threads();
  if (dense) {
    Tensor<T> x(Shape{rows, cols});
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t p = 0; p < parts.size(); ++p) {
      Entries& e = parts[p];
      for (int64_t r = 0; r < e.rows(); ++r) {
        T* out = x.data() + (row0[p] + r) * cols;
        for (int64_t k = e.row_ptr[r]; k < e.row_ptr[r + 1]; ++k)
          out[e.col[k]] = static_cast<T>(e.val[k]);
      }
      e = Entries();
    }
    return DataMatrix(std::move(x));
  }
  CsrMatrix<T> m;
  m.rows = rows;
  m.cols = cols;
  m.row_ptr.resize(static_cast<size_t>(rows) + 1);
  m.col.resize(static_cast<size_t>(nz0.back()));
  m.val.resize(static_cast<size_t>(nz0.back()));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t p = 0; p < parts.size(); ++p) {
    Entries& e = parts[p];
    for (int64_t r = 0; r < e.rows(); ++r) m.row_ptr[row0[p] + r] = nz0[p] + e.row_ptr[r];
    std::copy(e.col.begin(), e.col.end(), m.col.begin() + nz0[p]);
    std::transform(e.val.begin(), e.val.end(), m.val.begin() + nz0[p],
                   [](double v) { return static_cast<T>(v); });
    e = Entries();
  }
  m.row_ptr[static_cast<size_t>(rows)] = nz0.back();
  return DataMatrix(std::move(m));
}

}  // namespace

DataMatrix build_data_matrix(std::vector<Entries>&& parts, int64_t cols, Storage storage,
                             ValueType type) {
  if (parts.size() == 1) return build_data_matrix(std::move(parts[0]), cols, storage, type);
  int64_t rows = 0, nnz = 0;
  bool exact = true;
  for (const Entries& e : parts) {
    rows += e.rows();
    nnz += static_cast<int64_t>(e.val.size());
    exact = exact && e.float_exact;
  }
  const double cells = static_cast<double>(rows) * static_cast<double>(cols);
  const bool dense = storage == Storage::kDense ||
                     (storage == Storage::kAuto &&
                      (cells == 0 || static_cast<double>(nnz) >= 0.5 * cells));
  const bool f32 = type == ValueType::kFloat32 || (type == ValueType::kAuto && exact);
  return f32 ? build_parts_as<float>(std::move(parts), cols, dense)
             : build_parts_as<double>(std::move(parts), cols, dense);
}

DataMatrix build_data_matrix(Entries&& e, int64_t cols, Storage storage, ValueType type) {
  const double cells = static_cast<double>(e.rows()) * static_cast<double>(cols);
  const bool dense = storage == Storage::kDense ||
                     (storage == Storage::kAuto &&
                      (cells == 0 || static_cast<double>(e.val.size()) >= 0.5 * cells));
  const bool f32 = type == ValueType::kFloat32 || (type == ValueType::kAuto && e.float_exact);
  return f32 ? build_as<float>(std::move(e), cols, dense)
             : build_as<double>(std::move(e), cols, dense);
}

}  // namespace lograd::detail
