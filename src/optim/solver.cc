#include <algorithm>
#include <cmath>
#include <istream>
#include <random>
#include <sstream>
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
    : obj(o), opt(options), progress_(progress), start_(std::chrono::steady_clock::now()) {
  if (const SolverState* st = resumed()) {
    seconds_before_ = st->seconds;
    result.iterations = st->iter;
    result.history = st->history;
    last_finite_w_ = st->w;
    result.last_finite_iter = st->iter;
  }
}

double Run::seconds() const {
  return seconds_before_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
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
  if (const SolverState* st = resumed()) {
    result.grad_norm0 = st->grad_norm0;
  } else {
    const auto n = static_cast<size_t>(obj.dim());
    std::vector<double> zero(n), g(n);
    obj.fun_grad(zero, g);
    result.grad_norm0 = pseudo_grad_norm(zero, g);
  }
  target_ = opt.tol * result.grad_norm0;
}

void Run::finish(const char* reason, double objective, double grad_norm) {
  result.stop_reason = reason;
  result.converged = result.stop_reason == "converged";
  result.objective = objective;
  result.grad_norm = grad_norm;
}

bool Run::stop_requested() const {
  return opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed);
}

// The history keeps at most this many records after the first: when it fills, every other
// record goes (the first and the newest stay), so older progress is kept ever more sparsely.
// It travels in every checkpoint, which would otherwise grow with the run and be rewritten
// whole each time (a long sgd run spent most of its time writing checkpoints); the thinning
// depends only on the history, so a resumed run thins as the uninterrupted one does.
constexpr size_t kMaxHistory = 1024;

