// Ops over a constant data matrix, forward beside backward: spmv and the fused logistic and
// softmax losses.
// Both reach the data only through the kernel seam (lograd/kernels.h).
#include <string>
#include <vector>

#include "graph/op_table.h"
#include "lograd/kernels.h"
#include "lograd/loss.h"
#include "lograd/ops.h"

namespace lograd::detail {
namespace {

// The values of a tensor as doubles (the kernels' parameter type).
template <class T>
std::vector<double> as_double(const Tensor<T>& t) {
  return std::vector<double>(t.data(), t.data() + t.numel());
}

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
  const MatrixView xv = x.view();
  std::vector<double> z(static_cast<size_t>(x.rows()));
  kernels::matmul(xv, kernels::Rows::all(xv), 1, as_double(v).data(), nullptr, z.data());
  out.reshape_storage(Shape{x.rows()});
  for (int64_t r = 0; r < x.rows(); ++r) out[r] = static_cast<T>(z[static_cast<size_t>(r)]);
}

// g: (m) -> dv += X^T g: (n)
template <class T>
void spmv_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout, GradOut<T> gin) {
  if (!gin[0]) return;
  const DataMatrix& x = *args.data;
  const MatrixView xv = x.view();
  std::vector<double> acc(static_cast<size_t>(x.cols()));
  kernels::matmul_t(xv, kernels::Rows::all(xv), 1, as_double(gout).data(), acc.data());
  for (int64_t j = 0; j < x.cols(); ++j) (*gin[0])[j] += static_cast<T>(acc[static_cast<size_t>(j)]);
}

// ---- logistic_loss (fused) ----
// X: (m, n) data, rows R (M = |R|); inputs w: (n), b: (), y: (m), s: (m) -> out: ()
//   out = (1/M) sum_{i in R} s_i l(x_i . w + b, y_i)
// One pass computes the loss and its gradient; the node's LinearLossState keeps the mean
// gradient for backward and z_R for solvers (Hessian weights, line searches).
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
  auto* state = dynamic_cast<LinearLossState*>(args.state->get());
  if (!state) *args.state = std::shared_ptr<OpState>(state = new LinearLossState);
  state->grad_w.assign(static_cast<size_t>(n), 0.0);
  state->grad_b.assign(1, 0.0);
  state->z.resize(static_cast<size_t>(count));

  // The kernels read double parameters and targets; a float graph converts them once here.
  std::vector<double> wd, yd, sd;
  const double bd = double(b[0]);
  kernels::LossGradArgs a;
  if constexpr (std::is_same_v<T, double>) {
    a.w = w.data();
    a.y = y.data();
    a.s = s.data();
  } else {
    a.w = (wd = as_double(w)).data();
    a.y = (yd = as_double(y)).data();
    a.s = (sd = as_double(s)).data();
  }
  a.b = &bd;
  a.grad_w = state->grad_w.data();
  a.grad_b = state->grad_b.data();
  a.z = state->z.data();
  const double loss =
      kernels::loss_grad(x.view(), kernels::Rows{rows, count}, kernels::Loss::kLogistic, a);
  const double inv = 1.0 / static_cast<double>(count);
  for (double& g : state->grad_w) g *= inv;
  state->grad_b[0] *= inv;
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(loss * inv);
}

// g: () -> dw += g grad_w,  db += g grad_b,
//          dy_r += g (-s_r z_r) / M,  ds_r += g l(z_r, y_r) / M   (rows r of R)
template <class T>
void logistic_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                       GradOut<T> gin) {
  const auto& state = static_cast<const LinearLossState&>(**args.state);
  const int64_t n = args.in[0]->numel(), m = args.data->rows();
  const int64_t count = args.rows ? static_cast<int64_t>(args.rows->size()) : m;
  const T g = gout[0];
  if (gin[0])
    for (int64_t j = 0; j < n; ++j) (*gin[0])[j] += g * static_cast<T>(state.grad_w[static_cast<size_t>(j)]);
  if (gin[1]) (*gin[1])[0] += g * static_cast<T>(state.grad_b[0]);
  const Tensor<T>& y = *args.in[2];
  const Tensor<T>& s = *args.in[3];
  const double scale = double(g) / static_cast<double>(count);
  for (int64_t i = 0; i < count && (gin[2] || gin[3]); ++i) {
    const int64_t r = args.rows ? (*args.rows)[static_cast<size_t>(i)] : i;
    const double z = state.z[static_cast<size_t>(i)];
    if (gin[2]) (*gin[2])[r] += static_cast<T>(scale * -double(s[r]) * z);
    if (gin[3]) (*gin[3])[r] += static_cast<T>(scale * logistic_loss(z, double(y[r])));
  }
}

