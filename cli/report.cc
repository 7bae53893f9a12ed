#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lograd::cli {

nlohmann::json metrics_json(const BinaryMetrics& m) {
  return {{"count", m.count},        {"accuracy", m.accuracy}, {"log_loss", m.log_loss},
          {"roc_auc", m.roc_auc},    {"precision", m.precision}, {"recall", m.recall},
          {"f1", m.f1},              {"confusion", {{m.tn, m.fp}, {m.fn, m.tp}}}};
}

nlohmann::json metrics_json(const ClassMetrics& m, const std::vector<std::string>& labels) {
  const auto k = static_cast<size_t>(m.classes);
  nlohmann::json per = nlohmann::json::array(), matrix = nlohmann::json::array();
  for (size_t q = 0; q < k; ++q) {
    per.push_back({{"label", labels[q]}, {"precision", m.precision[q]}, {"recall", m.recall[q]},
                   {"f1", m.f1[q]}, {"support", m.support[q]}});
    matrix.push_back(std::vector<int64_t>(m.confusion.begin() + static_cast<std::ptrdiff_t>(q * k),
                                          m.confusion.begin() + static_cast<std::ptrdiff_t>((q + 1) * k)));
  }
  return {{"count", m.count},       {"accuracy", m.accuracy},       {"log_loss", m.log_loss},
          {"macro_f1", m.macro_f1}, {"weighted_f1", m.weighted_f1}, {"per_class", per},
          {"confusion", {{"labels", labels}, {"matrix", matrix}}}};
}

void print_class_metrics(const ClassMetrics& m, const std::vector<std::string>& labels) {
  const auto k = static_cast<size_t>(m.classes);
  std::printf("examples     %lld, %zu classes\naccuracy     %.4f%%\nlog loss     %.6g\n"
              "macro F1     %.6f\nweighted F1  %.6f\n",
              static_cast<long long>(m.count), k, 100 * m.accuracy, m.log_loss, m.macro_f1,
              m.weighted_f1);
  int width = 6;
  for (const auto& l : labels) width = std::max(width, static_cast<int>(l.size()) + 1);
  std::printf("per class    %*s %10s %10s %10s %8s\n", width, "label", "precision", "recall", "F1",
              "support");
  for (size_t q = 0; q < k; ++q)
    std::printf("             %*s %10.4f %10.4f %10.4f %8lld\n", width, labels[q].c_str(),
                m.precision[q], m.recall[q], m.f1[q], static_cast<long long>(m.support[q]));
  std::printf("confusion    rows: true label, columns: predicted\n  %*s", width, "");
  for (size_t q = 0; q < k; ++q) std::printf(" %*s", width, labels[q].c_str());
  std::printf("\n");
  for (size_t r = 0; r < k; ++r) {
    std::printf("  %*s", width, labels[r].c_str());
    for (size_t q = 0; q < k; ++q)
      std::printf(" %*lld", width, static_cast<long long>(m.confusion[r * k + q]));
    std::printf("\n");
  }
}

std::string auc_text(double auc) {
  if (std::isnan(auc)) return "undefined (one class)";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", auc);
  return buf;
}

}  // namespace lograd::cli
