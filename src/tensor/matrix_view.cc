#include "lograd/matrix_view.h"

namespace lograd {

int64_t MatrixView::bytes() const {
  const int64_t value_bytes = dtype == Dtype::kFloat32 ? 4 : 8;
  if (!sparse) return rows * cols * value_bytes;
  return stored() * (value_bytes + 4) + (rows + 1) * 8;
}

MatrixView MatrixView::dense(const float* x, int64_t rows, int64_t cols, int64_t stride) {
  return MatrixView{rows, cols, Dtype::kFloat32, false, x, stride > 0 ? stride : cols, nullptr, nullptr};
}
MatrixView MatrixView::dense(const double* x, int64_t rows, int64_t cols, int64_t stride) {
  return MatrixView{rows, cols, Dtype::kFloat64, false, x, stride > 0 ? stride : cols, nullptr, nullptr};
}
MatrixView MatrixView::csr(const float* val, const int64_t* row_ptr, const int32_t* col,
                           int64_t rows, int64_t cols) {
  return MatrixView{rows, cols, Dtype::kFloat32, true, val, 0, row_ptr, col};
}
MatrixView MatrixView::csr(const double* val, const int64_t* row_ptr, const int32_t* col,
                           int64_t rows, int64_t cols) {
  return MatrixView{rows, cols, Dtype::kFloat64, true, val, 0, row_ptr, col};
}

}  // namespace lograd
