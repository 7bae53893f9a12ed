// Fused, numerically stable losses, each forward beside its backward.
#include <algorithm>
#include <cmath>
#include <string>

#include "graph/op_table.h"

namespace lograd::detail {
namespace {

// ---- bce_with_logits ----
// Per element l(z, y) = log(1 + e^z) - y z (lograd/loss.h: no overflow).
// z: (any), y: same shape -> out: () = mean of l
template <class T>
void bce_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& z = *args.in[0];
  const Tensor<T>& y = *args.in[1];
  if (!z.same_shape(y) || z.numel() == 0)
    throw ShapeError("bce_with_logits: logits " + shape_str(z.shape()) + " and targets " +
                     shape_str(y.shape()) + " must have the same, non-empty shape");
  double s = 0;
  for (int64_t i = 0; i < z.numel(); ++i) {
    s += logistic_loss(static_cast<double>(z[i]), static_cast<double>(y[i]));
  }
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(s / static_cast<double>(z.numel()));
}

// g: () -> dz += g (sigmoid(z) - y) / N,  dy += g (-z) / N
// sigmoid(z) - y is evaluated as (1 - y) - sigmoid(-z) for z >= 0, so a tiny gradient
// such as 1 - sigmoid(100) keeps its relative accuracy instead of rounding to 0.
template <class T>
void bce_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                  GradOut<T> gin) {
  const Tensor<T>& z = *args.in[0];
  const Tensor<T>& y = *args.in[1];
  const T scale = gout[0] / static_cast<T>(z.numel());
  for (int64_t i = 0; i < z.numel(); ++i) {
    if (gin[0]) {
      const double dz = logistic_term(static_cast<double>(z[i]), static_cast<double>(y[i])).dz;
      (*gin[0])[i] += scale * static_cast<T>(dz);
    }
    if (gin[1]) (*gin[1])[i] += scale * -z[i];
  }
}

// ---- softmax_cross_entropy ----
// Row i: lse_i = log sum_j e^Z_ij (max-shifted), l_i = sum_j Y_ij (lse_i - Z_ij).
// Z: (m, k), Y: (m, k) -> out: () = mean over rows of l_i
template <class T>
double row_logsumexp(const T* z, int64_t k) {
  double mx = -INFINITY;
  for (int64_t j = 0; j < k; ++j) mx = std::max(mx, static_cast<double>(z[j]));
  double s = 0;
  for (int64_t j = 0; j < k; ++j) s += std::exp(static_cast<double>(z[j]) - mx);
  return mx + std::log(s);
}

template <class T>
void softmax_ce_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& z = *args.in[0];
  const Tensor<T>& y = *args.in[1];
  if (z.rank() != 2 || !z.same_shape(y) || z.dim(0) == 0 || z.dim(1) == 0)
    throw ShapeError("softmax_cross_entropy: logits " + shape_str(z.shape()) +
                     " and targets " + shape_str(y.shape()) +
                     " must both be (m, k) with m, k >= 1 (one row per example)");
  const int64_t m = z.dim(0), k = z.dim(1);
  double s = 0;
  for (int64_t i = 0; i < m; ++i) {
    const double lse = row_logsumexp(z.data() + i * k, k);
    for (int64_t j = 0; j < k; ++j) s += static_cast<double>(y.at(i, j)) * (lse - z.at(i, j));
  }
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(s / static_cast<double>(m));
}

// g: () -> dZ_ij += g (softmax_ij * sum_j Y_ij - Y_ij) / m,  dY_ij += g (lse_i - Z_ij) / m
template <class T>
void softmax_ce_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                         GradOut<T> gin) {
  const Tensor<T>& z = *args.in[0];
  const Tensor<T>& y = *args.in[1];
  const int64_t m = z.dim(0), k = z.dim(1);
  const double scale = static_cast<double>(gout[0]) / static_cast<double>(m);
  for (int64_t i = 0; i < m; ++i) {
    const double lse = row_logsumexp(z.data() + i * k, k);
    double ysum = 0;
    for (int64_t j = 0; j < k; ++j) ysum += y.at(i, j);
    for (int64_t j = 0; j < k; ++j) {
      const double zij = z.at(i, j);
      if (gin[0]) gin[0]->at(i, j) += static_cast<T>(scale * (std::exp(zij - lse) * ysum - y.at(i, j)));
      if (gin[1]) gin[1]->at(i, j) += static_cast<T>(scale * (lse - zij));
    }
  }
}

}  // namespace

template <class T>
void define_loss_ops(OpTable<T>& t) {
  t.def(OpKind::kBceWithLogits, bce_forward<T>, bce_backward<T>);
  t.def(OpKind::kSoftmaxCrossEntropy, softmax_ce_forward<T>, softmax_ce_backward<T>);
}

template void define_loss_ops(OpTable<float>&);
template void define_loss_ops(OpTable<double>&);

}  // namespace lograd::detail
