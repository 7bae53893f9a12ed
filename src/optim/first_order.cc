// First-order solvers: the lecture's batch gradient descent (gd), and minibatch sgd, momentum
// and adam. With an L1 term each step is followed by the proximal step (soft-thresholding).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "optim/solver_run.h"

namespace lograd::optim {
namespace {

// w_j <- sign(w_j) max(|w_j| - t, 0) for the penalised coordinates.
void soft_threshold(std::vector<double>& w, int64_t penalized, double t) {
  if (t <= 0) return;
  for (int64_t j = 0; j < penalized; ++j) {
    const double a = std::abs(w[j]) - t;
    w[j] = a > 0 ? std::copysign(a, w[j]) : 0.0;
  }
}

// 1/L for L the largest eigenvalue of the Hessian at w = 0, where the logistic loss has its
// largest curvature (sigma' <= 1/4 with equality at z = 0): a step that cannot overshoot.
double default_step(Objective& obj) {
  const auto n = static_cast<size_t>(obj.dim());
  std::vector<double> zero(n), g(n), v(n, 1.0 / std::sqrt(static_cast<double>(n))), hv(n);
  obj.fun_grad(zero, g);
  obj.set_hessian_point();
  double lambda = 0;
  for (int it = 0; it < 20; ++it) {  // power iteration
    obj.hess_vec(v, hv);
    lambda = norm(hv);
    if (!(lambda > 0)) return 1.0;
    for (size_t i = 0; i < n; ++i) v[i] = hv[i] / lambda;
  }
  return 1.0 / (1.05 * lambda);  // the power estimate is from below
}

}  // namespace

void solve_first_order(Run& run, std::vector<double>& w) {
  Objective& obj = run.obj;
  const SolverOptions& opt = run.opt;
  const size_t n = w.size();
  const int64_t m = obj.examples();
  double lr = opt.lr;
  if (lr <= 0) lr = opt.kind == SolverKind::kAdam ? 0.01 : default_step(obj);
  std::vector<double> g(n), vel(n), m1(n), m2(n), last_good = w;
  std::mt19937_64 rng(opt.seed);
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  const int64_t batch = std::clamp<int64_t>(opt.batch_size, 1, m);
  int64_t adam_t = 0;

  auto step = [&](std::span<const double> grad) {
    switch (opt.kind) {
      case SolverKind::kGd:
      case SolverKind::kSgd:
        for (size_t i = 0; i < n; ++i) w[i] -= lr * grad[i];
        break;
      case SolverKind::kMomentum:
        for (size_t i = 0; i < n; ++i) {
          vel[i] = opt.momentum * vel[i] - lr * grad[i];
          w[i] += vel[i];
        }
        break;
      case SolverKind::kAdam: {
        ++adam_t;
        const double c1 = 1 - std::pow(opt.beta1, double(adam_t));
        const double c2 = 1 - std::pow(opt.beta2, double(adam_t));
        for (size_t i = 0; i < n; ++i) {
          m1[i] = opt.beta1 * m1[i] + (1 - opt.beta1) * grad[i];
          m2[i] = opt.beta2 * m2[i] + (1 - opt.beta2) * grad[i] * grad[i];
          w[i] -= lr * (m1[i] / c1) / (std::sqrt(m2[i] / c2) + opt.adam_eps);
        }
        break;
      }
      default: break;
    }
    soft_threshold(w, obj.l1() > 0 ? obj.penalized() : 0, lr * obj.l1());
  };

  double f = obj.fun_grad(w, g);
  if (run.report(0, run.full(f, w), run.pseudo_grad_norm(w, g))) return;
  for (int64_t epoch = 1;; ++epoch) {
    if (opt.kind == SolverKind::kGd) {
      step(g);  // the lecture: w <- w - lr dw, with dw the full gradient of the mean cost
    } else {
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<double> gb(n);
      for (int64_t start = 0; start < m; start += batch) {
        const int64_t len = std::min(batch, m - start);
        obj.fun_grad_rows(w, gb, std::span<const int64_t>(order.data() + start, len));
        step(gb);
      }
    }
    f = obj.fun_grad(w, g);  // the full objective, for the stopping rule and progress
    const double big_f = run.full(f, w);
    if (std::isfinite(big_f)) last_good = w;
    if (run.report(epoch, big_f, run.pseudo_grad_norm(w, g))) {
      if (run.result.stop_reason == "diverged") w = last_good;
      return;
    }
  }
}

}  // namespace lograd::optim
