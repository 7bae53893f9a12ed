// `lograd train`: read data, minimise the regularised logistic loss, report, save the model.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "curve.h"
#include "data_options.h"
#include "report.h"
#include "usage.h"
#include "lograd/binary_cache.h"
#include "lograd/checkpoint.h"
#include "lograd/memory.h"
#include "lograd/parallel.h"
#include "lograd/atomic_file.h"
#include "io_paths.h"
#include "mpi_world.h"
#include "lograd/collective.h"
#include "lograd/train.h"

namespace lograd::cli {
namespace {

struct TrainCli {
  std::vector<std::string> data_files;  // DATA as given: one path, or several files
  std::string data, out, curve, test, init, solver, class_weight, elastic_net;
  std::string checkpoint, resume, cache, multi_class = "auto";
  int64_t checkpoint_every = 0;
  DataOptions data_opts;
  std::optional<double> lambda, c;
  bool l1 = false, no_bias = false, standardize = false, quiet = false, json = false;
  bool exact_sums = false;
  double tol = 1e-6, max_seconds = 0, lr = 0;
  int64_t max_iter = 0, epochs = 0, batch_size = 256;
  uint64_t seed = 1;
  int cv = 0;
  int threads = 0;
};

// Whether the penalty has an L1 term (--l1, or --elastic-net above 0; checked: in [0, 1]).
bool has_l1(const TrainCli& o) {
  return o.l1 || (!o.elastic_net.empty() && std::stod(o.elastic_net) > 0);
}

// SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) while training. The first only records the signal (all a handler may
// safely do): the solver polls the flag, stops at its next safe point, and the model (and the
// checkpoint) are written. A second signal ends the process at once.
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int sig) {
  if (g_signal.exchange(sig) != 0) {
    static const char msg[] = "\nlograd: interrupted again: exiting now, without writing the "
                              "model\n";
    [[maybe_unused]] const ssize_t k = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    remove_temporary_files();  // a model or checkpoint being written
    ::_exit(128 + sig);
  }
  g_stop.store(true);
  static const char msg[] = "\nlograd: interrupted: finishing the current step, then writing "
                            "the model (interrupt again to exit at once)\n";
  [[maybe_unused]] const ssize_t k = ::write(STDERR_FILENO, msg, sizeof msg - 1);
}

// Routes SIGINT, SIGTERM and SIGHUP to on_stop_signal while it lives.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
    ::sigaction(SIGHUP, &sa, &old_hup_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGHUP, &old_hup_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_hup_ {};
};

// A progress line on a terminal: iteration, objective, gradient norm, elapsed and remaining
// time (extrapolated from the rate at which log ||∇F|| approaches log(target)).
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }
  bool operator()(const IterationInfo& it) {
    if (!enabled_) return true;
    if (it.seconds - last_ < 0.1 && it.iter > 0) return true;
    last_ = it.seconds;
    if (it.iter == 0) first_ = it;
    std::string eta = "?";
    if (it.iter > 0 && it.grad_norm > it.target_norm && first_.grad_norm > it.grad_norm &&
        it.target_norm > 0) {
      const double done = std::log(first_.grad_norm / it.grad_norm);
      const double left = std::log(it.grad_norm / it.target_norm);
      char b[32];
      std::snprintf(b, sizeof b, "%.1f s", (it.seconds - first_.seconds) * left / done);
      eta = b;
    }
    std::fprintf(stderr, "\r\033[K  iter %-5lld  objective %.10g  |grad| %.3g (target %.3g)  %.1f s  ~%s left",
                 static_cast<long long>(it.iter), it.objective, it.grad_norm, it.target_norm,
                 it.seconds, eta.c_str());
    std::fflush(stderr);
    shown_ = true;
    return true;
  }
  void clear() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  double last_ = -1;
  IterationInfo first_;
};

std::string advice(const TrainResult& r, const TrainCli& o) {
  const std::string& why = r.solve.stop_reason;
  // A solver worth trying instead: newton for L2, lbfgs (OWL-QN) with an L1 term.
  const bool l1 = has_l1(o);
  const SolverKind better = l1 ? SolverKind::kLbfgs : SolverKind::kNewton;
  const std::string other =
      r.solver == better ? "" : std::string(", or --solver ") + (l1 ? "lbfgs" : "newton");
  if (why == "max_iter") {
    const std::string limit = o.epochs > 0 && (o.max_iter == 0 || o.epochs <= o.max_iter)
                                  ? "--epochs"
                                  : "--max-iter";
    return "stopped at " + limit + " " + std::to_string(r.solve.iterations) +
           " before reaching --tol; raise " + limit + ", loosen --tol, try --standardize for "
           "badly scaled features" + other;
  }
  if (why == "max_seconds")
    return "stopped at --max-seconds before reaching --tol; allow more time, loosen --tol, or "
           "try --standardize";
  if (why == "no_progress")
    return "the solver could not decrease the objective further (the limit of float64) before "
           "reaching --tol " + std::to_string(o.tol) + "; the model is the best found. "
           "--standardize usually helps badly scaled data";
  return "";
}

