#include "data/reader_internal.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "lograd/labels.h"

namespace lograd::detail {

std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  const bool cut = text.size() > kMax;
  std::string s;
  s.reserve(std::min(text.size(), kMax) + 5);
  s.push_back('\'');
  s.append(text.substr(0, kMax));
  if (cut) s.append("...");
  s.push_back('\'');
  return s;
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

}  // namespace

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
