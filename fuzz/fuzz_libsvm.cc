// libFuzzer harness for the LIBSVM/SVMlight reader (detail::parse_libsvm, the text in memory;
// gzip data is decompressed first, as read_libsvm does). A lograd::Error is the normal answer to
// bad input; anything else (another exception, a crash, a sanitizer report, a hang, a broken
// invariant of the dataset) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/reader_internal.h"
#include "data/text_file.h"
#include "fuzz_util.h"

namespace {

const std::string kPath = "fuzz.libsvm";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lograd;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string inflated;
  Dataset d;
  try {
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {  // read_text_file's gzip test
      inflated = detail::gunzip(text, kPath);
      text = inflated;
    }
    d = detail::parse_libsvm(text, kPath, ReadOptions{});
  } catch (const Error&) {
    return 0;  // refused, with a message: what bad input should get
  }
  fuzz::check_dataset(d, kPath);
  LOGRAD_FUZZ_CHECK(d.feature_names.empty() && d.encoding.empty() && d.weight.empty(),
                    "LIBSVM data with CSV-only parts");

  // The storage and value type the reader picks must not change the data: read it again as
  // sparse float64 and compare the nonzeros, rounded to float32 where the reader chose it (the
  // default picks float32 only when every value is zero or float32-normal, so none rounds to 0).
  ReadOptions sparse;
  sparse.storage = Storage::kSparse;
  sparse.value_type = ValueType::kFloat64;
  Dataset s;
  try {
    s = detail::parse_libsvm(text, kPath, sparse);
  } catch (const Error& e) {
    fuzz::broken(std::string("accepted with default options, refused as sparse float64: ") +
                 e.what());
  }
  fuzz::check_dataset(s, kPath);
  LOGRAD_FUZZ_CHECK(s.rows() == d.rows() && s.cols() == d.cols(), "shape depends on storage");
  LOGRAD_FUZZ_CHECK(s.label == d.label && s.classes == d.classes, "labels depend on storage");
  std::vector<fuzz::Entry> wide = fuzz::nonzeros(s.x);
  if (std::string_view(d.x.dtype()) == "float32")
    for (auto& [r, c, v] : wide) v = static_cast<double>(static_cast<float>(v));
  LOGRAD_FUZZ_CHECK(fuzz::nonzeros(d.x) == wide, "values depend on storage");
  return 0;
}
