// Data-parallel training without MPI: K ranks run as K threads, each with a contiguous shard of
// the examples, through a Collective that sums in rank order (as the MPI one will). Every rank
// must return the one-process model: objective within 1e-12 relative, weights within 1e-10,
// and the ranks' models identical to each other bit for bit.
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "lograd/collective.h"
#include "lograd/parallel.h"
#include "lograd/readers.h"
#include "lograd/train.h"

namespace lograd {
namespace {

// K in-process ranks: sum() and gather() meet at a barrier, read every rank's slot in rank
// order, and meet again before the slots are reused.
struct Hub {
  explicit Hub(int k) : size(k), bar(k), slots(k), names(k) {}
  int size;
  std::barrier<> bar;
  std::vector<std::vector<double>> slots;
  std::vector<std::vector<std::string>> names;
};

class ThreadRank final : public Collective {
 public:
  ThreadRank(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size; }
  void sum(std::span<double> v) override {
    hub_.slots[rank_].assign(v.begin(), v.end());
    hub_.bar.arrive_and_wait();
    for (size_t i = 0; i < v.size(); ++i) {
      double acc = hub_.slots[0][i];
      for (int q = 1; q < hub_.size; ++q) acc += hub_.slots[q][i];
      v[i] = acc;
    }
    hub_.bar.arrive_and_wait();
  }
  std::vector<std::string> gather(const std::vector<std::string>& mine) override {
    hub_.names[rank_] = mine;
    hub_.bar.arrive_and_wait();
    std::vector<std::string> all;
    for (const auto& n : hub_.names) all.insert(all.end(), n.begin(), n.end());
    hub_.bar.arrive_and_wait();
    return all;
  }