// ---- softmax_loss (fused) ----
// X: (m, n) data, rows R (M = |R|); inputs W: (n, k), b: (k), y: (m) class indices, s: (m)
//   -> out: ()   out = (1/M) sum_{i in R} s_i (log sum_j e^Z_ij - Z_i,y_i),  Z = X W + b
// As logistic_loss: one pass, the mean gradient and Z_R (M, k) kept in the LinearLossState.
template <class T>
void softmax_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const DataMatrix& x = *args.data;
  const Tensor<T>& w = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  const Tensor<T>& y = *args.in[2];
  const Tensor<T>& s = *args.in[3];
  const int64_t m = x.rows(), n = x.cols();
  const int64_t k = w.rank() == 2 ? w.dim(1) : 0;
  if (w.rank() != 2 || w.dim(0) != n || k < 2 || b.numel() != k ||
      y.rank() != 1 || y.dim(0) != m || !y.same_shape(s))
    throw ShapeError("softmax_loss: data (" + std::to_string(m) + ", " + std::to_string(n) +
                     ") needs W (" + std::to_string(n) + ", k >= 2), b (k), y (" +
                     std::to_string(m) + ") and s (" + std::to_string(m) + "); got W " +
                     shape_str(w.shape()) + ", b " + shape_str(b.shape()) + ", y " +
                     shape_str(y.shape()) + ", s " + shape_str(s.shape()));
  const int64_t* rows = args.rows ? args.rows->data() : nullptr;
  const int64_t count = args.rows ? static_cast<int64_t>(args.rows->size()) : m;
  if (count == 0) throw ShapeError("softmax_loss: no rows to average over");
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r = rows ? rows[i] : i;
    if (r < 0 || r >= m) throw ShapeError("softmax_loss: row index out of range");
    const double c = double(y[r]);
    if (!(c >= 0 && c < double(k)) || c != static_cast<double>(static_cast<int64_t>(c)))
      throw ShapeError("softmax_loss: target " + std::to_string(c) + " of row " +
                       std::to_string(r) + " is not a class index in [0, " + std::to_string(k) + ")");
  }
  auto* state = dynamic_cast<LinearLossState*>(args.state->get());
  if (!state) *args.state = std::shared_ptr<OpState>(state = new LinearLossState);
  state->grad_w.assign(static_cast<size_t>(n * k), 0.0);
  state->grad_b.assign(static_cast<size_t>(k), 0.0);
  state->z.resize(static_cast<size_t>(count * k));

  std::vector<double> wd, bd, yd, sd;
  kernels::LossGradArgs a;
  a.k = k;
  if constexpr (std::is_same_v<T, double>) {
    a.w = w.data();
    a.b = b.data();
    a.y = y.data();
    a.s = s.data();
  } else {
    a.w = (wd = as_double(w)).data();
    a.b = (bd = as_double(b)).data();
    a.y = (yd = as_double(y)).data();
    a.s = (sd = as_double(s)).data();
  }
  a.grad_w = state->grad_w.data();
  a.grad_b = state->grad_b.data();
  a.z = state->z.data();
  const double loss =
      kernels::loss_grad(x.view(), kernels::Rows{rows, count}, kernels::Loss::kSoftmax, a);
  const double inv = 1.0 / static_cast<double>(count);
  for (double& g : state->grad_w) g *= inv;
  for (double& g : state->grad_b) g *= inv;
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(loss * inv);
}

// g: () -> dW += g grad_W,  db += g grad_b,  ds_r += g l(Z_r, y_r) / M   (rows r of R);
// the class indices y get no gradient (they are not continuous).
template <class T>
void softmax_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                      GradOut<T> gin) {
  const auto& state = static_cast<const LinearLossState&>(**args.state);
  const int64_t k = args.in[1]->numel(), m = args.data->rows();
  const int64_t count = args.rows ? static_cast<int64_t>(args.rows->size()) : m;
  const T g = gout[0];
  if (gin[0])
    for (size_t j = 0; j < state.grad_w.size(); ++j) (*gin[0])[static_cast<int64_t>(j)] += g * static_cast<T>(state.grad_w[j]);
  if (gin[1])
    for (int64_t q = 0; q < k; ++q) (*gin[1])[q] += g * static_cast<T>(state.grad_b[static_cast<size_t>(q)]);
  if (!gin[3]) return;
  const Tensor<T>& y = *args.in[2];
  const double scale = double(g) / static_cast<double>(count);
  std::vector<double> p(static_cast<size_t>(k));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r = args.rows ? (*args.rows)[static_cast<size_t>(i)] : i;
    const double l = softmax_term(state.z.data() + i * k, k, static_cast<int64_t>(y[r]), p.data());
    (*gin[3])[r] += static_cast<T>(scale * l);
  }
}

}  // namespace

template <class T>
void define_data_ops(OpTable<T>& t) {
  t.def(OpKind::kSpMV, spmv_forward<T>, spmv_backward<T>);
  t.def(OpKind::kLogisticLoss, logistic_forward<T>, logistic_backward<T>);
  t.def(OpKind::kSoftmaxLoss, softmax_forward<T>, softmax_backward<T>);
}

template void define_data_ops(OpTable<float>&);
template void define_data_ops(OpTable<double>&);

}  // namespace lograd::detail
