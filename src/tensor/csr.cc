#include "lograd/csr.h"

#include <string>

namespace lograd {

template <class T>
void CsrMatrix<T>::validate() const {
  auto fail = [](const std::string& what) { throw ValueError("invalid CSR matrix: " + what); };
  if (rows < 0 || cols < 0) fail("negative dimensions");
  if (static_cast<int64_t>(row_ptr.size()) != rows + 1)
    fail("row_ptr has " + std::to_string(row_ptr.size()) + " entries, expected rows + 1 = " +
         std::to_string(rows + 1));
  if (col.size() != val.size()) fail("col and val differ in length");
  if (row_ptr.front() != 0 || row_ptr.back() != nnz()) fail("row_ptr must run from 0 to nnz");
  for (int64_t r = 0; r < rows; ++r) {
    if (row_ptr[r + 1] < row_ptr[r]) fail("row_ptr decreases at row " + std::to_string(r));
    for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
      if (col[k] < 0 || col[k] >= cols)
        fail("column " + std::to_string(col[k]) + " out of range in row " + std::to_string(r));
      if (k > row_ptr[r] && col[k] <= col[k - 1])
        fail("columns not strictly ascending in row " + std::to_string(r));
    }
  }
}

template <class T>
CsrMatrix<T> CsrMatrix<T>::from_dense(const Tensor<T>& dense) {
  if (dense.rank() != 2)
    throw ShapeError("CsrMatrix::from_dense needs a matrix, got shape " +
                     shape_str(dense.shape()));
  CsrMatrix m;
  m.rows = dense.dim(0);
  m.cols = dense.dim(1);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) {
      if (dense.at(r, c) != T(0)) {
        m.col.push_back(static_cast<int32_t>(c));
        m.val.push_back(dense.at(r, c));
      }
    }
    m.row_ptr.push_back(m.nnz());
  }
  return m;
}

template <class T>
Tensor<T> CsrMatrix<T>::to_dense() const {
  Tensor<T> d(Shape{rows, cols});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) d.at(r, col[k]) = val[k];
  return d;
}

template struct CsrMatrix<float>;
template struct CsrMatrix<double>;

}  // namespace lograd
