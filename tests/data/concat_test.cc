// concat_rows: datasets' rows one after another are the dataset of their files' lines one after
// another (the invariant a directory of files and one file per rank rely on).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lograd/dataset.h"
#include "lograd/error.h"
#include "lograd/readers.h"
#include "reader_test_util.h"

namespace lograd {
namespace {

using testing::TempDir;

// Every entry of x, row by row, as doubles (dense or CSR alike).
std::vector<double> entries(const Dataset& d) {
  const DataMatrix dense = d.x.to_dense();
  std::vector<double> out;
  dense.visit([&](const auto& m) {
    if constexpr (requires { m.numel(); })
      for (int64_t k = 0; k < m.numel(); ++k) out.push_back(static_cast<double>(m.data()[k]));
  });
  return out;
}

std::vector<std::string> labels_of(const Dataset& d) {
  std::vector<std::string> out;
  for (const int32_t l : d.label) out.push_back(d.classes[static_cast<size_t>(l)]);
  return out;
}

// Three pieces of one LIBSVM file: the second has a class the first lacks and the widest row,
// the third is read dense and in float64 (so the parts differ in storage and value type).
const std::vector<std::string> kPieces = {
    "1 1:0.5 3:2\n-1 2:1.25\n",
    "7 1:1 5:0.125\n-1 4:3\n1 2:2 3:1\n",
    "-1 1:1 2:1 3:1\n7 1:0.1 2:0.2 3:0.3\n"};

TEST(ConcatRows, IsTheDatasetOfTheFilesOneAfterAnother) {
  TempDir dir;
  ReadOptions ro;
  ro.value_type = ValueType::kFloat64;  // the exact values; float32 parts round them
  const Dataset whole = read_dataset(dir.write("all.svm", kPieces[0] + kPieces[1] + kPieces[2]), ro);
  ro.value_type = ValueType::kFloat32;
  for (const bool mixed : {false, true}) {
    std::vector<Dataset> parts;
    for (size_t p = 0; p < kPieces.size(); ++p) {
      ReadOptions o = ro;
      if (mixed && p == 2) {
        o.storage = Storage::kDense;
        o.value_type = ValueType::kFloat64;
      }
      if (mixed && p == 0) o.storage = Storage::kSparse;
      parts.push_back(read_dataset(dir.write("p" + std::to_string(p) + ".svm", kPieces[p]), o));
    }
    EXPECT_EQ(parts[0].cols(), 3);  // the widest is the second's
    const Dataset got = concat_rows(std::move(parts));
    ASSERT_EQ(got.rows(), whole.rows());
    ASSERT_EQ(got.cols(), whole.cols());
    EXPECT_EQ(got.classes, whole.classes) << "first-seen order over the parts";
    EXPECT_EQ(labels_of(got), labels_of(whole));
    const std::vector<double> a = entries(got), b = entries(whole);
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {  // float32 values widen exactly
      const bool exact = mixed && k >= static_cast<size_t>(5 * whole.cols());  // the third part
      EXPECT_EQ(a[k], exact ? b[k] : static_cast<double>(static_cast<float>(b[k]))) << k;
    }
    if (mixed) {
      EXPECT_TRUE(got.x.is_sparse()) << "CSR when any part is";
      EXPECT_EQ(std::string(got.x.dtype()), "float64") << "float64 when any part is";
    }
    EXPECT_TRUE(got.weight.empty());
  }
}

TEST(ConcatRows, KeepsWeightsAndRefusesDifferentColumns) {
  Dataset a, b;
  a.x = DataMatrix(Tensor<float>(Shape{2, 2}, std::vector<float>{1, 2, 3, 4}));
  a.label = {0, 1};
  a.classes = {"x", "y"};
  a.weight = {0.5, 2};
  b.x = DataMatrix(Tensor<float>(Shape{1, 2}, std::vector<float>{5, 6}));
  b.label = {0};
  b.classes = {"z"};
  Dataset got = concat_rows({a, b});
  EXPECT_EQ(got.weight, (std::vector<double>{0.5, 2, 1}));
  EXPECT_EQ(got.classes, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(got.label, (std::vector<int32_t>{0, 1, 2}));
  a.feature_names = {"f1", "f2"};
  b.feature_names = {"f1", "g2"};
  EXPECT_THROW(concat_rows({a, b}), ValueError);
  EXPECT_THROW(concat_rows({}), ValueError);
}

}  // namespace
}  // namespace lograd
