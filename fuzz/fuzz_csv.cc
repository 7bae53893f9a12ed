// libFuzzer harness for the CSV reader (detail::parse_csv, the text in memory). The first byte
// picks the options (header, missing-value policy, label and weight column, delimiter); the
// rest is the file. A lograd::Error is the normal answer to bad input; anything else is a bug.
// A file that trains must also read back through its own encoding (what `predict` does) to the
// same matrix and labels.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "data/reader_internal.h"
#include "fuzz_util.h"

namespace {

const std::string kPath = "fuzz.csv";

// The options encoded by one byte:
//   bits 0-1 header: auto, on, off, auto      bits 2-3 missing: error, skip-row, zero, mean
//   bits 4-5 label column: last, 0, 1, 2      bit 6 weight column 1      bit 7 delimiter ' '
lograd::ReadOptions options_of(uint8_t b) {
  using lograd::MissingPolicy;
  lograd::ReadOptions o;
  constexpr std::optional<bool> kHeader[] = {std::nullopt, true, false, std::nullopt};
  constexpr MissingPolicy kMissing[] = {MissingPolicy::kError, MissingPolicy::kSkipRow,
                                        MissingPolicy::kZero, MissingPolicy::kMean};
  constexpr const char* kLabel[] = {"", "0", "1", "2"};
  o.header = kHeader[b & 3];
  o.missing = kMissing[(b >> 2) & 3];
  o.label_column = kLabel[(b >> 4) & 3];
  if ((b >> 6) & 1) o.weight_column = "1";
  if ((b >> 7) & 1) o.delimiter = ' ';
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lograd;
  if (size == 0) return 0;
  const ReadOptions options = options_of(data[0]);
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Dataset d;
  try {
    d = detail::parse_csv(text, kPath, options);
  } catch (const Error&) {
    return 0;  // refused, with a message: what bad input should get
  }
  fuzz::check_dataset(d, kPath);
  LOGRAD_FUZZ_CHECK(!d.encoding.empty(), "CSV data without an encoding");
  LOGRAD_FUZZ_CHECK(static_cast<int64_t>(d.feature_names.size()) == d.cols(),
                    "CSV data without a name for every feature");

  // Replay: the same text with the same options through the encoding just learned, as
  // `lograd predict --model M` reads it (cli/data_options.cc: read_for_model).
  ReadOptions replay = options;
  replay.encoding = &d.encoding;
  replay.min_features = d.cols();
  Dataset r;
  try {
    r = detail::parse_csv(text, kPath, replay);
  } catch (const Error& e) {
    fuzz::broken(std::string("the training file does not read through its own encoding: ") +
                 e.what());
  }
  fuzz::check_dataset(r, kPath);
  LOGRAD_FUZZ_CHECK(r.rows() == d.rows() && r.cols() == d.cols(), "replay changes the shape");
  LOGRAD_FUZZ_CHECK(r.classes == d.classes && r.label == d.label, "replay changes the labels");
  LOGRAD_FUZZ_CHECK(r.weight == d.weight, "replay changes the weights");
  LOGRAD_FUZZ_CHECK(fuzz::nonzeros(r.x) == fuzz::nonzeros(d.x), "replay changes the values");
  return 0;
}
