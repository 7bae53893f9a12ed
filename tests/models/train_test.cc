// Training end to end on real data, against real peers: LIBLINEAR's optimum on a9a and
// kddcup99, scikit-learn's coefficients (committed by scripts/make_sklearn_ref.py), and the
// lecture's gradient descent replayed by hand on the engine's graph.
#include "lograd/train.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lograd/lecture.h"
#include "lograd/readers.h"

namespace lograd {
namespace {

const std::string kData = LOGRAD_DATASETS_DIR;

std::string dataset(const std::string& name) {
  const std::string p = kData + "/" + name;
  if (!std::filesystem::exists(p)) return "";
  return p;
}

#define REQUIRE_DATASET(var, name)                                              \
  const std::string var = dataset(name);                                        \
  if (var.empty()) GTEST_SKIP() << "dataset " << name << " not found in " << kData

TrainOptions liblinear_like(double tol) {
  TrainOptions o;
  o.c = 1.0;
  o.fit_bias = false;
  o.solver.tol = tol;
  return o;
}

// liblinear-train -s 0 -c 1 -e 1e-6 reaches 10529.56258 (../shared/datasets/README.md).
TEST(TrainRealData, A9aReachesLiblinearsOptimum) {
  REQUIRE_DATASET(train_path, "a9a");
  REQUIRE_DATASET(test_path, "a9a.t");
  const Dataset train = read_dataset(train_path);
  const TrainResult r = train_logistic(train, liblinear_like(1e-8));
  EXPECT_TRUE(r.solve.converged) << r.solve.stop_reason;
  EXPECT_NEAR(r.objective_liblinear, 10529.56258, 1e-6 * 10529.56258);
  ReadOptions ro;
  ro.min_features = 123;
  const BinaryMetrics m = evaluate(r.model, read_dataset(test_path, ro));
  EXPECT_GE(m.accuracy, 0.849);
  EXPECT_EQ(m.count, 16281);
}

// Raw kddcup99 has features up to ~1e9: LIBLINEAR at -e 1e-6 stops at 4540.12.
TEST(TrainRealData, Kddcup99NewtonReachesLiblinearsObjectiveOrSaysItDidNot) {
  REQUIRE_DATASET(path, "kddcup99_10pct_binary.libsvm.gz");
  const Dataset data = read_dataset(path);
  TrainOptions o = liblinear_like(1e-6);
  const TrainResult raw = train_logistic(data, o);
  if (raw.solve.converged) EXPECT_LE(raw.objective_liblinear, 4540.13);
  else EXPECT_NE(raw.solve.stop_reason, "converged");
  for (double v : raw.model.w) EXPECT_TRUE(std::isfinite(v));
  o.standardize = true;
  const TrainResult st = train_logistic(data, o);
  EXPECT_TRUE(st.solve.converged) << st.solve.stop_reason;
}

// scikit-learn's LogisticRegression(C=1, solver='newton-cg', tol=1e-8), bias fitted and not
// penalised, as committed in tests/golden/sklearn_reference.json.
TEST(TrainRealData, CoefficientsMatchScikitLearn) {
  std::ifstream f(std::string(LOGRAD_GOLDEN_DIR) + "/sklearn_reference.json");
  ASSERT_TRUE(f) << "missing tests/golden/sklearn_reference.json: run scripts/make_sklearn_ref.py";
  const nlohmann::json ref = nlohmann::json::parse(f);
  ASSERT_EQ(ref["cases"].size(), 2u);
  for (const auto& c : ref["cases"]) {
    const std::string path = dataset(c["file"].get<std::string>());
    if (path.empty()) GTEST_SKIP() << "dataset " << c["file"] << " not found";
    ReadOptions ro;
    ro.min_features = c["n_features"].get<int64_t>();
    ro.value_type = ValueType::kFloat64;
    const Dataset data = read_dataset(path, ro);
    ASSERT_EQ(data.rows(), c["rows"].get<int64_t>());
    TrainOptions o;
    o.c = 1.0;
    o.solver.tol = 1e-10;
    const TrainResult r = train_logistic(data, o);
    // sklearn's positive class is classes[1]; ours is labels.names[1].
    ASSERT_EQ(std::stod(r.model.labels.names[1]), c["classes"][1].get<double>());
    const auto coef = c["coef"].get<std::vector<double>>();
    ASSERT_EQ(coef.size(), r.model.w.size());
    double worst = 0;
    for (size_t j = 0; j < coef.size(); ++j) worst = std::max(worst, std::abs(coef[j] - r.model.w[j]));
    EXPECT_LE(worst, 1e-5) << c["name"];
    EXPECT_NEAR(r.model.b, c["intercept"].get<double>(), 1e-5) << c["name"];
  }
}

// A small dataset in memory: m examples, two features, labels "0"/"1".
Dataset small_dataset() {
  Tensor<double> x = Tensor<double>::matrix(6, 2, {1, 2, -1, 0.5, 0.3, -2, 2, 1, -0.5, -1, 0, 3});
  Dataset d;
  d.x = DataMatrix(x);
  d.classes = {"0", "1"};
  d.label = {1, 0, 0, 1, 0, 1};
  return d;
}

// The lecture's update w <- w - lr dw, b <- b - lr db, where dw, db come from backward on the
// vectorised graph built from primitive ops, reproduces the gd solver epoch by epoch.
TEST(TrainGd, ReproducesTheLecturesStepsOnTheEnginesGraph) {
  const Dataset d = small_dataset();
  const double lr = 0.7;
  Tensor<double> x = Tensor<double>::matrix(6, 2, {1, 2, -1, 0.5, 0.3, -2, 2, 1, -0.5, -1, 0, 3});
  Tensor<double> y = Tensor<double>::vector({1, 0, 0, 1, 0, 1});
  std::vector<double> w{0, 0};
  double b = 0;
  for (int epoch = 1; epoch <= 25; ++epoch) {
    Graph<double> g;
    const BatchGraph<double> bg =
        build_batch_graph(g, x, y, Tensor<double>::vector(w), b, LossForm::kPrimitive);
    g.backward(bg.loss);
    for (int j = 0; j < 2; ++j) w[j] -= lr * bg.w.grad()[j];
    b -= lr * bg.b.grad().item();

    TrainOptions o;
    o.lambda = 0.0;
    o.solver.kind = SolverKind::kGd;
    o.solver_given = true;
    o.solver.lr = lr;
    o.solver.tol = 1e-300;
    o.solver.max_iter = epoch;
    const TrainResult r = train_logistic(d, o);
    ASSERT_EQ(r.solve.iterations, epoch);
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(r.model.w[j], w[j], 1e-13 * (1 + std::abs(w[j]))) << epoch;
    EXPECT_NEAR(r.model.b, b, 1e-13 * (1 + std::abs(b))) << epoch;
  }
}

// Plain gradient descent is slow on a9a (condition number ~1e5), but given enough epochs it
// reaches the optimum's objective to 1e-4. About 7,000 epochs at lr = 2 (stable below ~2.5).
TEST(TrainGd, A9aReachesTheOptimumGivenEnoughEpochs) {
  REQUIRE_DATASET(path, "a9a");
  const Dataset data = read_dataset(path);
  const double f_star = train_logistic(data, liblinear_like(1e-9)).objective;
  TrainOptions o = liblinear_like(1e-12);
  o.solver.kind = SolverKind::kGd;
  o.solver_given = true;
  o.solver.lr = 2.0;
  o.solver.max_iter = 8000;
  const TrainResult r = train_logistic(data, o);
  EXPECT_LE(r.objective, f_star * (1 + 1e-4)) << "after " << r.solve.iterations << " epochs";
  EXPECT_GE(r.objective, f_star * (1 - 1e-12));
}

TEST(Train, SeparableDataWithoutRegularisationWarns) {
  REQUIRE_DATASET(path, "agaricus.txt.train");
  const Dataset data = read_dataset(path);
  TrainOptions o;
  o.lambda = 0.0;
  o.solver.max_iter = 200;
  const TrainResult r = train_logistic(data, o);
  EXPECT_TRUE(r.separable_warning);
  for (double v : r.model.w) EXPECT_TRUE(std::isfinite(v));
}

TEST(Train, CrossValidationGivesOneResultPerFold) {
  const Dataset d = small_dataset();
  TrainOptions o;
  o.lambda = 0.1;
  const auto folds = cross_validate(d, o, 3, 1);
  ASSERT_EQ(folds.size(), 3u);
  int64_t total = 0;
  for (const auto& f : folds) total += f.count;
  EXPECT_EQ(total, 6);
  EXPECT_THROW(cross_validate(d, o, 7, 1), ValueError);
}

// The folds are stratified: each class is dealt evenly over the folds (its count in a fold's
// test part is floor or ceil of n_c / K), so a class of 3 examples is in every training part of
// 3 folds; the fold sizes differ by one at most.
TEST(Train, CrossValidationFoldsAreStratified) {
  Dataset d;
  d.classes = {"a", "b", "c"};
  const int counts[3] = {10, 7, 3};
  std::vector<double> x;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < counts[c]; ++i) {
      d.label.push_back(c);
      x.push_back(c + 0.1 * i);
      x.push_back(c == 1 ? 1.0 : -0.5 * i);
    }
  // Interleaved by a stride, so that file order is not class order.
  Dataset e = d;
  for (size_t i = 0; i < d.label.size(); ++i) e.label[i] = d.label[(i * 7) % d.label.size()];
  for (const Dataset* data : {&d, &e}) {
    Tensor<double> t(Shape{static_cast<int64_t>(data->label.size()), 2});
    for (size_t i = 0; i < data->label.size(); ++i) {
      t.at(static_cast<int64_t>(i), 0) = x[2 * i];
      t.at(static_cast<int64_t>(i), 1) = x[2 * i + 1];
    }
    Dataset with_x = *data;
    with_x.x = DataMatrix(t);
    TrainOptions o;
    o.lambda = 0.1;
    for (uint64_t seed : {1, 2, 3}) {
      const auto folds = cross_validate_classes(with_x, o, 3, seed);
      ASSERT_EQ(folds.size(), 3u);
      for (const auto& f : folds) {
        EXPECT_GE(f.count, 6);
        EXPECT_LE(f.count, 7);
        for (int c = 0; c < 3; ++c) {
          EXPECT_GE(f.support[c], counts[c] / 3) << c;
          EXPECT_LE(f.support[c], (counts[c] + 2) / 3) << c;
        }
      }
    }
  }
}

TEST(Train, OneClassIsRefusedWithAReason) {
  Dataset d = small_dataset();
  d.label.assign(6, 1);
  try {
    train_logistic(d, TrainOptions{});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("one class"), std::string::npos) << e.what();
  }
}

// Issue 15, item 5: all-zero sample weights trained to w = 0 and said "converged after 0
// iterations"; they are refused. One weight > 0 is enough.
TEST(Train, AllZeroWeightsAreRefused) {
  Dataset d = small_dataset();
  d.weight.assign(6, 0.0);
  try {
    train_logistic(d, TrainOptions{});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("every example has weight 0"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "names no CLI flag";
  }
  d.weight[0] = 1;
  d.weight[3] = 1;
  const TrainResult r = train_logistic(d, TrainOptions{});
  EXPECT_GT(r.solve.iterations, 0);
}

// The library names parameters, not the CLI's flags.
TEST(Train, ParameterErrorsNameNoFlags) {
  const Dataset d = small_dataset();
  TrainOptions o;
  o.c = -1.0;
  try {
    train_logistic(d, o);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("C must be > 0", 0), 0u) << e.what();
  }
  o = TrainOptions{};
  o.l1_ratio = 1;
  o.solver.kind = SolverKind::kNewton;
  o.solver_given = true;
  try {
    train_logistic(d, o);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lograd
