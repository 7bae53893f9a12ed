// Data-parallel reading: K ranks' parts of a LIBSVM file hold every example exactly once (a
// plain file: contiguous byte ranges cut at line ends; gzip: every K-th line).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "lograd/error.h"
#include "lograd/readers.h"

namespace lograd {
namespace {

// Lines of varying length; the label of example i is i % 7, its one feature i + 1.
std::string text(int m) {
  std::string t;
  for (int i = 0; i < m; ++i) {
    t += std::to_string(i % 7) + " 1:" + std::to_string(i + 1);
    if (i % 3 == 0) t += " 2:0.5 3:0.25";  // longer lines
    t += "\n";
    if (i % 50 == 0) t += "# a comment\n\n";  // lines without an example
  }
  return t;
}

// The first feature of every row (i + 1 for example i).
std::vector<int> ids(const Dataset& d) {
  std::vector<int> out;
  Dataset dense;
  dense.x = d.x.to_dense();
  dense.label = d.label;
  dense.classes = d.classes;
  dense.x.visit([&](const auto& m) {
    if constexpr (requires { m.row_ptr; }) {
    } else {
      for (int64_t r = 0; r < m.dim(0); ++r) out.push_back(static_cast<int>(m.data()[r * m.dim(1)]));
    }
  });
  return out;
}

class Shards : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lograd_shard_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(Shards, ByteRangesOfAPlainFileHoldEveryExampleOnceInOrder) {
  const int m = 1000;
  const std::string path = (dir_ / "d.svm").string();
  std::ofstream(path) << text(m);
  for (int k : {1, 2, 3, 4, 7, 64}) {
    std::vector<int> all;
    for (int r = 0; r < k; ++r) {
      ReadOptions o;
      o.shard_rank = r;
      o.shard_count = k;
      o.min_features = 3;
      try {
        const std::vector<int> part = ids(read_libsvm(path, o));
        EXPECT_GT(part.size(), 0u) << "rank " << r << " of " << k;
        all.insert(all.end(), part.begin(), part.end());
      } catch (const ParseError& e) {  // a part with no example (only with many ranks)
        ADD_FAILURE() << e.what();
      }
    }
    ASSERT_EQ(all.size(), static_cast<size_t>(m)) << k << " ranks";
    for (int i = 0; i < m; ++i) ASSERT_EQ(all[i], i + 1) << k << " ranks, row " << i;
  }
}

TEST_F(Shards, GzipPartsAreEveryKthLine) {
  const int m = 500;
  const std::string t = text(m), path = (dir_ / "d.svm.gz").string();
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, t.data(), static_cast<unsigned>(t.size()));
  gzclose(f);
  const int k = 3;
  std::vector<int> seen(m + 1, 0);
  for (int r = 0; r < k; ++r) {
    ReadOptions o;
    o.shard_rank = r;
    o.shard_count = k;
    for (int id : ids(read_libsvm(path, o))) ++seen[id];
  }
  for (int i = 1; i <= m; ++i) EXPECT_EQ(seen[i], 1) << "example " << i - 1;
}

TEST_F(Shards, OnlyLibsvmFilesAreSplit) {
  ReadOptions o;
  o.shard_rank = 0;
  o.shard_count = 2;
  const std::string fifo = (dir_ / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread t([&] {  // a writer that opens and closes: the reader's open() returns, then EOF
    if (std::FILE* w = std::fopen(fifo.c_str(), "w")) std::fclose(w);
  });
  EXPECT_THROW(read_libsvm(fifo, o), ValueError);
  t.join();
  const std::string csv = (dir_ / "d.csv").string();
  std::ofstream(csv) << "1,2\n3,4\n";
  EXPECT_THROW(read_dataset(csv, o), ValueError);
}

}  // namespace
}  // namespace lograd
