#include <algorithm>
#include <string>

#include "optim/solver_run.h"

namespace lograd {
namespace optim {

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm(std::span<const double> a) { return std::sqrt(dot(a, a)); }

Run::Run(Objective& o, const SolverOptions& options, const ProgressFn& progress)
    : obj(o), opt(options), progress_(progress), start_(std::chrono::steady_clock::now()) {}

double Run::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Run::full(double f, std::span<const double> w) const {
  const double l1 = obj.l1();
  if (l1 == 0) return f;
  double s = 0;
  for (int64_t j = 0; j < obj.penalized(); ++j) s += std::abs(w[j]);
  return f + l1 * s;
}

void Run::pseudo_grad(std::span<const double> w, std::span<const double> g,
                      std::span<double> pg) const {
  const double l1 = obj.l1();
  const int64_t p = l1 > 0 ? obj.penalized() : 0;
  for (size_t j = 0; j < g.size(); ++j) {
    if (static_cast<int64_t>(j) >= p) {
      pg[j] = g[j];
    } else if (w[j] > 0) {
      pg[j] = g[j] + l1;
    } else if (w[j] < 0) {
      pg[j] = g[j] - l1;
    } else {
      pg[j] = g[j] + l1 < 0 ? g[j] + l1 : (g[j] - l1 > 0 ? g[j] - l1 : 0);
    }
  }
}

double Run::pseudo_grad_norm(std::span<const double> w, std::span<const double> g) const {
  std::vector<double> pg(g.size());
  pseudo_grad(w, g, pg);
  return norm(pg);
}

void Run::init_target() {
  const auto n = static_cast<size_t>(obj.dim());
  std::vector<double> zero(n), g(n);
  obj.fun_grad(zero, g);
  result.grad_norm0 = pseudo_grad_norm(zero, g);
  target_ = opt.tol * result.grad_norm0;
}

void Run::finish(const char* reason, double objective, double grad_norm) {
  result.stop_reason = reason;
  result.converged = result.stop_reason == "converged";
  result.objective = objective;
  result.grad_norm = grad_norm;
}

bool Run::report(int64_t iter, double objective, double grad_norm) {
  IterationInfo info{iter, objective, grad_norm, target_, seconds()};
  result.history.push_back(info);
  result.iterations = iter;
  if (!std::isfinite(objective) || !std::isfinite(grad_norm)) {
    finish("diverged", objective, grad_norm);
    return true;
  }
  if (progress_ && !progress_(info)) {
    finish("interrupted", objective, grad_norm);
    return true;
  }
  if (grad_norm <= target_) {
    finish("converged", objective, grad_norm);
    return true;
  }
  if (iter >= opt.max_iter) {
    finish("max_iter", objective, grad_norm);
    return true;
  }
  if (opt.max_seconds > 0 && info.seconds >= opt.max_seconds) {
    finish("max_seconds", objective, grad_norm);
    return true;
  }
  return false;
}

}  // namespace optim

const char* solver_name(SolverKind kind) {
  switch (kind) {
    case SolverKind::kGd: return "gd";
    case SolverKind::kSgd: return "sgd";
    case SolverKind::kMomentum: return "momentum";
    case SolverKind::kAdam: return "adam";
    case SolverKind::kLbfgs: return "lbfgs";
    case SolverKind::kNewton: return "newton";
  }
  return "?";
}

SolverKind parse_solver(const std::string& name) {
  for (SolverKind k : {SolverKind::kGd, SolverKind::kSgd, SolverKind::kMomentum, SolverKind::kAdam,
                       SolverKind::kLbfgs, SolverKind::kNewton})
    if (name == solver_name(k)) return k;
  throw ValueError("unknown solver '" + name +
                   "': choose one of gd, sgd, momentum, adam, lbfgs, newton");
}

SolveResult minimize(Objective& objective, std::vector<double>& w, const SolverOptions& options,
                     const ProgressFn& progress) {
  if (static_cast<int64_t>(w.size()) != objective.dim())
    throw ShapeError("minimize: the start point has " + std::to_string(w.size()) +
                     " parameters, the objective " + std::to_string(objective.dim()));
  if (!(options.tol > 0)) throw ValueError("tol must be > 0, got " + std::to_string(options.tol));
  if (options.max_iter < 1) throw ValueError("max-iter must be at least 1");
  if (options.kind == SolverKind::kNewton && objective.l1() > 0)
    throw ValueError("the newton solver handles L2 only: use --solver lbfgs (OWL-QN) or gd "
                     "(proximal) with --l1 or --elastic-net");
  optim::Run run(objective, options, progress);
  run.init_target();
  switch (options.kind) {
    case SolverKind::kNewton: optim::solve_newton(run, w); break;
    case SolverKind::kLbfgs: optim::solve_lbfgs(run, w); break;
    default: optim::solve_first_order(run, w); break;
  }
  return run.result;
}

}  // namespace lograd
