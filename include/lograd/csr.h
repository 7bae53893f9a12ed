// lograd/csr.h: compressed sparse row matrices, the storage of sparse datasets.
#pragma once

#include <cstdint>
#include <vector>

#include "lograd/tensor.h"

namespace lograd {

// An m x n sparse matrix in CSR form: row r holds entries row_ptr[r] .. row_ptr[r+1]-1,
// with column indices (0-based, strictly ascending within a row) in col and values in val.
template <class T>
struct CsrMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int64_t> row_ptr{0};
  std::vector<int32_t> col;
  std::vector<T> val;

  int64_t nnz() const { return static_cast<int64_t>(val.size()); }
  // Throws ValueError naming the first broken invariant (sizes, bounds, ordering).
  void validate() const;
  // The nonzeros of a rank-2 tensor, in CSR form.
  static CsrMatrix from_dense(const Tensor<T>& dense);
  // The dense (rows, cols) tensor with the same entries.
  Tensor<T> to_dense() const;
};

}  // namespace lograd
