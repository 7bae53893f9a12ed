// How train and eval report metrics: JSON objects and the text of a multiclass report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lograd/metrics.h"

namespace lograd::cli {

// {"count", "accuracy", "log_loss", "roc_auc", "precision", "recall", "f1", "confusion"}.
nlohmann::json metrics_json(const BinaryMetrics& m);
// {"count", "accuracy", "log_loss", "macro_f1", "weighted_f1", "per_class": [{"label",
// "precision", "recall", "f1", "support"}], "confusion": {"labels", "matrix"}}.
nlohmann::json metrics_json(const ClassMetrics& m, const std::vector<std::string>& labels);
// The multiclass report on standard output: the summary lines, a per-class table and the
// K x K confusion matrix (rows: true label, columns: predicted).
void print_class_metrics(const ClassMetrics& m, const std::vector<std::string>& labels);
// A ROC AUC as text: six decimals, or "undefined (one class)" where the labels hold one class
// only (the AUC is NaN; JSON has null).
std::string auc_text(double auc);

}  // namespace lograd::cli
