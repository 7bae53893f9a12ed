// lograd/lecture.h: the lecture's logistic-regression step, as engine graphs.
//   forward   z = w.x + b,  a = sigmoid(z),  L = -(y log a + (1-y) log(1-a))
//   backward  da = -y/a + (1-y)/(1-a),  dz = a - y,  dw_i = x_i dz,  db = dz
//   update    w <- w - lr dw,  b <- b - lr db
// and its K-class (softmax) version for one example x (n), W (n, K), b (K), true class y:
//   forward   z = W^T x + b,  a = softmax(z),  L = -log a_y
//   backward  dz = a - onehot(y),  dW = x dz^T,  db = dz
//   update    W <- W - lr dW,  b <- b - lr db
#pragma once

#include <cstdint>
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

// One example for K-class softmax regression and the parameters before the step.
struct SoftmaxExample {
  std::vector<double> x;  // features (n), n >= 1
  int64_t y = 1;          // true class, in [0, K)
  std::vector<double> w;  // W (n, K) row-major: w[i * K + k] is feature i's weight for class k
  std::vector<double> b;  // biases (K), one per class; K = b.size() >= 2
  double lr = 0.1;        // learning rate alpha
};

// The documented default for K classes: x = (1, 2), y = 1, W[i][k] = 0.1 (k - i), b = 0,
// lr = 0.1. Throws ValueError unless K >= 2.
SoftmaxExample default_softmax_example(int64_t classes);

// The default W for n features and K classes: W[i][k] = 0.1 (k - i), row-major.
std::vector<double> default_softmax_weights(int64_t features, int64_t classes);

// Throws ValueError unless K >= 2, x is non-empty, w has n * K entries, y is in [0, K), and
// every number is finite.
void validate(const SoftmaxExample& ex);

// Handles to the nodes of a one-example softmax graph: x (1, n), W (n, K), b (K),
// y one-hot (1, K), z (1, K), a = softmax(z) (1, K), scalar loss.
template <class T>
struct SoftmaxGraph {
  Var<T> x, w, b, y, z, a, loss;
};

// Records the one-example softmax graph of ex on g: z = add_bias(matmul(x, W), b), and
// a = softmax(z) from exp, sum and div nodes (z shifted by its forward value's maximum, a
// constant, so exp cannot overflow; softmax does not change under the shift). kPrimitive:
// L = -log(sum(y * a)) = -log a_y, built on a; kFused: L = softmax_cross_entropy(z, y), finite
// for any z, and a hangs off z.
template <class T>
SoftmaxGraph<T> build_softmax_graph(Graph<T>& g, const SoftmaxExample& ex, LossForm form);

// Every value of the softmax table, computed by the engine in float64. Matrices are (n, K)
// row-major, as SoftmaxExample::w.
struct SoftmaxTrace {
  std::vector<double> z, a;  // (K)
  double loss = 0;
  std::vector<double> dz, db, b_new;  // (K)
  std::vector<double> dw, w_new;      // (n, K)
};

// Runs forward, backward and one update on the softmax graph: z, a and L are node values,
// dz, dW and db node gradients after backward from L; W and b after the step are
// W - lr dW and b - lr db.
SoftmaxTrace trace_softmax(const SoftmaxExample& ex, LossForm form);

}  // namespace lograd
