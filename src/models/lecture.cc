#include "lograd/lecture.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lograd/ops.h"

namespace lograd {

LectureExample default_lecture_example() {
  return LectureExample{{1.0, 2.0}, 1.0, {0.1, -0.2}, 0.05, 0.1};
}

void validate(const LectureExample& ex) {
  if (ex.x.empty())
    throw ValueError("the example has no features: give at least one value, e.g. x = (1.0, 2.0)");
  if (ex.x.size() != ex.w.size())
    throw ValueError("x has " + std::to_string(ex.x.size()) + " features but w has " +
                     std::to_string(ex.w.size()) + " weights: give one weight per feature");
  if (!(ex.y >= 0 && ex.y <= 1))
    throw ValueError("y must be a target in [0, 1] (the lecture uses 0 or 1), got " +
                     std::to_string(ex.y));
  auto finite = [](double v) { return std::isfinite(v); };
  for (size_t i = 0; i < ex.x.size(); ++i)
    if (!finite(ex.x[i]) || !finite(ex.w[i]))
      throw ValueError("x and w must be finite numbers (entry " + std::to_string(i + 1) + ")");
  if (!finite(ex.b)) throw ValueError("b must be a finite number");
  if (!finite(ex.lr)) throw ValueError("lr must be a finite number");
  double z = ex.b;
  for (size_t i = 0; i < ex.x.size(); ++i) z += ex.w[i] * ex.x[i];
  if (!finite(z))
    throw ValueError("w and x make z = w.x + b overflow (" + std::to_string(z) +
                     "): every number of the table would be inf or nan; give smaller values");
}

SoftmaxExample default_softmax_example(int64_t classes) {
  if (classes < 2)
    throw ValueError("softmax regression needs at least 2 classes, got " + std::to_string(classes));
  return SoftmaxExample{{1.0, 2.0},
                        1,
                        default_softmax_weights(2, classes),
                        std::vector<double>(static_cast<size_t>(classes), 0.0),
                        0.1};
}

std::vector<double> default_softmax_weights(int64_t features, int64_t classes) {
  std::vector<double> w;
  for (int64_t i = 0; i < features; ++i)
    for (int64_t k = 0; k < classes; ++k) w.push_back(0.1 * static_cast<double>(k - i));
  return w;
}

void validate(const SoftmaxExample& ex) {
  const size_t n = ex.x.size(), k = ex.b.size();
  if (k < 2)
    throw ValueError("softmax regression needs at least 2 classes, but b has " + std::to_string(k) +
                     " value(s): give one bias per class");
  if (n == 0)
    throw ValueError("the example has no features: give at least one value, e.g. x = (1.0, 2.0)");
  if (ex.w.size() != n * k)
    throw ValueError("W has " + std::to_string(ex.w.size()) + " weights but x has " +
                     std::to_string(n) + " features and there are " + std::to_string(k) +
                     " classes: give n x K = " + std::to_string(n * k) +
                     " weights, row by row (feature 1's weight for each class, then feature "
                     "2's, ...)");
  if (ex.y < 0 || ex.y >= static_cast<int64_t>(k))
    throw ValueError("y must be the true class, an index from 0 to " + std::to_string(k - 1) +
                     " for " + std::to_string(k) + " classes, got " + std::to_string(ex.y));
  auto finite = [](double v) { return std::isfinite(v); };
  for (size_t i = 0; i < n; ++i)
    if (!finite(ex.x[i]))
      throw ValueError("x must be finite numbers (entry " + std::to_string(i + 1) + ")");
  for (size_t i = 0; i < ex.w.size(); ++i)
    if (!finite(ex.w[i]))
      throw ValueError("W must be finite numbers (row " + std::to_string(i / k + 1) + ", class " +
                       std::to_string(i % k) + ")");
  for (size_t j = 0; j < k; ++j)
    if (!finite(ex.b[j]))
      throw ValueError("b must be finite numbers (class " + std::to_string(j) + ")");
  if (!finite(ex.lr)) throw ValueError("lr must be a finite number");
  for (size_t j = 0; j < k; ++j) {
    double z = ex.b[j];
    for (size_t i = 0; i < n; ++i) z += ex.w[i * k + j] * ex.x[i];
    if (!finite(z))
      throw ValueError("W and x make z = W^T x + b overflow for class " + std::to_string(j) + " (" +
                       std::to_string(z) + "): give smaller values");
  }
}

namespace {

// L = -(y log a + (1 - y) log(1 - a)), from primitive ops, elementwise over a and y.
template <class T>
Var<T> primitive_loss(Var<T> a, Var<T> y) {
  Graph<T>& g = *a.graph;
  const Var<T> log_a = log(a);
  g.set_name(log_a, "log a");
  const Var<T> one_minus_a = T(1) - a;
  g.set_name(one_minus_a, "1 - a");
  const Var<T> log_1ma = log(one_minus_a);
  g.set_name(log_1ma, "log(1 - a)");
  const Var<T> one_minus_y = T(1) - y;
  g.set_name(one_minus_y, "1 - y");
  const Var<T> loss = -(y * log_a + one_minus_y * log_1ma);
  return loss;
}

}  // namespace

template <class T>
LectureGraph<T> build_lecture_graph(Graph<T>& g, const LectureExample& ex, LossForm form) {
  validate(ex);
  LectureGraph<T> lg;
  Var<T> z{};
  for (size_t i = 0; i < ex.x.size(); ++i) {
    const std::string k = std::to_string(i + 1);
    lg.x.push_back(g.constant(Tensor<T>::scalar(static_cast<T>(ex.x[i])), "x" + k));
    lg.w.push_back(g.parameter(Tensor<T>::scalar(static_cast<T>(ex.w[i])), "w" + k));
    const Var<T> term = lg.w.back() * lg.x.back();
    g.set_name(term, "w" + k + "*x" + k);
    z = i == 0 ? term : z + term;
  }
  lg.b = g.parameter(Tensor<T>::scalar(static_cast<T>(ex.b)), "b");
  lg.z = z + lg.b;
  g.set_name(lg.z, "z");
  lg.y = g.constant(Tensor<T>::scalar(static_cast<T>(ex.y)), "y");
  lg.a = sigmoid(lg.z);
  g.set_name(lg.a, "a");
  lg.loss = form == LossForm::kFused ? bce_with_logits(lg.z, lg.y) : primitive_loss(lg.a, lg.y);
  g.set_name(lg.loss, "L");
  return lg;
}

template <class T>
BatchGraph<T> build_batch_graph(Graph<T>& g, const Tensor<T>& x, const Tensor<T>& y,
                                const Tensor<T>& w, T b, LossForm form) {
  BatchGraph<T> bg;
  bg.x = g.constant(x, "X");
  bg.y = g.constant(y, "y");
  bg.w = g.parameter(w, "w");
  bg.b = g.parameter(Tensor<T>::scalar(b), "b");
  const Var<T> xw = matmul(bg.x, bg.w);
  g.set_name(xw, "Xw");
  bg.z = add_bias(xw, bg.b);
  g.set_name(bg.z, "z");
  bg.a = sigmoid(bg.z);
  g.set_name(bg.a, "a");
  if (form == LossForm::kFused) {
    bg.loss = bce_with_logits(bg.z, bg.y);
  } else {
    const Var<T> per_example = primitive_loss(bg.a, bg.y);
    g.set_name(per_example, "L");
    bg.loss = mean(per_example);
  }
  g.set_name(bg.loss, "J");
  return bg;
}

LectureTrace trace_lecture(const LectureExample& ex, LossForm form) {
  Graph<double> g;
  const LectureGraph<double> lg = build_lecture_graph(g, ex, form);
  LectureTrace t;
  t.z = lg.z.item();
  t.a = lg.a.item();
  t.loss = lg.loss.item();
  double dadz = 0;
  if (form == LossForm::kFused) {
    // The fused loss reads z, not a: take da/dz from the sigmoid node's own backward.
    g.backward(lg.a);
    dadz = lg.z.grad().item();
    g.zero_grad();
  }
  g.backward(lg.loss);
  t.dz = lg.z.grad().item();
  t.da = form == LossForm::kFused ? t.dz / dadz : lg.a.grad().item();
  t.db = lg.b.grad().item();
  for (size_t i = 0; i < ex.w.size(); ++i) {
    t.dw.push_back(lg.w[i].grad().item());
    t.w_new.push_back(ex.w[i] - ex.lr * t.dw.back());
  }
  t.b_new = ex.b - ex.lr * t.db;
  return t;
}

template <class T>
SoftmaxGraph<T> build_softmax_graph(Graph<T>& g, const SoftmaxExample& ex, LossForm form) {
  validate(ex);
  const auto n = static_cast<int64_t>(ex.x.size());
  const auto k = static_cast<int64_t>(ex.b.size());
  auto cast = [](const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); };
  SoftmaxGraph<T> sg;
  sg.x = g.constant(Tensor<T>::matrix(1, n, cast(ex.x)), "x");  // the example as a row
  sg.w = g.parameter(Tensor<T>::matrix(n, k, cast(ex.w)), "W");
  sg.b = g.parameter(Tensor<T>::vector(cast(ex.b)), "b");
  const Var<T> xw = matmul(sg.x, sg.w);  // (1, K): x^T W = (W^T x)^T
  g.set_name(xw, "xW");
  sg.z = add_bias(xw, sg.b);
  g.set_name(sg.z, "z");
  Tensor<T> onehot(Shape{1, k});
  onehot[ex.y] = T(1);
  sg.y = g.constant(std::move(onehot), "y");
  // a = e^(z - max z) / sum e^(z - max z). The shift is a constant read from z's value now;
  // a replay after set_value keeps it, which leaves a unchanged (softmax ignores shifts).
  const Tensor<T>& zv = sg.z.value();
  const T zmax = *std::max_element(zv.data(), zv.data() + zv.numel());
  const Var<T> shifted = sg.z - g.constant(Tensor<T>::scalar(zmax), "max z");
  g.set_name(shifted, "z - max z");
  const Var<T> e = exp(shifted);
  g.set_name(e, "e");
  const Var<T> sum_e = sum(e);
  g.set_name(sum_e, "sum e");
  sg.a = e / sum_e;
  g.set_name(sg.a, "a");
  if (form == LossForm::kFused) {
    sg.loss = softmax_cross_entropy(sg.z, sg.y);
  } else {
    const Var<T> ya = sg.y * sg.a;
    g.set_name(ya, "y * a");
    const Var<T> a_y = sum(ya);  // one-hot y: exactly a_y
    g.set_name(a_y, "a_y");
    const Var<T> log_a_y = log(a_y);
    g.set_name(log_a_y, "log a_y");
    sg.loss = -log_a_y;
  }
  g.set_name(sg.loss, "L");
  return sg;
}

