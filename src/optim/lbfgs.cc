// L-BFGS with a backtracking (Armijo) line search; with an L1 term it becomes OWL-QN
// (Andrew & Gao 2007): pseudo-gradient, orthant-constrained direction and line search.
#include <algorithm>
#include <cmath>
#include <deque>

#include "optim/solver_run.h"

namespace lograd::optim {
namespace {

// d = -H q by the two-loop recursion over the stored pairs (H0 = gamma I).
void two_loop(const std::deque<LbfgsPair>& pairs, std::span<const double> q_in,
              std::vector<double>& d) {
  std::vector<double> q(q_in.begin(), q_in.end());
  std::vector<double> alpha(pairs.size());
  for (size_t k = pairs.size(); k-- > 0;) {
    alpha[k] = pairs[k].rho * dot(pairs[k].s, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] -= alpha[k] * pairs[k].y[i];
  }
  double gamma = 1;
  if (!pairs.empty())
    gamma = dot(pairs.back().s, pairs.back().y) / dot(pairs.back().y, pairs.back().y);
  for (double& v : q) v *= gamma;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const double beta = pairs[k].rho * dot(pairs[k].y, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] += (alpha[k] - beta) * pairs[k].s[i];
  }
  d.resize(q.size());
  for (size_t i = 0; i < q.size(); ++i) d[i] = -q[i];
}

}  // namespace

void solve_lbfgs(Run& run, std::vector<double>& w) {
  Objective& obj = run.obj;
  const SolverState* st = run.resumed();
  const size_t n = w.size();
  const bool l1 = obj.l1() > 0;
  const auto p = static_cast<size_t>(l1 ? obj.penalized() : 0);
  std::vector<double> g(n), pg(n), d(n), w_new(n), g_new(n), orthant(n);
  std::deque<LbfgsPair> pairs;
  if (st) pairs.assign(st->pairs.begin(), st->pairs.end());

  auto end_iteration = [&](int64_t iter) {
    if (run.state_due(iter)) {
      SolverState s = run.base_state(w);
      s.pairs.assign(pairs.begin(), pairs.end());
      run.emit(s);
    }
    return run.finished();
  };

  double f = obj.fun_grad(w, g);
  double big_f = run.full(f, w);
  run.pseudo_grad(w, g, pg);
  if (st ? run.check_resumed(big_f, norm(pg)) : run.report(0, big_f, norm(pg), w))
    return void(end_iteration(run.result.iterations));
  for (int64_t iter = run.result.iterations + 1;; ++iter) {
    two_loop(pairs, pg, d);
    if (l1) {
      // Keep the direction in the orthant the pseudo-gradient points into.
      for (size_t j = 0; j < p; ++j) {
        if (d[j] * pg[j] >= 0) d[j] = 0;
        orthant[j] = w[j] != 0 ? (w[j] > 0 ? 1 : -1) : (pg[j] < 0 ? 1 : -1);
      }
    }
    double dg = dot(d, pg);
    // Not a descent direction: restart from steepest descent, dropping the pairs once the
    // step is taken (until then the pairs stay as at the iteration's start, for the state).
    const bool restart = dg >= 0;
    if (restart) {
      for (size_t i = 0; i < n; ++i) d[i] = -pg[i];
      dg = dot(d, pg);
    }
    double step = pairs.empty() || restart ? std::min(1.0, 1.0 / std::max(norm(pg), 1e-300)) : 1.0;
    double f_new = 0, big_f_new = 0;
    bool accepted = false;
    // Trials after the first lie on the segment from w to the first trial point, so their f
    // comes from the objective's cached Xw (fun_on_last_segment, O(m)); only the accepted one
    // is evaluated in full, for its gradient. OWL-QN's projected trials leave that segment.
    const double first_step = step;
    bool on_segment = false;
    for (int ls = 0; ls < 60; ++ls) {
      if (run.stop_requested()) {  // the state is still that of the last iteration
        run.finish("interrupted", big_f, norm(pg));
        return void(end_iteration(iter - 1));
      }
      for (size_t i = 0; i < n; ++i) w_new[i] = w[i] + step * d[i];
      if (l1)
        for (size_t j = 0; j < p; ++j)
          if (w_new[j] * orthant[j] < 0) w_new[j] = 0;
      double decrease = 0;  // pg . (w_new - w), the first-order change
      for (size_t i = 0; i < n; ++i) decrease += pg[i] * (w_new[i] - w[i]);
      if (on_segment) {
        const double f_line = obj.fun_on_last_segment(step / first_step);
        if (std::isnan(f_line)) {
          on_segment = false;  // no cache: evaluate this trial in full below
        } else if (!(f_line <= big_f + 1e-4 * decrease)) {
          step *= 0.5;
          continue;
        }
      }
      f_new = obj.fun_grad(w_new, g_new);
      big_f_new = run.full(f_new, w_new);
      if (std::isfinite(big_f_new) && big_f_new <= big_f + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      // The first trial failed: the rest lie on the segment from w to it. A later full
      // evaluation that fails (rounding against the cached value) ends the segment.
      on_segment = !l1 && ls == 0;
      step *= 0.5;
    }
    if (!accepted) {
      run.finish("no_progress", big_f, norm(pg));
      return void(end_iteration(iter - 1));
    }
    if (restart) pairs.clear();
    LbfgsPair pair{std::vector<double>(n), std::vector<double>(n), 0};
    for (size_t i = 0; i < n; ++i) {
      pair.s[i] = w_new[i] - w[i];
      pair.y[i] = g_new[i] - g[i];
    }
    const double sy = dot(pair.s, pair.y);
    if (sy > 1e-10 * dot(pair.y, pair.y)) {
      pair.rho = 1 / sy;
      pairs.push_back(std::move(pair));
      if (static_cast<int>(pairs.size()) > run.opt.lbfgs_memory) pairs.pop_front();
    }
    w.swap(w_new);
    g.swap(g_new);
    f = f_new;
    big_f = big_f_new;
    run.pseudo_grad(w, g, pg);
    run.report(iter, big_f, norm(pg), w);
    if (end_iteration(iter)) return;
  }
}

}  // namespace lograd::optim
