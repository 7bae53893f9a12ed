// read_dataset_part: K ranks (threads) each read a part of a CSV file or a binary cache; the
// parts, put back in the file's order, must be exactly the Dataset one process reads (the same
// encoding, feature columns, values, labels, classes, value type and storage), for K = 2, 3.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "data/exact_sum.h"
#include "data/reader_test_util.h"
#include "lograd/binary_cache.h"
#include "lograd/readers.h"
#include "thread_ranks.h"

namespace lograd {
namespace {

using testing::run_ranks;
using testing::TempDir;

std::vector<Dataset> read_parts(const std::string& path, const ReadOptions& o, int k,
                                std::vector<std::exception_ptr>* errors = nullptr) {
  return run_ranks<Dataset>(k, [&](Collective& c) { return read_dataset_part(path, o, c); },
                            errors);
}

// The parts' rows in the file's order: contiguous parts one after the other, strided ones
// interleaved (example shard_first + i * shard_stride is the part's row i).
struct Joined {
  std::vector<double> x;  // row-major, dense
  std::vector<std::string> labels;
  std::vector<double> weight;
  int64_t rows = 0, skipped = 0;
};

Joined join(const std::vector<Dataset>& parts) {
  Joined j;
  int64_t cols = parts[0].cols();
  for (const Dataset& p : parts) j.rows += p.rows();
  j.x.assign(static_cast<size_t>(j.rows * cols), 0);
  j.labels.resize(static_cast<size_t>(j.rows));
  bool weighted = false;  // a part of no rows has no weights to show it
  for (const Dataset& p : parts) weighted = weighted || !p.weight.empty();
  if (weighted) j.weight.resize(static_cast<size_t>(j.rows));
  int64_t next = 0;
  for (const Dataset& p : parts) {
    EXPECT_EQ(p.cols(), cols);
    const std::vector<double> v = testing::dense_values(p.x);
    for (int64_t i = 0; i < p.rows(); ++i) {
      const int64_t at = p.shard_stride > 0 ? p.shard_first + i * p.shard_stride : next + i;
      if (at >= j.rows) {
        ADD_FAILURE() << "row " << i << " of a part maps to example " << at;
        continue;
      }
      std::copy(v.begin() + i * cols, v.begin() + (i + 1) * cols, j.x.begin() + at * cols);
      j.labels[static_cast<size_t>(at)] = p.classes.at(static_cast<size_t>(p.label[static_cast<size_t>(i)]));
      if (weighted) j.weight[static_cast<size_t>(at)] = p.weight.at(static_cast<size_t>(i));
    }
    next += p.rows();
    j.skipped += p.skipped_rows;
  }
  return j;
}

void expect_same_encoding(const CsvEncoding& a, const CsvEncoding& b) {
  EXPECT_EQ(a.delimiter, b.delimiter);
  EXPECT_EQ(a.header, b.header);
  EXPECT_EQ(a.missing, b.missing);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    SCOPED_TRACE("column " + std::to_string(i + 1));
    EXPECT_EQ(a.columns[i].name, b.columns[i].name);
    EXPECT_EQ(a.columns[i].kind, b.columns[i].kind);
    EXPECT_EQ(a.columns[i].first_feature, b.columns[i].first_feature);
    EXPECT_EQ(a.columns[i].categories, b.columns[i].categories);
    double fa = a.columns[i].fill, fb = b.columns[i].fill;  // the same bits
    EXPECT_EQ(std::memcmp(&fa, &fb, sizeof fa), 0) << fa << " vs " << fb;
  }
}

// Every part against the one-process dataset `whole`.
void expect_parts_are_whole(const std::vector<Dataset>& parts, const Dataset& whole) {
  ASSERT_FALSE(parts.empty());
  for (size_t r = 0; r < parts.size(); ++r) {
    SCOPED_TRACE("part " + std::to_string(r));
    const Dataset& p = parts[r];
    expect_same_encoding(p.encoding, whole.encoding);
    EXPECT_EQ(p.feature_names, whole.feature_names);
    EXPECT_EQ(p.classes, whole.classes);  // the file's first-seen order on every rank
    EXPECT_EQ(p.cols(), whole.cols());
    EXPECT_STREQ(p.x.dtype(), whole.x.dtype());
    EXPECT_EQ(p.x.is_sparse(), whole.x.is_sparse());
  }
  const Joined j = join(parts);
  EXPECT_EQ(j.rows, whole.rows());
  EXPECT_EQ(j.x, testing::dense_values(whole.x));
  std::vector<std::string> labels;
  for (int32_t l : whole.label) labels.push_back(whole.classes[static_cast<size_t>(l)]);
  EXPECT_EQ(j.labels, labels);
  EXPECT_EQ(j.weight, whole.weight);
  EXPECT_EQ(j.skipped, whole.skipped_rows);
}

// A CSV with a header, a weight column, a numeric column with missing values, a categorical
// column whose categories first appear late in the file, one whose numbers come before its
// text, and a text label; `rows` data rows.
std::string sample_csv(int rows, bool missing_in_categorical = false) {
  std::string s = "x,colour,w,code,size,label\n";
  for (int i = 0; i < rows; ++i) {
    const std::string x = i % 7 == 3 ? "" : std::to_string(0.1 * i - 1.7);
    const char* colours[] = {"red", "green", "blue", "teal", "mauve"};
    // Later rows bring new colours: "teal" from the second third, "mauve" in the last rows.
    const std::string colour =
        missing_in_categorical && i % 9 == 4 ? "?" : colours[i < rows / 3 ? i % 3 : i < rows - 3 ? i % 4 : 4];
    const std::string code = i < rows / 3 ? std::to_string(i % 2) : std::string(1, static_cast<char>('a' + i % 5));
    const std::string size = std::to_string(i % 5 == 0 ? 1e5 + i : (i % 3) * 0.25);
    s += x + "," + colour + "," + std::to_string(0.5 + i % 3) + "," + code + "," + size + "," +
         (i % 4 == 1 ? "yes" : i < rows / 2 ? "no" : "maybe") + "\n";
  }
  return s;
}

ReadOptions csv_options(MissingPolicy missing) {
  ReadOptions o;
  o.weight_column = "w";
  o.missing = missing;
  return o;
}

TEST(ReadPart, CsvPartsAreTheWholeFile) {
  TempDir dir;
  const std::string text = sample_csv(40);
  const std::string plain = dir.write("data.csv", text);
  const std::string gz = dir.write_gz("data.csv.gz", text);
  for (MissingPolicy m : {MissingPolicy::kMean, MissingPolicy::kZero, MissingPolicy::kSkipRow}) {
    const ReadOptions o = csv_options(m);
    const Dataset whole = read_dataset(plain, o);
    // The file exercises what it should: categories, a fill, skipped rows.
    ASSERT_EQ(whole.encoding.columns[1].kind, CsvColumn::Kind::kCategorical);
    ASSERT_EQ(whole.encoding.columns[1].categories.size(), 5u);
    ASSERT_EQ(whole.encoding.columns[3].kind, CsvColumn::Kind::kCategorical);
    if (m == MissingPolicy::kMean) ASSERT_NE(whole.encoding.columns[0].fill, 0);
    if (m == MissingPolicy::kSkipRow) ASSERT_GT(whole.skipped_rows, 0);
    for (int k : {2, 3}) {
      for (const std::string& path : {plain, gz}) {
        SCOPED_TRACE(path + ", K = " + std::to_string(k) + ", missing " +
                     std::to_string(static_cast<int>(m)));
        std::vector<std::exception_ptr> errors;
        const std::vector<Dataset> parts = read_parts(path, o, k, &errors);
        for (auto& e : errors) ASSERT_EQ(e, nullptr);
        if (path == gz && m != MissingPolicy::kSkipRow) {  // every K-th line; the header is line 0
          for (int r = 0; r < k; ++r) {
            EXPECT_EQ(parts[r].shard_stride, k);
            EXPECT_EQ(parts[r].shard_first, (r + k - 1) % k);
          }
        }
        if (m == MissingPolicy::kSkipRow && path == gz) {
          // Skipped rows leave holes in the stride: compare the kept rows' count only.
          int64_t rows = 0, skipped = 0;
          for (const Dataset& p : parts) {
            rows += p.rows();
            skipped += p.skipped_rows;
            expect_same_encoding(p.encoding, whole.encoding);
          }
          EXPECT_EQ(rows, whole.rows());
          EXPECT_EQ(skipped, whole.skipped_rows);
          continue;
        }
        expect_parts_are_whole(parts, whole);
      }
    }
  }
}

TEST(ReadPart, CategoriesSeenOnlyByLaterRanksAreEveryRanksFeatures) {
  TempDir dir;
  const std::string path = dir.write("late.csv", sample_csv(30));
  const ReadOptions o = csv_options(MissingPolicy::kMean);
  const std::vector<Dataset> parts = read_parts(path, o, 3);
  // Rank 0 sees red, green and blue only; its encoding still has teal and mauve.
  ASSERT_EQ(parts[0].encoding.columns[1].categories,
            (std::vector<std::string>{"blue", "green", "mauve", "red", "teal"}));
  const Dataset whole = read_dataset(path, o);
  expect_parts_are_whole(parts, whole);
}

TEST(ReadPart, OneValueBeyondFloat32MakesEveryPartFloat64) {
  TempDir dir;
  std::string text = "a,b,y\n";
  for (int i = 0; i < 20; ++i) text += std::to_string(i) + "," + std::to_string(i % 3) + "," + std::to_string(i % 2) + "\n";
  text += "1e-40,1,0\n";  // in the last part only
  const std::string path = dir.write("wide.csv", text);
  const Dataset whole = read_dataset(path, {});
  ASSERT_STREQ(whole.x.dtype(), "float64");
  const std::vector<Dataset> parts = read_parts(path, {}, 2);
  EXPECT_STREQ(parts[0].x.dtype(), "float64");
  expect_parts_are_whole(parts, whole);
}

TEST(ReadPart, AnErrorInOnePartIsThrownOnEveryRankWithItsFileLine) {
  TempDir dir;
  std::string text = "a,b,y\n";
  for (int i = 0; i < 30; ++i) text += std::to_string(i) + "," + (i == 25 ? "inf" : "1") + ",0\n";
  const std::string path = dir.write("bad.csv", text);
  const std::string one = testing::parse_error_of([&] { read_dataset(path, {}); });
  ASSERT_NE(one.find(":27:"), std::string::npos) << one;  // line 27: the header, then row 25
  std::vector<std::exception_ptr> errors;
  read_parts(path, {}, 3, &errors);
  for (int r = 0; r < 3; ++r) {
    SCOPED_TRACE("rank " + std::to_string(r));
    ASSERT_NE(errors[r], nullptr);
    EXPECT_EQ(testing::parse_error_of([&] { std::rethrow_exception(errors[r]); }), one);
  }
  // gzip: every K-th line, and the line is still the file's.
  const std::string gz = dir.write_gz("bad.csv.gz", text);
  read_parts(gz, {}, 2, &errors);
  for (int r = 0; r < 2; ++r) {
    ASSERT_NE(errors[r], nullptr);
    EXPECT_NE(testing::parse_error_of([&] { std::rethrow_exception(errors[r]); }).find(":27:"),
              std::string::npos);
  }
}

TEST(ReadPart, QuotedLineBreaksAreRefused) {
  TempDir dir;
  std::string text = "a,b,y\n";
  for (int i = 0; i < 10; ++i) text += std::to_string(i) + ",\"x\ny\",0\n";
  const std::string path = dir.write("quoted.csv", text);
  std::vector<std::exception_ptr> errors;
  read_parts(path, {}, 2, &errors);
  for (int r = 0; r < 2; ++r) {
    ASSERT_NE(errors[r], nullptr);
    const std::string msg = testing::parse_error_of([&] { std::rethrow_exception(errors[r]); });
    EXPECT_NE(msg.find("line"), std::string::npos) << msg;
    EXPECT_NE(msg.find("quote"), std::string::npos) << msg;
  }
}

TEST(ReadPart, CachePartsAreTheWholeCache) {
  TempDir dir;
  // A sparse float32 cache (a9a, LIBSVM), and a dense one with weights and an encoding.
  const Dataset a9a = read_dataset(std::string(LOGRAD_SOURCE_DIR) + "/data/a9a.gz");
  ASSERT_TRUE(a9a.x.is_sparse());
  const std::string sparse = dir.path("a9a.lgb");
  write_binary_cache(a9a, sparse);
  const std::string csv = dir.write("data.csv", sample_csv(41));
  ReadOptions dense_options = csv_options(MissingPolicy::kMean);
  dense_options.storage = Storage::kDense;
  const Dataset small = read_dataset(csv, dense_options);
  const std::string dense = dir.path("small.lgb");
  write_binary_cache(small, dense);
  for (const std::string& path : {sparse, dense}) {
    const Dataset whole = read_binary_cache(path);
    for (int k : {2, 3}) {
      SCOPED_TRACE(path + ", K = " + std::to_string(k));
      const std::vector<Dataset> parts = read_parts(path, {}, k);
      for (int r = 0; r < k; ++r)
        EXPECT_EQ(parts[r].rows(), whole.rows() * (r + 1) / k - whole.rows() * r / k);
      expect_parts_are_whole(parts, whole);
      for (const Dataset& p : parts) EXPECT_EQ(p.label.size(), static_cast<size_t>(p.rows()));
    }
  }
}

TEST(ReadPart, ACorruptValueInOneSliceFailsEveryRank) {
  TempDir dir;
  Dataset d;
  d.x = DataMatrix(Tensor<double>::matrix(4, 2, {1, 2, 3, 4, 5, 6, 7, 8}));
  d.label = {0, 1, 0, 1};
  d.classes = {"a", "b"};
  const std::string path = dir.path("bad.lgb");
  write_binary_cache(d, path);
  // Make the last value NaN: only the last rank's slice holds it.
  std::string bytes = [&] {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  const double eight = 8, nan = std::nan("");
  const size_t at = bytes.rfind(std::string(reinterpret_cast<const char*>(&eight), 8));
  ASSERT_NE(at, std::string::npos);
  std::memcpy(bytes.data() + at, &nan, 8);
  dir.write("bad.lgb", bytes);
  std::vector<std::exception_ptr> errors;
  read_parts(path, {}, 2, &errors);
  for (int r = 0; r < 2; ++r) {
    ASSERT_NE(errors[r], nullptr) << "rank " << r;
    try {
      std::rethrow_exception(errors[r]);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
    }
  }
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A missing or stale cache is written by the ranks together, byte for byte the file one process
// writes (CSV with its agreed encoding, LIBSVM with classes first seen in a later part and one
// part wider than the others); a fresh one is read by row range.
TEST(ReadPart, RanksWriteTheCacheOneProcessWrites) {
  TempDir dir;
  const std::string csv = dir.write("data.csv", sample_csv(12));
  const std::string svm =
      dir.write("data.svm", "1 1:0.5 3:2\n1 2:1.25\n1 1:1\n7 1:1 9:0.125\n-1 4:3\n1 2:2 3:1\n"
                            "-1 1:1 2:1 3:1\n7 1:0.1 2:0.2 3:0.3\n");
  // Most entries set: one process stores it dense (the ranks' CSR parts are converted).
  const std::string dense = dir.write(
      "dense.svm", "1 1:1 2:2 3:3\n-1 1:4 3:6\n1 1:0.5 2:0.25 3:8\n-1 2:1 3:1\n1 1:3 2:3\n");
  // One value beyond float32 in the last part: one process stores every value in float64, and
  // so must every part (not float32's roundings widened).
  const std::string wide = dir.write(
      "wide.svm", "1 1:0.1 2:0.2\n-1 1:0.3\n1 2:0.7 3:0.9\n-1 1:0.6\n1 2:0.3\n-1 1:1e-40 2:0.5\n");
  for (const auto& [data, o] : {std::pair<std::string, ReadOptions>{csv, csv_options(MissingPolicy::kMean)},
                                {svm, ReadOptions{}}, {dense, ReadOptions{}}, {wide, ReadOptions{}}}) {
    bool hit = true;
    read_dataset_cached(data, dir.path("one.lgb"), o, &hit);  // one process writes its cache
    ASSERT_FALSE(hit);
    const std::string want = file_bytes(dir.path("one.lgb"));
    const Dataset whole = read_binary_cache(dir.path("one.lgb"));
    if (data == dense) EXPECT_FALSE(whole.x.is_sparse());
    if (data == wide) EXPECT_EQ(std::string(whole.x.dtype()), "float64");
    for (const int ranks : {2, 3}) {
      const std::string cache = dir.path("ranks" + std::to_string(ranks) + ".lgb");
      std::vector<int> hits(static_cast<size_t>(ranks), -1);
      run_ranks<Dataset>(ranks, [&](Collective& c) {
        bool h = true;
        Dataset d = read_dataset_cached_part(data, cache, o, c, &h);
        hits[static_cast<size_t>(c.rank())] = h;
        return d;
      });
      for (const int h : hits) EXPECT_EQ(h, 0) << data;
      EXPECT_EQ(file_bytes(cache), want) << data << " under " << ranks << " ranks";
      // Now fresh: read by row range, the parts are the whole.
      const std::vector<Dataset> parts = run_ranks<Dataset>(ranks, [&](Collective& c) {
        bool h = false;
        Dataset d = read_dataset_cached_part(data, cache, o, c, &h);
        EXPECT_TRUE(h);
        return d;
      });
      expect_parts_are_whole(parts, whole);
    }
  }
  // Read with other options, the cache is stale: written again.
  ReadOptions other = csv_options(MissingPolicy::kZero);
  bool hit = true;
  read_dataset_cached(csv, dir.path("zero.lgb"), other, &hit);
  run_ranks<Dataset>(2, [&](Collective& c) {
    bool h = true;
    Dataset d = read_dataset_cached_part(csv, dir.path("ranks2.lgb"), other, c, &h);
    EXPECT_FALSE(h);
    return d;
  });
  EXPECT_EQ(file_bytes(dir.path("ranks2.lgb")), file_bytes(dir.path("zero.lgb")));
}

TEST(ExactSum, TheSameBitsInAnyOrderAndSplit) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(std::ldexp(std::sin(i) * 3, (i * 37) % 200 - 100));
  v.push_back(1e308);
  v.push_back(1e308);
  v.push_back(-1.5e308);
  detail::ExactSum all;
  for (double x : v) all.add(x);
  const double mean = all.mean(static_cast<int64_t>(v.size()));
  std::reverse(v.begin(), v.end());
  detail::ExactSum a, b;
  for (size_t i = 0; i < v.size(); ++i) (i < 333 ? a : b).add(v[i]);
  std::string bytes;
  b.serialize(bytes);
  std::string_view in = bytes;
  detail::ExactSum b2;
  ASSERT_TRUE(b2.parse(in));
  a.merge(b2);
  EXPECT_EQ(a.mean(static_cast<int64_t>(v.size())), mean);
  // Against the closed form: the huge terms dominate, 0.5e308 / n.
  EXPECT_NEAR(mean / (0.5e308 / static_cast<double>(v.size())), 1.0, 1e-15);
  detail::ExactSum small;
  for (double x : {1.0, 3.0, 5.0, -0.25, 0.25}) small.add(x);
  EXPECT_EQ(small.mean(5), 1.8);
  detail::ExactSum cancel;
  for (double x : {0.1, 0.2, -0.30000000000000004}) cancel.add(x);
  // 0.1 + 0.2 - 0.30000000000000004 in exact binary: -2^-54 + 2^-56 ... not zero.
  EXPECT_NE(cancel.mean(3), 0.0);
  EXPECT_LT(std::abs(cancel.mean(3)), 1e-16);
}


// ---- several files read as one (read_dataset_files: a directory, or files per rank) ----

// sample_csv(40) cut into four files, each with the header: one gzip-compressed, one without
// its final line end, one with a byte-order mark.
std::vector<std::string> csv_files(TempDir& dir, const std::string& text) {
  const size_t body = text.find('\n') + 1;
  const std::string header = text.substr(0, body);
  std::vector<std::string> lines;
  for (size_t at = body; at < text.size();) {
    const size_t nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl + 1 - at));
    at = nl + 1;
  }
  const size_t cuts[] = {0, 11, 12, 27, lines.size()};
  std::vector<std::string> files;
  for (int f = 0; f < 4; ++f) {
    std::string t = header;
    for (size_t i = cuts[f]; i < cuts[f + 1]; ++i) t += lines[i];
    const std::string name = "part-" + std::to_string(f) + ".csv";
    if (f == 1) files.push_back(dir.write_gz(name + ".gz", t));
    else if (f == 2) files.push_back(dir.write(name, "\xEF\xBB\xBF" + t.substr(0, t.size() - 1)));
    else files.push_back(dir.write(name, t));
  }
  return files;
}