// The message of a diverged run: the cause, what the model holds, and the fix.
std::string divergence_message(const TrainResult& r, const std::string& out, bool init, bool l1) {
  const int64_t k = r.solve.iterations, good = r.solve.last_finite_iter;
  const bool first_order = r.solver != SolverKind::kLbfgs && r.solver != SolverKind::kNewton;
  std::string m = "training diverged: the objective became NaN or infinite at iteration " +
                  std::to_string(k);
  if (first_order) m += ": the learning rate is too large";
  m += good >= 0 ? ". The model written to " + out + " holds the parameters of iteration " +
                       std::to_string(good) + ", the last finite ones"
                 : std::string(". Not even the start point has a finite objective (") +
                       (init ? "the --init model's weights are too large for this data?"
                             : "feature values so large that the sums overflow float64?") +
                       "); the model written to " + out + " holds the start point";
  m += first_order ? std::string(". Lower --lr, or leave it unset for the safe default 1/L (L the "
                                 "largest curvature of the loss), or use --solver ") +
                         (l1 ? "lbfgs" : "newton")
                   : ". Try --standardize for badly scaled features, or a smaller --C";
  return m;
}

// A model's metrics on some data, binary or multiclass.
struct Scores {
  std::optional<BinaryMetrics> binary;
  std::optional<ClassMetrics> classes;
  double accuracy() const { return binary ? binary->accuracy : classes->accuracy; }
  double log_loss() const { return binary ? binary->log_loss : classes->log_loss; }
  nlohmann::json json(const Model& model) const {
    return binary ? metrics_json(*binary) : metrics_json(*classes, model.labels.names);
  }
};

// The model's metrics on data, or (ranks) on every rank's part of it together.
Scores score(const Model& model, const Dataset& data, Collective* ranks = nullptr) {
  Scores s;
  if (model.multi_class.empty()) s.binary = ranks ? evaluate(model, data, *ranks) : evaluate(model, data);
  else s.classes = ranks ? evaluate_classes(model, data, *ranks) : evaluate_classes(model, data);
  return s;
}

// Options that do not go together: usage errors (status 2), before anything is read.
void check_usage(const TrainCli& o) {
  if (o.l1 && !o.elastic_net.empty())
    throw usage_error("--l1", "give --l1 or --elastic-net, not both (--l1 is --elastic-net 1)");
  const bool l1 = has_l1(o);
  if (l1 && o.solver == "newton")
    throw usage_error("--solver", "the newton solver handles the L2 penalty only; with " +
                                      std::string(o.l1 ? "--l1" : "--elastic-net") +
                                      " use --solver lbfgs (OWL-QN, the default then) or gd "
                                      "(proximal)");
  if (o.exact_sums && (o.solver == "sgd" || o.solver == "momentum" || o.solver == "adam"))
    throw usage_error("--exact-sums", "--exact-sums makes the full-batch sums exact (--solver newton, "
                                      "lbfgs or gd); " + o.solver + " sums minibatches, which it "
                                      "does not cover: pick one of those, or drop --exact-sums");
  if (!o.init.empty() && !o.resume.empty())
    throw usage_error("--init", "give --init or --resume, not both: a resumed run continues "
                                "from the parameters in its checkpoint");
}

