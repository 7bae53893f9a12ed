#include "lograd/checkpoint.h"
#include "lograd/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>

#include "lograd/collective.h"
#include "lograd/kernels.h"
#include "lograd/labels.h"
#include "lograd/objective.h"
#include "lograd/parallel.h"
#include "models/exact_sums.h"

namespace lograd {
namespace {

// What the ranks of a data-parallel run agree on (one process: no collective, local counts).
// Every decision that could stop one rank is made from these shared numbers, so all ranks
// take it together and none waits forever for the others.
struct Ranks {
  Collective* c = nullptr;  // null in one process
  int64_t m = 0;            // examples over all ranks
  bool sparse = false;      // some rank stores its shard sparse (the default solver depends on it)
  ShardRows rows;           // which of the m examples this rank holds (minibatches are global)
  double sum(double v) const { return c ? sum_over_ranks(*c, v) : v; }
  void sum(std::span<double> v) const {
    if (c) c->sum(v);
  }
};

// Per-row weights: sample weights times class weights. y holds class indices 0 .. K - 1.
std::vector<double> row_weights(const Dataset& data, const std::vector<double>& y, size_t k,
                                const std::string& class_weight, const Ranks& ranks) {
  const auto m = static_cast<size_t>(data.rows());
  std::vector<double> s = data.weight.empty() ? std::vector<double>(m, 1.0) : data.weight;
  if (class_weight.empty()) return s;
  std::vector<double> cw(k, 1.0);
  if (class_weight == "balanced") {
    std::vector<double> count(k, 0.0);
    for (double t : y) count[static_cast<size_t>(t)] += 1;
    ranks.sum(count);
    for (size_t c = 0; c < k; ++c)
      cw[c] = count[c] > 0 ? static_cast<double>(ranks.m) / (static_cast<double>(k) * count[c])
                           : 1.0;
  } else {
    std::istringstream is(class_weight);
    bool ok = true;
    for (size_t c = 0; c < k && ok; ++c) {
      char comma = ',';
      ok = (c == 0 || ((is >> comma) && comma == ',')) && (is >> cw[c]) && cw[c] > 0 &&
           std::isfinite(cw[c]);
    }
    if (!ok || !(is >> std::ws).eof())
      throw ValueError(k == 2 ? "class_weight must be 'balanced' or two positive numbers 'w0,w1' (the "
                                "weights of the negative and positive class), got '" + class_weight + "'"
                              : "class_weight must be 'balanced' or " + std::to_string(k) +
                                    " positive numbers 'w0,w1,...' (one per class, in the "
                                    "model's class order), got '" + class_weight + "'");
  }
  for (size_t i = 0; i < m; ++i) s[i] *= cw[static_cast<size_t>(y[i])];
  return s;
}

// Mean and population standard deviation of every column (zero-variance columns get scale 1).
// With exact sums (--exact-sums), sums that no split of the rows changes.
void column_stats(const DataMatrix& x, const Ranks& ranks, const TrainOptions& options,
                  std::vector<double>& mean, std::vector<double>& scale) {
  const int64_t m = ranks.m, n = x.cols();
  std::vector<double> sum(static_cast<size_t>(n)), sq(static_cast<size_t>(n));
  std::vector<double> ones(static_cast<size_t>(x.rows()), 1.0);
  const MatrixView xv = x.view();
  if (options.exact_sums) {
    detail::ExactSums exact(xv, 1, options.collective ? options.collective : local_collective());
    exact.xt(ones.data(), false, sum.data(), nullptr);
    exact.xt(ones.data(), true, sq.data(), nullptr);
  } else {
    kernels::matmul_t(xv, kernels::Rows::all(xv), 1, ones.data(), sum.data());
    kernels::diag_xtdx(xv, kernels::Rows::all(xv), ones.data(), sq.data());
    ranks.sum(sum);
    ranks.sum(sq);
  }
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
nlohmann::json decisive_options(const TrainOptions& o, const SolverOptions& so, double lambda,
                                const std::string& mode) {
  nlohmann::json j = {{"solver", solver_name(so.kind)}, {"lambda", lambda},
                      {"l1_ratio", o.l1_ratio},         {"fit_bias", o.fit_bias},
                      {"standardize", o.standardize},   {"class_weight", o.class_weight}};
  if (o.exact_sums) j["exact_sums"] = true;  // older checkpoints stay as they were
  if (mode != "binary") j["multi_class"] = mode;  // binary checkpoints stay as they were
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

namespace {

// The regularisation of a run: lambda from lambda or C, checked, and the objective's spec.
LogisticSpec make_spec(const Dataset& data, const TrainOptions& options, const Ranks& ranks,
                       Model& model, TrainResult& result) {
  const int64_t m = ranks.m;
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
  model.n_features = data.cols();
  model.feature_names = data.feature_names;
  model.encoding = data.encoding;
  if (options.standardize) {
    column_stats(data.x, ranks, options, model.mean, model.scale);
    spec.scale = model.scale;
    if (options.fit_bias) spec.mean = model.mean;
    else std::fill(model.mean.begin(), model.mean.end(), 0.0);  // scale only without a bias
  }
  return spec;
}

// Per-row weights of targets y (class indices), refusing all-zero weights.
std::vector<double> checked_weights(const Dataset& data, const std::vector<double>& y, size_t k,
                                    const std::string& class_weight, const Ranks& ranks) {
  std::vector<double> s = row_weights(data, y, k, class_weight, ranks);
  // All weights 0 make the loss term 0 whatever w is: the optimum is w = 0 from the start
  // ("converged after 0 iterations"), a model that learned nothing.
  const double positive = ranks.sum(
      static_cast<double>(std::count_if(s.begin(), s.end(), [](double v) { return v > 0; })));
  if (positive == 0)
    throw ValueError("every example has weight 0 (sample weights times class weights): there "
                     "is nothing to learn from; give some examples a weight > 0");
  return s;
}

// Maps an init model's raw weights (n, k) and biases (k) into the standardised space of
// `model` (this run's mean and scale): w = raw * scale, b = raw_b + raw . mean.
void map_init(const std::vector<double>& raw, std::vector<double> raw_b, const Model& model,
              int64_t k, bool fit_bias, std::vector<double>& w) {
  const int64_t n = model.n_features;
  for (int64_t j = 0; j < n; ++j) {
    const double sc = model.scale.empty() ? 1.0 : model.scale[j];
    const double mu = model.mean.empty() ? 0.0 : model.mean[j];
    for (int64_t q = 0; q < k; ++q) {
      w[j * k + q] = raw[j * k + q] * sc;
      raw_b[q] += raw[j * k + q] * mu;
    }
  }
  if (fit_bias)
    for (int64_t q = 0; q < k; ++q) w[n * k + q] = raw_b[q];
}

// Runs the solver on obj from w: the solver choice, checkpoints, resume and timing.
void solve(Objective& obj, std::vector<double>& w, const Dataset& data, const TrainOptions& options,
           const Ranks& ranks, const LogisticSpec& spec, const std::string& mode, int64_t classes, bool has_init,
           const ProgressFn& progress, TrainResult& result) {
  SolverOptions so = options.solver;
  // The default: newton for L2, lbfgs (OWL-QN) with an L1 term, and lbfgs for multinomial
  // models of sparse data. Measured on news20 (sparse, 20 classes): lbfgs reaches
  // scikit-learn's objective in about 400 iterations (37 s), newton takes 841 (170 s); on USPS
  // (dense, 10 classes) newton converges in 14 iterations (2 s), lbfgs not in 1,000.
  if (!options.solver_given)
    so.kind = spec.l1 > 0 || (mode == "multinomial" && ranks.sparse) ? SolverKind::kLbfgs
                                                                           : SolverKind::kNewton;
  result.solver = so.kind;
  if (options.resume || options.on_checkpoint) {
    nlohmann::json decisive = decisive_options(options, so, result.lambda, mode);
    if (mode == "multinomial") decisive["classes"] = classes;  // W is n x classes
    DataFingerprint print = fingerprint(data);
    if (ranks.c) {  // the parts' fingerprints, gathered in rank order (every rank the same)
      std::vector<DataFingerprint> parts;
      for (const std::string& t : ranks.c->gather({print.labels + " " + print.features + " " +
                                                   std::to_string(print.rows) + " " +
                                                   std::to_string(print.cols) + " " +
                                                   std::to_string(print.stored)})) {
        std::istringstream is(t);
        DataFingerprint p;
        is >> p.labels >> p.features >> p.rows >> p.cols >> p.stored;
        parts.push_back(p);
      }
      print = combine_fingerprints(parts);
    }
    if (options.resume) {
      if (has_init) throw ValueError("give an initial model or a checkpoint to resume, not both: a "
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
  result.solve = minimize(obj, w, so, progress);
  result.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.passes += obj.passes();
  result.objective = result.solve.objective;
  result.objective_liblinear = result.lambda > 0 ? result.objective / result.lambda : NAN;
}

// The data matrix shared with an objective that lives shorter than `data` (no copy).
std::shared_ptr<const DataMatrix> borrowed(const Dataset& data) {
  return std::shared_ptr<const DataMatrix>(std::shared_ptr<const DataMatrix>(), &data.x);
}

// The objective the solver sees over this rank's examples (k = 1: logistic, y in {0, 1};
// k >= 2: softmax, y class indices): the fused kernels' or, with exact sums, the one whose
// sums no split of the rows changes; under ranks, this rank's part of the full one.
std::unique_ptr<Objective> make_objective(const Dataset& data, int64_t k, std::vector<double> y,
                                          std::vector<double> s, const LogisticSpec& spec,
                                          const Ranks& ranks, const TrainOptions& options) {
  std::unique_ptr<Objective> local =
      options.exact_sums
          ? make_exact_objective(borrowed(data), k, std::move(y), std::move(s), spec, ranks.m,
                                 options.collective)
      : k == 1 ? make_logistic_objective(borrowed(data), std::move(y), std::move(s), spec)
               : make_softmax_objective(borrowed(data), k, std::move(y), std::move(s), spec);
  if (!ranks.c) return local;
  return make_shard_objective(std::move(local), ranks.m, options.collective, ranks.rows);
}

TrainResult train_binary(const Dataset& data, const LabelMap& labels, const TrainOptions& options,
                         const Ranks& ranks, const Model* init, const ProgressFn& progress) {
  const int64_t n = data.cols();
  TrainResult result;
  Model& model = result.model;
  model.labels = labels;
  const std::vector<double> y = binary_targets(data, model.labels);
  const std::vector<double> s = checked_weights(data, y, 2, options.class_weight, ranks);
  const LogisticSpec spec = make_spec(data, options, ranks, model, result);
  std::unique_ptr<Objective> obj =
      make_objective(data, 1, y, s, spec, ranks, options);

  // Start point: zeros, or the init model mapped into this run's feature space.
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  if (init) {
    if (!init->multi_class.empty())
      throw ValueError("the initial model is a multiclass model (" + init->multi_class + ", " +
                       std::to_string(init->labels.names.size()) + " classes); this run trains "
                       "a binary one");
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
    map_init(raw, {sign * init->raw_bias()}, model, 1, options.fit_bias, w);
  }
  solve(*obj, w, data, options, ranks, spec, "binary", 2, init != nullptr, progress, result);
  model.w.assign(w.begin(), w.begin() + n);
  model.b = options.fit_bias ? w[n] : 0.0;
  if (result.lambda == 0) {
    // Without regularisation, data that the model separates perfectly has its optimum at
    // infinity: any finite model can be improved by scaling it up.
    const std::vector<double> p = model.predict_proba(data.x);
    double wrong = 0;
    for (size_t i = 0; i < p.size(); ++i) wrong += (p[i] > 0.5) != (y[i] > 0.5);
    result.separable_warning = ranks.sum(wrong) == 0;
  }
  return result;
}

// Throws ValueError unless init is a multiclass model of `mode` over these classes and features.
void check_multi_init(const Model& init, const Model& model, const std::string& mode) {
  if (init.multi_class != mode)
    throw ValueError("the initial model is " +
                     (init.multi_class.empty() ? std::string("a binary model")
                      : init.multi_class == "ovr" ? std::string("a one-vs-rest (ovr) model")
                                                  : "a " + init.multi_class + " model") +
                     "; this run trains " +
                     (mode == "ovr" ? std::string("a one-vs-rest (ovr)") : "a " + mode) + " model of " +
                     std::to_string(model.labels.names.size()) + " classes");
  if (init.n_features != model.n_features)
    throw ValueError("the initial model has " + std::to_string(init.n_features) +
                     " features but the data has " + std::to_string(model.n_features));
  if (init.labels.names != model.labels.names)
    throw ValueError("the initial model's classes differ from the data's (or are in another "
                     "order)");
}

TrainResult train_multinomial(const Dataset& data, const LabelMap& labels,
                              const TrainOptions& options, const Ranks& ranks, const Model* init,
                              const ProgressFn& progress) {
  const int64_t n = data.cols(), k = static_cast<int64_t>(labels.names.size());
  TrainResult result;
  Model& model = result.model;
  model.labels = labels;
  model.multi_class = "multinomial";
  const std::vector<double> y = class_indices(data, labels);
  const std::vector<double> s =
      checked_weights(data, y, static_cast<size_t>(k), options.class_weight, ranks);
  const LogisticSpec spec = make_spec(data, options, ranks, model, result);
  std::unique_ptr<Objective> obj =
      make_objective(data, k, y, s, spec, ranks, options);
  std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
  if (init) {
    check_multi_init(*init, model, "multinomial");
    map_init(init->raw_weights(), init->raw_biases(), model, k, options.fit_bias, w);
  }
  solve(*obj, w, data, options, ranks, spec, "multinomial", k, init != nullptr, progress, result);
  model.w.assign(w.begin(), w.begin() + n * k);
  model.biases.assign(static_cast<size_t>(k), 0.0);
  if (options.fit_bias) std::copy(w.begin() + n * k, w.end(), model.biases.begin());
  return result;
}

// K binary models, class q against the rest, one after the other (each pass uses every
// kernel thread). The result's objective is the sum of the K objectives.
TrainResult train_ovr(const Dataset& data, const LabelMap& labels, const TrainOptions& options,
                      const Ranks& ranks, const Model* init, const ProgressFn& progress) {
  if (options.resume || options.on_checkpoint)
    throw ValueError("checkpoints and resuming are not supported for one-vs-rest training yet; "
                     "train a multinomial model (`multi_class` multinomial) to checkpoint it");
  const int64_t n = data.cols(), k = static_cast<int64_t>(labels.names.size());
  TrainResult result;
  Model& model = result.model;
  model.labels = labels;
  model.multi_class = "ovr";
  const std::vector<double> cls = class_indices(data, labels);
  // Class weights given as numbers apply per class of the K-class problem, before the split
  // into binary ones (as scikit-learn's dict); "balanced" balances each binary problem, its
  // class against the rest (as scikit-learn's one-vs-rest does).
  const bool balanced = options.class_weight == "balanced";
  const std::vector<double> s = checked_weights(data, cls, static_cast<size_t>(k),
                                                balanced ? "" : options.class_weight, ranks);
  const LogisticSpec spec = make_spec(data, options, ranks, model, result);
  if (init) check_multi_init(*init, model, "ovr");
  const std::vector<double> init_raw = init ? init->raw_weights() : std::vector<double>();
  const std::vector<double> init_b = init ? init->raw_biases() : std::vector<double>();
  model.w.assign(static_cast<size_t>(n * k), 0.0);
  model.biases.assign(static_cast<size_t>(k), 0.0);
  result.objective = 0;
  result.solve.converged = true;
  for (int64_t q = 0; q < k; ++q) {
    std::vector<double> y(cls.size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = cls[i] == double(q) ? 1.0 : 0.0;
    std::unique_ptr<Objective> obj = make_objective(
        data, 1, y, balanced ? row_weights(data, y, 2, "balanced", ranks) : s, spec, ranks, options);
    std::vector<double> w(static_cast<size_t>(obj->dim()), 0.0);
    if (init) {
      std::vector<double> raw(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) raw[j] = init_raw[j * k + q];
      map_init(raw, {init_b[q]}, model, 1, options.fit_bias, w);
    }
    TrainResult part;
    part.lambda = result.lambda;
    solve(*obj, w, data, options, ranks, spec, "ovr", 2, init != nullptr, progress, part);
    for (int64_t j = 0; j < n; ++j) model.w[j * k + q] = w[j];
    if (options.fit_bias) model.biases[q] = w[n];
    result.class_objectives.push_back(part.objective);
    result.class_iterations.push_back(part.solve.iterations);
    result.objective += part.objective;
    result.seconds += part.seconds;
    result.passes += part.passes;
    result.solver = part.solver;
    // The run's solve summary: the worst class (not converged, most iterations).
    const SolveResult& p = part.solve;
    const bool worse = !p.converged || p.iterations > result.solve.iterations;
    if (result.solve.converged && worse) {
      result.solve = p;
    }
    if (!p.converged) {
      result.solve = p;
      if (p.stop_reason == "interrupted" || p.stop_reason == "diverged") break;
    }
  }
  result.class_iterations.resize(static_cast<size_t>(k), 0);  // classes not reached: 0
  result.solve.objective = result.objective;
  result.objective_liblinear = result.lambda > 0 ? result.objective / result.lambda : NAN;
  return result;
}

// Every rank's classes present in its shard, as one dataset of one example per class (what
// class_label_map and binary_label_map need to see), with this rank's source for messages.
Dataset classes_over_ranks(const Dataset& data, Collective& c) {
  std::vector<bool> present(data.classes.size(), false);
  for (int32_t l : data.label)
    if (l >= 0 && static_cast<size_t>(l) < present.size()) present[static_cast<size_t>(l)] = true;
  std::vector<std::string> mine;
  for (size_t q = 0; q < present.size(); ++q)
    if (present[q]) mine.push_back(data.classes[q]);
  Dataset u;
  u.source = data.source;
  for (const std::string& name : c.gather(mine))
    if (std::find(u.classes.begin(), u.classes.end(), name) == u.classes.end()) {
      u.label.push_back(static_cast<int32_t>(u.classes.size()));
      u.classes.push_back(name);
    }
  return u;
}

// The shared counts of a run, and the checks that must fail on every rank at once: the ranks'
// feature counts differ, a rank has no examples, an option that is not data-parallel yet.
Ranks agree(const Dataset& data, const TrainOptions& options) {
  Ranks r;
  r.m = data.rows();
  r.sparse = data.x.is_sparse();
  if (!options.collective || options.collective->size() == 1) return r;
  r.c = options.collective.get();
  r.sparse = sum_over_ranks(*r.c, r.sparse ? 1.0 : 0.0) > 0;
  const std::vector<std::string> shape = r.c->gather(
      {std::to_string(data.rows()) + " " + std::to_string(data.shard_stride) + " " +
       std::to_string(data.cols()) + " " + std::to_string(data.shard_first)});
  int64_t m = 0, before = 0;  // before: the examples of the ranks before this one
  std::string rows, cols;
  bool same_cols = true, empty = false, same_layout = true;
  auto field = [](const std::string& s, int i) {  // the i-th space-separated number of s
    std::istringstream is(s);
    std::string t;
    for (int k = 0; k <= i; ++k) is >> t;
    return t;
  };
  for (size_t k = 0; k < shape.size(); ++k) {
    const int64_t rk = std::stoll(field(shape[k], 0));
    const std::string ck = field(shape[k], 2);
    if (static_cast<int>(k) < r.c->rank()) before += rk;
    m += rk;
    empty = empty || rk == 0;
    same_cols = same_cols && ck == field(shape[0], 2);
    same_layout = same_layout && field(shape[k], 1) == field(shape[0], 1);
    rows += (k ? ", " : "") + std::to_string(rk);
    cols += (k ? ", " : "") + ck;
  }
  if (!same_cols)
    throw ValueError("the ranks' shards have different feature counts (" + cols + ", by rank): "
                     "agree on the feature count (the largest) before training");
  if (empty)
    throw ValueError("a rank has no examples (examples by rank: " + rows + "): every rank "
                     "needs at least one; run fewer ranks");
  if (!same_layout)
    throw ValueError("the ranks' shards are cut differently (some contiguous, some every K-th "
                     "example): read every part the same way");
  // Every K-th example (gzip parts number lines): only when the parts are exactly that, i.e.
  // no line was a comment, blank or skipped; else (and always for byte ranges) rank by rank.
  bool strided = data.shard_stride == static_cast<int64_t>(shape.size());
  std::vector<bool> seen(shape.size(), false);
  for (size_t k = 0; k < shape.size() && strided; ++k) {
    const int64_t first = std::stoll(field(shape[k], 3)), rk = std::stoll(field(shape[k], 0));
    const auto kk = static_cast<int64_t>(shape.size());
    strided = first >= 0 && first < kk && !seen[static_cast<size_t>(first)] &&
              rk == (m - first + kk - 1) / kk;
    if (strided) seen[static_cast<size_t>(first)] = true;
  }
  r.rows = strided ? ShardRows{data.shard_first, data.shard_stride} : ShardRows{before, 0};
  r.m = m;
  return r;
}

}  // namespace

std::string resolve_multi_class(const std::string& multi_class, size_t classes) {
  if (multi_class != "auto" && multi_class != "multinomial" && multi_class != "ovr")
    throw ValueError("multi_class must be auto, multinomial or ovr, got '" + multi_class + "'");
  if (multi_class == "multinomial") return "multinomial";
  if (classes <= 2) return "binary";
  return multi_class == "ovr" ? "ovr" : "multinomial";
}

TrainResult train_logistic(const Dataset& data, const TrainOptions& options, const Model* init,
                           const ProgressFn& progress) {
  const SolverKind kind = options.solver.kind;
  if (options.exact_sums && options.solver_given && kind != SolverKind::kNewton &&
      kind != SolverKind::kLbfgs && kind != SolverKind::kGd)
    throw ValueError(std::string("exact sums cover the full-batch solvers (newton, lbfgs, gd); ") +
                     solver_name(kind) + " sums minibatches, which they do not: pick one of those, "
                     "or train without exact sums");
  const Ranks ranks = agree(data, options);
  if (ranks.m == 0) throw ValueError("the training data has no examples");
  // Under ranks the label maps see every rank's classes (one gather), else this data's.
  const std::optional<Dataset> all_classes =
      ranks.c ? std::optional<Dataset>(classes_over_ranks(data, *ranks.c)) : std::nullopt;
  const Dataset& classes = all_classes ? *all_classes : data;
  const LabelMap labels = class_label_map(classes);
  const std::string mode = resolve_multi_class(options.multi_class, labels.names.size());
  if (mode == "binary")  // binary_label_map's order and messages for two classes
    return train_binary(data, binary_label_map(classes), options, ranks, init, progress);
  if (mode == "multinomial") return train_multinomial(data, labels, options, ranks, init, progress);
  return train_ovr(data, labels, options, ranks, init, progress);
}

namespace {

// The targets of data under model and its probabilities: binary, y in {0, 1} and p of class 1;
// classes, y class indices and p (m, K). Throws ValueError naming a label the model does not know.
void targets_and_proba(const Model& model, const Dataset& data, bool classes,
                       std::vector<double>& y, std::vector<double>& p) {
  if (!classes && !model.multi_class.empty())
    throw ValueError("binary metrics of a multiclass model: use evaluate_classes");
  y = classes ? class_indices(data, model.labels) : binary_targets(data, model.labels);
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0) {
      std::string known;
      for (size_t q = 0; q < model.labels.names.size(); ++q)
        known += (q == 0 ? "'" : !classes ? " and '" : ", '") + model.labels.names[q] + "'";
      throw ValueError((data.source.empty() ? std::string("the data") : data.source) +
                       " has label '" + data.classes[static_cast<size_t>(data.label[i])] +
                       "' (example " + std::to_string(i + 1) +
                       (data.skipped_rows > 0 ? " of the rows kept by `missing` skip-row" : "") +
                       "), which the model does not know: its classes are " + known);
    }
  p = classes ? model.class_proba(data.x) : model.predict_proba(data.x);
  check_finite_scores(data, p, classes ? model.labels.names.size() : 1);
}

// targets_and_proba over every rank's part, gathered in rank order; an error on any rank (the
// first by rank) is thrown on all.
void targets_and_proba(const Model& model, const Dataset& part, bool classes, Collective& c,
                       std::vector<double>& y, std::vector<double>& p) {
  std::string mine;  // "P" and the bytes of the row count, y and p; or "E" and a message
  try {
    targets_and_proba(model, part, classes, y, p);
    const uint64_t rows = y.size();
    mine.reserve(1 + 8 * (1 + y.size() + p.size()));
    mine += 'P';
    mine.append(reinterpret_cast<const char*>(&rows), 8);
    mine.append(reinterpret_cast<const char*>(y.data()), 8 * y.size());
    mine.append(reinterpret_cast<const char*>(p.data()), 8 * p.size());
  } catch (const ValueError& e) {
    mine = std::string("E") + e.what();
  }
  std::vector<double>().swap(y);  // what is kept from here on: the gathered copy only
  std::vector<double>().swap(p);
  std::vector<std::string> all = c.gather({std::move(mine)});
  size_t total = 0;
  for (const std::string& a : all) {
    if (a[0] == 'E') throw ValueError(a.substr(1));
    total += (a.size() - 9) / 8;
  }
  y.reserve(total);  // an overestimate for y, exact for y and p together
  p.reserve(total);
  for (std::string& a : all) {
    uint64_t rows = 0;
    std::memcpy(&rows, a.data() + 1, 8);
    const size_t per = rows ? (a.size() - 9) / 8 / rows - 1 : 0;  // probabilities per row
    const auto* v = reinterpret_cast<const unsigned char*>(a.data() + 9);
    const size_t y0 = y.size(), p0 = p.size();
    y.resize(y0 + rows);
    p.resize(p0 + rows * per);
    std::memcpy(y.data() + y0, v, 8 * rows);
    std::memcpy(p.data() + p0, v + 8 * rows, 8 * rows * per);
    std::string().swap(a);  // freed as it is copied
  }
}

}  // namespace

void check_finite_scores(const Dataset& data, const std::vector<double>& scores, size_t per_row) {
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw ValueError((data.source.empty() ? std::string("the data") : data.source) +
                       ": example " + std::to_string(i / per_row + 1) +
                       ": the model's score w.x + b is not a finite number (its feature values "
                       "are so large that the sum overflows); scale the data as the training "
                       "data was");
}

BinaryMetrics evaluate(const Model& model, const Dataset& data) {
  std::vector<double> y, p;
  targets_and_proba(model, data, false, y, p);
  return binary_metrics(y, p);
}

ClassMetrics evaluate_classes(const Model& model, const Dataset& data) {
  std::vector<double> y, p;
  targets_and_proba(model, data, true, y, p);
  return class_metrics(y, p, static_cast<int64_t>(model.labels.names.size()));
}

BinaryMetrics evaluate(const Model& model, const Dataset& part, Collective& ranks) {
  std::vector<double> y, p;
  targets_and_proba(model, part, false, ranks, y, p);
  return binary_metrics(y, p);
}

ClassMetrics evaluate_classes(const Model& model, const Dataset& part, Collective& ranks) {
  std::vector<double> y, p;
  targets_and_proba(model, part, true, ranks, y, p);
  return class_metrics(y, p, static_cast<int64_t>(model.labels.names.size()));
}

namespace {

// The class of every example, by global position (0 .. m-1), as indices into `names` (the
// classes of every rank, as training agrees on them, sorted as text): the same on every rank.
// Each rank sends its rows' class indices (4 bytes per example, once per --cv); the positions
// follow from each rank's ShardRows.
std::vector<int32_t> global_classes(const Dataset& data, const Ranks& ranks,
                                    std::vector<std::string>* names) {
  const std::optional<Dataset> all =
      ranks.c ? std::optional<Dataset>(classes_over_ranks(data, *ranks.c)) : std::nullopt;
  const LabelMap labels = class_label_map(all ? *all : data);
  *names = labels.names;
  std::sort(names->begin(), names->end());
  std::vector<int32_t> to_sorted;  // the label map's index -> index into names
  for (const std::string& n : labels.names)
    to_sorted.push_back(static_cast<int32_t>(
        std::lower_bound(names->begin(), names->end(), n) - names->begin()));
  const int64_t first = ranks.rows.first, step = std::max<int64_t>(ranks.rows.stride, 1);
  std::string mine(16 + 4 * data.label.size(), '\0');
  std::memcpy(mine.data(), &first, 8);
  std::memcpy(mine.data() + 8, &step, 8);
  const std::vector<double> y = class_indices(data, labels);
  for (size_t i = 0; i < y.size(); ++i) {
    const int32_t c = to_sorted[static_cast<size_t>(y[i])];
    std::memcpy(mine.data() + 16 + 4 * i, &c, 4);
  }
  std::vector<std::string> parts = ranks.c ? ranks.c->gather({mine}) : std::vector<std::string>{};
  if (!ranks.c) parts.push_back(std::move(mine));
  std::vector<int32_t> cls(static_cast<size_t>(ranks.m), -1);
  for (std::string& part : parts) {
    int64_t at = 0, stride = 0;
    std::memcpy(&at, part.data(), 8);
    std::memcpy(&stride, part.data() + 8, 8);
    for (size_t pos = 16; pos + 4 <= part.size(); pos += 4, at += stride)
      std::memcpy(&cls[static_cast<size_t>(at)], part.data() + pos, 4);
    std::string().swap(part);  // freed as it is read
  }
  return cls;
}

template <class Metrics, class Eval>
std::vector<Metrics> cross_validate_with(const Dataset& data, const TrainOptions& options, int k,
                                         uint64_t seed, Eval eval) {
  // Under ranks: the folds of the global example numbers; this rank keeps its own examples.
  const Ranks ranks = agree(data, options);
  const int64_t m = ranks.m;
  if (k < 2 || k > m)
    throw ValueError("cross-validation needs 2 <= K <= the number of examples (" +
                     std::to_string(m) + "), got K = " + std::to_string(k));
  // Stratified folds, as scikit-learn's for classifiers: the examples shuffled, then dealt
  // class by class (each class in its shuffled order) to folds 0, 1, ..., k-1, 0, ..., so every
  // class with at least k examples is in every fold and every training part, and the fold
  // sizes differ by one at most. Under ranks the classes of every example are gathered first:
  // the folds are one process's.
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  {
    std::vector<std::string> names;
    const std::vector<int32_t> cls = global_classes(data, ranks, &names);
    // A class of one example is in one fold only, and absent from that fold's training part:
    // said up front, the same on every rank.
    std::vector<int64_t> count(names.size(), 0);
    for (int32_t c : cls) ++count[static_cast<size_t>(c)];
    for (size_t c = 0; c < names.size(); ++c)
      if (count[c] == 1)
        throw ValueError("class '" + names[c] + "' has a single example, so the fold that holds "
                         "it would train without it: give it more examples (or leave it out) "
                         "to cross-validate");
    std::stable_sort(order.begin(), order.end(), [&cls](int64_t a, int64_t b) {
      return cls[static_cast<size_t>(a)] < cls[static_cast<size_t>(b)];
    });
  }
  std::vector<int> fold(static_cast<size_t>(m));  // each global example's fold
  for (int64_t i = 0; i < m; ++i) fold[static_cast<size_t>(order[static_cast<size_t>(i)])] = static_cast<int>(i % k);
  std::vector<int64_t>().swap(order);
  const int64_t step = std::max<int64_t>(ranks.rows.stride, 1);
  std::vector<Metrics> folds;
  for (int f = 0; f < k; ++f) {
    std::vector<int64_t> train_rows, test_rows;  // this rank's, in its own numbering
    for (int64_t i = 0; i < data.rows(); ++i)
      (fold[static_cast<size_t>(ranks.rows.first + i * step)] == f ? test_rows : train_rows).push_back(i);
    const Dataset train = subset(data, train_rows);
    TrainOptions fold_options = options;  // the folds neither checkpoint nor resume
    fold_options.checkpoint_every = 0;
    fold_options.on_checkpoint = nullptr;
    fold_options.resume = nullptr;
    const TrainResult r = train_logistic(train, fold_options);
    folds.push_back(eval(r.model, subset(data, test_rows)));
  }
  return folds;
}

}  // namespace

std::vector<BinaryMetrics> cross_validate(const Dataset& data, const TrainOptions& options, int k,
                                          uint64_t seed) {
  return cross_validate_with<BinaryMetrics>(
      data, options, k, seed, [&options](const Model& m, const Dataset& d) {
        return options.collective ? evaluate(m, d, *options.collective) : evaluate(m, d);
      });
}

std::vector<ClassMetrics> cross_validate_classes(const Dataset& data, const TrainOptions& options,
                                                 int k, uint64_t seed) {
  return cross_validate_with<ClassMetrics>(
      data, options, k, seed, [&options](const Model& m, const Dataset& d) {
        return options.collective ? evaluate_classes(m, d, *options.collective)
                                  : evaluate_classes(m, d);
      });
}

}  // namespace lograd
