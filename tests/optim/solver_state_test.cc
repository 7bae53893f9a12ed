// Checkpoint state of every solver: a run stopped after k iterations (or inside an iteration,
// or between two minibatches) and resumed from its exported state reaches the same parameters,
// bit for bit, as a run that was never stopped; the state survives the checkpoint file; a
// diverging run keeps its last finite point.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>

#include "lograd/checkpoint.h"
#include "lograd/solver.h"

namespace lograd {
namespace {

std::shared_ptr<const DataMatrix> features(int64_t m, int64_t n, uint64_t seed,
                                           std::vector<double>& y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  Tensor<double> x(Shape{m, n});
  y.clear();
  for (int64_t i = 0; i < m; ++i) {
    double z = 0.2;
    for (int64_t j = 0; j < n; ++j) {
      x.at(i, j) = nd(rng);
      z += (j % 2 ? 0.7 : -0.4) * x.at(i, j);
    }
    y.push_back(std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
  }
  return std::make_shared<const DataMatrix>(x);
}

std::unique_ptr<Objective> problem(double l2, double l1) {
  std::vector<double> y;
  auto x = features(300, 8, 7, y);
  return make_logistic_objective(x, y, {}, LogisticSpec{l2, l1, true, {}, {}});
}

// Forwards to an objective and calls `hook` after every evaluation (to raise a stop flag
// inside an iteration: between minibatches, CG steps or line-search trials).
class Hooked final : public Objective {
 public:
  Hooked(Objective& o, std::function<void()> hook) : o_(o), hook_(std::move(hook)) {}
  int64_t dim() const override { return o_.dim(); }
  int64_t examples() const override { return o_.examples(); }
  double fun_grad(std::span<const double> w, std::span<double> g) override {
    const double f = o_.fun_grad(w, g);
    hook_();
    return f;
  }
  double fun_grad_rows(std::span<const double> w, std::span<double> g,
                       std::span<const int64_t> rows) override {
    const double f = o_.fun_grad_rows(w, g, rows);
    hook_();
    return f;
  }
  void set_hessian_point() override { o_.set_hessian_point(); }
  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    o_.hess_vec(v, hv);
    hook_();
  }
  void hess_diag(std::span<double> d) override { o_.hess_diag(d); }
  double l2() const override { return o_.l2(); }
  double l1() const override { return o_.l1(); }
  int64_t penalized() const override { return o_.penalized(); }
  double passes() const override { return o_.passes(); }

 private:
  Objective& o_;
  std::function<void()> hook_;
};

SolverOptions options(SolverKind kind, int64_t max_iter) {
  SolverOptions o;
  o.kind = kind;
  o.tol = 1e-14;  // never reached: every run goes to max_iter
  o.max_iter = max_iter;
  o.batch_size = 32;  // 300 examples: 10 minibatches, the last one short
  if (kind == SolverKind::kSgd) o.lr = 0.05;
  if (kind == SolverKind::kMomentum) o.lr = 0.02;
  return o;
}

// The state after it has been through a checkpoint file and back.
std::shared_ptr<const SolverState> through_file(const SolverState& st) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lograd_state_" + std::to_string(::getpid()) + ".json"))
                               .string();
  Checkpoint ck;
  ck.options = {{"solver", solver_name(st.kind)}};
  // The data's shape as the trainer records it (the loader checks the state against it):
  // problem()'s 300 examples and 8 features, the bias fitted.
  ck.data.rows = 300;
  ck.data.cols = static_cast<int64_t>(st.w.size()) - 1;
  ck.threads = 1;
  ck.state = st;
  save_checkpoint(ck, path);
  Checkpoint back = load_checkpoint(path);
  std::filesystem::remove(path);
  return std::make_shared<const SolverState>(std::move(back.state));
}

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0)
        << what << ": w[" << i << "] " << a[i] << " vs " << b[i];
}

struct Case {
  SolverKind kind;
  double l1;  // > 0: OWL-QN (lbfgs) or proximal steps
};

void PrintTo(const Case& c, std::ostream* os) { *os << solver_name(c.kind) << " l1=" << c.l1; }

class Resume : public ::testing::TestWithParam<Case> {};

