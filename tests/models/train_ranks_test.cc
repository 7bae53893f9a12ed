// Data-parallel training without MPI: K ranks run as K threads, each with a contiguous shard of
// the examples, through a Collective that sums in rank order (as the MPI one will). Every rank
// must return the one-process model: objective within 1e-12 relative, weights within 1e-10,
// and the ranks' models identical to each other bit for bit.
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lograd/checkpoint.h"
#include "lograd/collective.h"
#include "lograd/metrics.h"
#include "lograd/parallel.h"
#include "lograd/readers.h"
#include "lograd/train.h"
#include "thread_ranks.h"

namespace lograd {
namespace {

using testing::Hub;
using testing::ThreadRank;

// Trains on `data` split into k shards, one thread per rank: contiguous ranges, or (interleaved)
// every k-th example as a gzip file is read; returns each rank's result. `per_rank` adjusts a
// rank's options (a checkpoint sink, say).
std::vector<TrainResult> train_on_ranks(
    const Dataset& data, const TrainOptions& options, int k, bool interleaved = false,
    const std::function<void(int, TrainOptions&)>& per_rank = nullptr) {
  Hub hub(k);
  std::vector<TrainResult> results(k);
  std::vector<std::string> errors(k);
  std::vector<std::thread> threads;
  for (int r = 0; r < k; ++r)
    threads.emplace_back([&, r] {
      std::vector<int64_t> rows;
      if (interleaved)
        for (int64_t i = r; i < data.rows(); i += k) rows.push_back(i);
      else
        for (int64_t i = data.rows() * r / k; i < data.rows() * (r + 1) / k; ++i) rows.push_back(i);
      Dataset shard = subset(data, rows);
      if (interleaved) {
        shard.shard_first = r;
        shard.shard_stride = k;
      }
      TrainOptions o = options;
      o.collective = std::make_shared<ThreadRank>(hub, r);
      if (per_rank) per_rank(r, o);
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

// Options that run `solver` (by name), as the CLI's --solver gives it.
TrainOptions with_solver(const char* solver) {
  TrainOptions o;
  o.solver.kind = parse_solver(solver);
  o.solver_given = true;
  return o;
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
    TrainOptions o = with_solver(solver);
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

// With exact sums every sum over the examples has the same bits however the rows are split,
// so newton and lbfgs, whose ill-conditioned a9a runs amplify rounding 1e4-fold, return one
// process's model to the bit: contiguous and every-k-th-example shards, K = 2 and 3, binary,
// standardised, and multinomial on USPS. (The fused kernels' sums promise this only up to
// rounding: see BinaryA9aEverySolverMatchesOneProcess.)
TEST_F(TrainRanks, ExactSumsGiveOneProcessBits) {
  const Dataset a9a = bundled("a9a.gz", false);
  for (const char* solver : {"newton", "lbfgs"}) {
    TrainOptions o = with_solver(solver);
    o.solver.tol = 1e-8;
    o.exact_sums = true;
    const TrainResult one = train_logistic(a9a, o);
    for (int k : {2, 3})
      for (bool interleaved : {false, true})
        for (const TrainResult& r : train_on_ranks(a9a, o, k, interleaved)) {
          EXPECT_EQ(r.objective, one.objective) << solver << ", " << k << " ranks";
          EXPECT_EQ(r.model.w, one.model.w) << solver << ", " << k << " ranks";
          EXPECT_EQ(r.model.b, one.model.b) << solver << ", " << k << " ranks";
        }
  }
  TrainOptions st;
  st.standardize = true;  // column means and deviations summed exactly too
  st.exact_sums = true;
  const TrainResult one_st = train_logistic(a9a, st);
  for (const TrainResult& r : train_on_ranks(a9a, st, 3, true)) {
    EXPECT_EQ(r.model.w, one_st.model.w) << "standardised";
    EXPECT_EQ(r.model.scale, one_st.model.scale) << "standardised";
  }
  const Dataset usps = bundled("usps.train.csv.gz", true);
  TrainOptions mn;
  mn.solver.max_iter = 4;  // the bits of every step, not the optimum
  mn.exact_sums = true;
  const TrainResult one_mn = train_logistic(usps, mn);
  for (const TrainResult& r : train_on_ranks(usps, mn, 2)) {
    EXPECT_EQ(r.model.w, one_mn.model.w) << "usps multinomial";
    EXPECT_EQ(r.model.biases, one_mn.model.biases) << "usps multinomial";
  }
}

// The minibatch solvers shuffle the global example numbers alike on every rank, so each step
// uses one process's minibatch and differs from it by the order of its sums only: the result is
// one process's to rounding, for contiguous shards and for every-k-th-example shards alike.
TEST_F(TrainRanks, MinibatchSolversMatchOneProcess) {
  const Dataset data = bundled("a9a.gz", false);
  for (const char* solver : {"sgd", "momentum", "adam"}) {
    TrainOptions o = with_solver(solver);
    o.solver.max_iter = 3;  // epochs
    o.solver.batch_size = 100;
    o.solver.seed = 11;
    const TrainResult one = train_logistic(data, o);
    ASSERT_EQ(one.solve.iterations, 3);
    expect_same_model(one, train_on_ranks(data, o, 2), std::string("a9a ") + solver, Noise{});
    expect_same_model(one, train_on_ranks(data, o, 3, /*interleaved=*/true),
                      std::string("a9a every 3rd example, ") + solver, Noise{});
  }
}

// A checkpoint of a data-parallel run (the ranks' states are the same; the data's fingerprint
// is of the parts) resumes under as many ranks to the uninterrupted run's bits, and is refused
// by name under another count.
TEST_F(TrainRanks, CheckpointsResumeUnderTheSameRanks) {
  const Dataset data = bundled("a9a.gz", false);
  for (const char* solver : {"newton", "adam"}) {
    TrainOptions o = with_solver(solver);
    o.solver.tol = 1e-14;
    o.solver.max_iter = 4;
    o.solver.batch_size = 500;
    const std::vector<TrainResult> full = train_on_ranks(data, o, 2);
    TrainOptions first = o;
    first.solver.max_iter = 2;
    first.checkpoint_every = 2;
    std::vector<Checkpoint> saved(2);
    train_on_ranks(data, first, 2, false, [&](int r, TrainOptions& mine) {
      mine.on_checkpoint = [&saved, r](const Checkpoint& c) { saved[r] = c; };
    });
    ASSERT_EQ(saved[0].state.iter, 2) << solver;
    EXPECT_EQ(saved[0].data.ranks, 2);
    EXPECT_EQ(saved[0].data.rows, data.rows());
    EXPECT_EQ(saved[0].state.w, saved[1].state.w) << "the ranks' states differ";
    TrainOptions second = o;
    second.resume = std::make_shared<const Checkpoint>(saved[0]);
    const std::vector<TrainResult> resumed = train_on_ranks(data, second, 2);
    EXPECT_EQ(resumed[0].solve.iterations, 4) << solver;
    EXPECT_EQ(resumed[0].model.w, full[0].model.w) << solver;
    EXPECT_EQ(resumed[0].model.b, full[0].model.b) << solver;
    EXPECT_EQ(resumed[0].objective, full[0].objective) << solver;

    Hub hub(3);  // under three ranks: refused by every rank, naming the count
    std::vector<std::string> errors(3);
    std::vector<std::thread> threads;
    for (int r = 0; r < 3; ++r)
      threads.emplace_back([&, r] {
        std::vector<int64_t> rows;
        for (int64_t i = data.rows() * r / 3; i < data.rows() * (r + 1) / 3; ++i) rows.push_back(i);
        TrainOptions mine = second;
        mine.collective = std::make_shared<ThreadRank>(hub, r);
        try {
          train_logistic(subset(data, rows), mine);
        } catch (const ValueError& e) {
          errors[r] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    EXPECT_NE(errors[0].find("written by 2 ranks (mpirun -np 2), this run has 3"), std::string::npos)
        << errors[0];
    EXPECT_EQ(errors[1], errors[0]);
    EXPECT_EQ(errors[2], errors[0]);
  }
}

// Runs fn(rank, part, collective) on k threads, each with a contiguous part of data.
void on_ranks(const Dataset& data, int k,
              const std::function<void(int, const Dataset&, Collective&)>& fn) {
  Hub hub(k);
  std::vector<std::thread> threads;
  for (int r = 0; r < k; ++r)
    threads.emplace_back([&, r] {
      std::vector<int64_t> rows;
      for (int64_t i = data.rows() * r / k; i < data.rows() * (r + 1) / k; ++i) rows.push_back(i);
      ThreadRank c(hub, r);
      fn(r, subset(data, rows), c);
    });
  for (auto& t : threads) t.join();
}

// Metrics over ranks are one process's metrics of the whole data (the same probabilities,
// gathered), and a label unknown to one rank's part is an error on every rank.
TEST_F(TrainRanks, MetricsOverRanksAreThoseOfTheWholeData) {
  const Dataset data = bundled("a9a.gz", false);
  const TrainResult fit = train_logistic(data, TrainOptions{});
  const BinaryMetrics one = evaluate(fit.model, data);
  const ClassMetrics one_k = evaluate_classes(fit.model, data);
  std::vector<BinaryMetrics> got(3);
  std::vector<ClassMetrics> got_k(3);
  on_ranks(data, 3, [&](int r, const Dataset& part, Collective& c) {
    got[r] = evaluate(fit.model, part, c);
    got_k[r] = evaluate_classes(fit.model, part, c);
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(got[r].count, data.rows());
    EXPECT_EQ(got[r].tp, one.tp);
    EXPECT_EQ(got[r].fp, one.fp);
    EXPECT_EQ(got[r].roc_auc, one.roc_auc);
    EXPECT_NEAR(got[r].log_loss, one.log_loss, 1e-14);
    EXPECT_EQ(got_k[r].confusion, one_k.confusion);
    EXPECT_EQ(got_k[r].macro_f1, one_k.macro_f1);
  }
  Dataset odd = data;  // the last rows get a third label, on the last rank only
  odd.classes.push_back("7");
  for (int64_t i = odd.rows() - 5; i < odd.rows(); ++i) odd.label[static_cast<size_t>(i)] = 2;
  std::vector<std::string> errors(3);
  on_ranks(odd, 3, [&](int r, const Dataset& part, Collective& c) {
    try {
      evaluate(fit.model, part, c);
    } catch (const ValueError& e) {
      errors[r] = e.what();
    }
  });
  EXPECT_NE(errors[0].find("label '7'"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[1], errors[0]);
  EXPECT_EQ(errors[2], errors[0]);
}

// Cross-validation over ranks: one process's folds (a shuffle of the global example numbers),
// each trained data-parallel and scored over every rank's part of the fold.
TEST_F(TrainRanks, CrossValidationMatchesOneProcess) {
  const Dataset data = bundled("a9a.gz", false);
  TrainOptions o;
  o.solver.tol = 1e-10;
  const std::vector<BinaryMetrics> one = cross_validate(data, o, 4, 9);
  std::vector<std::vector<BinaryMetrics>> got(2);
  on_ranks(data, 2, [&](int r, const Dataset& part, Collective& c) {
    TrainOptions mine = o;
    mine.collective = std::shared_ptr<Collective>(std::shared_ptr<Collective>(), &c);
    got[r] = cross_validate(part, mine, 4, 9);
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(got[r].size(), one.size());
    for (size_t f = 0; f < one.size(); ++f) {
      EXPECT_EQ(got[r][f].count, one[f].count) << "fold " << f;
      EXPECT_NEAR(got[r][f].accuracy, one[f].accuracy, 2.0 / one[f].count) << "fold " << f;
      EXPECT_NEAR(got[r][f].log_loss, one[f].log_loss, 1e-9) << "fold " << f;
      EXPECT_NEAR(got[r][f].roc_auc, one[f].roc_auc, 1e-9) << "fold " << f;
    }
  }
}

// Parts that say they hold every K-th example but whose counts do not add up to that (a gzip
// file with a comment or a skipped line: the parts number lines, not examples) are numbered
// rank by rank instead, as one process on the parts concatenated in rank order: the same
// minibatches and the same folds, every minibatch's shares adding up to one and no fold number
// looked up past the end.
TEST_F(TrainRanks, StridesThatDoNotAddUpAreNumberedRankByRank) {
  const Dataset data = bundled("a9a.gz", false);
  std::vector<std::vector<int64_t>> rows(2);
  for (int64_t i = 0; i < data.rows(); ++i) rows[static_cast<size_t>(i % 2)].push_back(i);
  rows[0].resize(rows[0].size() - 2);  // rank 0 lost two examples: the counts do not add up
  std::vector<int64_t> concat = rows[0];
  concat.insert(concat.end(), rows[1].begin(), rows[1].end());
  const Dataset joined = subset(data, concat);
  TrainOptions o;
  o.solver.kind = SolverKind::kSgd;
  o.solver_given = true;
  o.solver.max_iter = 2;
  o.solver.batch_size = 100;
  const TrainResult one = train_logistic(joined, o);
  TrainOptions cv;
  cv.solver.tol = 1e-10;
  const std::vector<BinaryMetrics> one_cv = cross_validate(joined, cv, 3, 4);
  std::vector<TrainResult> got(2);
  std::vector<std::vector<BinaryMetrics>> got_cv(2);
  Hub hub(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      Dataset part = subset(data, rows[static_cast<size_t>(r)]);
      part.shard_first = r;
      part.shard_stride = 2;
      TrainOptions mine = o, mine_cv = cv;
      mine.collective = mine_cv.collective = std::make_shared<ThreadRank>(hub, r);
      got[static_cast<size_t>(r)] = train_logistic(part, mine);
      got_cv[static_cast<size_t>(r)] = cross_validate(part, mine_cv, 3, 4);
    });
  for (auto& t : threads) t.join();
  expect_same_model(one, got, "a9a, strides that do not add up", Noise{});
  for (size_t f = 0; f < one_cv.size(); ++f) {
    EXPECT_EQ(got_cv[0][f].count, one_cv[f].count) << "fold " << f;
    EXPECT_NEAR(got_cv[0][f].log_loss, one_cv[f].log_loss, 1e-9) << "fold " << f;
  }
}

// A check that fails on one rank fails on all (a rank that refused alone would leave the others
// waiting in the next sum): here the parts are cut in two different ways.
TEST_F(TrainRanks, EveryRankRefusesTogether) {
  const Dataset data = bundled("a9a.gz", false);
  TrainOptions o;
  Hub hub(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      TrainOptions mine = o;
      mine.collective = std::make_shared<ThreadRank>(hub, r);
      Dataset part = data;
      if (r == 1) {  // rank 1 says it holds every other example; rank 0, a contiguous range
        part.shard_first = 1;
        part.shard_stride = 2;
      }
      try {
        train_logistic(part, mine);
      } catch (const ValueError& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_NE(errors[0].find("cut differently"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[0], errors[1]);
}

}  // namespace
}  // namespace lograd
