// lograd/solver.h: the optimisers. Each sees only an Objective (lograd/objective.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lograd/objective.h"

namespace lograd {

enum class SolverKind { kGd, kSgd, kMomentum, kAdam, kLbfgs, kNewton };

// "gd", "sgd", "momentum", "adam", "lbfgs", "newton".
const char* solver_name(SolverKind kind);
// The kind named `name`; throws ValueError listing the choices for an unknown name.
SolverKind parse_solver(const std::string& name);

struct SolverOptions {
  SolverKind kind = SolverKind::kNewton;
  // Stop when ||∇F(w)|| <= tol ||∇F(0)|| (for L1, the minimum-norm subgradient).
  double tol = 1e-6;
  int64_t max_iter = 1000;     // iterations (epochs for the stochastic solvers)
  double max_seconds = 0;      // wall-clock limit; 0 for none
  double lr = 0;               // step size of gd/sgd/momentum/adam; 0 picks a default
  int64_t batch_size = 256;    // sgd/momentum/adam
  uint64_t seed = 1;           // shuffling of sgd/momentum/adam
  double momentum = 0.9;       // momentum
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  // adam
  int lbfgs_memory = 10;       // lbfgs
};

// One line of progress, reported after every iteration.
struct IterationInfo {
  int64_t iter = 0;
  double objective = 0;        // F(w)
  double grad_norm = 0;        // ||∇F(w)||
  double target_norm = 0;      // tol ||∇F(0)||: converged when grad_norm <= target_norm
  double seconds = 0;          // since the solver started
};

struct SolveResult {
  int64_t iterations = 0;
  bool converged = false;
  // Why it stopped: "converged", "max_iter", "max_seconds", "interrupted", "diverged",
  // "no_progress" (the line search could not decrease F: at the limit of float64).
  std::string stop_reason;
  double objective = 0, grad_norm = 0, grad_norm0 = 0;
  std::vector<IterationInfo> history;
};

// Called after each iteration; return false to stop (reported as "interrupted").
using ProgressFn = std::function<bool(const IterationInfo&)>;

// Minimises F from w (warm start: w's initial value), leaving the result in w.
SolveResult minimize(Objective& objective, std::vector<double>& w, const SolverOptions& options,
                     const ProgressFn& progress = {});

}  // namespace lograd
