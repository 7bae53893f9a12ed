#include "lograd/data_matrix.h"

#include <string>
#include <type_traits>

namespace lograd {
namespace {

template <class M>
struct IsCsr : std::false_type {};
template <class T>
struct IsCsr<CsrMatrix<T>> : std::true_type {};

template <class M>
using ValueOf = typename std::remove_cvref_t<decltype(std::declval<M>().val)>::value_type;

}  // namespace

DataMatrix::DataMatrix() : DataMatrix(Tensor<double>(Shape{0, 0})) {}

void DataMatrix::check() const {
  visit([](const auto& m) {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (!IsCsr<M>::value) {
      if (m.rank() != 2)
        throw ShapeError("a data matrix must have rank 2 (examples x features), got shape " +
                         shape_str(m.shape()));
    }
  });
}

int64_t DataMatrix::rows() const {
  return visit([](const auto& m) -> int64_t {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(m)>>::value) return m.rows;
    else return m.dim(0);
  });
}

int64_t DataMatrix::cols() const {
  return visit([](const auto& m) -> int64_t {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(m)>>::value) return m.cols;
    else return m.dim(1);
  });
}

MatrixView DataMatrix::view() const {
  return visit([](const auto& m) {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(m)>>::value)
      return MatrixView::csr(m.val.data(), m.row_ptr.data(), m.col.data(), m.rows, m.cols);
    else
      return MatrixView::dense(m.data(), m.dim(0), m.dim(1));
  });
}

int64_t DataMatrix::stored() const {
  return visit([](const auto& m) -> int64_t {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(m)>>::value) return m.nnz();
    else return m.numel();
  });
}

bool DataMatrix::is_sparse() const {
  return visit([](const auto& m) { return IsCsr<std::remove_cvref_t<decltype(m)>>::value; });
}

const char* DataMatrix::dtype() const {
  return visit([](const auto& m) {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (IsCsr<M>::value) return dtype_name<typename decltype(M::val)::value_type>();
    else return dtype_name<typename M::value_type>();
  });
}

int64_t DataMatrix::bytes() const {
  return visit([](const auto& m) -> int64_t {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (IsCsr<M>::value)
      return static_cast<int64_t>(m.val.size() * sizeof(m.val[0]) + m.col.size() * sizeof(int32_t) +
                                  m.row_ptr.size() * sizeof(int64_t));
    else return m.numel() * static_cast<int64_t>(sizeof(typename M::value_type));
  });
}

std::string DataMatrix::describe() const {
  return std::string(is_sparse() ? "sparse " : "dense ") + dtype() + " (" +
         std::to_string(rows()) + " x " + std::to_string(cols()) + ", " +
         std::to_string(stored()) + " stored)";
}

DataMatrix DataMatrix::select_rows(std::span<const int64_t> rows) const {
  const int64_t m = this->rows();
  for (int64_t r : rows)
    if (r < 0 || r >= m)
      throw ShapeError("select_rows: row " + std::to_string(r) + " out of range [0, " +
                       std::to_string(m) + ")");
  return visit([&](const auto& x) -> DataMatrix {
    using M = std::remove_cvref_t<decltype(x)>;
    if constexpr (IsCsr<M>::value) {
      M out;
      out.rows = static_cast<int64_t>(rows.size());
      out.cols = x.cols;
      out.row_ptr.reserve(rows.size() + 1);
      for (int64_t r : rows) {
        out.col.insert(out.col.end(), x.col.begin() + x.row_ptr[r], x.col.begin() + x.row_ptr[r + 1]);
        out.val.insert(out.val.end(), x.val.begin() + x.row_ptr[r], x.val.begin() + x.row_ptr[r + 1]);
        out.row_ptr.push_back(out.nnz());
      }
      return DataMatrix(std::move(out));
    } else {
      const int64_t n = x.dim(1);
      M out(Shape{static_cast<int64_t>(rows.size()), n});
      for (size_t i = 0; i < rows.size(); ++i)
        std::copy(x.data() + rows[i] * n, x.data() + (rows[i] + 1) * n, out.data() + i * n);
      return DataMatrix(std::move(out));
    }
  });
}

DataMatrix DataMatrix::with_cols(int64_t cols) const {
  if (cols == this->cols()) return *this;
  return visit([&](const auto& x) -> DataMatrix {
    using M = std::remove_cvref_t<decltype(x)>;
    if constexpr (IsCsr<M>::value) {
      M out;
      out.rows = x.rows;
      out.cols = cols;
      out.row_ptr.reserve(x.row_ptr.size());
      for (int64_t r = 0; r < x.rows; ++r) {
        for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k) {
          if (x.col[k] >= cols) break;  // ascending within a row
          out.col.push_back(x.col[k]);
          out.val.push_back(x.val[k]);
        }
        out.row_ptr.push_back(out.nnz());
      }
      return DataMatrix(std::move(out));
    } else {
      const int64_t m = x.dim(0), n = x.dim(1), k = std::min(n, cols);
      M out(Shape{m, cols});
      for (int64_t i = 0; i < m; ++i)
        std::copy(x.data() + i * n, x.data() + i * n + k, out.data() + i * cols);
      return DataMatrix(std::move(out));
    }
  });
}

DataMatrix DataMatrix::to_dense() const {
  if (!is_sparse()) return *this;
  return visit([](const auto& x) -> DataMatrix {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(x)>>::value) return DataMatrix(x.to_dense());
    else return DataMatrix(x);
  });
}

DataMatrix DataMatrix::to_sparse() const {
  if (is_sparse()) return *this;
  return visit([](const auto& x) -> DataMatrix {
    using M = std::remove_cvref_t<decltype(x)>;
    if constexpr (IsCsr<M>::value) return DataMatrix(x);
    else return DataMatrix(CsrMatrix<typename M::value_type>::from_dense(x));
  });
}

}  // namespace lograd
