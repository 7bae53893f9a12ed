// Sparse ops over a constant CSR matrix, forward beside backward.
#include <string>

#include "graph/op_table.h"

namespace lograd::detail {
namespace {

// X: CSR (m, n), v: (n) -> out: (m), out_r = sum_k X_rk v_k (accumulated in double)
template <class T>
void spmv_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const CsrMatrix<T>* x = args.sparse;
  const Tensor<T>& v = *args.in[0];
  if (!x) throw ShapeError("spmv: no sparse matrix attached to the node");
  if (v.rank() != 1 || v.dim(0) != x->cols)
    throw ShapeError("spmv: matrix (" + std::to_string(x->rows) + ", " +
                     std::to_string(x->cols) + ") cannot multiply " + shape_str(v.shape()) +
                     "; expected a vector of length " + std::to_string(x->cols));
  out.reshape_storage(Shape{x->rows});
  for (int64_t r = 0; r < x->rows; ++r) {
    double s = 0;
    for (int64_t k = x->row_ptr[r]; k < x->row_ptr[r + 1]; ++k) s += x->val[k] * v[x->col[k]];
    out[r] = static_cast<T>(s);
  }
}

// g: (m) -> dv += X^T g: (n)
template <class T>
void spmv_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                   std::array<Tensor<T>*, 2> gin) {
  if (!gin[0]) return;
  const CsrMatrix<T>& x = *args.sparse;
  for (int64_t r = 0; r < x.rows; ++r) {
    const T g = gout[r];
    for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k) (*gin[0])[x.col[k]] += x.val[k] * g;
  }
}

}  // namespace

template <class T>
void define_sparse_ops(OpTable<T>& t) {
  t.def(OpKind::kSpMV, spmv_forward<T>, spmv_backward<T>);
}

template void define_sparse_ops(OpTable<float>&);
template void define_sparse_ops(OpTable<double>&);

}  // namespace lograd::detail
