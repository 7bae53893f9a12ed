// lograd/solver.h: the optimisers. Each sees only an Objective (lograd/objective.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
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

struct SolverState;  // below: a run's full state, for checkpoints

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

  // Checkpointing: on_state receives the solver's full state every `state_every` iterations
  // (0: never periodically) and once more when the run stops for any reason but divergence.
  int64_t state_every = 0;
  std::function<void(const SolverState&)> on_state;
  // Continue from this state (one that on_state received, for the same objective) instead
  // of starting at w: the run then reaches the same iterates, bit for bit, as one that was
  // never stopped (for a fixed thread count of the data kernels).
  std::shared_ptr<const SolverState> resume;
  // Polled between minibatches, conjugate-gradient steps and line-search trials (a signal
  // handler may only set a flag): when it reads true, the solver stops at that safe point,
  // reported as "interrupted", with a state that resumes exactly.
  const std::atomic<bool>* stop = nullptr;
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
  // F and ||∇F|| at the returned point. After "diverged" that is the last point where both
  // were finite (iteration last_finite_iter; -1 if even the start was not finite: then w is
  // the start point and these are NaN/inf).
  double objective = 0, grad_norm = 0, grad_norm0 = 0;
  int64_t last_finite_iter = -1;
  // "interrupted" between two minibatches of an epoch: examples of epoch iterations + 1 done.
  int64_t epoch_pos = 0;
  std::vector<IterationInfo> history;
};

// One stored L-BFGS correction pair: s = w_{k+1} - w_k, y = ∇f_{k+1} - ∇f_k, rho = 1 / s.y.
struct LbfgsPair {
  std::vector<double> s, y;
  double rho = 0;
};

// Everything a solver needs to continue a run exactly where it stopped, taken at the end of an
// iteration (and, for sgd/momentum/adam interrupted mid-epoch, between two minibatches).
// Quantities a solver can recompute bit for bit from these (f and ∇f at w, the Hessian point)
// are not stored.
struct SolverState {
  SolverKind kind = SolverKind::kNewton;
  int64_t iter = 0;                    // iterations (epochs) completed
  std::vector<double> w;               // the current point
  double grad_norm0 = 0;               // ||∇F(0)||: the scale of the stopping rule
  double seconds = 0;                  // solver time spent so far (--max-seconds counts it)
  std::vector<IterationInfo> history;  // the progress so far, iteration 0 first
  // gd, sgd, momentum, adam
  double lr = 0;                       // the step size in use (a default resolved)
  std::vector<double> velocity;        // momentum (empty for the others)
  std::vector<double> adam_m, adam_v;  // adam's first and second moments (empty otherwise)
  int64_t adam_t = 0;                  // adam's step count
  std::string rng;                     // the shuffling generator (std::mt19937_64 as text)
  std::vector<int64_t> order;          // the current epoch's example order (sgd/momentum/adam)
  int64_t epoch_pos = 0;               // examples of epoch iter + 1 already used; 0 at a boundary
  // lbfgs
  std::vector<LbfgsPair> pairs;        // oldest first
  // newton
  double delta = 0;                    // trust-region radius
  bool first = true;                   // the radius is still to be set by the first step
};

// Whether `text` holds a shuffling generator as SolverState::rng does (std::mt19937_64 written
// as text, nothing after it) that can run: a state of zero words makes the generator return 0
// forever, and a shuffle drawing from it never ends.
bool valid_generator_state(const std::string& text);

// Called after each iteration; return false to stop (reported as "interrupted").
using ProgressFn = std::function<bool(const IterationInfo&)>;

// Throws ValueError naming the first option outside its domain (tol <= 0, max_iter < 1, a
// negative or NaN lr, batch_size < 1, momentum or betas outside [0, 1), ...); minimize calls it.
void check_options(const SolverOptions& options);

// Minimises F from w (warm start: w's initial value), leaving the result in w; with
// options.resume, continues that run instead (w's initial value is then ignored). Throws
// ValueError when the resume state does not fit the objective or the options.
SolveResult minimize(Objective& objective, std::vector<double>& w, const SolverOptions& options,
                     const ProgressFn& progress = {});

}  // namespace lograd