// The files rank r reads: contiguous groups, as the CLI gives them.
std::vector<std::string> group(const std::vector<std::string>& files, int r, int k) {
  const size_t f = files.size();
  return {files.begin() + static_cast<std::ptrdiff_t>(f * r / k),
          files.begin() + static_cast<std::ptrdiff_t>(f * (r + 1) / k)};
}

// read_dataset_files on k ranks, rank r with its group of `files`; errors as run_ranks.
std::vector<Dataset> read_files(const std::vector<std::string>& files, const ReadOptions& o, int k,
                                std::vector<std::exception_ptr>* errors) {
  return run_ranks<Dataset>(
      k, [&](Collective& c) { return read_dataset_files("dir", group(files, c.rank(), k), o, c); },
      errors);
}

TEST(ReadFiles, CsvFilesAreTheFileOfTheirRowsOneEncodingOverAll) {
  TempDir dir;
  const std::string text = sample_csv(40);
  const std::string one = dir.write("one.csv", text);
  const std::vector<std::string> files = csv_files(dir, text);
  for (MissingPolicy m : {MissingPolicy::kMean, MissingPolicy::kZero, MissingPolicy::kSkipRow}) {
    SCOPED_TRACE("missing " + std::to_string(static_cast<int>(m)));
    const ReadOptions o = csv_options(m);
    const Dataset whole = read_dataset(one, o);
    // Categories that first appear in later files ("teal", "mauve"), means over all files.
    ASSERT_EQ(whole.encoding.columns[1].categories.size(), 5u);
    {
      SCOPED_TRACE("one process");
      const Dataset d = read_dataset_files("dir", files, o, *local_collective());
      expect_parts_are_whole({d}, whole);
    }
    for (int k : {2, 3, 4}) {
      SCOPED_TRACE("K = " + std::to_string(k));
      std::vector<std::exception_ptr> errors;
      const std::vector<Dataset> parts = read_files(files, o, k, &errors);
      for (auto& e : errors) ASSERT_EQ(e, nullptr);
      expect_parts_are_whole(parts, whole);
    }
  }
}

