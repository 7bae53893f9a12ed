// libFuzzer harness for the model loader (parse_model: lograd JSON or LIBLINEAR text, in
// memory). A lograd::Error is the normal answer to a bad file; anything else is a bug. A model
// that loads (binary or multiclass) must be usable: consistent sizes, finite numbers,
// probabilities in [0, 1] (summing to 1 over the classes), and its
// CSV encoding must replay on a file written for it without crashing.
#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/reader_internal.h"
#include "fuzz_util.h"
#include "lograd/model.h"

namespace {

using lograd::CsvColumn;

const std::string kPath = "fuzz.model";

void check_model(const lograd::Model& m) {
  LOGRAD_FUZZ_CHECK(m.n_features >= 0, "negative n_features");
  const auto n = static_cast<size_t>(m.n_features);
  const bool multi = !m.multi_class.empty();
  LOGRAD_FUZZ_CHECK(!multi || m.multi_class == "multinomial" || m.multi_class == "ovr",
                    "unknown multi_class");
  const size_t k = multi ? m.labels.names.size() : 1;
  LOGRAD_FUZZ_CHECK(m.w.size() == n * k, "weight count differs from n_features x outputs");
  for (double v : m.w) LOGRAD_FUZZ_CHECK(std::isfinite(v), "weight not finite");
  LOGRAD_FUZZ_CHECK(std::isfinite(m.b), "bias not finite");
  LOGRAD_FUZZ_CHECK(!multi || m.biases.size() == k, "bias count differs from the classes");
  for (double v : m.biases) LOGRAD_FUZZ_CHECK(std::isfinite(v), "bias not finite");
  std::vector<std::string> names = m.labels.names;
  std::sort(names.begin(), names.end());
  LOGRAD_FUZZ_CHECK((multi ? names.size() >= 2 : names.size() == 2) &&
                        std::adjacent_find(names.begin(), names.end()) == names.end(),
                    multi ? "fewer than two or repeated labels" : "not two distinct labels");
  LOGRAD_FUZZ_CHECK(m.feature_names.empty() || m.feature_names.size() == n,
                    "feature name count differs from n_features");
  LOGRAD_FUZZ_CHECK(m.mean.size() == m.scale.size() && (m.mean.empty() || m.mean.size() == n),
                    "standardization sizes");
  for (size_t j = 0; j < m.mean.size(); ++j)
    LOGRAD_FUZZ_CHECK(std::isfinite(m.mean[j]) && std::isfinite(m.scale[j]) && m.scale[j] != 0,
                      "standardization value not finite or scale 0");
  for (const CsvColumn& c : m.encoding.columns) {
    const int64_t width = c.kind == CsvColumn::Kind::kCategorical
                              ? static_cast<int64_t>(c.categories.size())
                              : (c.kind == CsvColumn::Kind::kNumeric ? 1 : 0);
    if (width > 0)
      LOGRAD_FUZZ_CHECK(c.first_feature >= 0 && c.first_feature + width <= m.n_features,
                        "encoding column maps beyond the model's features");
    LOGRAD_FUZZ_CHECK(std::isfinite(c.fill), "fill not finite");
  }
}

void check_probabilities(const lograd::Model& m, const lograd::DataMatrix& x) {
  const size_t k = m.labels.names.size();
  const std::vector<double> p = m.class_proba(x);
  LOGRAD_FUZZ_CHECK(p.size() == static_cast<size_t>(x.rows()) * k, "K probabilities per row");
  for (size_t i = 0; i < p.size(); i += k) {
    double sum = 0;
    for (size_t q = 0; q < k; ++q) {
      LOGRAD_FUZZ_CHECK(p[i + q] >= 0 && p[i + q] <= 1, "probability outside [0, 1]");
      sum += p[i + q];
    }
    LOGRAD_FUZZ_CHECK(std::abs(sum - 1) <= 1e-9, "class probabilities do not sum to 1");
  }
  if (m.multi_class.empty()) {
    const std::vector<double> p1 = m.predict_proba(x);
    LOGRAD_FUZZ_CHECK(static_cast<int64_t>(p1.size()) == x.rows(), "one probability per row");
  }
}

// A CSV field in double quotes ("" for a quote), so any text survives the scanner.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

// One example written for the model's encoding (after a header row when it had one).
std::string csv_for(const lograd::Model& m) {
  const lograd::CsvEncoding& e = m.encoding;
  std::string header, row;
  for (size_t j = 0; j < e.columns.size(); ++j) {
    const CsvColumn& c = e.columns[j];
    if (j > 0) {
      header.push_back(e.delimiter);
      row.push_back(e.delimiter);
    }
    header += quote(c.name);
    switch (c.kind) {
      case CsvColumn::Kind::kLabel:
        row += quote(m.labels.names[1]);
        break;
      case CsvColumn::Kind::kCategorical:
        row += quote(c.categories.empty() ? "x" : c.categories.back());
        break;
      case CsvColumn::Kind::kNumeric:
      case CsvColumn::Kind::kWeight:
        row += "1";
        break;
    }
  }
  return (e.header ? header + "\n" : "") + row + "\n";
}

void load_and_use(std::string_view text) {
  using namespace lograd;
  Model m;
  try {
    m = parse_model(text, kPath);
  } catch (const Error&) {
    return;  // refused, with a message: what a bad model file should get
  }
  check_model(m);

  // One example with the first feature and one past the model's width (ignored).
  CsrMatrix<double> x;
  x.rows = 1;
  x.cols = m.n_features + 1;
  if (m.n_features > 0) {
    x.col.push_back(0);
    x.val.push_back(1.0);
  }
  x.col.push_back(static_cast<int32_t>(std::min<int64_t>(m.n_features, INT32_MAX - 1)));
  x.val.push_back(2.0);
  x.cols = std::max<int64_t>(x.cols, x.col.back() + 1);
  x.row_ptr.push_back(x.nnz());
  check_probabilities(m, DataMatrix(std::move(x)));

  if (!m.encoding.empty()) {
    // Prediction on CSV replays the saved encoding (cli/data_options.cc: read_for_model).
    ReadOptions o;
    o.encoding = &m.encoding;
    o.min_features = m.n_features;
    Dataset d;
    try {
      d = detail::parse_csv(csv_for(m), kPath, o);
    } catch (const Error&) {
      return;
    }
    fuzz::check_dataset(d, kPath);
    check_probabilities(m, d.x);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  load_and_use(text);
  if (const auto fixed = lograd::fuzz::with_valid_checksum(text)) load_and_use(*fixed);
  return 0;
}