bool Run::report(int64_t iter, double objective, double grad_norm, std::span<const double> w) {
  IterationInfo info{iter, objective, grad_norm, target_, seconds()};
  result.history.push_back(info);
  if (result.history.size() > kMaxHistory + 1) {  // 1026 records: keep 0, 2, ..., 1024, 1025
    std::vector<IterationInfo>& h = result.history;
    size_t kept = 0;
    for (size_t i = 0; i < h.size(); ++i)
      if (i % 2 == 0 || i + 1 == h.size()) h[kept++] = h[i];
    h.resize(kept);
  }
  result.iterations = iter;
  bool finite = std::isfinite(objective) && std::isfinite(grad_norm);
  for (size_t i = 0; i < w.size() && finite; ++i) finite = std::isfinite(w[i]);
  if (!finite) {
    finish("diverged", objective, grad_norm);
    return true;
  }
  if (copy_w_) last_finite_w_.assign(w.begin(), w.end());
  last_finite_f_ = objective;
  last_finite_g_ = grad_norm;
  result.last_finite_iter = iter;
  if ((progress_ && !progress_(info)) || stop_requested()) {
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
  // Each rank's clock differs: the time limit stops every rank once any rank reaches it.
  if (opt.max_seconds > 0 && obj.any_rank(info.seconds >= opt.max_seconds)) {
    finish("max_seconds", objective, grad_norm);
    return true;
  }
  return false;
}

bool Run::check_resumed(double objective, double grad_norm) {
  last_finite_f_ = objective;
  last_finite_g_ = grad_norm;
  if (grad_norm <= target_) {
    finish("converged", objective, grad_norm);
  } else if (result.iterations >= opt.max_iter) {
    finish("max_iter", objective, grad_norm);
  } else if (stop_requested()) {
    finish("interrupted", objective, grad_norm);
  }
  return finished();
}

SolverState Run::base_state(std::span<const double> w) const {
  SolverState st;
  st.kind = opt.kind;
  st.iter = result.iterations;
  st.w.assign(w.begin(), w.end());
  st.grad_norm0 = result.grad_norm0;
  st.seconds = seconds();
  st.history = result.history;
  return st;
}

bool Run::state_due(int64_t iter) const {
  if (!opt.on_state) return false;
  if (finished()) return result.stop_reason != "diverged";
  return opt.state_every > 0 && iter > 0 && iter % opt.state_every == 0;
}

void Run::restore_last_finite(std::vector<double>& w) {
  if (last_finite_w_.size() != w.size()) {  // not even the start was finite
    result.last_finite_iter = -1;
    return;
  }
  w = last_finite_w_;
  result.objective = last_finite_f_;
  result.grad_norm = last_finite_g_;
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

bool valid_generator_state(const std::string& text) {
  std::istringstream is(text);
  std::mt19937_64 rng;
  if (!(is >> rng) || !(is >> std::ws).eof()) return false;
  // The generator's output is its state, twisted and tempered (both one to one): 624 draws
  // span a whole twisted state, so all of them are 0 exactly when the state is degenerate.
  for (int k = 0; k < 2 * 312; ++k)
    if (rng() != 0) return true;
  return false;
}

namespace {

// Throws ValueError naming the first way `st` does not fit this objective and these options.
void check_resume_state(const SolverState& st, const Objective& obj, const SolverOptions& o) {
  auto bad = [](const std::string& what) { throw ValueError("cannot resume: " + what); };
  const auto n = static_cast<size_t>(obj.dim());
  const auto m = obj.examples();
  if (st.kind != o.kind)
    bad(std::string("the state is of solver ") + solver_name(st.kind) + ", this run uses " +
        solver_name(o.kind));
  if (st.w.size() != n)
    bad("the state has " + std::to_string(st.w.size()) + " parameters, the objective " +
        std::to_string(n));
  if (st.iter < 0) bad("negative iteration count");
  for (double v : st.w)
    if (!std::isfinite(v)) bad("the state's parameters are not finite");
  if (!(st.grad_norm0 >= 0) || !std::isfinite(st.grad_norm0)) bad("bad gradient norm at 0");
  auto sized = [&](const std::vector<double>& v, const char* what) {
    if (v.size() != n)
      bad(std::string("the state's ") + what + " has " + std::to_string(v.size()) +
          " entries, not " + std::to_string(n));
  };
  switch (o.kind) {
    case SolverKind::kNewton:
      if (!(st.delta >= 0) || !std::isfinite(st.delta)) bad("bad trust-region radius");
      break;
    case SolverKind::kLbfgs:
      if (static_cast<int64_t>(st.pairs.size()) > o.lbfgs_memory)
        bad("the state holds " + std::to_string(st.pairs.size()) + " L-BFGS pairs, more than "
            "the memory of " + std::to_string(o.lbfgs_memory));
      for (const LbfgsPair& p : st.pairs) {
        sized(p.s, "L-BFGS pair s");
        sized(p.y, "L-BFGS pair y");
        if (!std::isfinite(p.rho)) bad("an L-BFGS pair has a non-finite rho");
      }
      break;
    default: {
      if (!(st.lr > 0) || !std::isfinite(st.lr)) bad("bad learning rate in the state");
      if (o.lr > 0 && o.lr != st.lr)
        bad("the state was made with learning rate " + std::to_string(st.lr) + ", this run " +
            std::to_string(o.lr));
      if (o.kind == SolverKind::kMomentum) sized(st.velocity, "velocity");
      if (o.kind == SolverKind::kAdam) {
        sized(st.adam_m, "first moment");
        sized(st.adam_v, "second moment");
        if (st.adam_t < 0) bad("negative adam step count");
      }
      if (o.kind == SolverKind::kGd) break;
      if (!valid_generator_state(st.rng))
        bad("the state's shuffling generator is unreadable or all zero (it would never shuffle)");
      if (static_cast<int64_t>(st.order.size()) != m)
        bad("the state's example order has " + std::to_string(st.order.size()) +
            " entries, the data " + std::to_string(m) + " examples");
      std::vector<char> seen(static_cast<size_t>(m), 0);
      for (int64_t r : st.order) {
        if (r < 0 || r >= m || seen[static_cast<size_t>(r)])
          bad("the state's example order is not a permutation of the examples");
        seen[static_cast<size_t>(r)] = 1;
      }
      if (st.epoch_pos < 0 || st.epoch_pos >= std::max<int64_t>(m, 1))
        bad("the state's position in the epoch is out of range");
    }
  }
}

}  // namespace

void check_options(const SolverOptions& o) {
  auto bad = [](const std::string& what, double v) {
    std::ostringstream os;
    os << what << ", got " << v;
    return ValueError(os.str());
  };
  if (!(o.tol > 0)) throw bad("tol must be > 0", o.tol);
  if (o.max_iter < 1) throw bad("max_iter must be at least 1", static_cast<double>(o.max_iter));
  if (!(o.max_seconds >= 0)) throw bad("max_seconds must be >= 0 (0: no limit)", o.max_seconds);
  if (o.kind == SolverKind::kNewton || o.kind == SolverKind::kLbfgs) {
    if (o.kind == SolverKind::kLbfgs && o.lbfgs_memory < 1)
      throw bad("lbfgs_memory must be at least 1", o.lbfgs_memory);
    return;
  }
  if (!(o.lr >= 0) || !std::isfinite(o.lr))
    throw bad("lr (the step size) must be > 0, or 0 for the default", o.lr);
  if (o.kind == SolverKind::kGd) return;
  if (o.batch_size < 1) throw bad("batch_size must be at least 1", static_cast<double>(o.batch_size));
  if (o.kind == SolverKind::kMomentum && !(o.momentum >= 0 && o.momentum < 1))
    throw bad("momentum must be in [0, 1)", o.momentum);
  if (o.kind == SolverKind::kAdam) {
    if (!(o.beta1 >= 0 && o.beta1 < 1)) throw bad("beta1 must be in [0, 1)", o.beta1);
    if (!(o.beta2 >= 0 && o.beta2 < 1)) throw bad("beta2 must be in [0, 1)", o.beta2);
    if (!(o.adam_eps > 0)) throw bad("adam_eps must be > 0", o.adam_eps);
  }
}

SolveResult minimize(Objective& objective, std::vector<double>& w, const SolverOptions& options,
                     const ProgressFn& progress) {
  if (options.resume) {
    check_resume_state(*options.resume, objective, options);
    w = options.resume->w;
  }
  if (static_cast<int64_t>(w.size()) != objective.dim())
    throw ShapeError("minimize: the start point has " + std::to_string(w.size()) +
                     " parameters, the objective " + std::to_string(objective.dim()));
  check_options(options);
  if (options.kind == SolverKind::kNewton && objective.l1() > 0)
    throw ValueError("the newton solver handles the L2 penalty only: with an L1 term use the "
                     "lbfgs (OWL-QN) or gd (proximal) solver");
  optim::Run run(objective, options, progress);
  run.init_target();
  switch (options.kind) {
    case SolverKind::kNewton: optim::solve_newton(run, w); break;
    case SolverKind::kLbfgs: optim::solve_lbfgs(run, w); break;
    default: optim::solve_first_order(run, w); break;
  }
  if (run.result.stop_reason == "diverged") run.restore_last_finite(w);
  return run.result;
}

}  // namespace lograd
