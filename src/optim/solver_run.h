// Internal: the bookkeeping every solver shares: F = f + l1 |w|, the stopping rule
// ||∇F(w)|| <= tol ||∇F(0)||, the limits, progress reports and divergence.
#pragma once

#include <chrono>
#include <cmath>
#include <span>
#include <vector>

#include "lograd/solver.h"

namespace lograd::optim {

double dot(std::span<const double> a, std::span<const double> b);
double norm(std::span<const double> a);

class Run {
 public:
  Run(Objective& obj, const SolverOptions& opt, const ProgressFn& progress);

  Objective& obj;
  const SolverOptions& opt;
  SolveResult result;

  // F(w) = f + l1 sum_{j<p} |w_j| given f.
  double full(double f, std::span<const double> w) const;
  // The minimum-norm subgradient of F (the plain gradient when l1 = 0).
  void pseudo_grad(std::span<const double> w, std::span<const double> g, std::span<double> pg) const;
  double pseudo_grad_norm(std::span<const double> w, std::span<const double> g) const;
  // Evaluates ||∇F(0)|| once (one pass) and sets the target tol * that.
  void init_target();
  double target() const { return target_; }
  double seconds() const;
  // Records iteration `iter` at (F, ||∇F||); true when the solver must stop (converged, a limit,
  // interrupted, diverged), with result filled in.
  bool report(int64_t iter, double objective, double grad_norm);
  // Marks the run finished for `reason` at the current point.
  void finish(const char* reason, double objective, double grad_norm);

 private:
  const ProgressFn& progress_;
  std::chrono::steady_clock::time_point start_;
  double target_ = 0;
};

// The solvers, one file each.
void solve_newton(Run& run, std::vector<double>& w);
void solve_lbfgs(Run& run, std::vector<double>& w);
void solve_first_order(Run& run, std::vector<double>& w);

}  // namespace lograd::optim
