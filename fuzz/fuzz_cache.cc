// libFuzzer harness for the binary cache loader (read_binary_cache, from a file). A
// lograd::Error is the normal answer to a bad file; anything else is a bug. A cache that loads
// must be a dataset as the readers make them (fuzz_util.h: check_dataset: storage invariants,
// finite values, labels in range, distinct classes, weights finite and >= 0, an encoding within
// the matrix), and must write and load back the same.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "lograd/binary_cache.h"

namespace {

using namespace lograd;

std::string temp_path(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/lograd_fuzz_cache_" +
         std::to_string(::getpid()) + "_" + name;
}

// check_dataset, less what a cache may lack: a cache holds no examples when written from
// such a dataset through the library, and classes without examples are harmless.
void check_cache(const Dataset& d) {
  fuzz::nonzeros(d.x);
  LOGRAD_FUZZ_CHECK(static_cast<int64_t>(d.label.size()) == d.rows(), "one label per row");
  for (int32_t l : d.label)
    LOGRAD_FUZZ_CHECK(l >= 0 && static_cast<size_t>(l) < d.classes.size(), "label out of range");
  std::vector<std::string> sorted = d.classes;
  std::sort(sorted.begin(), sorted.end());
  LOGRAD_FUZZ_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
                    "repeated class name");
  LOGRAD_FUZZ_CHECK(d.weight.empty() || static_cast<int64_t>(d.weight.size()) == d.rows(),
                    "weight count");
  for (double w : d.weight) LOGRAD_FUZZ_CHECK(std::isfinite(w) && w >= 0, "bad sample weight");
  LOGRAD_FUZZ_CHECK(
      d.feature_names.empty() || static_cast<int64_t>(d.feature_names.size()) == d.cols(),
      "feature name count");
  int64_t next = 0;
  for (const CsvColumn& c : d.encoding.columns) {
    const int64_t width = c.kind == CsvColumn::Kind::kCategorical
                              ? static_cast<int64_t>(c.categories.size())
                              : (c.kind == CsvColumn::Kind::kNumeric ? 1 : 0);
    if (width > 0) {
      LOGRAD_FUZZ_CHECK(c.first_feature >= next && c.first_feature + width <= d.cols(),
                        "encoding column maps beyond the matrix or overlaps");
      next = c.first_feature + width;
    }
    LOGRAD_FUZZ_CHECK(std::isfinite(c.fill), "fill not finite");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = temp_path("in.lgb"), again = temp_path("again.lgb");
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  Dataset d;
  try {
    d = read_binary_cache(path);
  } catch (const Error&) {
    return 0;  // refused, with a message
  }
  check_cache(d);
  write_binary_cache(d, again);
  const Dataset b = read_binary_cache(again);
  LOGRAD_FUZZ_CHECK(fuzz::nonzeros(b.x) == fuzz::nonzeros(d.x) && b.label == d.label &&
                        b.classes == d.classes && b.weight == d.weight &&
                        b.feature_names == d.feature_names &&
                        b.encoding.columns.size() == d.encoding.columns.size(),
                    "a written cache loads back different");
  return 0;
}
