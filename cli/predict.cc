// `lograd predict`, `lograd eval` and `lograd export`: use a saved model.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "data_options.h"
#include "lograd/atomic_file.h"
#include "io_paths.h"
#include "report.h"
#include "usage.h"
#include "lograd/train.h"

namespace lograd::cli {
namespace {

struct UseCli {
  std::string model, data, out, format = "liblinear";
  DataOptions data_opts;
  bool proba = false, decision = false, json = false;
};

void run_predict(const UseCli& o) {
  const std::string out = o.out.empty() ? "-" : o.out;
  check_command_paths({{"--model", {o.model, "model"}}, {"", {o.data, "data"}}},
                      {{"-o", {out, "predictions", {}, /*stdout_ok=*/true}}});
  const Model model = load_model(o.model);
  const Dataset data = read_for_model(o.data, o.data_opts, model, /*unlabelled=*/true);
  std::string text;
  char buf[32];
  if (o.decision) {  // the scores W^T x + b, one line per example
    const std::vector<double> z = model.decision(data.x);
    const auto k = static_cast<size_t>(model.outputs());
    check_finite_scores(data, z, k);
    if (!model.multi_class.empty()) {  // whose score is whose: the header of --proba's layout
      text += "labels";
      for (const auto& l : model.labels.names) text += " " + l;
      text += '\n';
    }
    for (size_t i = 0; i < z.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.17g", z[i]);
      text += buf;
      text += (i + 1) % k == 0 ? '\n' : ' ';
    }
    return write_file_atomically(out, text);
  }
  if (!model.multi_class.empty()) {
    // liblinear-predict -b 1's layout: a "labels" header, then the predicted label and the K
    // probabilities in that order; without --proba the label alone.
    const auto& names = model.labels.names;
    const size_t k = names.size();
    const std::vector<double> p = model.class_proba(data.x);
    check_finite_scores(data, p, k);
    if (o.proba) {
      text += "labels";
      for (const auto& l : names) text += " " + l;
      text += '\n';
    }
    for (size_t i = 0; i < p.size(); i += k) {
      size_t best = 0;
      for (size_t q = 1; q < k; ++q)
        if (p[i + q] > p[i + best]) best = q;
      text += names[best];
      if (o.proba)
        for (size_t q = 0; q < k; ++q) {
          std::snprintf(buf, sizeof buf, " %.17g", p[i + q]);
          text += buf;
        }
      text += '\n';
    }
    return write_file_atomically(out, text);
  }
  const std::vector<double> p = model.predict_proba(data.x);
  check_finite_scores(data, p, 1);
  for (double v : p) {
    if (o.proba) {
      std::snprintf(buf, sizeof buf, "%.17g\n", v);
      text += buf;
    } else {
      text += model.labels.names[v > 0.5 ? 1 : 0];
      text += '\n';
    }
  }
  // A file gets all the predictions or keeps what it held (temporary file, rename).
  write_file_atomically(out, text);
}

void run_eval(const UseCli& o) {
  check_command_paths({{"--model", {o.model, "model"}}, {"", {o.data, "data"}}}, {});
  const Model model = load_model(o.model);
  const Dataset data = read_for_model(o.data, o.data_opts, model);
  if (!model.multi_class.empty()) {
    const ClassMetrics c = evaluate_classes(model, data);
    if (o.json) std::cout << metrics_json(c, model.labels.names).dump(2) << "\n";
    else print_class_metrics(c, model.labels.names);
    return;
  }
  const BinaryMetrics m = evaluate(model, data);
  if (o.json) {
    nlohmann::json j = {{"count", m.count},         {"accuracy", m.accuracy},
                        {"log_loss", m.log_loss},   {"roc_auc", m.roc_auc},
                        {"precision", m.precision}, {"recall", m.recall},
                        {"f1", m.f1},
                        {"confusion", {{"labels", model.labels.names},
                                       {"matrix", {{m.tn, m.fp}, {m.fn, m.tp}}}}}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  const auto& L = model.labels.names;
  std::printf("examples   %lld\naccuracy   %.4f%%\nlog loss   %.6g\nROC AUC    %s\n",
              static_cast<long long>(m.count), 100 * m.accuracy, m.log_loss,
              auc_text(m.roc_auc).c_str());
  std::printf("precision  %.6f\nrecall     %.6f\nF1         %.6f   (positive class '%s')\n",
              m.precision, m.recall, m.f1, L[1].c_str());
  std::printf("confusion  rows: true label, columns: predicted\n");
  std::printf("  %12s %12s %12s\n", "", L[0].c_str(), L[1].c_str());
  std::printf("  %12s %12lld %12lld\n", L[0].c_str(), static_cast<long long>(m.tn), static_cast<long long>(m.fp));
  std::printf("  %12s %12lld %12lld\n", L[1].c_str(), static_cast<long long>(m.fn), static_cast<long long>(m.tp));
}

void run_export(const UseCli& o) {
  if (o.format != "liblinear") throw ValueError("--format must be liblinear");
  check_command_paths({{"--model", {o.model, "model"}}},
                      {{"-o", {o.out, "LIBLINEAR model", {}, /*stdout_ok=*/true}}});
  const Model model = load_model(o.model);
  export_liblinear(model, o.out);
  if (!model.encoding.empty())  // what LIBLINEAR's format cannot hold
    std::fprintf(stderr,
                 "lograd: warning: %s was trained on CSV columns, and LIBLINEAR's format holds "
                 "the weights only: not the encoding (which column is which feature, the "
                 "categories' one-hot features%s); liblinear-predict needs LIBSVM data with "
                 "lograd's feature numbering (lograd convert writes the training file's)\n",
                 o.model.c_str(),
                 model.encoding.missing == "mean" ? ", the training means that fill missing values"
                                                  : "");
  if (!is_standard_stream(o.out))
    std::fprintf(stderr, "lograd: wrote %s (LIBLINEAR model; try: liblinear-predict DATA %s out)\n",
                 o.out.c_str(), o.out.c_str());
}

}  // namespace

void register_predict(CLI::App& app) {
  auto o = std::make_shared<UseCli>();
  CLI::App* p = app.add_subcommand(
      "predict",
      "Predict with a model: one line per example, the label in its original form (or with "
      "--proba the probability of the model's positive class; for a multiclass model a "
      "'labels ...' header, then the label and the K class probabilities per line, as "
      "liblinear-predict -b 1). Data with fewer features than the "
      "model reads the missing ones as 0; features beyond the model's are ignored (with a "
      "warning). CSV data is read as the model's training data was: its columns, label column "
      "and --missing policy, unless --missing is given (a model trained with skip-row stops at "
      "a missing value, since every row gets a line: give --missing zero, or mean for a model "
      "trained with mean); the label and sample-weight columns may be absent.");
  p->add_option("--model,-m", o->model, "the model: lograd JSON or a LIBLINEAR model file")->required();
  p->add_option("data", o->data,
                "data to predict, as for training; the labels may be absent (LIBSVM lines that "
                "start with index:value, CSV rows without the label column) and are unused")
      ->required();
  p->add_flag("--proba", o->proba,
              "print P(positive class) instead of labels (multiclass: the label and every "
              "class's probability)");
  p->add_flag("--decision", o->decision,
              "print the scores w.x + b instead (multiclass: a 'labels ...' header, then the K "
              "scores W^T x + b per line)")
      ->excludes("--proba");
  p->add_option("-o,--out", o->out,
                "write to this file (replaced atomically) instead of standard output ('-')");
  add_data_options(p, o->data_opts, false);
  add_max_memory_option(p, o->data_opts);
  p->callback([o] {
    if (o->data_opts.missing == "skip-row")
      throw usage_error("--missing", "predict writes one line per input row, so skip-row cannot "
                                     "be used; use --missing zero or mean");
    run_predict(*o);
  });

  auto e = std::make_shared<UseCli>();
  CLI::App* ev = app.add_subcommand(
      "eval", "Evaluate a model on labelled data: accuracy, log loss, ROC AUC, precision, recall, "
              "F1 and the confusion matrix (threshold 0.5); for a multiclass model accuracy, "
              "log loss, macro and weighted F1, per-class precision and recall, and the K x K "
              "confusion matrix.");
  ev->add_option("--model,-m", e->model, "the model: lograd JSON or a LIBLINEAR model file")->required();
  ev->add_option("data", e->data, "labelled data (LIBSVM or CSV)")->required();
  ev->add_flag("--json", e->json, "print the metrics as one JSON object");
  add_data_options(ev, e->data_opts, false);
  add_max_memory_option(ev, e->data_opts);
  ev->callback([e] { run_eval(*e); });

  auto x = std::make_shared<UseCli>();
  CLI::App* ex = app.add_subcommand(
      "export", "Write a model in another format: LIBLINEAR's, which liblinear-predict reads.");
  ex->add_option("--model,-m", x->model, "the lograd model")->required();
  ex->add_option("--format", x->format, "output format: liblinear (default)")
      ->check(CLI::IsMember({"liblinear"}));
  ex->add_option("-o,--out", x->out, "the file to write ('-': standard output)")->required();
  ex->callback([x] { run_export(*x); });
}

}  // namespace lograd::cli
