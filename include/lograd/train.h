// lograd/train.h: the training pipeline for logistic regression (binary, multinomial and
// one-vs-rest), from a Dataset to a Model: label mapping, weights, standardisation, the
// objective and the solver.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lograd/dataset.h"
#include "lograd/metrics.h"
#include "lograd/model.h"
#include "lograd/solver.h"

namespace lograd {

struct Checkpoint;  // lograd/checkpoint.h: a solver's full state, written and resumed
class Collective;  // lograd/collective.h: the sums of data-parallel training

struct TrainOptions {
  // Regularisation: F(w) = mean_i s_i loss_i + lambda ((1 - alpha)/2 ||w||^2 + alpha ||w||_1).
  std::optional<double> lambda;  // lambda itself, or
  std::optional<double> c;       // LIBLINEAR's / scikit-learn's C: lambda = 1 / (C m); default C = 1
  double l1_ratio = 0;           // alpha: 0 is L2 (ridge), 1 is L1 (lasso), between: elastic net
  bool fit_bias = true;          // the bias is fitted and never penalised
  bool standardize = false;      // x' = (x - mean) / std per feature (no centring without a bias)
  std::string class_weight;      // "", "balanced", or "w0,w1" (K classes: K numbers, in class order)
  // "auto" (binary for two classes, multinomial for more), "multinomial" (softmax over K
  // scores, also for two classes), or "ovr" (K binary models, class q against the rest).
  std::string multi_class = "auto";
  SolverOptions solver;
  bool solver_given = false;     // false: newton for L2, lbfgs (OWL-QN) with an L1 term
  // Sums over the examples that no split changes (make_exact_objective): the same bits on
  // any thread count and any number of ranks, with passes several times slower.
  bool exact_sums = false;

  // Checkpoints: on_checkpoint receives one every checkpoint_every iterations (0: none on the
  // way) and one when training stops for any reason but divergence.
  int64_t checkpoint_every = 0;
  std::function<void(const Checkpoint&)> on_checkpoint;
  // Continue the run that wrote this checkpoint, to the result it would have reached. Its data
  // and its result-deciding options (solver, lambda, l1_ratio, fit_bias, standardize,
  // class_weight, and the solver's lr, batch_size, seed, ...) must be this run's; tol,
  // max_iter and max_seconds may change.
  std::shared_ptr<const Checkpoint> resume;

  // Data-parallel training: `data` is this rank's shard of the examples, and every rank calls
  // train_logistic at once with its own shard and the same options; sums over the examples
  // (and the labels, counts, class weights and standardisation) are taken over all ranks, so
  // every rank returns the same model. Null (or one rank): one process. Every rank needs at
  // least one example and the same feature count; newton, lbfgs and gd only; no checkpoints.
  std::shared_ptr<Collective> collective;
};

struct TrainResult {
  Model model;
  SolveResult solve;
  SolverKind solver = SolverKind::kNewton;
  double lambda = 0;                 // the lambda actually used
  double objective = 0;              // F at the solution (mean form); ovr: the sum over classes
  std::vector<double> class_objectives;  // ovr: F of each class's binary model, in class order
  std::vector<int64_t> class_iterations;  // ovr: the iterations of each class's solve
  double objective_liblinear = 0;    // 0.5 ||w||^2 + C sum_i s_i loss_i (= F / lambda); NaN if lambda = 0
  double passes = 0;                 // full passes over the feature matrix
  double seconds = 0;                // solver wall time
  bool separable_warning = false;    // lambda = 0 and the model separates the data: the optimum is at infinity
};

// Trains on data (two or more classes; options.multi_class says how). `init` warm-starts
// from a model of the same kind with the same features and classes (its raw weights are
// mapped into this run's standardisation). One-vs-rest does not checkpoint or resume yet. Throws ValueError
// naming every difference when options.resume does not fit this data or these options.
// After a divergence the model holds the last finite parameters (solve.stop_reason
// "diverged", solve.last_finite_iter).
TrainResult train_logistic(const Dataset& data, const TrainOptions& options,
                           const Model* init = nullptr, const ProgressFn& progress = {});

// What multi_class means for data with `classes` classes: "binary", "multinomial" or "ovr".
// Throws ValueError for an unknown name.
std::string resolve_multi_class(const std::string& multi_class, size_t classes);

// The rows `rows` of data, in that order (for cross-validation folds).
Dataset subset(const Dataset& data, const std::vector<int64_t>& rows);

// The model's metrics on data; throws ValueError naming labels the model does not know.
BinaryMetrics evaluate(const Model& model, const Dataset& data);

// The multiclass metrics of any model on data (a binary model counts as two classes).
ClassMetrics evaluate_classes(const Model& model, const Dataset& data);

// The metrics of the whole data when it is split over the collective's ranks: every rank calls
// it at once with its part (possibly empty) and gets the same metrics, those of one process on
// all the parts. The ranks' targets and probabilities are gathered (8 (K + 1) bytes per
// example on every rank); an error on any rank is thrown on every rank.
BinaryMetrics evaluate(const Model& model, const Dataset& part, Collective& ranks);
ClassMetrics evaluate_classes(const Model& model, const Dataset& part, Collective& ranks);

// Throws ValueError naming the first example of `data` whose score or probability in `scores`
// (`per_row` values per example) is NaN or infinite: feature values so large that w.x
// overflows. Prediction and evaluation print no NaN.
void check_finite_scores(const Dataset& data, const std::vector<double>& scores, size_t per_row);

// Per-fold metrics of K-fold cross-validation (rows shuffled with `seed`, then dealt to the
// folds class by class: stratified, as scikit-learn's for classifiers). With
// options.collective, data is this rank's part: the folds are one process's (the shuffle is of
// the global example numbers), each is trained data-parallel and scored over all ranks.
std::vector<BinaryMetrics> cross_validate(const Dataset& data, const TrainOptions& options,
                                          int k, uint64_t seed);
std::vector<ClassMetrics> cross_validate_classes(const Dataset& data, const TrainOptions& options,
                                                 int k, uint64_t seed);

}  // namespace lograd
