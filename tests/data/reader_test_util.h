// tests/data/reader_test_util.h: temporary files and checks shared by the reader tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <type_traits>
#include <vector>

#include "lograd/readers.h"

namespace lograd::testing {

// A fresh directory for one test, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lograd_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes bytes to a file in the directory and returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // Writes bytes gzip-compressed (through zlib's gzopen) and returns the path.
  std::string write_gz(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(f), Z_OK);
    return p;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The message of the ParseError that f throws ("" and a test failure if it throws none).
template <class F>
std::string parse_error_of(F&& f) {
  try {
    f();
  } catch (const ParseError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ParseError";
  return "";
}

// Expects f to throw a ParseError whose message starts with `prefix` and contains `part`.
#define EXPECT_PARSE_ERROR(f, prefix, part)                                             \
  do {                                                                                  \
    const std::string msg_ = ::lograd::testing::parse_error_of(f);                      \
    EXPECT_EQ(msg_.substr(0, std::string(prefix).size()), std::string(prefix)) << msg_; \
    EXPECT_NE(msg_.find(part), std::string::npos) << msg_;                              \
  } while (0)

// Row-major values of a data matrix, as float64, whatever its storage.
inline std::vector<double> dense_values(const DataMatrix& x) {
  return x.to_dense().visit([](const auto& m) -> std::vector<double> {
    if constexpr (requires { m.row_ptr; }) {
      ADD_FAILURE() << "to_dense() gave a sparse matrix";
      return {};
    } else {
      return std::vector<double>(m.vec().begin(), m.vec().end());
    }
  });
}

// How many rows have each class, indexed like data.classes.
inline std::vector<int64_t> class_counts(const Dataset& data) {
  std::vector<int64_t> n(data.classes.size(), 0);
  for (int32_t l : data.label) ++n.at(static_cast<size_t>(l));
  return n;
}

// The shared real datasets (../shared/datasets from the project root), or "" when absent.
inline std::string datasets_dir() {
#ifdef LOGRAD_DATASETS_DIR
  if (std::filesystem::is_directory(LOGRAD_DATASETS_DIR)) return LOGRAD_DATASETS_DIR;
#endif
  return "";
}

}  // namespace lograd::testing

// Skips the test when the shared datasets are not there.
#define REQUIRE_DATASETS()                                        \
  const std::string datasets = ::lograd::testing::datasets_dir(); \
  if (datasets.empty()) GTEST_SKIP() << "no shared datasets at ../shared/datasets: skipped"