TEST_P(Resume, StoppedAtAnIterationAndResumedIsBitIdentical) {
  const Case c = GetParam();
  constexpr int64_t kTotal = 9;
  auto obj = problem(0.01, c.l1);
  // A start far from the optimum, where Newton's trust region binds and steps get rejected.
  std::vector<double> straight(static_cast<size_t>(obj->dim()), 1.0);
  const SolveResult full = minimize(*obj, straight, options(c.kind, kTotal));
  ASSERT_EQ(full.stop_reason, "max_iter") << "the test needs a run that does not converge";

  for (int64_t k : {1, 2, 4}) {
    SCOPED_TRACE("stopped after iteration " + std::to_string(k));
    // The first part, exporting its state after every iteration.
    std::vector<SolverState> states;
    SolverOptions first = options(c.kind, k);
    first.state_every = 1;
    first.on_state = [&](const SolverState& s) { states.push_back(s); };
    std::vector<double> w(static_cast<size_t>(obj->dim()), 1.0);
    const SolveResult part = minimize(*obj, w, first);
    EXPECT_EQ(part.stop_reason, "max_iter");
    // One per iteration (the one at the stop is not repeated).
    ASSERT_EQ(states.size(), static_cast<size_t>(k));
    EXPECT_EQ(states.front().iter, 1);
    EXPECT_EQ(states.back().iter, k);
    EXPECT_EQ(states.back().history.size(), static_cast<size_t>(k + 1));
    expect_same_bits(states.back().w, w, "the state's w is the run's");

    // The second part, from the state read back from a checkpoint file.
    SolverOptions second = options(c.kind, kTotal);
    second.resume = through_file(states.back());
    std::vector<double> resumed(w.size(), 123.0);  // ignored when resuming
    auto fresh = problem(0.01, c.l1);              // another objective: nothing carried over
    const SolveResult rest = minimize(*fresh, resumed, second);
    EXPECT_EQ(rest.stop_reason, "max_iter");
    EXPECT_EQ(rest.iterations, kTotal);
    ASSERT_EQ(rest.history.size(), full.history.size());
    for (size_t i = 0; i < full.history.size(); ++i)
      EXPECT_EQ(rest.history[i].objective, full.history[i].objective) << "iteration " << i;
    expect_same_bits(resumed, straight, solver_name(c.kind));
    EXPECT_EQ(rest.objective, full.objective);
    EXPECT_EQ(rest.grad_norm0, full.grad_norm0);
  }
}

// A long run's history is thinned (at most 1026 records: a checkpoint's size and the time to
// write it do not grow with the run), keeps iteration 0 and the last one, and a run resumed
// past the thinning holds the uninterrupted run's history, record for record.
TEST(ResumeHistory, ALongRunsHistoryIsBoundedAndResumesTheSame) {
  constexpr int64_t kTotal = 3000;
  auto obj = problem(0.01, 0.0);
  std::vector<double> w0(static_cast<size_t>(obj->dim()), 1.0);
  const SolveResult full = minimize(*obj, w0, options(SolverKind::kSgd, kTotal));
  ASSERT_EQ(full.iterations, kTotal);
  EXPECT_LE(full.history.size(), 1026u);
  EXPECT_GE(full.history.size(), 513u);
  EXPECT_EQ(full.history.front().iter, 0);
  EXPECT_EQ(full.history.back().iter, kTotal);
  for (size_t i = 1; i < full.history.size(); ++i)
    EXPECT_LT(full.history[i - 1].iter, full.history[i].iter);
  std::vector<SolverState> states;
  SolverOptions first = options(SolverKind::kSgd, 1700);
  first.state_every = 1700;
  first.on_state = [&](const SolverState& st) { states.push_back(st); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 1.0);
  minimize(*obj, w, first);
  ASSERT_FALSE(states.empty());
  EXPECT_LE(states.back().history.size(), 1026u);
  SolverOptions second = options(SolverKind::kSgd, kTotal);
  second.resume = through_file(states.back());
  std::vector<double> resumed(w.size(), 0.0);
  const SolveResult rest = minimize(*obj, resumed, second);
  ASSERT_EQ(rest.history.size(), full.history.size());
  for (size_t i = 0; i < full.history.size(); ++i) {
    EXPECT_EQ(rest.history[i].iter, full.history[i].iter) << i;
    EXPECT_EQ(rest.history[i].objective, full.history[i].objective) << i;
  }
}

