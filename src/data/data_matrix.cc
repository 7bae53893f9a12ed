#include "lograd/data_matrix.h"

#include "lograd/error.h"

#include <algorithm>
#include <cmath>
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

struct DataMatrix::Borrowed {
  MatrixView view;
  std::shared_ptr<const void> owner;
};

namespace {

// Throws ValueError for a view that breaks MatrixView's contract or holds a non-finite value.
template <class T>
void check_view(const MatrixView& v) {
  const T* val = static_cast<const T*>(v.values);
  auto non_finite = [](int64_t r, int64_t c) {
    return ValueError("the feature matrix holds a NaN or infinite value at row " +
                      std::to_string(r) + ", column " + std::to_string(c) +
                      " (0-based): replace or drop it before training");
  };
  if (!v.sparse) {
    if (v.stride < v.cols)
      throw ValueError("a dense matrix view needs a row stride >= cols, got stride " +
                       std::to_string(v.stride) + " for " + std::to_string(v.cols) + " columns");
    if (v.rows > 0 && v.cols > 0 && val == nullptr)
      throw ValueError("a dense matrix view of " + std::to_string(v.rows) + " x " +
                       std::to_string(v.cols) + " has no values");
    for (int64_t r = 0; r < v.rows; ++r)
      for (int64_t c = 0; c < v.cols; ++c)
        if (!std::isfinite(val[r * v.stride + c])) throw non_finite(r, c);
    return;
  }
  if (v.row_ptr == nullptr) throw ValueError("a CSR matrix view has no row pointers");
  if (v.row_ptr[0] < 0)
    throw ValueError("CSR row pointer 0 is negative (" + std::to_string(v.row_ptr[0]) + ")");
  if (v.cols > int64_t{1} << 31)
    throw ValueError("a CSR matrix view has " + std::to_string(v.cols) +
                     " columns; column indices are 32-bit, so at most 2^31");
  for (int64_t r = 0; r < v.rows; ++r) {
    const int64_t begin = v.row_ptr[r], end = v.row_ptr[r + 1];
    if (end < begin)
      throw ValueError("CSR row pointers decrease at row " + std::to_string(r) + " (" +
                       std::to_string(begin) + " then " + std::to_string(end) + ")");
    for (int64_t k = begin; k < end; ++k) {
      const int32_t c = v.col[k];
      if (c < 0 || c >= v.cols)
        throw ValueError("CSR column index " + std::to_string(c) + " in row " +
                         std::to_string(r) + " is outside [0, " + std::to_string(v.cols) + ")");
      if (k > begin && c <= v.col[k - 1])
        throw ValueError("CSR column indices of row " + std::to_string(r) +
                         " are not strictly ascending (" + std::to_string(v.col[k - 1]) +
                         " then " + std::to_string(c) + "): sort them and sum duplicates first");
      if (!std::isfinite(val[k])) throw non_finite(r, c);
    }
  }
}

// A copy of the viewed matrix in storage of its own.
template <class T>
DataMatrix copy_view(const MatrixView& v) {
  const T* val = static_cast<const T*>(v.values);
  if (v.sparse) {
    CsrMatrix<T> m;
    m.rows = v.rows;
    m.cols = v.cols;
    const int64_t base = v.row_ptr[0], end = v.row_ptr[v.rows];
    m.row_ptr.resize(static_cast<size_t>(v.rows) + 1);
    for (int64_t r = 0; r <= v.rows; ++r) m.row_ptr[r] = v.row_ptr[r] - base;
    m.col.assign(v.col + base, v.col + end);
    m.val.assign(val + base, val + end);
    return DataMatrix(std::move(m));
  }
  Tensor<T> t(Shape{v.rows, v.cols});
  for (int64_t r = 0; r < v.rows; ++r)
    std::copy(val + r * v.stride, val + r * v.stride + v.cols, t.data() + r * v.cols);
  return DataMatrix(std::move(t));
}

}  // namespace

DataMatrix DataMatrix::borrow(const MatrixView& view, std::shared_ptr<const void> owner) {
  if (view.rows < 0 || view.cols < 0)
    throw ValueError("a matrix view needs rows, cols >= 0, got " + std::to_string(view.rows) +
                     " x " + std::to_string(view.cols));
  if (view.dtype == Dtype::kFloat32) check_view<float>(view);
  else check_view<double>(view);
  DataMatrix m(std::monostate{});
  m.borrowed_ = std::make_shared<const Borrowed>(Borrowed{view, std::move(owner)});
  return m;
}

DataMatrix DataMatrix::owned() const {
  if (!borrowed_) return *this;
  const MatrixView& v = borrowed_->view;
  return v.dtype == Dtype::kFloat32 ? copy_view<float>(v) : copy_view<double>(v);
}

MatrixView DataMatrix::view() const {
  if (borrowed_) return borrowed_->view;
  return std::visit(
      [](const auto& p) {
        const auto& m = *p;
        if constexpr (IsCsr<std::remove_cvref_t<decltype(m)>>::value)
          return MatrixView::csr(m.val.data(), m.row_ptr.data(), m.col.data(), m.rows, m.cols);
        else
          return MatrixView::dense(m.data(), m.dim(0), m.dim(1));
      },
      storage_);
}

int64_t DataMatrix::rows() const { return view().rows; }
int64_t DataMatrix::cols() const { return view().cols; }
int64_t DataMatrix::stored() const { return view().stored(); }
bool DataMatrix::is_sparse() const { return view().sparse; }
const char* DataMatrix::dtype() const {
  return view().dtype == Dtype::kFloat32 ? dtype_name<float>() : dtype_name<double>();
}
int64_t DataMatrix::bytes() const { return view().bytes(); }

std::string DataMatrix::describe() const {
  return std::string(is_sparse() ? "sparse " : "dense ") + dtype() + " (" +
         std::to_string(rows()) + " x " + std::to_string(cols()) + ", " +
         std::to_string(stored()) + " stored)";
}

DataMatrix DataMatrix::select_rows(std::span<const int64_t> rows) const {
  if (borrowed_) return owned().select_rows(rows);
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
  if (borrowed_) return owned().with_cols(cols);
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
  if (borrowed_) return owned().to_dense();
  return visit([](const auto& x) -> DataMatrix {
    if constexpr (IsCsr<std::remove_cvref_t<decltype(x)>>::value) return DataMatrix(x.to_dense());
    else return DataMatrix(x);
  });
}

DataMatrix DataMatrix::to_sparse() const {
  if (is_sparse()) return *this;
  if (borrowed_) return owned().to_sparse();
  return visit([](const auto& x) -> DataMatrix {
    using M = std::remove_cvref_t<decltype(x)>;
    if constexpr (IsCsr<M>::value) return DataMatrix(x);
    else return DataMatrix(CsrMatrix<typename M::value_type>::from_dense(x));
  });
}

}  // namespace lograd
