#include "lograd/checkpoint.h"
#include "lograd/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "lograd/kernels.h"
#include "lograd/labels.h"
#include "lograd/objective.h"
#include "lograd/parallel.h"

namespace lograd {
namespace {

// Per-row weights: sample weights times class weights.
std::vector<double> row_weights(const Dataset& data, const std::vector<double>& y,
                                const std::string& class_weight) {
  const auto m = static_cast<size_t>(data.rows());
  std::vector<double> s = data.weight.empty() ? std::vector<double>(m, 1.0) : data.weight;
  if (class_weight.empty()) return s;
  double cw[2] = {1, 1};
  if (class_weight == "balanced") {
    double count[2] = {0, 0};
    for (double t : y) count[t > 0.5] += 1;
    for (int c = 0; c < 2; ++c) cw[c] = static_cast<double>(m) / (2 * count[c]);
  } else {
    std::istringstream is(class_weight);
    char comma = 0;
    if (!(is >> cw[0] >> comma >> cw[1]) || comma != ',' || !is.eof() || !(cw[0] > 0) ||
        !(cw[1] > 0) || !std::isfinite(cw[0]) || !std::isfinite(cw[1]))
      throw ValueError("class_weight must be 'balanced' or two positive numbers 'w0,w1' (the "
                       "weights of the negative and positive class), got '" + class_weight + "'");
  }
  for (size_t i = 0; i < m; ++i) s[i] *= cw[y[i] > 0.5];
  return s;
}

// Mean and population standard deviation of every column (zero-variance columns get scale 1).
void column_stats(const DataMatrix& x, std::vector<double>& mean, std::vector<double>& scale) {
  const int64_t m = x.rows(), n = x.cols();
  std::vector<double> sum(static_cast<size_t>(n)), sq(static_cast<size_t>(n));
  std::vector<double> ones(static_cast<size_t>(m), 1.0);
  const MatrixView xv = x.view();
  kernels::matmul_t(xv, kernels::Rows::all(xv), 1, ones.data(), sum.data());
  kernels::diag_xtdx(xv, kernels::Rows::all(xv), ones.data(), sq.data());
  mean.resize(static_cast<size_t>(n));
  scale.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    mean[j] = sum[j] / static_cast<double>(m);
    const double var = std::max(sq[j] / static_cast<double>(m) - mean[j] * mean[j], 0.0);
    scale[j] = var > 1e-300 ? std::sqrt(var) : 1.0;
  }
}

// The options that decide where a run goes, as a checkpoint stores them: the objective's
// (lambda as used, so --C and --lambda compare by value) and those of the solver in use.
nlohmann::json decisive_options(const TrainOptions& o, const SolverOptions& so, double lambda) {
  nlohmann::json j = {{"solver", solver_name(so.kind)}, {"lambda", lambda},
                      {"l1_ratio", o.l1_ratio},         {"fit_bias", o.fit_bias},
                      {"standardize", o.standardize},   {"class_weight", o.class_weight}};
  switch (so.kind) {
    case SolverKind::kNewton: break;
    case SolverKind::kLbfgs: j["lbfgs_memory"] = so.lbfgs_memory; break;
    default:
      j["lr"] = so.lr;  // as given; 0 is the default (the state holds the value in use)
      if (so.kind != SolverKind::kGd) {
        j["batch_size"] = so.batch_size;
        j["seed"] = so.seed;
      }
      if (so.kind == SolverKind::kMomentum) j["momentum"] = so.momentum;
      if (so.kind == SolverKind::kAdam) {
        j["beta1"] = so.beta1;
        j["beta2"] = so.beta2;
        j["adam_eps"] = so.adam_eps;
      }
  }
  return j;
}

// Throws ValueError naming each way `ck` does not fit this run's data and options.
void check_resumable(const Checkpoint& ck, const DataFingerprint& data,
                     const nlohmann::json& options) {
  const std::vector<std::string> data_diffs = fingerprint_differences(ck.data, data);
  std::vector<std::string> option_diffs;
  auto shown = [](const std::string& key, const nlohmann::json* v) {
    if (v == nullptr) return std::string("(not used)");
    if (key == "lr" && v->is_number() && v->get<double>() == 0) return std::string("default");
    if (v->is_string()) return v->get<std::string>().empty() ? std::string("(none)") : v->dump();
    return v->dump();
  };
  nlohmann::json keys = ck.options;
  keys.update(options);
  for (const auto& [key, unused] : keys.items()) {
    const auto a = ck.options.find(key), b = options.find(key);
    const nlohmann::json* then = a == ck.options.end() ? nullptr : &*a;
    const nlohmann::json* now = b == options.end() ? nullptr : &*b;
    if (then && now && *then == *now) continue;
    option_diffs.push_back(key + ": " + shown(key, then) + " in the checkpoint, " +
                           shown(key, now) + " now");
  }
  if (data_diffs.empty() && option_diffs.empty()) return;
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "; " : "") + v[i];
    return s;
  };
  std::string msg = "cannot resume: the checkpoint was made";
  if (!data_diffs.empty()) msg += " on other data (" + joined(data_diffs) + ")";
  if (!data_diffs.empty() && !option_diffs.empty()) msg += " and";
  if (!option_diffs.empty()) msg += " with other options (" + joined(option_diffs) + ")";
  msg += ". Resume with the data and the options of the run that wrote it (the tolerance, "
         "the iteration and time limits and the thread count may change)";
  throw ValueError(msg);
}

}  // namespace

