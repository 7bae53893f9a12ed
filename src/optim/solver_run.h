// Internal: the bookkeeping every solver shares: F = f + l1 |w|, the stopping rule
// ||∇F(w)|| <= tol ||∇F(0)||, the limits, progress reports, divergence (the last finite point
// is kept), interruption, and the checkpoint state (exported and resumed).
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

  // The state this run continues from, or null for a fresh start.
  const SolverState* resumed() const { return opt.resume.get(); }

  // F(w) = f + l1 sum_{j<p} |w_j| given f.
  double full(double f, std::span<const double> w) const;
  // The minimum-norm subgradient of F (the plain gradient when l1 = 0).
  void pseudo_grad(std::span<const double> w, std::span<const double> g,
                   std::span<double> pg) const;
  double pseudo_grad_norm(std::span<const double> w, std::span<const double> g) const;
  // Sets the target tol ||∇F(0)||: evaluated (one pass) on a fresh start, from the state when
  // resumed.
  void init_target();
  double target() const { return target_; }
  // Solver time: this run's plus that of the runs it resumes.
  double seconds() const;
  // Records iteration `iter` at point w with (F, ||∇F||); true when the solver must stop
  // (converged, a limit, interrupted, diverged), with result filled in.
  bool report(int64_t iter, double objective, double grad_norm, std::span<const double> w);
  // At the point a resumed run starts from (F, ||∇F|| recomputed there): true, with result
  // filled in, when it already meets the stopping rule or --max-iter, as the run that wrote the
  // state would have stopped there; records nothing otherwise.
  bool check_resumed(double objective, double grad_norm);
  // Marks the run finished for `reason` at the current point.
  void finish(const char* reason, double objective, double grad_norm);
  bool finished() const { return !result.stop_reason.empty(); }
  // True once SolverOptions::stop reads true; the solver then stops at its next safe point
  // with finish("interrupted", ...), leaving its state as at the end of the last iteration.
  bool stop_requested() const;

  // The part of the state every solver shares (kind, iteration, w, grad_norm0, time, history).
  SolverState base_state(std::span<const double> w) const;
  // True when on_state wants the state after iteration `iter`: every state_every iterations,
  // and once the run has finished for any reason but divergence.
  bool state_due(int64_t iter) const;
  void emit(const SolverState& state) const {
    if (opt.on_state) opt.on_state(state);
  }
  // After "diverged": moves w back to the last point where F, ||∇F|| and w were finite, and
  // sets result to that point.
  void restore_last_finite(std::vector<double>& w);
  // For a solver that takes only finite steps (every point it reports after its start is
  // finite): report keeps no copy of w for restore_last_finite, which then has nothing to
  // restore but a non-finite start. Saves a vector of n (one-vs-rest keeps K runs' worth).
  void finite_steps_only() {
    copy_w_ = false;
    std::vector<double>().swap(last_finite_w_);  // a resumed start's copy: not needed either
  }

 private:
  const ProgressFn& progress_;
  std::chrono::steady_clock::time_point start_;
  double seconds_before_ = 0;
  double target_ = 0;
  std::vector<double> last_finite_w_;
  bool copy_w_ = true;
  double last_finite_f_ = NAN, last_finite_g_ = NAN;
};

// The solvers, one file each. Each starts from run.resumed() when it is set.
void solve_newton(Run& run, std::vector<double>& w);
void solve_lbfgs(Run& run, std::vector<double>& w);
void solve_first_order(Run& run, std::vector<double>& w);

}  // namespace lograd::optim
