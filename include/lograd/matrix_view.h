// lograd/matrix_view.h: a non-owning view of a feature matrix X (rows = examples), dense
// row-major or CSR, float32 or float64. The kernels (lograd/kernels.h) read data only through
// it, so a numpy array, a scipy CSR matrix, an MPI rank's shard or a memory-mapped cache can
// be passed without a copy. The viewed memory must outlive every use of the view.
#pragma once

#include <cstdint>

namespace lograd {

enum class Dtype : uint8_t { kFloat32, kFloat64 };

struct MatrixView {
  int64_t rows = 0, cols = 0;
  Dtype dtype = Dtype::kFloat64;
  bool sparse = false;
  // Dense: row r is values + r * stride elements (stride >= cols). CSR: the nnz values.
  const void* values = nullptr;
  int64_t stride = 0;
  // CSR only: row r holds entries row_ptr[r] .. row_ptr[r + 1] - 1 (row_ptr has rows + 1
  // entries, relative to values and col), column indices strictly ascending within a row.
  const int64_t* row_ptr = nullptr;
  const int32_t* col = nullptr;

  // Stored entries: nnz for CSR, rows * cols for dense.
  int64_t stored() const { return sparse ? (rows > 0 ? row_ptr[rows] - row_ptr[0] : 0) : rows * cols; }
  // Bytes a full pass reads: values and indices (CSR: and row pointers).
  int64_t bytes() const;

  // A dense row-major (rows, cols) view; stride 0 means cols.
  static MatrixView dense(const float* x, int64_t rows, int64_t cols, int64_t stride = 0);
  static MatrixView dense(const double* x, int64_t rows, int64_t cols, int64_t stride = 0);
  // A CSR (rows, cols) view.
  static MatrixView csr(const float* val, const int64_t* row_ptr, const int32_t* col, int64_t rows,
                        int64_t cols);
  static MatrixView csr(const double* val, const int64_t* row_ptr, const int32_t* col,
                        int64_t rows, int64_t cols);
};

}  // namespace lograd
