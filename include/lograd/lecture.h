// lograd/lecture.h: the lecture's logistic-regression step, as engine graphs.
//   forward   z = w.x + b,  a = sigmoid(z),  L = -(y log a + (1-y) log(1-a))
//   backward  da = -y/a + (1-y)/(1-a),  dz = a - y,  dw_i = x_i dz,  db = dz
//   update    w <- w - lr dw,  b <- b - lr db
#pragma once

#include <vector>

#include "lograd/graph.h"

namespace lograd {

// One example and the parameters before the step.
struct LectureExample {
  std::vector<double> x;  // features, any width >= 1
  double y = 1;           // target in [0, 1]
  std::vector<double> w;  // weights, same width as x
  double b = 0;           // bias
  double lr = 0.1;        // learning rate alpha
};

// The documented default: x = (1, 2), y = 1, w = (0.1, -0.2), b = 0.05, lr = 0.1.
LectureExample default_lecture_example();

// Throws ValueError unless x and w have the same non-zero width, y is in [0,1], all finite.
void validate(const LectureExample& ex);

// How the loss node is built.
enum class LossForm {
  kPrimitive,  // the lecture's formula from mul, add, sigmoid, log, sub, neg ops
  kFused,      // bce_with_logits(z, y): finite for any z; a = sigmoid(z) hangs off z
};

// Handles to the nodes of a lecture graph. For one example every feature is its own scalar
// node (x1, w1, ...), as drawn in the lecture.
template <class T>
struct LectureGraph {
  std::vector<Var<T>> x, w;
  Var<T> b, y, z, a, loss;
};

// Records the one-example graph of ex on g.
template <class T>
LectureGraph<T> build_lecture_graph(Graph<T>& g, const LectureExample& ex, LossForm form);

// The vectorised graph over m examples: Z = X w + b, A = sigmoid(Z), J = mean L.
template <class T>
struct BatchGraph {
  Var<T> x, y, w, b, z, a, loss;
};

// Records the m-example graph: X (m,n), y (m), w (n), scalar b.
template <class T>
BatchGraph<T> build_batch_graph(Graph<T>& g, const Tensor<T>& x, const Tensor<T>& y,
                                const Tensor<T>& w, T b, LossForm form);

// Every value of the lecture's table, computed by the engine in float64.
struct LectureTrace {
  double z = 0, a = 0, loss = 0, da = 0, dz = 0, db = 0, b_new = 0;
  std::vector<double> dw, w_new;
};

// Runs forward, backward and one update. With kFused, L and dz are exact for any z, and
// da = dL/da is recovered as dz / (da/dz), both derivatives taken by the engine.
LectureTrace trace_lecture(const LectureExample& ex, LossForm form);

}  // namespace lograd