// The last name of a data path ("dir/" gives "dir"), for default output names and titles.
std::string data_name(const std::string& path) {
  std::filesystem::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

void run(const TrainCli& o) {
  World& w = world();
  set_num_threads(o.threads);
  if (o.threads == 0 && w.local_size > 1)  // ranks on one machine share its cores
    set_num_threads(std::max(1, num_threads() / w.local_size));
  const bool ranks = w.size > 1;  // data-parallel, under mpirun
  // Files read whole ({rank} in DATA, or a directory): this rank's, one after another.
  const std::vector<std::string> own_files = rank_files(o.data_files, w.rank, w.size);
  const std::string& data_path = own_files.empty() ? o.data : own_files.front();
  // Checkpoints go to --checkpoint, or back to the --resume file.
  const std::string checkpoint = o.checkpoint.empty() ? o.resume : o.checkpoint;
  const std::string out =
      !o.out.empty()               ? o.out
      : is_standard_stream(o.data) ? std::string("stdin.model.json")
                                   : data_name(o.data) + ".model.json";
  // Every path, before anything is read: no output may destroy an input or fail at the end.
  std::vector<CliInput> inputs_checked = {{"", {data_path, "training data"}},
                                          {"--test", {o.test, "test data"}},
                                          {"--init", {o.init, "initial model"}},
                                          {"--resume", {o.resume, "checkpoint to resume from", false}}};
  if (o.data_files.size() > 1)  // a list: every file, whichever rank reads it
    for (const std::string& f : o.data_files) inputs_checked.push_back({"", {f, "training data"}});
  check_command_paths(
      inputs_checked,
      {{"-o", {out, "model"}},
       {"--curve", {o.curve, "loss curve", {".csv", ".svg"}}},
       {o.checkpoint.empty() ? "--resume" : "--checkpoint",
        {checkpoint, "checkpoint", {}, false, /*rewrites=*/3}},
       {"--cache", {o.cache, "binary cache"}}});
  std::vector<std::string> inputs = own_files;
  if (own_files.empty()) inputs.push_back(o.data);
  if (!own_files.empty() && std::filesystem::is_directory(o.data)) {
    // An output written into the data directory would be read as data by the next run.
    // So would a test set, an initial model or a checkpoint kept there.
    for (const auto& [flag, path] : {std::pair<std::string, std::string>{"-o", out},
                                     {"--checkpoint", checkpoint}, {"--curve", o.curve},
                                     {"--test", o.test}, {"--init", o.init},
                                     {"--resume", o.resume}}) {
      std::error_code ec;
      if (!path.empty() && !is_standard_stream(path) &&
          std::filesystem::equivalent(std::filesystem::absolute(path).parent_path(), o.data, ec))
        throw usage_error(flag, "'" + path + "' is in the data directory " + o.data +
                                ", whose every file is read as training data: keep it elsewhere");
    }
  }
  if (w.rank == 0 && o.cache.empty()) warn_options_a_cache_ignores(o.data_opts, data_path);
  if (!o.test.empty()) {
    inputs.push_back(o.test);
    // Read after training (by rank 0): a path that is missing or a file that cannot be read
    // is refused now, not after the run. Only looked at, never opened: a FIFO would block.
    struct stat st {};
    const bool missing = !is_standard_stream(o.test) && ::stat(o.test.c_str(), &st) != 0;
    if (w.rank == 0 &&
        (missing || (S_ISREG(st.st_mode) && ::access(o.test.c_str(), R_OK) != 0)))
      throw usage_error("--test", "cannot open '" + o.test + "': " + std::strerror(errno) +
                                      ": check the path (relative paths start in the current "
                                      "directory)");
  }
  if (!ranks) check_memory(inputs, o.data_opts);  // each rank reads a part (limit enforced while reading)
  std::shared_ptr<const Checkpoint> resume;
  if (!o.resume.empty()) {
    resume = std::make_shared<const Checkpoint>(load_checkpoint(o.resume));
    if (resume->threads != num_threads())
      std::fprintf(stderr, "lograd: warning: %s was written with %d kernel threads, this run "
                   "uses %d: the result matches an uninterrupted run only up to rounding; give "
                   "--threads %d for the same bits\n", o.resume.c_str(), resume->threads,
                   num_threads(), resume->threads);
  }
  const auto t_load = std::chrono::steady_clock::now();
  ReadOptions ro = read_options(o.data_opts);
  ro.min_classes = ranks ? 0 : 2;  // the reader names the file's end when it holds one class
  ro.shard_rank = w.rank;
  ro.shard_count = w.size;
  std::unique_ptr<Model> init;
  if (!o.init.empty()) {
    init = std::make_unique<Model>(load_model(o.init));
    ro.min_features = init->n_features;
  }
  bool cache_hit = false;
  Dataset data = with_memory_advice(o.data_opts, [&] {
    if (!own_files.empty()) {  // this rank's files, whole; CSV files as one text
      if (!o.cache.empty())
        throw usage_error("--cache", "--cache reads one cache split between the ranks; with "
                                     "files per rank, give .lgb caches as the files");
      if (!ranks) return read_dataset_files(o.data, own_files, ro, *local_collective());
      Dataset d = read_dataset_files(o.data, own_files, ro, *w.collective);
      warn_skipped_rows_over_ranks(d, o.data, *w.collective);
      return d;
    }
    if (ranks)  // each rank reads its part (LIBSVM, CSV or .lgb; --cache: of the cache)
      return read_training_part(o.data, o.cache, ro, *w.collective, &cache_hit);
    return o.cache.empty() ? read_dataset(o.data, ro)
                           : read_dataset_cached(o.data, o.cache, ro, &cache_hit);
  });
  int64_t examples = data.rows();
  if (ranks) {  // every rank's part gets the largest feature count; the example count over all
    int64_t cols = 0;
    for (const std::string& c : w.collective->gather({std::to_string(data.cols())}))
      cols = std::max<int64_t>(cols, std::stoll(c));
    if (cols > data.cols()) data.x = data.x.with_cols(cols);
    examples = static_cast<int64_t>(sum_over_ranks(*w.collective, static_cast<double>(data.rows())));
  }
  const double load_seconds = seconds_since(t_load);
  warn_skipped_rows(data, o.data);
  if (o.cv > examples)  // refused before training, not after it
    throw usage_error("--cv", std::to_string(o.cv) + " folds need at least as many "
                              "examples, and the data has " + std::to_string(examples) +
                              ": give --cv between 2 and " + std::to_string(examples));
  // A cache given as the data was encoded when it was made: its missing-value policy holds.
  if (!o.data_opts.missing.empty() && !data.encoding.missing.empty() &&
      data.encoding.missing != o.data_opts.missing && is_binary_cache(o.data))
    throw usage_error("--missing", o.data + " is a cache made with --missing " +
                                       data.encoding.missing + ", which --missing " +
                                       o.data_opts.missing + " cannot change: train from the "
                                       "CSV file, or convert it again with --missing " +
                                       o.data_opts.missing);
  if (!ranks && data.classes.size() >= 10 && 2 * data.classes.size() > static_cast<size_t>(examples))
    std::fprintf(stderr, "lograd: warning: %s has %zu distinct labels among %lld examples, and "
                 "each label is a class: if the label column holds a measured quantity "
                 "(regression), this is the wrong tool; check --label-column\n", o.data.c_str(),
                 data.classes.size(), static_cast<long long>(examples));
  // Nothing but labels: no model worth training (the intercepts would give the classes'
  // frequencies); most often a CSV file read with the wrong delimiter, one column per line.
  if (data.cols() == 0)
    throw ValueError(o.data + " has no features, only labels: there is nothing to learn from" +
                     (data.encoding.columns.size() == 1
                          ? std::string("; its lines read as one column each: give the file's "
                                        "delimiter with --delimiter")
                          : std::string()));
  const std::string cache_note =
      o.cache.empty() ? std::string()
      : cache_hit     ? " (from the cache " + o.cache + ")"
                      : " (cache written to " + o.cache + " for the next run)";

  TrainOptions to;
  to.lambda = o.lambda;
  to.c = o.c;
  if (o.l1) to.l1_ratio = 1;
  if (!o.elastic_net.empty()) to.l1_ratio = std::stod(o.elastic_net);  // checked: in [0, 1]
  to.fit_bias = !o.no_bias;
  to.standardize = o.standardize;
  to.exact_sums = o.exact_sums;
  to.class_weight = o.class_weight;
  to.multi_class = o.multi_class;
  to.solver.tol = o.tol;
  to.solver.max_seconds = o.max_seconds;
  to.solver.lr = o.lr;
  to.solver.batch_size = o.batch_size;
  to.solver.seed = o.seed;
  if (!o.solver.empty()) {
    to.solver.kind = parse_solver(o.solver);
    to.solver_given = true;
  }
  if (o.max_iter > 0) to.solver.max_iter = o.max_iter;
  if (o.epochs > 0) to.solver.max_iter = o.max_iter > 0 ? std::min(o.max_iter, o.epochs) : o.epochs;

  int64_t checkpoint_iter = -1;  // the iteration of the last checkpoint written
  if (!checkpoint.empty()) {
    to.checkpoint_every = o.checkpoint_every;
    to.on_checkpoint = [&](const Checkpoint& ck) {
      if (w.rank != 0) return;  // every rank has the same state; rank 0 writes it
      try {
        save_checkpoint(ck, checkpoint);
        checkpoint_iter = ck.state.iter;
      } catch (const Error& e) {  // a full disk must not end hours of training
        std::fprintf(stderr, "\nlograd: warning: %s; training goes on\n", in_cli_terms(e.what()).c_str());
      }
    };
  }
  to.resume = resume;
  g_stop = false;
  g_signal = 0;
  to.solver.stop = &g_stop;
  if (ranks) {  // a signal on any rank stops every rank at the same safe point
    to.collective = w.collective;
    w.local_stop = &g_stop;
    to.solver.stop = &w.stop;
  }
  const std::atomic<bool>& stop = *to.solver.stop;

  const bool tty = isatty(STDERR_FILENO) && !o.quiet && !o.json && w.rank == 0;
  ProgressLine progress(tty);
  // From here until the model is written, SIGINT and SIGTERM stop training at a safe point.
  std::optional<StopSignals> stop_signals(std::in_place);
  TrainResult r;
  try {
    r = train_logistic(data, to, init.get(), [&](const IterationInfo& it) {
      progress(it);
      return !stop.load();
    });
  } catch (const ValueError& e) {  // weights that do not fit the data's classes: a usage error
    const std::string m = e.what();
    if (m.rfind("class_weight must be", 0) == 0)
      throw usage_error("--class-weight", "must be" + m.substr(std::strlen("class_weight must be")));
    throw;
  }
  progress.clear();
  Model model = std::move(r.model);  // not a copy: W is n x K doubles
  // Prediction reads CSV with the training's missing-value policy: the one the data was read
  // with (a cache holds its own), else the option's (a cache from before caches held it).
  if (!model.encoding.empty())
    model.encoding.missing = !data.encoding.missing.empty() ? data.encoding.missing
                             : o.data_opts.missing.empty()  ? "error"
                                                            : o.data_opts.missing;
  // Under ranks: of every rank's part together (each rank's probabilities gathered).
  const Scores train_m = score(model, data, ranks ? w.collective.get() : nullptr);
  // Whether any rank was signalled: then no rank cross-validates (the ranks decide together).
  auto any_signal = [&] {
    const bool mine = g_signal.load() != 0;
    return ranks ? sum_over_ranks(*w.collective, mine ? 1.0 : 0.0) > 0 : mine;
  };
  if (w.rank != 0) {  // rank 0 writes the model and reports; the others help cross-validate
    stop_signals.reset();
    const bool stopped = any_signal() || r.solve.stop_reason == "interrupted" ||
                         r.solve.stop_reason == "diverged";
    if (o.cv > 0 && !stopped) {
      if (model.multi_class.empty()) cross_validate(data, to, o.cv, o.seed);
      else cross_validate_classes(data, to, o.cv, o.seed);
    }
    if (r.solve.stop_reason == "diverged") throw ExitWith{kExitDiverged};
    if (r.solve.stop_reason == "interrupted" || g_signal.load() != 0)
      throw ExitWith{g_signal.load() == SIGTERM ? kExitSigterm
                     : g_signal.load() == SIGHUP ? kExitSighup : kExitSigint};
    return;
  }

  model.training = {
      {"data", o.data}, {"examples", examples}, {"solver", solver_name(r.solver)},
      {"lambda", r.lambda}, {"C", r.lambda > 0 ? 1 / (r.lambda * examples) : INFINITY},
      {"l1_ratio", to.l1_ratio}, {"class_weight", o.class_weight}, {"tol", o.tol},
      {"standardize", o.standardize}, {"objective", r.objective},
      {"objective_liblinear", r.objective_liblinear}, {"iterations", r.solve.iterations},
      {"converged", r.solve.converged}, {"stop_reason", r.solve.stop_reason}};
  if (o.exact_sums) model.training["exact_sums"] = true;
  if (!model.multi_class.empty()) model.training["multi_class"] = model.multi_class;
  if (!r.class_objectives.empty()) model.training["class_objectives"] = r.class_objectives;
  if (resume) model.training["resumed_from"] = o.resume;
  save_model(model, out);
  if (!o.curve.empty())
    write_curve(o.curve, r.solve.history, r.solve.grad_norm0,
                "lograd train " + data_name(o.data) + ": " +
                    solver_name(r.solver));
  stop_signals.reset();  // the model is safe: a signal now ends the process as usual
  const bool signalled = any_signal();  // on any rank, also after the last step
  int sig = g_signal.load();
  if (sig == 0 && (signalled || r.solve.stop_reason == "interrupted")) sig = SIGTERM;  // another rank's
  const bool interrupted = sig != 0;
  const bool diverged = r.solve.stop_reason == "diverged";

  // An interrupted or diverged run skips --test and --cv: the user wants out, or the
  // settings need changing first.
  const bool full_run = !interrupted && !diverged;
  std::optional<Scores> test_m;
  if (!o.test.empty() && full_run) {
    try {
      test_m = score(model, read_for_model(o.test, o.data_opts, model));
    } catch (const ValueError& e) {  // e.g. a label the model does not know: say whose
      const std::string what = e.what();
      throw ValueError((what.rfind(o.test, 0) == 0 ? what : "--test " + o.test + ": " + what) +
                       " (the model is written: " + out + ")");
    }
  }
  std::vector<double> folds;  // accuracy per fold
  nlohmann::json folds_json = nlohmann::json::array();
  if (o.cv > 0 && full_run) {
    try {
      if (model.multi_class.empty()) {
        for (const auto& f : cross_validate(data, to, o.cv, o.seed)) {
          folds.push_back(f.accuracy);
          folds_json.push_back(metrics_json(f));
        }
      } else {
        for (const auto& f : cross_validate_classes(data, to, o.cv, o.seed)) {
          folds.push_back(f.accuracy);
          folds_json.push_back(metrics_json(f, model.labels.names));
        }
      }
    } catch (const ValueError& e) {
      throw ValueError("--cv " + std::to_string(o.cv) + ": " + e.what());  // the library names no flag
    }
  }

  int status = kExitOk;
  if (interrupted) {
    status = sig == SIGTERM ? kExitSigterm : sig == SIGHUP ? kExitSighup : kExitSigint;
    std::string m = std::string("interrupted by ") +
                    (sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT") +
                    " at iteration " + std::to_string(r.solve.iterations);
    if (r.solve.epoch_pos > 0)
      m += " (and " + std::to_string(r.solve.epoch_pos) + " of " + std::to_string(data.rows()) +
           " examples of the next epoch)";
    m += "; model written to " + out;
    if (checkpoint_iter >= 0)
      m += "; checkpoint written to " + checkpoint + "; resume with the same command and "
           "--resume " + checkpoint;
    else if (!checkpoint.empty())
      m += "; the checkpoint could not be written (see above)";
    else
      m += "; to be able to resume, train with --checkpoint FILE";
    std::fprintf(stderr, "lograd: %s\n", m.c_str());
  } else if (diverged) {
    status = kExitDiverged;
    std::fprintf(stderr, "lograd: error: %s\n", divergence_message(r, out, !o.init.empty(),
                                    has_l1(o))
                     .c_str());
  } else if (const std::string a = advice(r, o); !a.empty()) {
    std::fprintf(stderr, "lograd: warning: %s\n", a.c_str());
  }
  if (r.separable_warning)
    std::fprintf(stderr, "lograd: warning: the data looks linearly separable: without "
                         "regularisation the optimum is at infinity. Add --lambda > 0 or --C.\n");
  if (o.json) {
    nlohmann::json j = {
        {"data", o.data}, {"examples", examples}, {"features", data.cols()},
        {"storage", data.x.describe()}, {"solver", solver_name(r.solver)}, {"lambda", r.lambda},
        {"objective", r.objective}, {"objective_liblinear", r.objective_liblinear},
        {"iterations", r.solve.iterations}, {"converged", r.solve.converged},
        {"stop_reason", r.solve.stop_reason}, {"grad_norm", r.solve.grad_norm},
        {"grad_norm0", r.solve.grad_norm0}, {"passes", r.passes}, {"load_seconds", load_seconds},
        {"train_seconds", r.seconds}, {"data_bytes", data.x.bytes()},
        {"train_accuracy", train_m.accuracy()}, {"train", train_m.json(model)}, {"model", out}};
    if (!model.multi_class.empty()) {
      j["multi_class"] = model.multi_class;
      j["classes"] = model.labels.names;
    }
    if (!r.class_objectives.empty()) j["class_objectives"] = r.class_objectives;
    if (test_m) j["test"] = test_m->json(model);
    if (!folds.empty()) j["cv"] = folds_json;
    if (r.separable_warning) j["warning"] = "separable";
    if (checkpoint_iter >= 0) j["checkpoint"] = checkpoint;
    if (diverged) j["last_finite_iteration"] = r.solve.last_finite_iter;
    if (!o.cache.empty()) j["cache"] = cache_hit ? "loaded" : "written";
    std::cout << j.dump(2) << "\n";
    if (status != kExitOk) throw ExitWith{status};
    return;
  }
  std::printf("data      %s: %lld examples x %lld features, %s, %s, read in %.2f s%s\n",
              o.data.c_str(), static_cast<long long>(examples),
              static_cast<long long>(data.cols()), data.x.describe().c_str(),
              format_bytes(static_cast<double>(data.x.bytes())).c_str(), load_seconds,
              cache_note.c_str());
  // The penalty as minimised, and LIBLINEAR's form of the same objective (F / lambda).
  const double alpha = to.l1_ratio;
  char penalty[96], liblinear_penalty[96];
  if (alpha == 0) {
    std::snprintf(penalty, sizeof penalty, "lambda/2 ||w||^2");
    std::snprintf(liblinear_penalty, sizeof liblinear_penalty, "0.5||w||^2");
  } else if (alpha == 1) {
    std::snprintf(penalty, sizeof penalty, "lambda ||w||_1 (L1)");
    std::snprintf(liblinear_penalty, sizeof liblinear_penalty, "||w||_1");
  } else {
    std::snprintf(penalty, sizeof penalty,
                  "lambda (alpha ||w||_1 + (1-alpha)/2 ||w||^2) (elastic net, alpha = %g)", alpha);
    std::snprintf(liblinear_penalty, sizeof liblinear_penalty,
                  "%g||w||_1 + %g||w||^2", alpha, (1 - alpha) / 2);
  }
  const size_t classes = model.labels.names.size();
  if (model.multi_class == "multinomial")
    std::printf("model     multinomial over %zu classes: softmax of W^T x + b, W %lld x %zu\n",
                classes, static_cast<long long>(data.cols()), classes);
  else if (model.multi_class == "ovr")
    std::printf("model     one-vs-rest: %zu binary models, class q against the rest\n", classes);
  std::printf("objective mean %s + %s, lambda = %.6g (C = %.6g); bias %s\n",
              model.multi_class == "multinomial" ? "cross-entropy" : "log loss", penalty,
              r.lambda,
              r.lambda > 0 ? 1 / (r.lambda * examples) : INFINITY,
              to.fit_bias ? "fitted, not penalised" : "off");
  std::printf("solver    %s: %s after %lld iterations, %.1f passes over the data, %.3f s\n",
              solver_name(r.solver),
              r.solve.converged ? "converged"
              : diverged        ? "diverged"
              : interrupted     ? "interrupted"
                                : "stopped",
              static_cast<long long>(r.solve.iterations), r.passes, r.seconds);
  if (model.multi_class == "multinomial" && r.lambda > 0)
    std::printf("result    objective %.12g (scikit-learn form %s + C sum CE: %.12g)\n",
                r.objective, liblinear_penalty, r.objective_liblinear);
  else if (model.multi_class == "ovr" && r.lambda > 0) {
    std::printf("result    sum of the %zu objectives %.12g; per class (LIBLINEAR form %s + C sum "
                "log(1+e^-ywx)):\n", classes, r.objective, liblinear_penalty);
    for (size_t q = 0; q < r.class_objectives.size(); ++q)
      std::printf("          %s: %.12g\n", model.labels.names[q].c_str(),
                  r.class_objectives[q] / r.lambda);
  } else if (r.lambda > 0)
    std::printf("result    objective %.12g (LIBLINEAR form %s + C sum log(1+e^-ywx): %.12g)\n",
                r.objective, liblinear_penalty, r.objective_liblinear);
  else  // F / lambda: no LIBLINEAR form without a penalty (C infinite)
    std::printf("result    objective %.12g (no LIBLINEAR form: lambda = 0, C infinite)\n",
                r.objective);
  std::printf("          |grad| %.3g, target %.3g (tol %.3g x |grad at 0| %.3g)\n", r.solve.grad_norm,
              o.tol * r.solve.grad_norm0, o.tol, r.solve.grad_norm0);
  if (ranks)
    std::printf("ranks     %d (mpirun), each reading its part of %s (rank 0: %lld examples)\n",
                w.size, o.data.c_str(), static_cast<long long>(data.rows()));
  std::printf("train     accuracy %.4f%%, log loss %.6g\n", 100 * train_m.accuracy(),
              train_m.log_loss());
  if (test_m && test_m->binary)
    std::printf("test      %s: accuracy %.4f%%, log loss %.6g, ROC AUC %s\n", o.test.c_str(),
                100 * test_m->accuracy(), test_m->log_loss(),
                auc_text(test_m->binary->roc_auc).c_str());
  else if (test_m)
    std::printf("test      %s: accuracy %.4f%%, log loss %.6g, macro F1 %.6f\n", o.test.c_str(),
                100 * test_m->accuracy(), test_m->log_loss(), test_m->classes->macro_f1);
  if (!folds.empty()) {
    double mean = 0, sq = 0;
    for (double f : folds) mean += f / folds.size();
    for (double f : folds) sq += (f - mean) * (f - mean) / folds.size();
    std::printf("cv        %d folds: accuracy", o.cv);
    for (double f : folds) std::printf(" %.4f", f);
    std::printf("; mean %.4f%% +- %.4f%%\n", 100 * mean, 100 * std::sqrt(sq));
  }
  std::printf("model     %s\n", out.c_str());
  if (!o.curve.empty()) std::printf("curve     %s\n", o.curve.c_str());
  if (checkpoint_iter >= 0)
    std::printf("checkpoint %s (iteration %lld)\n", checkpoint.c_str(),
                static_cast<long long>(checkpoint_iter));
  std::fflush(stdout);
  if (status != kExitOk) throw ExitWith{status};
}

}  // namespace

void register_train(CLI::App& app) {
  auto o = std::make_shared<TrainCli>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train logistic regression on LIBSVM or CSV data and save the model: binary for two\n"
      "classes; for more, multinomial (softmax) regression, or one-vs-rest with\n"
      "--multi-class ovr.\n"
      "It minimises  F(w, b) = (1/m) sum_i s_i log(1 + exp(-y_i (w.x_i + b))) + lambda/2 ||w||^2\n"
      "(y_i = +-1, s_i the example weights), i.e. the mean cross-entropy plus an L2 penalty;\n"
      "lambda = 1/(C m) for LIBLINEAR's and scikit-learn's C (default C = 1). The bias b is fitted\n"
      "and not penalised. --l1 / --elastic-net alpha replace the penalty by\n"
      "lambda (alpha ||w||_1 + (1-alpha)/2 ||w||^2). Training stops when\n"
      "||grad F(w)|| <= tol ||grad F(0)||, or at --max-iter / --max-seconds.\n"
      "When things go wrong: a run whose objective becomes NaN or inf stops, writes the model\n"
      "with the last finite parameters and exits with status 3. SIGINT (Ctrl-C), SIGTERM or\n"
      "SIGHUP stops at the end of the current step, writes the model (and the checkpoint) and\n"
      "exits with 130 / 143 / 129; a second one exits at once. Every output path is checked\n"
      "before reading (status 2 when one is an input or cannot be written); '-' is standard\n"
      "input. --checkpoint/--resume continue a run to the\n"
      "result it would have reached. Data that would need more than --max-memory is refused\n"
      "before reading (status 4).");
  cmd->add_option("data", o->data_files,
                  "training data: LIBSVM/SVMlight or CSV, optionally gzip-compressed; '-' reads "
                  "standard input; a directory: its files one after another, in name order (CSV "
                  "files as one CSV, each may repeat the header); several files: the same, in the order "
                  "given. Under mpirun the ranks split a file, or each reads files of its own: a "
                  "path with {rank} in it, or its share of a directory's or a list's files")
      ->required();
  cmd->add_option("-o,--out", o->out, "where to write the model (JSON; default: DATA's name + .model.json)");
  add_data_options(cmd, o->data_opts, /*with_weights=*/true);
  auto* lam = cmd->add_option("--lambda", o->lambda,
                              "regularisation strength lambda of the mean-form objective (>= 0)")
                  ->check(non_negative_number());
  cmd->add_option("--C", o->c, "inverse strength as in LIBLINEAR / scikit-learn: lambda = 1/(C m); default 1")
      ->check(positive_number())
      ->excludes(lam);
  cmd->add_flag("--no-bias", o->no_bias, "fit no bias term (LIBLINEAR's default)");
  cmd->add_flag("--l1", o->l1, "L1 penalty lambda ||w||_1 instead of L2: sparse models with exact zeros");
  cmd->add_option("--elastic-net", o->elastic_net,
                  "penalty lambda (alpha ||w||_1 + (1-alpha)/2 ||w||^2) with alpha in [0,1]")
      ->check(unit_interval());
  cmd->add_flag("--standardize", o->standardize,
                "train on (x - mean)/std per feature (scale only with --no-bias); stored in the "
                "model and applied at prediction; sparse data stays sparse");
  cmd->add_flag("--exact-sums", o->exact_sums,
                "sum over the examples exactly (fixed point), so the model's bits do not depend on "
                "--threads, on the rank count under mpirun or on the order of the rows; passes "
                "are scalar and several times slower");
  cmd->add_option("--class-weight", o->class_weight,
                  "'balanced' (weight m/(K m_c) per class; with --multi-class ovr each binary "
                  "problem balanced, its class against the rest, as scikit-learn) or 'w0,w1' for "
                  "the negative/positive class (K classes: K weights, in the model's class order)")
      ->check(class_weight_check());
  cmd->add_option("--multi-class", o->multi_class,
                  "auto (default: binary for 2 classes, multinomial for more), multinomial "
                  "(softmax regression, mean cross-entropy; also for 2 classes) or ovr (one "
                  "binary model per class against the rest, as LIBLINEAR)")
      ->check(CLI::IsMember({"auto", "multinomial", "ovr"}));
  cmd->add_option("--solver", o->solver,
                  "newton (truncated Newton, default for L2), lbfgs (default with an L1 term: "
                  "OWL-QN; and for multinomial models of sparse data), gd (the lecture's batch gradient descent), sgd, momentum, adam")
      ->check(CLI::IsMember({"gd", "sgd", "momentum", "adam", "lbfgs", "newton"}));
  cmd->add_option("--tol", o->tol, "stop when ||grad F|| <= tol ||grad F(0)|| (default 1e-6)")
      ->check(positive_number());
  cmd->add_option("--max-iter", o->max_iter, "at most this many iterations (epochs for sgd/momentum/adam; default 1000)")
      ->check(positive_number());
  cmd->add_option("--max-seconds", o->max_seconds, "stop after this many seconds of training")
      ->check(positive_number());
  cmd->add_option("--lr", o->lr,
                  "learning rate of gd/sgd/momentum/adam (default: 1/L for L the largest curvature "
                  "of the loss, 0.01 for adam)")
      ->check(positive_number());
  cmd->add_option("--epochs", o->epochs, "gd/sgd/momentum/adam: passes over the data (same as --max-iter)")
      ->check(positive_number());
  cmd->add_option("--batch-size", o->batch_size, "sgd/momentum/adam: examples per step (default 256)")
      ->check(positive_number());
  cmd->add_option("--seed", o->seed, "seed for shuffling (sgd/momentum/adam) and --cv folds (default 1)")
      ->check(non_negative_number());
  cmd->add_option("--threads", o->threads,
                  "threads of the data kernels (default 0: every core; under mpirun, the "
                  "machine's cores shared among its ranks); results are identical from run to "
                  "run for a given count")
      ->check(non_negative_number());
  cmd->add_option("--cv", o->cv, "also report K-fold cross-validation (K >= 2; the folds stratified by "
                                 "class, as scikit-learn's, drawn with --seed)")
      ->check(CLI::Range(2, 1000));
  cmd->add_option("--test", o->test, "evaluate the model on this file after training");
  cmd->add_option("--cache", o->cache,
                  "read the data through this binary cache: loaded when it was made from the "
                  "data file as it is now with the same reading options, else written after "
                  "parsing, for the next run (see lograd convert)");
  cmd->add_option("--init", o->init, "warm start from this model (lograd JSON or LIBLINEAR)");
  cmd->add_option("--curve", o->curve, "write the loss curve: FILE.csv (data) or FILE.svg (a picture)");
  cmd->add_option("--checkpoint", o->checkpoint,
                             "write the training state to this file (atomically) every "
                             "--checkpoint-every iterations and when training stops early");
  cmd->add_option("--checkpoint-every", o->checkpoint_every,
                  "iterations (epochs for sgd/momentum/adam) between checkpoints (default 10)")
      ->check(positive_number());
  cmd->add_option("--resume", o->resume,
                  "continue the run that wrote this checkpoint, to the result it would have "
                  "reached: give the same data and options (--tol, --max-iter, --max-seconds "
                  "and --threads may change); checkpoints then go back to this file unless --checkpoint is given");
  add_max_memory_option(cmd, o->data_opts);
  cmd->add_flag("-q,--quiet", o->quiet, "print only the final summary");
  cmd->add_flag("--json", o->json,
                "print the summary as one JSON object (objective, objective_liblinear, iterations, "
                "converged, passes, load_seconds, train_seconds, data_bytes, train_accuracy, ...)");
  cmd->callback([o, cmd] {
    o->data = o->data_files.front();  // a list is named by its first file (the model's name)
    if (cmd->count("--checkpoint-every") && o->checkpoint.empty() && o->resume.empty())
      throw usage_error("--checkpoint-every", "needs --checkpoint FILE (or --resume FILE, to "
                                              "whose file the checkpoints go back)");
    if (o->checkpoint_every == 0) o->checkpoint_every = 10;
    // Options the chosen solver does not use: said once, not silently dropped.
    const bool minibatch = o->solver == "sgd" || o->solver == "momentum" || o->solver == "adam";
    const std::string solver =
        o->solver.empty() ? "default solver (newton; lbfgs with an L1 term or for multinomial "
                            "models of sparse data)"
                          : o->solver + " solver";
    if (world().rank == 0) {
      if (cmd->count("--lr") && !minibatch && o->solver != "gd")
        std::fprintf(stderr, "lograd: warning: --lr is ignored: the %s finds its own steps; "
                     "--lr sets the step of gd, sgd, momentum and adam\n", solver.c_str());
      if (cmd->count("--batch-size") && !minibatch)
        std::fprintf(stderr, "lograd: warning: --batch-size is ignored: the %s uses every "
                     "example in each step; sgd, momentum and adam take minibatches\n",
                     solver.c_str());
    }
    check_usage(*o);
    run(*o);
  });
}

}  // namespace lograd::cli
