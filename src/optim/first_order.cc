// First-order solvers: the lecture's batch gradient descent (gd), and minibatch sgd, momentum
// and adam. With an L1 term each step is followed by the proximal step (soft-thresholding).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

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
  const SolverState* st = run.resumed();
  const size_t n = w.size();
  const int64_t m = obj.examples();
  const bool stochastic = opt.kind != SolverKind::kGd;
  double lr = st ? st->lr : opt.lr;
  if (lr <= 0) lr = opt.kind == SolverKind::kAdam ? 0.01 : default_step(obj);
  std::vector<double> g(n), vel(n), m1(n), m2(n);
  std::mt19937_64 rng(opt.seed);
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  const int64_t batch = std::clamp<int64_t>(opt.batch_size, 1, m);
  int64_t adam_t = 0;
  int64_t pos = 0;  // examples of the current epoch already used (stochastic solvers)
  if (st) {
    if (opt.kind == SolverKind::kMomentum) vel = st->velocity;
    if (opt.kind == SolverKind::kAdam) {
      m1 = st->adam_m;
      m2 = st->adam_v;
      adam_t = st->adam_t;
    }
    if (stochastic) {
      order = st->order;
      pos = st->epoch_pos;
      std::istringstream is(st->rng);
      if (!(is >> rng))
        throw ValueError("cannot resume: the state's random generator is unreadable");
    }
  }

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
      default:
        break;
    }
    soft_threshold(w, obj.l1() > 0 ? obj.penalized() : 0, lr * obj.l1());
  };

  auto state = [&] {
    SolverState s = run.base_state(w);
    s.lr = lr;
    if (opt.kind == SolverKind::kMomentum) s.velocity = vel;
    if (opt.kind == SolverKind::kAdam) {
      s.adam_m = m1;
      s.adam_v = m2;
      s.adam_t = adam_t;
    }
    if (stochastic) {
      std::ostringstream os;
      os << rng;
      s.rng = os.str();
      s.order = order;
      s.epoch_pos = pos;
    }
    return s;
  };
  // Hands the state to on_state when due; returns whether the run has finished.
  auto end_iteration = [&](int64_t iter) {
    if (run.state_due(iter)) run.emit(state());
    return run.finished();
  };

  if (pos == 0) {  // at an epoch boundary: F and ∇F at w (gd steps along this ∇F)
    const double f = obj.fun_grad(w, g);
    const double big_f = run.full(f, w), gnorm = run.pseudo_grad_norm(w, g);
    if (st ? run.check_resumed(big_f, gnorm) : run.report(0, big_f, gnorm, w))
      return void(end_iteration(run.result.iterations));
  }
  for (int64_t epoch = run.result.iterations + 1;; ++epoch) {
    if (!stochastic) {
      step(g);  // the lecture: w <- w - lr dw, with dw the full gradient of the mean cost
    } else {
      if (pos == 0) std::shuffle(order.begin(), order.end(), rng);
      std::vector<double> gb(n);
      for (; pos < m; pos += batch) {
        if (pos > 0 && run.stop_requested()) {
          // Stop between two minibatches; the state resumes at this one.
          const double f = obj.fun_grad(w, g);
          const double big_f = run.full(f, w), gnorm = run.pseudo_grad_norm(w, g);
          run.result.epoch_pos = pos;
          bool finite = std::isfinite(big_f) && std::isfinite(gnorm);
          for (size_t i = 0; i < n && finite; ++i) finite = std::isfinite(w[i]);
          run.finish(finite ? "interrupted" : "diverged", big_f, gnorm);
          return void(end_iteration(epoch - 1));
        }
        const int64_t len = std::min(batch, m - pos);
        obj.fun_grad_rows(w, gb, std::span<const int64_t>(order.data() + pos, len));
        step(gb);
      }
      pos = 0;
    }
    const double f = obj.fun_grad(w, g);  // the full objective, for the stopping rule and progress
    run.report(epoch, run.full(f, w), run.pseudo_grad_norm(w, g), w);
    if (end_iteration(epoch)) return;
  }
}

}  // namespace lograd::optim
