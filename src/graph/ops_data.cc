// Ops over a constant data matrix, forward beside backward: spmv and the fused logistic loss.
#include <string>
#include <vector>

#include "graph/op_table.h"
#include "kernels/cpu/linear.h"

namespace lograd::detail {
namespace {

// ---- spmv ----
// X: CSR (m, n), v: (n) -> out: (m), out_r = sum_k X_rk v_k (accumulated in double)
template <class T>
void spmv_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const DataMatrix& x = *args.data;
  const Tensor<T>& v = *args.in[0];
  if (!x.is_sparse()) throw ShapeError("spmv: the data matrix is dense; use matmul");
  if (v.rank() != 1 || v.dim(0) != x.cols())
    throw ShapeError("spmv: matrix (" + std::to_string(x.rows()) + ", " +
                     std::to_string(x.cols()) + ") cannot multiply " + shape_str(v.shape()) +
                     "; expected a vector of length " + std::to_string(x.cols()));
  out.reshape_storage(Shape{x.rows()});
  x.visit([&](const auto& m) {
    for (int64_t r = 0; r < x.rows(); ++r) out[r] = static_cast<T>(kernels::row_dot(m, r, v.data()));
  });
}

// g: (m) -> dv += X^T g: (n)
template <class T>
void spmv_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout, GradOut<T> gin) {
  if (!gin[0]) return;
  const DataMatrix& x = *args.data;
  std::vector<double> acc(static_cast<size_t>(x.cols()));
  std::vector<double> g(gout.data(), gout.data() + gout.numel());
  x.visit([&](const auto& m) { kernels::matvec_t(m, nullptr, x.rows(), g.data(), acc.data(), x.cols()); });
  for (int64_t j = 0; j < x.cols(); ++j) (*gin[0])[j] += static_cast<T>(acc[j]);
}

// ---- logistic_loss (fused) ----
// X: (m, n) data, rows R (M = |R|); inputs w: (n), b: (), y: (m), s: (m) -> out: ()
//   out = (1/M) sum_{i in R} s_i l(x_i . w + b, y_i)
// One pass computes the loss and its gradient; saved = [dw (n), db, z_R (M)], the gradient
// for backward and z for solvers (Hessian weights, line searches).
template <class T>
void logistic_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const DataMatrix& x = *args.data;
  const Tensor<T>& w = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  const Tensor<T>& y = *args.in[2];
  const Tensor<T>& s = *args.in[3];
  const int64_t m = x.rows(), n = x.cols();
  if (w.rank() != 1 || w.dim(0) != n || b.numel() != 1 || y.rank() != 1 || y.dim(0) != m ||
      !y.same_shape(s))
    throw ShapeError("logistic_loss: data (" + std::to_string(m) + ", " + std::to_string(n) +
                     ") needs w (" + std::to_string(n) + "), b (), y (" + std::to_string(m) +
                     ") and s (" + std::to_string(m) + "); got w " + shape_str(w.shape()) +
                     ", b " + shape_str(b.shape()) + ", y " + shape_str(y.shape()) + ", s " +
                     shape_str(s.shape()));
  const int64_t* rows = args.rows ? args.rows->data() : nullptr;
  const int64_t count = args.rows ? static_cast<int64_t>(args.rows->size()) : m;
  if (count == 0) throw ShapeError("logistic_loss: no rows to average over");
  if (rows)
    for (int64_t i = 0; i < count; ++i)
      if (rows[i] < 0 || rows[i] >= m) throw ShapeError("logistic_loss: row index out of range");
  std::vector<double> gw(static_cast<size_t>(n)), z(static_cast<size_t>(count));
  double gb = 0;
  const double loss = x.visit([&](const auto& mat) {
    return kernels::logistic_pass(mat, rows, count, w.data(), double(b[0]), y.data(), s.data(),
                                  gw.data(), &gb, z.data(), n);
  });
  const double inv = 1.0 / static_cast<double>(count);
  Tensor<T>& saved = *args.saved;
  saved.reshape_storage(Shape{n + 1 + count});
  for (int64_t j = 0; j < n; ++j) saved[j] = static_cast<T>(gw[j] * inv);
  saved[n] = static_cast<T>(gb * inv);
  for (int64_t i = 0; i < count; ++i) saved[n + 1 + i] = static_cast<T>(z[i]);
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(loss * inv);
}

// g: () -> dw += g saved_dw,  db += g saved_db,
//          dy_r += g (-s_r z_r) / M,  ds_r += g l(z_r, y_r) / M   (rows r of R)
template <class T>
void logistic_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                       GradOut<T> gin) {
  const Tensor<T>& saved = *args.saved;
  const int64_t n = args.in[0]->numel(), m = args.data->rows();
  const int64_t count = args.rows ? static_cast<int64_t>(args.rows->size()) : m;
  const T g = gout[0];
  if (gin[0])
    for (int64_t j = 0; j < n; ++j) (*gin[0])[j] += g * saved[j];
  if (gin[1]) (*gin[1])[0] += g * saved[n];
  const Tensor<T>& y = *args.in[2];
  const Tensor<T>& s = *args.in[3];
  const double scale = double(g) / static_cast<double>(count);
  for (int64_t i = 0; i < count && (gin[2] || gin[3]); ++i) {
    const int64_t r = kernels::row_at(args.rows ? args.rows->data() : nullptr, i);
    const double z = saved[n + 1 + i];
    if (gin[2]) (*gin[2])[r] += static_cast<T>(scale * -double(s[r]) * z);
    if (gin[3]) (*gin[3])[r] += static_cast<T>(scale * kernels::logistic_loss(z, double(y[r])));
  }
}

}  // namespace

template <class T>
void define_data_ops(OpTable<T>& t) {
  t.def(OpKind::kSpMV, spmv_forward<T>, spmv_backward<T>);
  t.def(OpKind::kLogisticLoss, logistic_forward<T>, logistic_backward<T>);
}

template void define_data_ops(OpTable<float>&);
template void define_data_ops(OpTable<double>&);

}  // namespace lograd::detail
