// Truncated Newton: a trust-region Newton method whose steps come from preconditioned
// conjugate gradients on Hessian-vector products (Lin & Moré's TRON, as in LIBLINEAR),
// with the diagonal of the Hessian as preconditioner and the trust region in its norm.
#include <algorithm>
#include <cmath>

#include "optim/solver_run.h"

namespace lograd::optim {
namespace {

// ||v||_M = sqrt(v^T M v) for diagonal M.
double mnorm(std::span<const double> v, std::span<const double> m) {
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * v[i] * m[i];
  return std::sqrt(s);
}

// Approximately minimises g^T s + s^T H s / 2 subject to ||s||_M <= delta (Steihaug-Toint).
// Leaves the step in s and the residual r = -g - H s in r; returns the CG iterations, or -1
// when the run was asked to stop (s is then incomplete). z, d and hd (n each) are its work
// space, given by the caller: vectors it does not need meanwhile, so that a step of n
// parameters holds 7 vectors of n, as LIBLINEAR's TRON, not 10 (the memory of one-vs-rest
// training on news20 is mostly these and the data).
int64_t trpcg(const Run& run, Objective& obj, double delta, std::span<const double> g,
              std::span<const double> m, std::vector<double>& s, std::vector<double>& r,
              std::span<double> z, std::span<double> d, std::span<double> hd) {
  const size_t n = g.size();
  std::fill(s.begin(), s.end(), 0.0);
  for (size_t i = 0; i < n; ++i) {
    r[i] = -g[i];
    z[i] = r[i] / m[i];
    d[i] = z[i];
  }
  double rz = dot(r, z);
  const double cg_tol = 0.1 * std::sqrt(rz);  // LIBLINEAR's eps_cg
  int64_t it = 0;
  while (std::sqrt(std::max(rz, 0.0)) > cg_tol && it < static_cast<int64_t>(n) + 10) {
    if (run.stop_requested()) return -1;
    ++it;
    obj.hess_vec(d, hd);
    const double dhd = dot(d, hd);
    const double alpha = dhd > 0 ? rz / dhd : INFINITY;
    // Would the full step leave the region (or is the curvature not positive)? ||s + a d||_M
    // summed as mnorm sums it, without a vector for s + a d.
    const double a = std::isfinite(alpha) ? alpha : 0;
    double snew_m = 0;
    for (size_t i = 0; i < n; ++i) {
      const double si = s[i] + a * d[i];
      snew_m += si * si * m[i];
    }
    if (!std::isfinite(alpha) || std::sqrt(snew_m) > delta) {
      // tau >= 0 with ||s + tau d||_M = delta.
      double sms = 0, smd = 0, dmd = 0;
      for (size_t i = 0; i < n; ++i) {
        sms += s[i] * m[i] * s[i];
        smd += s[i] * m[i] * d[i];
        dmd += d[i] * m[i] * d[i];
      }
      const double rad = std::sqrt(std::max(smd * smd + dmd * (delta * delta - sms), 0.0));
      const double tau = smd >= 0 ? (delta * delta - sms) / (smd + rad) : (rad - smd) / dmd;
      for (size_t i = 0; i < n; ++i) {
        s[i] += tau * d[i];
        r[i] -= tau * hd[i];
      }
      break;
    }
    for (size_t i = 0; i < n; ++i) s[i] = s[i] + a * d[i];
    for (size_t i = 0; i < n; ++i) {
      r[i] -= alpha * hd[i];
      z[i] = r[i] / m[i];
    }
    const double rz_new = dot(r, z);
    const double beta = rz_new / rz;
    for (size_t i = 0; i < n; ++i) d[i] = z[i] + beta * d[i];
    rz = rz_new;
  }
  return it;
}

bool all_finite(std::span<const double> v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

void solve_newton(Run& run, std::vector<double>& w) {
  constexpr double eta0 = 1e-4, eta1 = 0.25, eta2 = 0.75;
  constexpr double sigma1 = 0.25, sigma2 = 0.5, sigma3 = 4.0;
  Objective& obj = run.obj;
  // Newton never evaluates f along a segment: the objective need not keep one.
  struct NoSegments {
    Objective& obj;
    explicit NoSegments(Objective& o) : obj(o) { obj.keep_segments(false); }
    ~NoSegments() { obj.keep_segments(true); }
  } no_segments(obj);
  run.finite_steps_only();
  const SolverState* st = run.resumed();
  const size_t n = w.size();
  std::vector<double> g(n), g_new(n), w_new(n), s(n), r(n), m(n), d(n);

  double f = obj.fun_grad(w, g);
  obj.set_hessian_point();
  double gnorm = norm(g);
  double delta = st ? st->delta : 0;
  bool first = st ? st->first : true;
  auto end_iteration = [&](int64_t it) {
    if (run.state_due(it)) {
      SolverState s = run.base_state(w);
      s.delta = delta;
      s.first = first;
      run.emit(s);
    }
    return run.finished();
  };
  if (st ? run.check_resumed(f, gnorm) : run.report(0, f, gnorm, w))
    return void(end_iteration(run.result.iterations));
  for (int64_t iter = run.result.iterations + 1;; ++iter) {
    if (obj.preconditioner(m)) {
      // LIBLINEAR's preconditioner M = (1 - a) I + a diag(H) with a = 0.01, for its sum-form
      // Hessian I + C X^T D X; in our mean form that Hessian is scaled by l2, so the identity
      // part becomes l2 I. Without an L2 term, a floor relative to the largest entry.
      double dmax = 0;
      for (double v : m) dmax = std::max(dmax, v);
      const double ridge = obj.l2() > 0 ? obj.l2() : std::max(1e-12 * dmax, 1e-300);
      for (double& v : m) v = 0.99 * ridge + 0.01 * v;
    }
    if (first) {
      std::span<double> minv_g = d;  // free until trpcg
      for (size_t i = 0; i < n; ++i) minv_g[i] = g[i] / m[i];
      delta = std::sqrt(dot(g, minv_g));  // ||g||_{M^-1}
    }
    // w_new and g_new are free until the step is taken: trpcg's z and hd.
    if (trpcg(run, obj, delta, g, m, s, r, w_new, d, g_new) < 0) {
      // Interrupted inside the step: w, delta and first are still those of the last
      // iteration (a first radius set above is set again the same way on resume).
      run.finish("interrupted", f, gnorm);
      return void(end_iteration(iter - 1));
    }
    for (size_t i = 0; i < n; ++i) w_new[i] = w[i] + s[i];
    const double gs = dot(g, s);
    const double prered = -0.5 * (gs - dot(s, r));
    const double f_new = obj.fun_grad(w_new, g_new);
    const double actred = f - f_new;
    const double snorm = mnorm(s, m);
    if (first) {
      delta = std::min(delta, snorm);
      first = false;
    }
    const double denom = f_new - f - gs;
    const double alpha = denom <= 0 ? sigma3 : std::max(sigma1, -0.5 * (gs / denom));
    if (actred < eta0 * prered)
      delta = std::min(alpha * snorm, sigma2 * delta);
    else if (actred < eta1 * prered)
      delta = std::max(sigma1 * delta, std::min(alpha * snorm, sigma2 * delta));
    else if (actred < eta2 * prered)
      delta = std::max(sigma1 * delta, std::min(alpha * snorm, sigma3 * delta));
    else
      delta = std::max(delta, std::min(alpha * snorm, sigma3 * delta));

    // Near the optimum the predicted decrease falls below the rounding noise of f (about
    // 1e-16 |f|), and actred says nothing; there a step is judged by the gradient instead,
    // which keeps shrinking quadratically under Newton steps.
    const bool in_noise = std::abs(prered) <= 1e-12 * std::abs(f);
    const double gnorm_new = norm(g_new);
    // Only finite points are taken (run.finite_steps_only()).
    const bool finite_trial = std::isfinite(f_new) && std::isfinite(gnorm_new) && all_finite(w_new);
    const bool accept = finite_trial &&
                        (in_noise ? gnorm_new < gnorm : actred > eta0 * prered);
    if (!finite_trial)
      delta = sigma1 * std::min(delta, snorm);  // not taken: a shorter step next, not the same
    if (in_noise && accept) delta = std::max(delta, snorm);
    if (accept) {
      w.swap(w_new);
      g.swap(g_new);
      f = f_new;
      obj.set_hessian_point();
      gnorm = gnorm_new;
    }
    run.report(iter, f, gnorm, w);
    if (!run.finished() && (f < -1e32 || (in_noise && !accept) || delta <= 1e-300))
      run.finish("no_progress", f, gnorm);
    if (end_iteration(iter)) return;
  }
}

}  // namespace lograd::optim
