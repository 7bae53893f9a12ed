#include "lograd/binary_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "lograd/readers.h"

namespace lograd {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("lograd_cache_" + std::to_string(::getpid()) + "_" + name)).string();
}

Dataset sample(bool sparse, bool weights) {
  Dataset d;
  const auto x = Tensor<float>::matrix(3, 4, {0, 1.5f, 0, -2, 0.25f, 0, 0, 0, 1, 2, 3, 4});
  d.x = sparse ? DataMatrix(CsrMatrix<float>::from_dense(x)) : DataMatrix(x);
  d.label = {1, 0, 1};
  d.classes = {"yes", "no"};
  if (weights) d.weight = {1.0, 2.5, 0.5};
  d.feature_names = {"a", "b=x", "b=y", "c"};
  d.encoding.delimiter = ';';
  d.encoding.header = true;
  d.encoding.columns = {{"a", CsvColumn::Kind::kNumeric, 0, {}, 0.5},
                        {"b", CsvColumn::Kind::kCategorical, 1, {"x", "y"}, 0},
                        {"c", CsvColumn::Kind::kNumeric, 3, {}, 0},
                        {"t", CsvColumn::Kind::kLabel, -1, {}, 0}};
  return d;
}

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.x.describe(), b.x.describe());
  EXPECT_EQ(a.x.to_dense().visit([](const auto& m) {
              if constexpr (requires { m.numel(); }) return std::vector<double>(m.vec().begin(), m.vec().end());
              else return std::vector<double>{};
            }),
            b.x.to_dense().visit([](const auto& m) {
              if constexpr (requires { m.numel(); }) return std::vector<double>(m.vec().begin(), m.vec().end());
              else return std::vector<double>{};
            }));
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.classes, b.classes);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(a.feature_names, b.feature_names);
  ASSERT_EQ(a.encoding.columns.size(), b.encoding.columns.size());
  EXPECT_EQ(a.encoding.delimiter, b.encoding.delimiter);
  for (size_t i = 0; i < a.encoding.columns.size(); ++i) {
    EXPECT_EQ(a.encoding.columns[i].name, b.encoding.columns[i].name);
    EXPECT_EQ(a.encoding.columns[i].kind, b.encoding.columns[i].kind);
    EXPECT_EQ(a.encoding.columns[i].categories, b.encoding.columns[i].categories);
    EXPECT_EQ(a.encoding.columns[i].fill, b.encoding.columns[i].fill);
    EXPECT_EQ(a.encoding.columns[i].first_feature, b.encoding.columns[i].first_feature);
  }
}

TEST(BinaryCache, RoundTripsEveryStorageForm) {
  for (bool sparse : {false, true}) {
    for (bool weights : {false, true}) {
      const std::string p = temp_path("rt.lgb");
      const Dataset d = sample(sparse, weights);
      write_binary_cache(d, p);
      EXPECT_TRUE(is_binary_cache(p));
      expect_same(d, read_binary_cache(p));
      expect_same(d, read_dataset(p));  // detected by content
      std::filesystem::remove(p);
    }
  }
}