// The stop flag raised inside an iteration (between minibatches for sgd/momentum/adam, inside
// conjugate gradients for newton, in the line search for lbfgs): the run stops there, and its
// final state resumes to the uninterrupted result.
TEST_P(Resume, InterruptedInsideAnIterationAndResumedIsBitIdentical) {
  const Case c = GetParam();
  constexpr int64_t kTotal = 7;
  auto obj = problem(0.01, c.l1);
  std::vector<double> straight(static_cast<size_t>(obj->dim()), 0.0);
  const SolveResult full = minimize(*obj, straight, options(c.kind, kTotal));

  for (int64_t stop_after : {1, 5, 13, 24}) {
    std::atomic<bool> stop{false};
    int64_t calls = 0;
    Hooked hooked(*obj, [&] {
      if (++calls == stop_after) stop = true;
    });
    std::shared_ptr<const SolverState> last;
    SolverOptions first = options(c.kind, kTotal);
    first.stop = &stop;
    first.on_state = [&](const SolverState& s) { last = std::make_shared<SolverState>(s); };
    std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
    const SolveResult part = minimize(hooked, w, first);
    if (part.stop_reason == "max_iter") continue;  // the run was shorter than stop_after
    ASSERT_EQ(part.stop_reason, "interrupted") << stop_after;
    ASSERT_TRUE(last) << "an interrupted run hands over its state";
    EXPECT_EQ(last->iter, part.iterations);
    EXPECT_EQ(last->epoch_pos, part.epoch_pos);

    SolverOptions second = options(c.kind, kTotal);
    second.resume = through_file(*last);
    std::vector<double> resumed;
    const SolveResult rest = minimize(*obj, resumed, second);
    EXPECT_EQ(rest.stop_reason, "max_iter");
    expect_same_bits(resumed, straight,
                     std::string(solver_name(c.kind)) + " stopped after " +
                         std::to_string(stop_after) + " evaluations");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Solvers, Resume,
    ::testing::Values(Case{SolverKind::kGd, 0}, Case{SolverKind::kSgd, 0},
                      Case{SolverKind::kMomentum, 0}, Case{SolverKind::kAdam, 0},
                      Case{SolverKind::kLbfgs, 0}, Case{SolverKind::kNewton, 0},
                      Case{SolverKind::kLbfgs, 0.002}, Case{SolverKind::kGd, 0.002}),
    [](const auto& info) {
      return std::string(solver_name(info.param.kind)) + (info.param.l1 > 0 ? "_l1" : "");
    });

TEST(Resume, InterruptsMidEpochAtAMinibatchBoundary) {
  auto obj = problem(0.01, 0);
  std::atomic<bool> stop{false};
  int64_t calls = 0;
  Hooked hooked(*obj, [&] {
    if (++calls == 4) stop = true;  // the pass at 0, the pass at the start, two minibatches
  });
  std::shared_ptr<const SolverState> last;
  SolverOptions o = options(SolverKind::kSgd, 5);
  o.stop = &stop;
  o.on_state = [&](const SolverState& s) { last = std::make_shared<SolverState>(s); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  const SolveResult r = minimize(hooked, w, o);
  EXPECT_EQ(r.stop_reason, "interrupted");
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.epoch_pos, 2 * 32);  // after two minibatches of the first epoch
  ASSERT_TRUE(last);
  EXPECT_EQ(last->epoch_pos, 64);
  EXPECT_EQ(last->order.size(), 300u);
  EXPECT_TRUE(std::isfinite(r.objective));
}

// An all-zero std::mt19937_64 returns 0 forever, and std::shuffle's rejection loop on it never
// ends: such a state (from a forged checkpoint) is refused before the solver draws from it.
TEST(Resume, AGeneratorThatCannotRunIsRefused) {
  EXPECT_FALSE(valid_generator_state(""));
  EXPECT_FALSE(valid_generator_state("1 2 3"));
  std::ostringstream os;
  os << std::mt19937_64(7);
  EXPECT_TRUE(valid_generator_state(os.str()));
  EXPECT_FALSE(valid_generator_state(os.str() + " 5")) << "nothing may follow the state";
  std::string zeros;
  for (int k = 0; k < 312; ++k) zeros += "0 ";
  EXPECT_FALSE(valid_generator_state(zeros + "0"));
  EXPECT_FALSE(valid_generator_state(zeros + "312"));

  auto obj = problem(0.01, 0);
  std::shared_ptr<const SolverState> last;
  SolverOptions o = options(SolverKind::kSgd, 2);
  o.on_state = [&](const SolverState& s) { last = std::make_shared<SolverState>(s); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  minimize(*obj, w, o);
  ASSERT_TRUE(last);
  ASSERT_EQ(last->epoch_pos, 0) << "at an epoch boundary: the next epoch starts with a shuffle";
  auto zero = std::make_shared<SolverState>(*last);
  zero->rng = zeros + "312";
  SolverOptions again = options(SolverKind::kSgd, 5);
  again.resume = zero;
  try {
    minimize(*obj, w, again);
    FAIL() << "resumed from an all-zero generator";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("shuffling generator"), std::string::npos) << e.what();
  }
}

TEST(Resume, AStateThatAlreadyMeetsTheStoppingRuleStopsAtOnce) {
  auto obj = problem(0.01, 0);
  std::shared_ptr<const SolverState> last;
  SolverOptions o = options(SolverKind::kNewton, 50);
  o.tol = 1e-8;
  o.on_state = [&](const SolverState& s) { last = std::make_shared<SolverState>(s); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  const SolveResult r = minimize(*obj, w, o);
  ASSERT_TRUE(r.converged);
  ASSERT_TRUE(last);
  SolverOptions again = options(SolverKind::kNewton, 50);
  again.tol = 1e-8;
  again.resume = last;
  std::vector<double> w2;
  const SolveResult r2 = minimize(*obj, w2, again);
  EXPECT_TRUE(r2.converged);
  EXPECT_EQ(r2.iterations, r.iterations);
  expect_same_bits(w2, w, "nothing moves");
}

TEST(Resume, AStateOfAnotherSolverOrSizeIsRefused) {
  auto obj = problem(0.01, 0);
  std::shared_ptr<const SolverState> last;
  SolverOptions o = options(SolverKind::kGd, 2);
  o.on_state = [&](const SolverState& s) { last = std::make_shared<SolverState>(s); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  minimize(*obj, w, o);
  ASSERT_TRUE(last);

  SolverOptions other = options(SolverKind::kNewton, 5);
  other.resume = last;
  try {
    minimize(*obj, w, other);
    FAIL() << "a gd state resumed by newton";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("solver gd, this run uses newton"), std::string::npos)
        << e.what();
  }
  auto bigger = std::make_shared<SolverState>(*last);
  bigger->w.push_back(0);
  SolverOptions same = options(SolverKind::kGd, 5);
  same.resume = bigger;
  EXPECT_THROW(minimize(*obj, w, same), ValueError);
  auto other_lr = std::make_shared<SolverState>(*last);
  SolverOptions lr = options(SolverKind::kGd, 5);
  lr.lr = other_lr->lr * 2;
  lr.resume = other_lr;
  EXPECT_THROW(minimize(*obj, w, lr), ValueError);
}

// ---- divergence ---------------------------------------------------------------------------

class Diverges : public ::testing::TestWithParam<SolverKind> {};

TEST_P(Diverges, KeepsTheLastFinitePointAndSaysWhen) {
  // With the ridge term a step of 1e6 multiplies w by about -1e4 per step: inf soon.
  auto obj = problem(0.01, 0);
  SolverOptions o = options(GetParam(), 1000);
  o.lr = 1e6;
  std::vector<SolverState> states;
  o.state_every = 1;
  o.on_state = [&](const SolverState& s) { states.push_back(s); };
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  const SolveResult r = minimize(*obj, w, o);
  ASSERT_EQ(r.stop_reason, "diverged");
  EXPECT_FALSE(std::isfinite(r.history.back().objective) &&
               std::isfinite(r.history.back().grad_norm));
  EXPECT_EQ(r.last_finite_iter, r.iterations - 1);
  for (double v : w) ASSERT_TRUE(std::isfinite(v));
  EXPECT_TRUE(std::isfinite(r.objective));
  EXPECT_TRUE(std::isfinite(r.grad_norm));
  // w is the point of the last finite iteration, whose objective the result reports.
  EXPECT_EQ(r.objective, r.history[static_cast<size_t>(r.last_finite_iter)].objective);
  std::vector<double> g(w.size());
  const double f = obj->fun_grad(w, g);
  EXPECT_DOUBLE_EQ(f, r.objective);
  // No checkpoint of the diverged point: the last one is of a finite iteration.
  for (const SolverState& s : states)
    for (double v : s.w) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LT(states.empty() ? -1 : states.back().iter, r.iterations);
}

INSTANTIATE_TEST_SUITE_P(FirstOrder, Diverges,
                         ::testing::Values(SolverKind::kGd, SolverKind::kSgd,
                                           SolverKind::kMomentum),
                         [](const auto& info) { return std::string(solver_name(info.param)); });

TEST(Diverges, ANonFiniteStartIsReportedAndTheStartKept) {
  // lbfgs and newton never accept a non-finite step; a start with F = inf (huge weights) is
  // the one way they see one.
  for (SolverKind kind : {SolverKind::kLbfgs, SolverKind::kNewton}) {
    auto obj = problem(0.01, 0);
    std::vector<double> w(static_cast<size_t>(obj->dim()), 1e200);
    const SolveResult r = minimize(*obj, w, options(kind, 10));
    EXPECT_EQ(r.stop_reason, "diverged") << solver_name(kind);
    EXPECT_EQ(r.last_finite_iter, -1);
    for (double v : w) EXPECT_EQ(v, 1e200);
  }
}

}  // namespace
}  // namespace lograd