TEST(ReadFiles, ErrorsNameTheFileAndItsLineOnEveryRank) {
  TempDir dir;
  const std::string text = sample_csv(40);
  std::vector<std::string> files = csv_files(dir, text);
  // Line 3 of the fourth file: a text value in the numeric column x.
  std::string t = file_bytes(files[3]);
  const size_t line3 = t.find('\n', t.find('\n') + 1) + 1;
  t.insert(line3, "oops");
  files[3] = dir.write("part-3.csv", t);
  const ReadOptions o = csv_options(MissingPolicy::kMean);
  auto expect_at = [](const std::exception_ptr& e, const std::string& file, int64_t line) {
    ASSERT_NE(e, nullptr);
    try {
      std::rethrow_exception(e);
    } catch (const ParseError& p) {
      EXPECT_EQ(p.file(), file);
      EXPECT_EQ(p.line(), line) << p.what();
    } catch (const std::exception& x) {
      ADD_FAILURE() << "not a ParseError: " << x.what();
    }
  };
  try {
    read_dataset_files("dir", files, o, *local_collective());
    ADD_FAILURE() << "no error";
  } catch (...) {
    expect_at(std::current_exception(), files[3], 3);
  }
  for (int k : {2, 4}) {
    std::vector<std::exception_ptr> errors;
    read_files(files, o, k, &errors);
    for (auto& e : errors) expect_at(e, files[3], 3);  // every rank, the same place
  }
  // A later file whose header names other columns: refused at its header.
  files[3] = dir.write("part-3.csv", "x,colour,w,code,length,label\n1,red,1,0,2,no\n");
  for (int k : {1, 2}) {
    std::vector<std::exception_ptr> errors;
    read_files(files, o, k, &errors);
    for (auto& e : errors) expect_at(e, files[3], 1);
  }
  // CSV beside LIBSVM: refused on every rank.
  files[3] = dir.write("part-3.svm", "1 1:0.5\n-1 2:1\n");
  std::vector<std::exception_ptr> errors;
  read_files(files, o, 2, &errors);
  for (auto& e : errors) {
    ASSERT_NE(e, nullptr);
    try {
      std::rethrow_exception(e);
    } catch (const ValueError& v) {
      EXPECT_NE(std::string(v.what()).find("is CSV and"), std::string::npos) << v.what();
    }
  }
}

