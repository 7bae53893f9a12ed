// lograd/objective.h: what a solver minimises, kept apart from the solvers (LIBLINEAR's
// function/solver split). A solver sees only this interface.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "lograd/collective.h"
#include "lograd/data_matrix.h"

namespace lograd {

// F(w) = f(w) + l1 * sum_{j < penalized()} |w_j|, with f smooth. Solvers call fun_grad for f
// and ∇f, and handle the L1 part themselves (proximal steps, OWL-QN).
class Objective {
 public:
  virtual ~Objective() = default;
  // Number of parameters.
  virtual int64_t dim() const = 0;
  // Number of examples (for minibatch solvers).
  virtual int64_t examples() const = 0;
  // f(w); writes ∇f(w) into g (size dim()).
  virtual double fun_grad(std::span<const double> w, std::span<double> g) = 0;
  // f and ∇f of the minibatch: the mean over `rows` replaces the mean over every example.
  virtual double fun_grad_rows(std::span<const double> w, std::span<double> g,
                               std::span<const int64_t> rows) = 0;
  // Makes the point of the last fun_grad the one hess_vec differentiates at.
  virtual void set_hessian_point() = 0;
  // hv = ∇²f(w) v at the Hessian point.
  virtual void hess_vec(std::span<const double> v, std::span<double> hv) = 0;
  // Diagonal of ∇²f at the Hessian point (a preconditioner).
  virtual void hess_diag(std::span<double> d) = 0;
  // The diagonal preconditioner of Newton's conjugate gradients (and the norm of its trust
  // region) at the Hessian point. Returns true when d is the Hessian's diagonal, which Newton
  // mixes with the ridge as LIBLINEAR does (the default: hess_diag); false when d is to be used
  // as it is.
  virtual bool preconditioner(std::span<double> d) {
    hess_diag(d);
    return true;
  }
  // The ridge part of the Hessian: ∇²f = l2 I (on the penalised coordinates) + data term.
  virtual double l2() const { return 0; }
  // Strength of the L1 term and how many leading parameters it applies to.
  virtual double l1() const { return 0; }
  virtual int64_t penalized() const { return dim(); }
  // f(w0 + t (w1 - w0)), w0 and w1 the points of the last two fun_grad calls, in O(m + n) from
  // the Xw0 and Xw1 those calls kept: no pass over X. A backtracking line search pays one pass
  // for its first trial and this for the rest. NaN when the objective keeps no such cache.
  virtual double fun_on_last_segment(double /*t*/) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Whether fun_grad keeps what fun_on_last_segment needs (the last two points and their Xw):
  // on by default. A solver that never asks for it (Newton) turns it off for its run, which
  // saves two vectors of dim() and one of m (x K): for one-vs-rest on news20, 1.1 MB of a
  // class's 12.
  virtual void keep_segments(bool /*keep*/) {}
  // Whether `mine` holds on any rank of a data-parallel objective (every rank asks at the same
  // point, so a decision from a rank's own clock is taken by all); one process: mine.
  virtual bool any_rank(bool mine) { return mine; }
  // Whether fun_grad, hess_vec, hess_diag, preconditioner and fun_on_last_segment already
  // return the whole data's values over every rank (make_exact_objective), so that a shard
  // wrapper passes them through; fun_grad_rows stays this rank's part.
  virtual bool global_sums() const { return false; }
  // Full passes over the data matrix made so far (a fun_grad and a hess_vec are 1 each).
  virtual double passes() const = 0;
};

// The regularised logistic-regression objective:
//   f(w, b) = (1/m) sum_i s_i log(1 + exp(-t_i z_i)) + (l2/2) ||w||^2,  z_i = x_i . w + b,
// t_i = ±1 for y_i = 1/0, with F = f + l1 ||w||_1. The bias b (the last parameter when fitted)
// is not penalised. With standardisation, x is replaced by (x - mean) / scale without copying
// the data (the transform is folded into w and b in the graph).
struct LogisticSpec {
  double l2 = 0;                // lambda (1 - alpha) for elastic net
  double l1 = 0;                // lambda alpha
  bool fit_bias = true;
  std::vector<double> mean;     // standardisation; empty: none
  std::vector<double> scale;    // standardisation; empty: none
};

// Builds the objective over X with 0/1 targets y and per-example weights s (empty: all 1).
// Its f and ∇f come from the engine's graph, built once around the fused logistic_loss op.
std::unique_ptr<Objective> make_logistic_objective(std::shared_ptr<const DataMatrix> x,
                                                   std::vector<double> y, std::vector<double> s,
                                                   const LogisticSpec& spec);

// The multinomial (softmax) regression objective over K >= 2 classes, with no reference class:
//   f(W, b) = (1/m) sum_i s_i (log sum_q e^z_iq - z_i,y_i) + (l2/2) ||W||_F^2,  z_i = W^T x_i + b,
// F = f + l1 ||W||_1. The parameters are W (n, K) row-major, then b (K) when fitted; b is not
// penalised (this is scikit-learn's multinomial objective divided by C m). y holds class
// indices 0 .. K - 1. Standardisation as for the logistic objective. f and its gradient come
// from the graph's fused softmax_loss op; the Hessian-vector product is one pass over X
// (the per-row curvature diag(p_i) - p_i p_i^T). f is constant along the biases' common shift
// (b + c 1), where its Hessian is singular; hess_vec and hess_diag add the curvature
// (sum_i s_i / m) / K on that one direction, so a Newton model is not singular there (the
// gradient has no component along it, so steps and the optimum are otherwise unchanged).
std::unique_ptr<Objective> make_softmax_objective(std::shared_ptr<const DataMatrix> x,
                                                  int64_t classes, std::vector<double> y,
                                                  std::vector<double> s, const LogisticSpec& spec);

// The logistic objective (k = 1, y in {0, 1}) or the softmax one (k = K >= 2, y class
// indices), as above, with sums that no split of the examples changes: every sum over the
// examples (loss, gradient, Hessian-vector product, Hessian diagonal, line-search values) is
// exact over every rank of `collective` (null: this process alone) and rounded to double once,
// then divided by `examples`, the count over all ranks. So one process, any thread count and
// any number of ranks holding any split of the rows, in any order, get the same bits (on one
// SIMD-independent code path: scalar, several times slower than the fused kernels). x, y and
// s are this rank's examples; every rank constructs it at once (it gathers each feature's
// largest |x|) and makes the same calls. global_sums() is true; examples() is this rank's
// count and fun_grad_rows this rank's minibatch part, as the ordinary objective's (minibatch
// sums are not exact), so K ranks wrap it in make_shard_objective as they do the ordinary one.
// Throws ValueError for a feature value of magnitude 2^448 or more.
std::unique_ptr<Objective> make_exact_objective(std::shared_ptr<const DataMatrix> x, int64_t k,
                                                std::vector<double> y, std::vector<double> s,
                                                const LogisticSpec& spec, int64_t examples,
                                                std::shared_ptr<Collective> collective);

// Which of the whole data's examples (numbered 0 .. examples - 1, as one process numbers them)
// a rank holds: stride 0, the contiguous range first, first + 1, ...; stride K, the examples
// first, first + K, first + 2K, ... Its local example i is the global first + i * max(stride, 1).
struct ShardRows {
  int64_t first = 0;
  int64_t stride = 0;
};

// One rank's part of a data-parallel objective over `examples` examples in all: `local` is the
// ordinary objective of this rank's shard (its own mean, the whole penalty); every value,
// gradient, Hessian-vector product, Hessian diagonal and line-search value is weighted by
// local->examples() / examples and summed over ranks by `collective`, in rank order, so each
// rank sees the full objective's (the same bits on every rank); a local objective whose
// global_sums() holds (make_exact_objective) already sums over the ranks and is passed
// through, but for its minibatches. Every rank needs at least one
// example. fun_grad_rows takes global example numbers (every rank the same minibatch, as a
// global shuffle of one process's numbering makes it); each rank evaluates the ones it holds
// (`rows`) and the ranks' parts are weighted by their share of the minibatch and summed, so a
// minibatch solver takes one process's steps up to rounding.
std::unique_ptr<Objective> make_shard_objective(std::unique_ptr<Objective> local,
                                                int64_t examples,
                                                std::shared_ptr<Collective> collective,
                                                ShardRows rows = {});

}  // namespace lograd