 private:
  Hub& hub_;
  int rank_;
};

// Trains on `data` split into k contiguous shards, one thread per rank; returns each rank's result.
std::vector<TrainResult> train_on_ranks(const Dataset& data, const TrainOptions& options, int k) {
  Hub hub(k);
  std::vector<TrainResult> results(k);
  std::vector<std::string> errors(k);
  std::vector<std::thread> threads;
  for (int r = 0; r < k; ++r)
    threads.emplace_back([&, r] {
      std::vector<int64_t> rows;
      for (int64_t i = data.rows() * r / k; i < data.rows() * (r + 1) / k; ++i) rows.push_back(i);
      const Dataset shard = subset(data, rows);
      TrainOptions o = options;
      o.collective = std::make_shared<ThreadRank>(hub, r);
      try {
        results[r] = train_logistic(shard, o);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < k; ++r) EXPECT_EQ(errors[r], "") << "rank " << r;
  return results;
}

Dataset bundled(const std::string& name, bool csv) {
  ReadOptions o;
  if (csv) {
    o.header = false;
    o.label_column = "1";
  }
  return read_dataset(std::string(LOGRAD_SOURCE_DIR) + "/data/" + name, o);
}

// The largest difference between two models' parameters (weights and biases).
double parameter_distance(const Model& a, const Model& b) {
  double worst = std::abs(a.b - b.b);
  for (size_t j = 0; j < a.w.size(); ++j) worst = std::max(worst, std::abs(a.w[j] - b.w[j]));
  for (size_t q = 0; q < a.biases.size(); ++q)
    worst = std::max(worst, std::abs(a.biases[q] - b.biases[q]));
  return worst;
}

// How far rounding alone moves one process's result: its objective and parameters on the same
// rows in another order.
struct Noise {
  double objective = 0, params = 0;
};

// Every rank's model against one process's: the objective within 1e-12 relative and the
// parameters within 1e-10 or, where rounding alone moves them further, within 10x what
// reordering the rows of one process moves them (`noise`: ill-conditioned data such as a9a,
// whose nearly collinear features leave the objective flat along some directions, lets newton
// and lbfgs end 1e-7 apart when the same sums are merely added in another order). The ranks'
// models are identical to each other.
void expect_same_model(const TrainResult& one, const std::vector<TrainResult>& ranks,
                       const std::string& what, const Noise& noise) {
  for (size_t r = 0; r < ranks.size(); ++r) {
    const TrainResult& p = ranks[r];
    const std::string where = what + ", rank " + std::to_string(r) + " of " +
                              std::to_string(ranks.size());
    EXPECT_NEAR(p.objective, one.objective,
                std::max(1e-12 * std::abs(one.objective), 10 * noise.objective)) << where;
    ASSERT_EQ(p.model.w.size(), one.model.w.size()) << where;
    EXPECT_EQ(p.model.labels.names, one.model.labels.names) << where;
    const double d = parameter_distance(p.model, one.model);
    if (r == 0)
      std::printf("%s: objective %.17g, one process's %.17g (rows reordered: %.3g apart); "
                  "parameters %.3g apart (rows reordered: %.3g)\n", where.c_str(), p.objective,
                  one.objective, noise.objective, d, noise.params);
    EXPECT_LE(d, std::max(1e-10, 10 * noise.params)) << where;
    EXPECT_EQ(p.model.w, ranks[0].model.w) << where << ": ranks differ";
  }
}

// One process on data's rows in another order (the last rows first): how far rounding alone
// moves this solver's result.
Noise reorder_noise(const Dataset& data, const TrainOptions& o, const TrainResult& one) {
  std::vector<int64_t> rows;
  for (int64_t i = data.rows() / 2; i < data.rows(); ++i) rows.push_back(i);
  for (int64_t i = 0; i < data.rows() / 2; ++i) rows.push_back(i);
  const TrainResult r = train_logistic(subset(data, rows), o);
  return Noise{std::abs(r.objective - one.objective), parameter_distance(r.model, one.model)};
}

class TrainRanks : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = num_threads();
    set_num_threads(1);
  }
  void TearDown() override { set_num_threads(saved_); }
  int saved_ = 1;
};

TEST_F(TrainRanks, BinaryA9aEverySolverMatchesOneProcess) {
  const Dataset data = bundled("a9a.gz", false);
  for (const char* solver : {"newton", "lbfgs", "gd"}) {
    TrainOptions o;
    o.solver.kind = parse_solver(solver);
    o.solver_given = true;
    o.solver.tol = 1e-8;
    if (o.solver.kind == SolverKind::kGd) o.solver.max_iter = 60;  // the same 60 steps
    const TrainResult one = train_logistic(data, o);
    const Noise noise = reorder_noise(data, o, one);
    for (int k : {2, 3, 4})
      expect_same_model(one, train_on_ranks(data, o, k), std::string("a9a ") + solver, noise);
  }
}

TEST_F(TrainRanks, StandardizedBalancedAndL1MatchOneProcess) {
  const Dataset data = bundled("a9a.gz", false);
  TrainOptions o;
  o.standardize = true;  // column means and deviations over every rank's rows
  o.class_weight = "balanced";  // class counts over every rank's rows
  o.solver.tol = 1e-8;
  const TrainResult one = train_logistic(data, o);
  expect_same_model(one, train_on_ranks(data, o, 3), "a9a standardized, balanced",
                    reorder_noise(data, o, one));
  TrainOptions l1;  // elastic net: the L2 part keeps the optimum unique (pure L1 on a9a's
  l1.c = 0.5;       // collinear features is not: equal objectives, weights moved between them)
  l1.l1_ratio = 0.5;
  l1.solver.tol = 1e-8;
  const TrainResult one_l1 = train_logistic(data, l1);
  expect_same_model(one_l1, train_on_ranks(data, l1, 2), "a9a elastic net (OWL-QN)",
                    reorder_noise(data, l1, one_l1));
}

TEST_F(TrainRanks, MulticlassUspsMatchesOneProcess) {
  const Dataset data = bundled("usps.train.csv.gz", true);
  TrainOptions o;  // multinomial, newton
  o.solver.tol = 1e-6;
  const TrainResult one = train_logistic(data, o);
  expect_same_model(one, train_on_ranks(data, o, 2), "usps multinomial", reorder_noise(data, o, one));
  TrainOptions ovr;
  ovr.multi_class = "ovr";
  ovr.solver.tol = 1e-6;
  const TrainResult one_ovr = train_logistic(data, ovr);
  expect_same_model(one_ovr, train_on_ranks(data, ovr, 3), "usps one-vs-rest",
                    reorder_noise(data, ovr, one_ovr));
}

TEST_F(TrainRanks, EveryRankRefusesTogether) {
  const Dataset data = bundled("a9a.gz", false);
  TrainOptions o;
  o.solver.kind = SolverKind::kSgd;
  o.solver_given = true;
  Hub hub(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      TrainOptions mine = o;
      mine.collective = std::make_shared<ThreadRank>(hub, r);
      try {
        train_logistic(data, mine);
      } catch (const ValueError& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();  // a rank that refused alone would leave the other waiting
  EXPECT_NE(errors[0].find("sgd solver does not run data-parallel"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[0], errors[1]);
}

}  // namespace
}  // namespace lograd