TEST(ReadFiles, AHeaderOnlyFirstFileAndAQuoteLeftOpenAtAFileEnd) {
  TempDir dir;
  const std::string text = sample_csv(40);
  const std::string one = dir.write("one.csv", text);
  std::vector<std::string> files = csv_files(dir, text);
  // A first file with the header alone (as a Spark part can be): the layout comes from the
  // next file with rows, and the whole is still the one file.
  files.insert(files.begin(), dir.write("part-00.csv", text.substr(0, text.find('\n') + 1)));
  const ReadOptions o = csv_options(MissingPolicy::kMean);
  const Dataset whole = read_dataset(one, o);
  for (int k : {1, 2, 3}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    std::vector<std::exception_ptr> errors;
    const std::vector<Dataset> parts = read_files(files, o, k, &errors);
    for (auto& e : errors) ASSERT_EQ(e, nullptr);
    expect_parts_are_whole(parts, whole);
  }
  // A quote opened on line 2 of a file and not closed there does not run on into the next.
  std::string t = file_bytes(files[3]);
  t.insert(t.find('\n') + 1, "\"");
  files[3] = dir.write("part-2.csv", t);
  try {
    read_dataset_files("dir", files, o, *local_collective());
    ADD_FAILURE() << "no error";
  } catch (const ParseError& p) {
    EXPECT_EQ(p.file(), files[3]);
    EXPECT_EQ(p.line(), 2) << p.what();
  }
}

}  // namespace
}  // namespace lograd
