// concat_rows: several datasets' rows one after another (lograd/dataset.h), for a directory of
// files read as one dataset and for one rank's several files under mpirun.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lograd/csr.h"
#include "lograd/dataset.h"
#include "lograd/error.h"
#include "lograd/tensor.h"

namespace lograd {
namespace {

template <class M>
struct ValueOf;
template <class T>
struct ValueOf<Tensor<T>> {
  using type = T;
};
template <class T>
struct ValueOf<CsrMatrix<T>> {
  using type = T;
};

// The rows of every part, as one matrix of value type T: CSR when `sparse`, else dense.
// parts: (m_p, n_p) each -> (sum m_p, cols), cols >= every n_p
template <class T>
DataMatrix stack(const std::vector<const DataMatrix*>& parts, bool sparse, int64_t cols) {
  int64_t rows = 0, stored = 0;
  for (const DataMatrix* p : parts) {
    rows += p->rows();
    stored += p->stored();
  }
  if (!sparse) {
    Tensor<T> out(Shape{rows, cols});
    int64_t r0 = 0;
    for (const DataMatrix* p : parts) {
      p->visit([&](const auto& m) {
        if constexpr (requires { m.numel(); }) {
          const int64_t n = m.dim(1);
          for (int64_t r = 0; r < m.dim(0); ++r)
            for (int64_t j = 0; j < n; ++j)
              out.data()[(r0 + r) * cols + j] = static_cast<T>(m.data()[r * n + j]);
        } else {
          for (int64_t r = 0; r < m.rows; ++r)
            for (int64_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k)
              out.data()[(r0 + r) * cols + m.col[static_cast<size_t>(k)]] =
                  static_cast<T>(m.val[static_cast<size_t>(k)]);
        }
      });
      r0 += p->rows();
    }
    return DataMatrix(std::move(out));
  }
  CsrMatrix<T> out;
  out.rows = rows;
  out.cols = cols;
  out.row_ptr.reserve(static_cast<size_t>(rows + 1));
  out.col.reserve(static_cast<size_t>(stored));
  out.val.reserve(static_cast<size_t>(stored));
  for (const DataMatrix* p : parts) {
    p->visit([&](const auto& m) {
      if constexpr (requires { m.numel(); }) {  // dense: its nonzeros
        const int64_t n = m.dim(1);
        for (int64_t r = 0; r < m.dim(0); ++r) {
          for (int64_t j = 0; j < n; ++j)
            if (const auto v = m.data()[r * n + j]; v != 0) {
              out.col.push_back(static_cast<int32_t>(j));
              out.val.push_back(static_cast<T>(v));
            }
          out.row_ptr.push_back(static_cast<int64_t>(out.val.size()));
        }
      } else {
        for (int64_t r = 0; r < m.rows; ++r) {
          for (int64_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) {
            out.col.push_back(m.col[static_cast<size_t>(k)]);
            out.val.push_back(static_cast<T>(m.val[static_cast<size_t>(k)]));
          }
          out.row_ptr.push_back(static_cast<int64_t>(out.val.size()));
        }
      }
    });
  }
  return DataMatrix(std::move(out));
}

}  // namespace

DataMatrix convert_matrix(const DataMatrix& x, bool sparse, bool float64, int64_t cols) {
  if (!float64 && std::string(x.dtype()) == "float64")
    throw std::logic_error("convert_matrix: float64 values do not narrow to float32 exactly");
  const std::vector<const DataMatrix*> one{&x};
  return float64 ? stack<double>(one, sparse, std::max(cols, x.cols()))
                 : stack<float>(one, sparse, std::max(cols, x.cols()));
}

Dataset concat_rows(std::vector<Dataset> parts) {
  if (parts.empty()) throw ValueError("no data to join: the list of files is empty");
  if (parts.size() == 1) return std::move(parts.front());
  const Dataset& first = parts.front();
  bool sparse = false, wide = false, weighted = false;
  int64_t cols = 0;
  for (const Dataset& p : parts) {
    const std::string what = "'" + p.source + "' and '" + first.source + "'";
    if (p.feature_names != first.feature_names)
      throw ValueError(what + " name their features differently: files read as one dataset "
                       "must have the same columns");
    if (p.encoding.columns.size() != first.encoding.columns.size() ||
        p.encoding.missing != first.encoding.missing)
      throw ValueError(what + " encode their CSV columns differently: files read as one dataset "
                       "must be LIBSVM text, or caches written with one encoding");
    for (size_t c = 0; c < p.encoding.columns.size(); ++c)
      if (p.encoding.columns[c].categories != first.encoding.columns[c].categories ||
          p.encoding.columns[c].first_feature != first.encoding.columns[c].first_feature)
        throw ValueError(what + " encode CSV column '" + p.encoding.columns[c].name +
                         "' differently: files read as one dataset must be LIBSVM text, or "
                         "caches written with one encoding");
    sparse = sparse || p.x.is_sparse();
    wide = wide || std::string(p.x.dtype()) == "float64";
    weighted = weighted || !p.weight.empty();
    cols = std::max(cols, p.cols());
  }
  Dataset out;
  out.feature_names = first.feature_names;
  out.encoding = first.encoding;
  out.source = first.source;
  std::vector<const DataMatrix*> matrices;
  for (const Dataset& p : parts) matrices.push_back(&p.x);
  out.x = wide ? stack<double>(matrices, sparse, cols) : stack<float>(matrices, sparse, cols);
  // Classes in first-seen order over the parts; each part's label indices renumbered.
  std::map<std::string, int32_t> index;
  for (Dataset& p : parts) {
    std::vector<int32_t> to(p.classes.size());
    for (size_t q = 0; q < p.classes.size(); ++q) {
      const auto [it, added] = index.emplace(p.classes[q], static_cast<int32_t>(out.classes.size()));
      if (added) out.classes.push_back(p.classes[q]);
      to[q] = it->second;
    }
    for (const int32_t l : p.label) out.label.push_back(to[static_cast<size_t>(l)]);
    if (weighted) {
      if (p.weight.empty()) out.weight.insert(out.weight.end(), static_cast<size_t>(p.rows()), 1.0);
      else out.weight.insert(out.weight.end(), p.weight.begin(), p.weight.end());
    }
    out.skipped_rows += p.skipped_rows;
    p = Dataset();  // each part's memory goes once its rows are in `out`
  }
  return out;
}

}  // namespace lograd
