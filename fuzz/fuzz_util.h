// fuzz/fuzz_util.h: invariant checks shared by the libFuzzer harnesses. A broken invariant
// prints what broke and aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <cinttypes>
#include <optional>
#include <string_view>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "lograd/dataset.h"
#include "lograd/error.h"

namespace lograd::fuzz {

[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "lograd fuzz: invariant broken: %s\n", what.c_str());
  std::abort();
}

#define LOGRAD_FUZZ_CHECK(cond, what)                                    \
  do {                                                                   \
    if (!(cond)) ::lograd::fuzz::broken(std::string(#cond ": ") + (what)); \
  } while (0)

// One stored nonzero of a data matrix: (row, column, value as float64).
using Entry = std::tuple<int64_t, int64_t, double>;

// The nonzero entries of x in row-major order, whatever its storage; checks the storage's own
// invariants (CSR validate(), dense shape) and that every value is finite on the way.
inline std::vector<Entry> nonzeros(const DataMatrix& x) {
  std::vector<Entry> out;
  x.visit([&](const auto& m) {
    if constexpr (requires { m.row_ptr; }) {
      try {
        m.validate();
      } catch (const Error& e) {
        broken(std::string("CsrMatrix::validate: ") + e.what());
      }
      for (int64_t r = 0; r < m.rows; ++r)
        for (int64_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) {
          const double v = static_cast<double>(m.val[k]);
          LOGRAD_FUZZ_CHECK(std::isfinite(v), "stored value not finite");
          if (v != 0) out.emplace_back(r, m.col[k], v);
        }
    } else {
      LOGRAD_FUZZ_CHECK(m.rank() == 2, "dense data matrix of rank != 2");
      const int64_t rows = m.dim(0), cols = m.dim(1);
      LOGRAD_FUZZ_CHECK(m.numel() == rows * cols, "dense numel != rows x cols");
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const double v = static_cast<double>(m.data()[r * cols + c]);
          LOGRAD_FUZZ_CHECK(std::isfinite(v), "stored value not finite");
          if (v != 0) out.emplace_back(r, c, v);
        }
    }
  });
  return out;
}

// What every dataset a reader returns must satisfy.
inline void check_dataset(const Dataset& d, const std::string& path) {
  LOGRAD_FUZZ_CHECK(d.rows() >= 1, "a reader returned a dataset without examples");
  LOGRAD_FUZZ_CHECK(d.cols() >= 0, "negative column count");
  nonzeros(d.x);  // storage invariants and finite values
  LOGRAD_FUZZ_CHECK(static_cast<int64_t>(d.label.size()) == d.rows(),
                    std::to_string(d.label.size()) + " labels for " + std::to_string(d.rows()) +
                        " rows");
  LOGRAD_FUZZ_CHECK(!d.classes.empty(), "no classes");
  std::unordered_set<std::string> distinct(d.classes.begin(), d.classes.end());
  LOGRAD_FUZZ_CHECK(distinct.size() == d.classes.size(), "repeated class name");
  std::vector<bool> used(d.classes.size(), false);
  for (int32_t l : d.label) {
    LOGRAD_FUZZ_CHECK(l >= 0 && static_cast<size_t>(l) < d.classes.size(),
                      "label index out of range");
    used[static_cast<size_t>(l)] = true;
  }
  for (bool u : used) LOGRAD_FUZZ_CHECK(u, "a class without examples");
  LOGRAD_FUZZ_CHECK(d.weight.empty() || static_cast<int64_t>(d.weight.size()) == d.rows(),
                    "weight count differs from the row count");
  for (double w : d.weight) LOGRAD_FUZZ_CHECK(std::isfinite(w) && w >= 0, "bad sample weight");
  LOGRAD_FUZZ_CHECK(
      d.feature_names.empty() || static_cast<int64_t>(d.feature_names.size()) == d.cols(),
      "feature name count differs from the column count");
  LOGRAD_FUZZ_CHECK(d.source == path, "source is not the path");
  int labels = 0, weights = 0;
  for (const CsvColumn& c : d.encoding.columns) {
    labels += c.kind == CsvColumn::Kind::kLabel;
    weights += c.kind == CsvColumn::Kind::kWeight;
    const int64_t width = c.kind == CsvColumn::Kind::kCategorical
                              ? static_cast<int64_t>(c.categories.size())
                              : (c.kind == CsvColumn::Kind::kNumeric ? 1 : 0);
    if (width > 0)
      LOGRAD_FUZZ_CHECK(c.first_feature >= 0 && c.first_feature + width <= d.cols(),
                        "encoding column '" + c.name + "' maps beyond the matrix");
    LOGRAD_FUZZ_CHECK(std::isfinite(c.fill), "fill not finite");
  }
  if (!d.encoding.empty()) {
    LOGRAD_FUZZ_CHECK(labels == 1, "CSV encoding without exactly one label column");
    LOGRAD_FUZZ_CHECK(weights <= 1, "CSV encoding with several weight columns");
    LOGRAD_FUZZ_CHECK((weights == 1) == !d.weight.empty(), "weight column without weights");
  }
}


// The JSON document with its "checksum" recomputed as the model file and the checkpoint writers
// do (FNV-1a 64 of the compact dump without "checksum", keys sorted: src/io/model_file.cc,
// src/io/checkpoint.cc), so that mutated files get past the checksum to the field checks
// behind it. Nothing for text that is not a JSON object of modest depth (the harness's own
// dump() recurses; the library's parser is fuzzed as is).
inline std::optional<std::string> with_valid_checksum(std::string_view text) {
  using nlohmann::json;
  bool too_deep = false;
  const auto depth_limit = [&](int depth, json::parse_event_t, json&) {
    too_deep = too_deep || depth > 64;
    return true;
  };
  try {
    json doc = json::parse(text, depth_limit, /*allow_exceptions=*/false);
    if (too_deep || doc.is_discarded() || !doc.is_object()) return std::nullopt;
    doc.erase("checksum");
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : doc.dump()) {
      h ^= c;
      h *= 1099511628211ull;
    }
    char sum[32];
    std::snprintf(sum, sizeof sum, "fnv1a64:%016" PRIx64, h);
    doc["checksum"] = sum;
    return doc.dump();
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace lograd::fuzz
