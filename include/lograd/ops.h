// lograd/ops.h: functions that add ops to a graph. Each returns the new node.
// Shapes and semantics are listed in lograd/op.h; a mismatch throws ShapeError.
#pragma once

#include <memory>

#include "lograd/graph.h"

namespace lograd {

// a + b, elementwise (equal shapes, or either a one-element tensor).
template <class T> Var<T> add(Var<T> a, Var<T> b);
// a - b, elementwise.
template <class T> Var<T> sub(Var<T> a, Var<T> b);
// a * b, elementwise.
template <class T> Var<T> mul(Var<T> a, Var<T> b);
// a / b, elementwise.
template <class T> Var<T> div(Var<T> a, Var<T> b);
// -a.
template <class T> Var<T> neg(Var<T> a);
// A(m,k) . B(k,n) -> (m,n), or A(m,k) . v(k) -> (m).
template <class T> Var<T> matmul(Var<T> a, Var<T> b);
// a + b, b broadcast over a's leading dimensions (b's shape a suffix of a's, or a scalar).
template <class T> Var<T> add_bias(Var<T> a, Var<T> b);
// Sum of all elements (a scalar).
template <class T> Var<T> sum(Var<T> a);
// Mean of all elements (a scalar).
template <class T> Var<T> mean(Var<T> a);
// Sum of a^2 over all elements (a scalar): sum(square(a)) to the bit, without the two
// tensors of a's size that square would keep (its value and its gradient). The L2 penalty.
template <class T> Var<T> sum_squares(Var<T> a);
// e^a.
template <class T> Var<T> exp(Var<T> a);
// ln a.
template <class T> Var<T> log(Var<T> a);
// ln(1 + a).
template <class T> Var<T> log1p(Var<T> a);
// 1 / (1 + e^-a), without overflow for any a.
template <class T> Var<T> sigmoid(Var<T> a);
// tanh a.
template <class T> Var<T> tanh(Var<T> a);
// max(a, 0).
template <class T> Var<T> relu(Var<T> a);
// a^2.
template <class T> Var<T> square(Var<T> a);
// Mean binary cross-entropy of logits z against targets y in [0,1] (equal shapes), stable
// for any z; its gradient in z is exactly (sigmoid(z) - y) / size.
template <class T> Var<T> bce_with_logits(Var<T> z, Var<T> y);
// Mean over rows of the cross-entropy of softmax(Z) against target rows Y; Z, Y (m,k).
template <class T> Var<T> softmax_cross_entropy(Var<T> z, Var<T> y);
// X . v for a constant sparse X(m,n) and v(n) -> (m); the gradient flows to v only.
template <class T> Var<T> spmv(std::shared_ptr<const CsrMatrix<T>> x, Var<T> v);
// Fused mean logistic loss over the rows of a constant data matrix X(m,n) (all, or `rows`):
// (1/|R|) sum_r s_r (log(1 + e^z_r) - y_r z_r), z = X w + b; w (n), scalar b, y and s (m).
// One pass over X (lograd/kernels.h's loss_grad) gives the loss and its gradient; the node
// keeps them, with z_R, in a LinearLossState for backward and for solvers.
template <class T>
Var<T> logistic_loss(std::shared_ptr<const DataMatrix> x, Var<T> w, Var<T> b, Var<T> y, Var<T> s,
                     std::shared_ptr<const std::vector<int64_t>> rows = nullptr);

// Fused mean softmax cross-entropy over the rows of a constant data matrix X(m,n) (all, or
// `rows`): (1/|R|) sum_r s_r (log sum_j e^Z_rj - Z_r,y_r), Z = X W + b; W (n,k), b (k), y (m)
// class indices in [0, k), s (m); k >= 2. One pass (kernels::loss_grad, Loss::kSoftmax)
// gives the loss and its gradient; the node keeps them, with Z_R, in a LinearLossState.
template <class T>
Var<T> softmax_loss(std::shared_ptr<const DataMatrix> x, Var<T> w, Var<T> b, Var<T> y, Var<T> s,
                    std::shared_ptr<const std::vector<int64_t>> rows = nullptr);

// What a logistic_loss or softmax_loss node's last forward computed over its rows R (M = |R|), k outputs.
struct LinearLossState : OpState {
  std::vector<double> grad_w;  // (n, k): d(mean loss)/dw
  std::vector<double> grad_b;  // (k): d(mean loss)/db
  std::vector<double> z;       // (M, k): z_i = W^T x_i + b, by position in R
};
// The state of logistic_loss or softmax_loss node v after its last forward; throws
// ValueError if v is neither.
template <class T> const LinearLossState& logistic_loss_state(Var<T> v);

// Operators on Vars; a plain number on one side becomes a scalar constant.
template <class T> Var<T> operator+(Var<T> a, Var<T> b) { return add(a, b); }
template <class T> Var<T> operator-(Var<T> a, Var<T> b) { return sub(a, b); }
template <class T> Var<T> operator*(Var<T> a, Var<T> b) { return mul(a, b); }
template <class T> Var<T> operator/(Var<T> a, Var<T> b) { return div(a, b); }
template <class T> Var<T> operator-(Var<T> a) { return neg(a); }
template <class T> Var<T> operator+(Var<T> a, T s) { return add(a, a.graph->constant(Tensor<T>::scalar(s))); }
template <class T> Var<T> operator+(T s, Var<T> a) { return add(a.graph->constant(Tensor<T>::scalar(s)), a); }
template <class T> Var<T> operator-(Var<T> a, T s) { return sub(a, a.graph->constant(Tensor<T>::scalar(s))); }
template <class T> Var<T> operator-(T s, Var<T> a) { return sub(a.graph->constant(Tensor<T>::scalar(s)), a); }
template <class T> Var<T> operator*(Var<T> a, T s) { return mul(a, a.graph->constant(Tensor<T>::scalar(s))); }
template <class T> Var<T> operator*(T s, Var<T> a) { return mul(a.graph->constant(Tensor<T>::scalar(s)), a); }
template <class T> Var<T> operator/(Var<T> a, T s) { return div(a, a.graph->constant(Tensor<T>::scalar(s))); }
template <class T> Var<T> operator/(T s, Var<T> a) { return div(a.graph->constant(Tensor<T>::scalar(s)), a); }

}  // namespace lograd