TEST(BinaryCache, TruncatedOrCorruptFilesAreExplained) {
  const std::string p = temp_path("bad.lgb");
  write_binary_cache(sample(true, true), p);
  std::string bytes;
  {
    std::ifstream f(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  for (size_t cut : {size_t{4}, size_t{12}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(p, std::ios::binary) << bytes.substr(0, cut);
    try {
      read_binary_cache(p);
      FAIL() << "cut at " << cut;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a valid lograd cache"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
    }
  }
  std::string flipped = bytes;
  flipped[12] ^= 0x7f;  // the byte-order word
  std::ofstream(p, std::ios::binary) << flipped;
  EXPECT_THROW(read_binary_cache(p), Error);
  std::filesystem::remove(p);
  EXPECT_FALSE(is_binary_cache(p));
}

// Caches that write_binary_cache writes faithfully (it does not judge what it is given), as a
// forger would make them: each is refused on loading, naming what is wrong.
TEST(BinaryCache, ForgedContentsAreRefused) {
  struct Case {
    const char* what;
    std::function<void(Dataset&)> forge;
  };
  const std::vector<Case> cases = {
      {"a feature value is not finite",
       [](Dataset& d) {
         d.x = DataMatrix(Tensor<float>::matrix(3, 4, {0, NAN, 0, -2, 0.25f, 0, 0, 0, 1, 2, 3, 4}));
       }},
      {"a feature value is not finite",
       [](Dataset& d) {
         d.x = DataMatrix(CsrMatrix<double>::from_dense(
             Tensor<double>::matrix(3, 4, {0, 1, 0, -2, 0.25, 0, 0, 0, 1, INFINITY, 3, 4})));
       }},
      {"a sample weight is negative",
       [](Dataset& d) {
         d.weight = {1.0, -1e20, 0.5};
       }},
      {"a sample weight is negative",
       [](Dataset& d) {
         d.weight = {1.0, NAN, 0.5};
       }},
      {"a class name appears twice",
       [](Dataset& d) {
         d.classes = {"yes", "yes"};
       }},
      {"overlapping the columns before it or beyond the 4 features",
       [](Dataset& d) { d.encoding.columns[2].first_feature = 1000000; }},
      {"overlapping the columns before it or beyond the 4 features",
       [](Dataset& d) { d.encoding.columns[1].categories.push_back("z"); }},
      {"overlapping the columns before it or beyond the 4 features",
       [](Dataset& d) { d.encoding.columns[1].first_feature = -3; }},
      {"has a fill that is not", [](Dataset& d) { d.encoding.columns[0].fill = NAN; }},
      {"repeats a category",
       [](Dataset& d) {
         d.encoding.columns[1].categories = {"x", "x"};
       }},
      {"feature names for 4 features", [](Dataset& d) { d.feature_names.pop_back(); }},
  };
  const std::string p = temp_path("forged.lgb");
  for (bool sparse : {false, true}) {
    for (const Case& c : cases) {
      Dataset d = sample(sparse, true);
      c.forge(d);
      write_binary_cache(d, p);
      try {
        read_binary_cache(p);
        ADD_FAILURE() << "accepted a cache where " << c.what << " (sparse " << sparse << ")";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(c.what), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not a valid lograd cache"), std::string::npos);
      }
    }
  }
  std::filesystem::remove(p);
}

// The header is JSON: nesting deep enough to overflow the stack of a recursive copy or dump is
// refused while parsing.
TEST(BinaryCache, ADeeplyNestedHeaderIsRefused) {
  const std::string p = temp_path("deep.lgb");
  const size_t depth = 1000000;
  const std::string meta = "{\"rows\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  std::string bytes("LOGRADB1", 8);
  const uint32_t version = 1, order = 0x01020304;
  const uint64_t len = meta.size();
  bytes.append(reinterpret_cast<const char*>(&version), 4);
  bytes.append(reinterpret_cast<const char*>(&order), 4);
  bytes.append(reinterpret_cast<const char*>(&len), 8);
  bytes += meta;
  std::ofstream(p, std::ios::binary) << bytes;
  try {
    read_binary_cache(p);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nests deeper than"), std::string::npos) << e.what();
  }
  std::filesystem::remove(p);
}

TEST(BinaryCache, RealDataLoadsIdentically) {
  const std::string src = std::string(LOGRAD_DATASETS_DIR) + "/a9a";
  if (!std::filesystem::exists(src)) GTEST_SKIP() << "no " << src;
  const Dataset d = read_dataset(src);
  const std::string p = temp_path("a9a.lgb");
  write_binary_cache(d, p);
  const Dataset c = read_dataset(p);
  EXPECT_EQ(c.rows(), 32561);
  EXPECT_EQ(c.x.bytes(), d.x.bytes());
  EXPECT_EQ(c.label, d.label);
  std::filesystem::remove(p);
}

}  // namespace
}  // namespace lograd
