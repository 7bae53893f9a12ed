#include "lograd/lecture.h"

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
  if (!finite(ex.b) || !finite(ex.lr)) throw ValueError("b and lr must be finite numbers");
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

template LectureGraph<float> build_lecture_graph(Graph<float>&, const LectureExample&, LossForm);
template LectureGraph<double> build_lecture_graph(Graph<double>&, const LectureExample&, LossForm);
template BatchGraph<float> build_batch_graph(Graph<float>&, const Tensor<float>&,
                                             const Tensor<float>&, const Tensor<float>&, float,
                                             LossForm);
template BatchGraph<double> build_batch_graph(Graph<double>&, const Tensor<double>&,
                                              const Tensor<double>&, const Tensor<double>&,
                                              double, LossForm);

}  // namespace lograd