SoftmaxTrace trace_softmax(const SoftmaxExample& ex, LossForm form) {
  Graph<double> g;
  const SoftmaxGraph<double> sg = build_softmax_graph(g, ex, form);
  auto values = [](const Tensor<double>& t) {
    return std::vector<double>(t.data(), t.data() + t.numel());
  };
  SoftmaxTrace t;
  t.z = values(sg.z.value());
  t.a = values(sg.a.value());
  t.loss = sg.loss.item();
  g.backward(sg.loss);
  t.dz = values(sg.z.grad());
  t.dw = values(sg.w.grad());
  t.db = values(sg.b.grad());
  for (size_t i = 0; i < ex.w.size(); ++i) t.w_new.push_back(ex.w[i] - ex.lr * t.dw[i]);
  for (size_t j = 0; j < ex.b.size(); ++j) t.b_new.push_back(ex.b[j] - ex.lr * t.db[j]);
  return t;
}

template LectureGraph<float> build_lecture_graph(Graph<float>&, const LectureExample&, LossForm);
template LectureGraph<double> build_lecture_graph(Graph<double>&, const LectureExample&, LossForm);
template BatchGraph<float> build_batch_graph(Graph<float>&, const Tensor<float>&,
                                             const Tensor<float>&, const Tensor<float>&, float,
                                             LossForm);
template BatchGraph<double> build_batch_graph(Graph<double>&, const Tensor<double>&,
                                              const Tensor<double>&, const Tensor<double>&,
                                              double, LossForm);
template SoftmaxGraph<float> build_softmax_graph(Graph<float>&, const SoftmaxExample&, LossForm);
template SoftmaxGraph<double> build_softmax_graph(Graph<double>&, const SoftmaxExample&, LossForm);

}  // namespace lograd
