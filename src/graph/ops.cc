#include "lograd/ops.h"

namespace lograd {
namespace {

template <class T>
Var<T> unary(OpKind op, Var<T> a) {
  const Var<T> in[] = {a};
  return a.graph->apply(op, in);
}

template <class T>
Var<T> binary(OpKind op, Var<T> a, Var<T> b) {
  const Var<T> in[] = {a, b};
  return a.graph->apply(op, in);
}

}  // namespace

template <class T> Var<T> add(Var<T> a, Var<T> b) { return binary(OpKind::kAdd, a, b); }
template <class T> Var<T> sub(Var<T> a, Var<T> b) { return binary(OpKind::kSub, a, b); }
template <class T> Var<T> mul(Var<T> a, Var<T> b) { return binary(OpKind::kMul, a, b); }
template <class T> Var<T> div(Var<T> a, Var<T> b) { return binary(OpKind::kDiv, a, b); }
template <class T> Var<T> neg(Var<T> a) { return unary(OpKind::kNeg, a); }
template <class T> Var<T> matmul(Var<T> a, Var<T> b) { return binary(OpKind::kMatMul, a, b); }
template <class T> Var<T> add_bias(Var<T> a, Var<T> b) { return binary(OpKind::kAddBias, a, b); }
template <class T> Var<T> sum(Var<T> a) { return unary(OpKind::kSum, a); }
template <class T> Var<T> mean(Var<T> a) { return unary(OpKind::kMean, a); }
template <class T> Var<T> sum_squares(Var<T> a) { return unary(OpKind::kSumSquares, a); }
template <class T> Var<T> exp(Var<T> a) { return unary(OpKind::kExp, a); }
template <class T> Var<T> log(Var<T> a) { return unary(OpKind::kLog, a); }
template <class T> Var<T> log1p(Var<T> a) { return unary(OpKind::kLog1p, a); }
template <class T> Var<T> sigmoid(Var<T> a) { return unary(OpKind::kSigmoid, a); }
template <class T> Var<T> tanh(Var<T> a) { return unary(OpKind::kTanh, a); }
template <class T> Var<T> relu(Var<T> a) { return unary(OpKind::kRelu, a); }
template <class T> Var<T> square(Var<T> a) { return unary(OpKind::kSquare, a); }
template <class T> Var<T> bce_with_logits(Var<T> z, Var<T> y) {
  return binary(OpKind::kBceWithLogits, z, y);
}
template <class T> Var<T> softmax_cross_entropy(Var<T> z, Var<T> y) {
  return binary(OpKind::kSoftmaxCrossEntropy, z, y);
}
template <class T> Var<T> spmv(std::shared_ptr<const CsrMatrix<T>> x, Var<T> v) {
  const Var<T> in[] = {v};
  if (!x) throw ValueError("spmv: the sparse matrix is null");
  return v.graph->apply(OpKind::kSpMV, in, std::make_shared<const DataMatrix>(std::move(x)));
}

template <class T>
Var<T> logistic_loss(std::shared_ptr<const DataMatrix> x, Var<T> w, Var<T> b, Var<T> y, Var<T> s,
                     std::shared_ptr<const std::vector<int64_t>> rows) {
  if (!x) throw ValueError("logistic_loss: the data matrix is null");
  const Var<T> in[] = {w, b, y, s};
  return w.graph->apply(OpKind::kLogisticLoss, in, std::move(x), std::move(rows));
}

template <class T>
Var<T> softmax_loss(std::shared_ptr<const DataMatrix> x, Var<T> w, Var<T> b, Var<T> y, Var<T> s,
                    std::shared_ptr<const std::vector<int64_t>> rows) {
  if (!x) throw ValueError("softmax_loss: the data matrix is null");
  const Var<T> in[] = {w, b, y, s};
  return w.graph->apply(OpKind::kSoftmaxLoss, in, std::move(x), std::move(rows));
}

template <class T>
const LinearLossState& logistic_loss_state(Var<T> v) {
  const Node<T>& node = v.graph->node(v.id);
  const auto* state = dynamic_cast<const LinearLossState*>(node.state.get());
  if ((node.op != OpKind::kLogisticLoss && node.op != OpKind::kSoftmaxLoss) || !state)
    throw ValueError("node " + std::to_string(v.id) + " (" + std::string(op_name(node.op)) +
                     ") is not a logistic_loss or softmax_loss node, or has not run forward");
  return *state;
}

#define LOGRAD_INSTANTIATE(T)                                            \
  template Var<T> add(Var<T>, Var<T>);                                   \
  template Var<T> sub(Var<T>, Var<T>);                                   \
  template Var<T> mul(Var<T>, Var<T>);                                   \
  template Var<T> div(Var<T>, Var<T>);                                   \
  template Var<T> neg(Var<T>);                                           \
  template Var<T> matmul(Var<T>, Var<T>);                                \
  template Var<T> add_bias(Var<T>, Var<T>);                              \
  template Var<T> sum(Var<T>);                                           \
  template Var<T> mean(Var<T>);                                          \
  template Var<T> sum_squares(Var<T>);                                   \
  template Var<T> exp(Var<T>);                                           \
  template Var<T> log(Var<T>);                                           \
  template Var<T> log1p(Var<T>);                                         \
  template Var<T> sigmoid(Var<T>);                                       \
  template Var<T> tanh(Var<T>);                                          \
  template Var<T> relu(Var<T>);                                          \
  template Var<T> square(Var<T>);                                        \
  template Var<T> bce_with_logits(Var<T>, Var<T>);                       \
  template Var<T> softmax_cross_entropy(Var<T>, Var<T>);                 \
  template Var<T> spmv(std::shared_ptr<const CsrMatrix<T>>, Var<T>);                          \
  template Var<T> logistic_loss(std::shared_ptr<const DataMatrix>, Var<T>, Var<T>, Var<T>,     \
                                Var<T>, std::shared_ptr<const std::vector<int64_t>>);  \
  template Var<T> softmax_loss(std::shared_ptr<const DataMatrix>, Var<T>, Var<T>, Var<T>,      \
                               Var<T>, std::shared_ptr<const std::vector<int64_t>>);   \
  template const LinearLossState& logistic_loss_state(Var<T>);
LOGRAD_INSTANTIATE(float)
LOGRAD_INSTANTIATE(double)
#undef LOGRAD_INSTANTIATE

}  // namespace lograd
