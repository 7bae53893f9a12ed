// Checkpoints through the training pipeline: a run resumed from its checkpoint gives the model
// of the uninterrupted run bit for bit; other data or other options are refused by name; a
// diverging run's model holds the last finite parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lograd/checkpoint.h"
#include "lograd/train.h"

namespace lograd {
namespace {

Dataset make_data(int64_t m, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  Tensor<double> x(Shape{m, n});
  Dataset d;
  for (int64_t i = 0; i < m; ++i) {
    double z = -0.3;
    for (int64_t j = 0; j < n; ++j) {
      x.at(i, j) = nd(rng) * (1 + j);
      z += (j % 3 ? 0.5 : -0.8) * x.at(i, j) / (1 + j);
    }
    d.label.push_back(std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-z)));
  }
  d.x = DataMatrix(std::move(x));
  d.classes = {"no", "yes"};
  return d;
}

TrainOptions options(SolverKind kind, int64_t max_iter) {
  TrainOptions o;
  o.c = 10;
  o.standardize = true;
  o.solver.kind = kind;
  o.solver_given = true;
  o.solver.tol = 1e-14;
  o.solver.max_iter = max_iter;
  o.solver.batch_size = 50;
  return o;
}

class TrainResume : public ::testing::TestWithParam<SolverKind> {};

TEST_P(TrainResume, ResumedFromACheckpointGivesTheSameModel) {
  const Dataset data = make_data(400, 5, 3);
  const TrainResult full = train_logistic(data, options(GetParam(), 8));

  std::vector<Checkpoint> saved;
  TrainOptions first = options(GetParam(), 3);
  first.checkpoint_every = 2;
  first.on_checkpoint = [&](const Checkpoint& c) { saved.push_back(c); };
  train_logistic(data, first);
  ASSERT_EQ(saved.size(), 2u) << "at iteration 2, and at the stop (3)";
  EXPECT_EQ(saved[0].state.iter, 2);
  EXPECT_EQ(saved[1].state.iter, 3);
  EXPECT_EQ(saved[1].options["solver"], solver_name(GetParam()));
  EXPECT_EQ(saved[1].data.rows, 400);

  TrainOptions second = options(GetParam(), 8);
  second.resume = std::make_shared<const Checkpoint>(saved.back());
  const TrainResult resumed = train_logistic(data, second);
  EXPECT_EQ(resumed.solve.iterations, 8);
  ASSERT_EQ(resumed.model.w.size(), full.model.w.size());
  for (size_t j = 0; j < full.model.w.size(); ++j)
    EXPECT_EQ(resumed.model.w[j], full.model.w[j]) << j;
  EXPECT_EQ(resumed.model.b, full.model.b);
  EXPECT_EQ(resumed.objective, full.objective);
}

INSTANTIATE_TEST_SUITE_P(Solvers, TrainResume,
                         ::testing::Values(SolverKind::kGd, SolverKind::kSgd, SolverKind::kMomentum,
                                           SolverKind::kAdam, SolverKind::kLbfgs,
                                           SolverKind::kNewton),
                         [](const auto& info) { return std::string(solver_name(info.param)); });

// The message of the ValueError that resuming `ck` with these options on data throws.
std::string resume_error(const Dataset& data, TrainOptions o, const Checkpoint& ck) {
  o.resume = std::make_shared<const Checkpoint>(ck);
  try {
    train_logistic(data, o);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainResume, OtherOptionsOrDataAreRefusedByName) {
  const Dataset data = make_data(200, 4, 5);
  Checkpoint ck;
  TrainOptions o = options(SolverKind::kSgd, 2);
  o.solver.lr = 0.1;
  o.solver.seed = 7;
  o.on_checkpoint = [&](const Checkpoint& c) { ck = c; };
  train_logistic(data, o);
  o.on_checkpoint = nullptr;

  TrainOptions same = o;
  same.solver.max_iter = 5;  // limits may change
  same.solver.tol = 1e-3;
  EXPECT_EQ(resume_error(data, same, ck), "");

  TrainOptions lr = o;
  lr.solver.lr = 0.2;
  std::string e = resume_error(data, lr, ck);
  EXPECT_NE(e.find("lr: 0.1 in the checkpoint, 0.2 now"), std::string::npos) << e;

  TrainOptions seed = o;
  seed.solver.seed = 8;
  seed.c = 1;
  e = resume_error(data, seed, ck);
  EXPECT_NE(e.find("seed: 7 in the checkpoint, 8 now"), std::string::npos) << e;
  EXPECT_NE(e.find("lambda:"), std::string::npos) << e;

  TrainOptions solver = o;
  solver.solver.kind = SolverKind::kNewton;
  e = resume_error(data, solver, ck);
  EXPECT_NE(e.find("solver: \"sgd\" in the checkpoint, \"newton\" now"), std::string::npos) << e;

  Dataset other = data;
  other.label[0] = 1 - other.label[0];
  e = resume_error(other, o, ck);
  EXPECT_NE(e.find("on other data (the labels or example weights differ)"), std::string::npos) << e;
  EXPECT_EQ(e.find("with other options"), std::string::npos) << e;
}

TEST(TrainDiverges, TheModelHoldsTheLastFiniteParameters) {
  const Dataset data = make_data(300, 4, 9);
  TrainOptions o = options(SolverKind::kGd, 1000);
  o.c = 1;
  o.standardize = false;
  o.solver.lr = 1e6;
  const TrainResult r = train_logistic(data, o);
  EXPECT_EQ(r.solve.stop_reason, "diverged");
  EXPECT_GE(r.solve.last_finite_iter, 1);
  for (double v : r.model.w) EXPECT_TRUE(std::isfinite(v));
  EXPECT_TRUE(std::isfinite(r.model.b));
  EXPECT_TRUE(std::isfinite(r.objective));
  EXPECT_EQ(r.objective, r.solve.history[static_cast<size_t>(r.solve.last_finite_iter)].objective);
}

}  // namespace
}  // namespace lograd