Dataset subset(const Dataset& data, const std::vector<int64_t>& rows) {
  Dataset out;
  out.x = data.x.select_rows(rows);
  out.classes = data.classes;
  out.feature_names = data.feature_names;
  out.encoding = data.encoding;
  out.source = data.source;
  out.label.reserve(rows.size());
  for (int64_t r : rows) out.label.push_back(data.label[static_cast<size_t>(r)]);
  if (!data.weight.empty())
    for (int64_t r : rows) out.weight.push_back(data.weight[static_cast<size_t>(r)]);
  return out;
}

TrainResult train_logistic(const Dataset& data, const TrainOptions& options, const Model* init,
                           const ProgressFn& progress) {
  const int64_t m = data.rows(), n = data.cols();
  if (m == 0) throw ValueError("the training data has no examples");
  TrainResult result;
  Model& model = result.model;
  model.labels = binary_label_map(data);
  const std::vector<double> y = binary_targets(data, model.labels);
  std::vector<double> s = row_weights(data, y, options.class_weight);
  // All weights 0 make the loss term 0 whatever w is: the optimum is w = 0 from the start
  // ("converged after 0 iterations"), a model that learned nothing.
  if (std::none_of(s.begin(), s.end(), [](double v) { return v > 0; }))
    throw ValueError("every example has weight 0 (sample weights times class weights): there "
                     "is nothing to learn from; give some examples a weight > 0");

  if (options.lambda && options.c)
    throw ValueError("give either lambda or C, not both (lambda = 1 / (C m))");
  double lambda = 1.0 / static_cast<double>(m);  // C = 1
  if (options.lambda) lambda = *options.lambda;
  if (options.c) {
    if (!(*options.c > 0)) throw ValueError("C must be > 0 (lambda = 1 / (C m))");
    lambda = 1.0 / (*options.c * static_cast<double>(m));
  }
  if (!(lambda >= 0) || !std::isfinite(lambda)) throw ValueError("lambda must be finite and >= 0");
  if (!(options.l1_ratio >= 0 && options.l1_ratio <= 1))
    throw ValueError("the L1 share alpha (l1_ratio) must be in [0, 1]");
  result.lambda = lambda;

  LogisticSpec spec;
  spec.l2 = lambda * (1 - options.l1_ratio);
  spec.l1 = lambda * options.l1_ratio;
  spec.fit_bias = options.fit_bias;
  model.has_bias = options.fit_bias;
  model.n_features = n;
  model.feature_names = data.feature_names;
  model.encoding = data.encoding;
  if (options.standardize) {
    column_stats(data.x, model.mean, model.scale);
    spec.scale = model.scale;
    if (options.fit_bias) spec.mean = model.mean;
    else std::fill(model.mean.begin(), model.mean.end(), 0.0);  // scale only without a bias
  }

  auto x = std::make_shared<const DataMatrix>(data.x);
  std::unique_ptr<Objective> obj = make_logistic_objective(x, y, s, spec);

  // Start point: zeros, or the init model mapped into this run's feature space.
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  if (init) {
    if (init->n_features != n)
      throw ValueError("the initial model has " + std::to_string(init->n_features) +
                       " features but the data has " + std::to_string(n));
    const auto& mine = model.labels.names;
    const bool same = init->labels.names == mine;
    const bool swapped = init->labels.names == std::vector<std::string>{mine[1], mine[0]};
    if (!same && !swapped)
      throw ValueError("the initial model's classes ('" + init->labels.names[0] + "', '" +
                       init->labels.names[1] + "') differ from the data's ('" + mine[0] +
                       "', '" + mine[1] + "')");
    // A model with the classes the other way round (as LIBLINEAR orders them by first
    // appearance) predicts the same with every sign flipped.
    const double sign = swapped ? -1.0 : 1.0;
    std::vector<double> raw = init->raw_weights();
    for (double& v : raw) v *= sign;
    double b = sign * init->raw_bias();
    for (int64_t j = 0; j < n; ++j) {
      const double sc = model.scale.empty() ? 1.0 : model.scale[j];
      const double mu = model.mean.empty() ? 0.0 : model.mean[j];
      w[j] = raw[j] * sc;
      b += raw[j] * mu;
    }
    if (options.fit_bias) w[n] = b;
  }

  SolverOptions so = options.solver;
  if (!options.solver_given) so.kind = spec.l1 > 0 ? SolverKind::kLbfgs : SolverKind::kNewton;
  result.solver = so.kind;
  if (options.resume || options.on_checkpoint) {
    const nlohmann::json decisive = decisive_options(options, so, lambda);
    DataFingerprint print = fingerprint(data);
    if (options.resume) {
      if (init) throw ValueError("give an initial model or a checkpoint to resume, not both: a "
                                 "resumed run continues from the parameters in its checkpoint");
      check_resumable(*options.resume, print, decisive);
      // Shares the checkpoint's state (aliasing constructor): no copy of the vectors.
      so.resume = std::shared_ptr<const SolverState>(options.resume, &options.resume->state);
    }
    if (options.on_checkpoint) {
      so.state_every = options.checkpoint_every;
      so.on_state = [&options, decisive, print](const SolverState& st) {
        Checkpoint ck;
        ck.options = decisive;
        ck.data = print;
        ck.threads = num_threads();
        ck.state = st;
        options.on_checkpoint(ck);
      };
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  result.solve = minimize(*obj, w, so, progress);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.passes = obj->passes();
  result.objective = result.solve.objective;
  result.objective_liblinear = lambda > 0 ? result.objective / lambda : NAN;
  model.w.assign(w.begin(), w.begin() + n);
  model.b = options.fit_bias ? w[n] : 0.0;
  if (lambda == 0) {
    // Without regularisation, data that the model separates perfectly has its optimum at
    // infinity: any finite model can be improved by scaling it up.
    const std::vector<double> p = model.predict_proba(data.x);
    bool separated = true;
    for (size_t i = 0; i < p.size() && separated; ++i) separated = (p[i] > 0.5) == (y[i] > 0.5);
    result.separable_warning = separated;
  }
  return result;
}

BinaryMetrics evaluate(const Model& model, const Dataset& data) {
  const std::vector<double> y = binary_targets(data, model.labels);
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0)
      throw ValueError("the data has label '" + data.classes[static_cast<size_t>(data.label[i])] +
                       "' (row " + std::to_string(i + 1) + "), which the model does not know: its "
                       "classes are '" + model.labels.names[0] + "' and '" + model.labels.names[1] + "'");
  const std::vector<double> p = model.predict_proba(data.x);
  return binary_metrics(y, p);
}

std::vector<BinaryMetrics> cross_validate(const Dataset& data, const TrainOptions& options, int k,
                                          uint64_t seed) {
  const int64_t m = data.rows();
  if (k < 2 || k > m)
    throw ValueError("cross-validation needs 2 <= K <= the number of examples (" +
                     std::to_string(m) + "), got K = " + std::to_string(k));
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<BinaryMetrics> folds;
  for (int f = 0; f < k; ++f) {
    std::vector<int64_t> train_rows, test_rows;
    for (int64_t i = 0; i < m; ++i)
      (i % k == f ? test_rows : train_rows).push_back(order[static_cast<size_t>(i)]);
    std::sort(train_rows.begin(), train_rows.end());
    std::sort(test_rows.begin(), test_rows.end());
    const Dataset train = subset(data, train_rows);
    TrainOptions fold_options = options;  // the folds neither checkpoint nor resume
    fold_options.checkpoint_every = 0;
    fold_options.on_checkpoint = nullptr;
    fold_options.resume = nullptr;
    const TrainResult r = train_logistic(train, fold_options);
    folds.push_back(evaluate(r.model, subset(data, test_rows)));
  }
  return folds;
}

}  // namespace lograd
