#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "data/reader_internal.h"
#include "data/text_file.h"
#include "lograd/parallel.h"
#include "lograd/readers.h"
#include "reader_test_util.h"

namespace lograd {
namespace {

using testing::class_counts;
using testing::dense_values;
using testing::TempDir;

TEST(LibsvmReader, ReadsLabelsIndicesValuesCommentsAndQid) {
  TempDir dir;
  const auto path = dir.write("small.txt",
                              "# a comment line\n"
                              "+1 1:0.5 3:2\n"
                              "\n"
                              "-1\t2:1   # trailing comment 4:5\n"
                              "1.0 qid:7 1:1 3:-4\n");
  const Dataset d = read_libsvm(path);
  EXPECT_EQ(d.rows(), 3);
  EXPECT_EQ(d.cols(), 3);
  EXPECT_EQ(d.classes, (std::vector<std::string>{"1", "-1"}));
  EXPECT_EQ(d.label, (std::vector<int32_t>{0, 1, 0}));
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{0.5, 0, 2,  //
                                                    0, 1, 0,    //
                                                    1, 0, -4}));
  EXPECT_TRUE(d.weight.empty());
  EXPECT_TRUE(d.feature_names.empty());
  EXPECT_TRUE(d.encoding.empty());
  EXPECT_EQ(d.source, path);
}

TEST(LibsvmReader, AcceptsBomCrlfAndNoFinalNewline) {
  TempDir dir;
  const Dataset plain = read_libsvm(dir.write("plain", "1 1:1 2:3\n0 2:1\n"));
  const Dataset odd = read_libsvm(dir.write("odd",
                                            "\xEF\xBB\xBF"
                                            "1 1:1 2:3\r\n\r\n0 2:1"));
  EXPECT_EQ(odd.classes, plain.classes);
  EXPECT_EQ(odd.label, plain.label);
  EXPECT_EQ(dense_values(odd.x), dense_values(plain.x));
  // Columns on the first line count from after the BOM.
  EXPECT_PARSE_ERROR(
      [&] {
        read_libsvm(dir.write("bom",
                              "\xEF\xBB\xBF"
                              "1 0:1\n"));
      },
      dir.path("bom") + ":1:3: ", "index 0 is not allowed");
}

TEST(LibsvmReader, ErrorsNameFileLineColumnFoundAndExpected) {
  TempDir dir;
  struct Case {
    std::string text, where, message;
  };
  const std::vector<Case> cases = {
      {"1 1:1\n-1 3:1 0:1\n", ":2:8: ", "index 0 is not allowed: LIBSVM indices start at 1"},
      {"1 7:1 5:1\n", ":1:7: ", "index 5 is not ascending (5 after 7)"},
      {"1 5:1 5:2\n", ":1:7: ", "repeated index 5"},
      {"1 2:abc\n", ":1:5: ", "expected a number after '2:', found 'abc'"},
      {"1 2:1.5x\n", ":1:5: ", "found '1.5x'"},
      {"1 2:nan\n", ":1:5: ", "value 'nan' is not allowed: expected a finite number"},
      {"1 2:-inf\n", ":1:5: ", "value '-inf' is not allowed: expected a finite number"},
      {"1 2:1e999\n", ":1:5: ", "value '1e999' is not allowed: expected a finite number"},
      {"1 2147483648:1\n", ":1:3: ", "index 2147483648 is too large: indices go up to 2147483647"},
      {"1 99999999999999999999999:1\n", ":1:3: ", "is too large"},
      {"1 3\n", ":1:3: ", "expected 'index:value', found '3' (missing ':')"},
      {"1 2:\n", ":1:5: ", "missing value after '2:': expected a number"},
      {"1 :4\n", ":1:3: ", "expected a feature index before ':'"},
      {"1 x:1\n", ":1:3: ", "expected a feature index (a positive integer), found 'x'"},
      {"1 -2:1\n", ":1:3: ", "index -2 is negative: LIBSVM indices are positive integers"},
      {"1 1:1 x\x01y:2\n", ":1:8: ", "byte 0x01 at offset 7: this is a binary file"},
      {"1 1:1\n\x1f\x8b\x00:1\n", ":2:1: ", "byte 0x1f at offset 6: this is a binary file"},
      {"\xFF\xFE" "1\0 \0" "1\0", ":1:1: ", "the file is UTF-16 text"},
      {"yes 1:1\n", ":1:1: ", "expected a numeric label (e.g. -1, +1, 0, 1), found 'yes'"},
      {"  1:1 2:1\n", ":1:3: ", "expected a label before the features, found '1:1'"},
      {"1 1:1\r\n1 1:1 1:2\r\n", ":2:7: ", "repeated index 1"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir.write("bad" + std::to_string(i), cases[i].text);
    EXPECT_PARSE_ERROR([&] { read_libsvm(path); }, path + cases[i].where, cases[i].message);
  }
}

TEST(LibsvmReader, NumbersTooSmallForDoubleReadAsZero) {
  TempDir dir;
  const Dataset d = read_libsvm(dir.write("tiny", "1 1:1e-400 2:-0.000001e-320 3:+2.5\n"));
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{0, 0, 2.5}));
  for (const std::string big : {"1e309", "-1e400", "100000e305", "0.001e312"}) {
    const auto path = dir.write("big", "1 1:" + big + "\n");
    EXPECT_PARSE_ERROR([&] { read_libsvm(path); }, path + ":1:5: ",
                       "value '" + big + "' is not allowed: expected a finite number");
  }
}

TEST(LibsvmReader, ParseErrorCarriesItsPosition) {
  TempDir dir;
  const auto path = dir.write("a9a", "-1 3:1 11:1\n+1 5:1 7:1 0:1\n");
  try {
    read_libsvm(path);
    FAIL() << "expected a ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.col(), 12);
    EXPECT_EQ(std::string(e.what()),
              path + ":2:12: index 0 is not allowed: LIBSVM indices start at 1");
  }
}

TEST(LibsvmReader, EmptyFileHasNoExamples) {
  TempDir dir;
  for (const std::string text : {"", "\n\n", "# only a comment\n   \n"}) {
    const auto path = dir.write("empty", text);
    EXPECT_PARSE_ERROR([&] { read_libsvm(path); }, path + ":1:1: ", "the file has no examples");
  }
}

TEST(LibsvmReader, MissingOrUnreadableFileIsAnError) {
  TempDir dir;
  const std::string missing = dir.path("no_such_file");
  try {
    read_libsvm(missing);
    FAIL() << "expected an Error";
  } catch (const ParseError&) {
    FAIL() << "a missing file is not a parse error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open '" + missing +
                                          "': No such file or directory: check the path "
                                          "(relative paths start in the current directory)");
  }
  try {
    read_libsvm(dir.path(""));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
}

TEST(LibsvmReader, GzipRoundTrip) {
  TempDir dir;
  std::string text;
  for (int r = 0; r < 2000; ++r)
    text += std::to_string(r % 3 == 0 ? 1 : -1) + " " + std::to_string(r % 7 + 1) + ":" +
            std::to_string(r) + " 9:0.25\n";
  const Dataset plain = read_libsvm(dir.write("data.txt", text));
  const Dataset gz = read_libsvm(dir.write_gz("data.txt.gz", text));  // detected by magic bytes
  const Dataset gz_no_ext = read_libsvm(dir.write_gz("data", text));
  EXPECT_EQ(gz.rows(), 2000);
  EXPECT_EQ(gz.cols(), 9);
  EXPECT_EQ(gz.classes, plain.classes);
  EXPECT_EQ(gz.label, plain.label);
  EXPECT_EQ(dense_values(gz.x), dense_values(plain.x));
  EXPECT_EQ(dense_values(gz_no_ext.x), dense_values(plain.x));
}

TEST(LibsvmReader, GzipConcatenatedMembersAndTruncation) {
  TempDir dir;
  const std::string a = dir.write_gz("a.gz", "1 1:1\n");
  const std::string b = dir.write_gz("b.gz", "-1 2:1\n");
  std::string bytes_a, bytes_b;
  {
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    bytes_a.assign(std::istreambuf_iterator<char>(fa), {});
    bytes_b.assign(std::istreambuf_iterator<char>(fb), {});
  }
  const Dataset both = read_libsvm(dir.write("ab.gz", bytes_a + bytes_b));
  EXPECT_EQ(both.rows(), 2);
  EXPECT_EQ(both.classes, (std::vector<std::string>{"1", "-1"}));

  const std::string cut = dir.write("cut.gz", bytes_a.substr(0, bytes_a.size() - 6));
  try {
    read_libsvm(cut);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot decompress '" + cut + "': the gzip data ends early (is the file truncated?)");
  }
  std::string corrupt = bytes_a;
  corrupt[3] = '\xff';  // reserved flag bits
  const std::string bad = dir.write("bad.gz", corrupt);
  EXPECT_THROW(read_libsvm(bad), Error);
  EXPECT_EQ(detail::gunzip(bytes_a, "a.gz"), "1 1:1\n");
}

TEST(LibsvmReader, StorageFollowsDensityUnlessForced) {
  TempDir dir;
  // 2 of 10 entries set: sparse; 0/1 values: float32.
  const auto sparse_path = dir.write("sparse", "1 1:1\n0 5:1\n");
  const Dataset s = read_libsvm(sparse_path);
  EXPECT_TRUE(s.x.is_sparse());
  EXPECT_STREQ(s.x.dtype(), "float32");
  EXPECT_EQ(s.x.stored(), 2);
  // 3 of 4 entries set: dense; values in float32 (0.1 rounded), sums in float64.
  const auto dense_path = dir.write("dense", "1 1:0.1 2:1\n0 2:1\n");
  const Dataset d = read_libsvm(dense_path);
  EXPECT_FALSE(d.x.is_sparse());
  EXPECT_STREQ(d.x.dtype(), "float32");
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{double{0.1f}, 1, 0, 1}));
  // 40% of the entries set is dense in float32 (2 of 5), 20% is not.
  EXPECT_FALSE(read_libsvm(dir.write("forty", "1 1:1 5:1\n")).x.is_sparse());
  EXPECT_TRUE(read_libsvm(dir.write("twenty", "1 1:1 5:1\n0 3:0\n")).x.is_sparse());
  // A value beyond float32's normal range keeps the data in float64, every digit.
  const Dataset big = read_libsvm(dir.write("big", "1 1:1e39 2:0.1\n0 2:1e-40\n"));
  EXPECT_STREQ(big.x.dtype(), "float64");
  EXPECT_EQ(dense_values(big.x), (std::vector<double>{1e39, 0.1, 0, 1e-40}));
  ReadOptions f32;
  f32.value_type = ValueType::kFloat32;
  EXPECT_PARSE_ERROR([&] { read_libsvm(dir.path("big"), f32); }, dir.path("big") + ":1:5: ",
                     "beyond the float32 range");
  ReadOptions o;
  o.storage = Storage::kDense;
  o.value_type = ValueType::kFloat64;
  const Dataset forced_dense = read_libsvm(sparse_path, o);
  EXPECT_FALSE(forced_dense.x.is_sparse());
  EXPECT_STREQ(forced_dense.x.dtype(), "float64");
  EXPECT_EQ(dense_values(forced_dense.x), dense_values(s.x));
  o.storage = Storage::kSparse;
  o.value_type = ValueType::kFloat32;
  const Dataset forced_sparse = read_libsvm(dense_path, o);
  EXPECT_TRUE(forced_sparse.x.is_sparse());
  EXPECT_STREQ(forced_sparse.x.dtype(), "float32");
  EXPECT_FLOAT_EQ(static_cast<float>(dense_values(forced_sparse.x)[0]), 0.1f);
  forced_sparse.x.visit([](const auto& m) {
    if constexpr (requires { m.row_ptr; }) {
      EXPECT_NO_THROW(m.validate());
    }
  });
}

TEST(LibsvmReader, WidthIsTheLargestIndexOrMinFeatures) {
  TempDir dir;
  const auto path = dir.write("w", "1 2:1\n0 4:1\n");
  EXPECT_EQ(read_libsvm(path).cols(), 4);
  ReadOptions o;
  o.min_features = 10;
  EXPECT_EQ(read_libsvm(path, o).cols(), 10);
  o.min_features = 2;
  EXPECT_EQ(read_libsvm(path, o).cols(), 4);
  // The largest index allowed, 2^31 - 1, gives a (sparse) matrix that wide.
  const Dataset wide = read_libsvm(dir.write("wide", "1 2147483647:1\n"));
  EXPECT_EQ(wide.cols(), 2147483647);
  EXPECT_TRUE(wide.x.is_sparse());
  // A file of labels only has no features.
  const Dataset none = read_libsvm(dir.write("none", "1\n-1\n"));
  EXPECT_EQ(none.rows(), 2);
  EXPECT_EQ(none.cols(), 0);
}

TEST(LibsvmReader, LabelsAreCanonical) {
  TempDir dir;
  const Dataset d =
      read_libsvm(dir.write("l", "+1 1:1\n1 1:1\n1.0 1:1\n-1 1:1\n-1.00 1:1\n2e0 1:1\n"));
  EXPECT_EQ(d.classes, (std::vector<std::string>{"1", "-1", "2"}));
  EXPECT_EQ(d.label, (std::vector<int32_t>{0, 0, 0, 1, 1, 2}));
}

TEST(LibsvmReader, ReadDatasetSniffsTheFormat) {
  TempDir dir;
  const Dataset svm = read_dataset(dir.write("data.txt", "# comment\n\n1 1:1 3:2\n0 2:1\n"));
  EXPECT_TRUE(svm.encoding.empty());
  EXPECT_EQ(svm.cols(), 3);
  const Dataset csv = read_dataset(dir.write("data", "1,2,0\n3,4,1\n"));
  EXPECT_FALSE(csv.encoding.empty());
  EXPECT_EQ(csv.cols(), 2);
  const Dataset by_ext = read_dataset(dir.write("d.CSV", "1 2 0\n3 4 1\n"));
  EXPECT_EQ(by_ext.cols(), 2);
  EXPECT_EQ(by_ext.encoding.delimiter, ' ');
  const Dataset gz = read_dataset(dir.write_gz("d.svm.gz", "1 1:1 3:2\n0 2:1\n"));
  EXPECT_EQ(gz.cols(), 3);
  EXPECT_TRUE(gz.encoding.empty());
  ReadOptions o;
  o.format = FileFormat::kCsv;
  EXPECT_EQ(read_dataset(dir.write("forced.txt", "1 1:1\n0 2:1\n"), o).classes,
            (std::vector<std::string>{"1:1", "2:1"}));
  o.format = FileFormat::kLibsvm;
  const auto csv_path = dir.write("forced.csv", "a,b\n1,2\n");
  EXPECT_PARSE_ERROR([&] { read_dataset(csv_path, o); },
                     csv_path + ":1:1: ", "expected a numeric label");
}

// ---- the shared real datasets (see ../shared/datasets/README.md) -----------------------------

TEST(LibsvmReaderRealData, A9a) {
  REQUIRE_DATASETS();
  const Dataset d = read_libsvm(datasets + "/a9a");
  EXPECT_EQ(d.rows(), 32561);
  EXPECT_EQ(d.cols(), 123);
  EXPECT_EQ(d.x.stored(), 451592);
  EXPECT_TRUE(d.x.is_sparse());
  EXPECT_STREQ(d.x.dtype(), "float32");
  ASSERT_EQ(d.classes, (std::vector<std::string>{"-1", "1"}));
  EXPECT_EQ(class_counts(d), (std::vector<int64_t>{24720, 7841}));
  d.x.visit([](const auto& m) {
    if constexpr (requires { m.row_ptr; }) {
      EXPECT_NO_THROW(m.validate());
    }
  });
}

TEST(LibsvmReaderRealData, A9aTestWithMinFeatures) {
  REQUIRE_DATASETS();
  EXPECT_EQ(read_libsvm(datasets + "/a9a.t").cols(), 122);
  ReadOptions o;
  o.min_features = 123;
  const Dataset d = read_libsvm(datasets + "/a9a.t", o);
  EXPECT_EQ(d.rows(), 16281);
  EXPECT_EQ(d.cols(), 123);
  ASSERT_EQ(d.classes, (std::vector<std::string>{"-1", "1"}));
  EXPECT_EQ(class_counts(d), (std::vector<int64_t>{12435, 3846}));
}

TEST(LibsvmReaderRealData, KddcupGzip) {
  REQUIRE_DATASETS();
  const Dataset d = read_dataset(datasets + "/kddcup99_10pct_binary.libsvm.gz");
  EXPECT_EQ(d.rows(), 494021);
  EXPECT_EQ(d.cols(), 118);
  EXPECT_TRUE(d.encoding.empty());
  ASSERT_EQ(d.classes.size(), 2u);
  const auto n = class_counts(d);
  const size_t plus = d.classes[0] == "1" ? 0 : 1;
  EXPECT_EQ(d.classes[plus], "1");
  EXPECT_EQ(d.classes[1 - plus], "-1");
  EXPECT_EQ(n[plus], 396743);
  EXPECT_EQ(n[1 - plus], 97278);
}

TEST(LibsvmReaderRealData, CovtypeLabelsOneAndTwo) {
  REQUIRE_DATASETS();  // this file mixes CRLF and LF line ends
  const Dataset d = read_dataset(datasets + "/covtype.binary.scale.20k.libsvm");
  EXPECT_EQ(d.rows(), 20000);
  EXPECT_EQ(d.cols(), 54);
  ASSERT_EQ(d.classes, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(class_counts(d), (std::vector<int64_t>{10186, 9814}));
}

TEST(LibsvmReaderRealData, AgaricusZeroOneLabels) {
  REQUIRE_DATASETS();
  const Dataset d = read_dataset(datasets + "/agaricus.txt.train");
  EXPECT_EQ(d.rows(), 6513);
  EXPECT_EQ(d.cols(), 126);
  const auto n = class_counts(d);
  ASSERT_EQ(d.classes.size(), 2u);
  const size_t zero = d.classes[0] == "0" ? 0 : 1;
  EXPECT_EQ(d.classes[1 - zero], "1");
  EXPECT_EQ(n[zero], 3373);
  EXPECT_EQ(n[1 - zero], 3140);
}

TEST(LibsvmReader, ClassesOptionNamesTheLineOfAThirdClassAndRefusesOne) {
  TempDir dir;
  ReadOptions binary;
  binary.classes = 2;
  // Two classes, written in several ways, pass.
  EXPECT_EQ(read_libsvm(dir.write("two", "+1 1:1\n-1 1:2\n1.0 1:3\n"), binary).classes.size(), 2u);
  const auto three = dir.write("three", "+1 1:1\n-1 1:2\n\n1 2:1\n  3 1:1\n-1 1:1\n");
  EXPECT_PARSE_ERROR([&] { read_libsvm(three, binary); }, three + ":5:3: ",
                     "label '3' makes 3 classes (before it: '1', '-1'), but lograd trains binary "
                     "models: keep two classes");
  const auto one = dir.write("one", "1 1:1\n+1 2:1\n1.0 3:1\n");
  EXPECT_PARSE_ERROR([&] { read_libsvm(one, binary); }, one + ":3:1: ",
                     "every one of the 3 examples has the label '1': training needs 2 classes");
  // Without the option any number of classes is read.
  EXPECT_EQ(read_libsvm(three).classes.size(), 3u);
  EXPECT_EQ(read_libsvm(one).classes.size(), 1u);
}

TEST(LibsvmReader, ControlBytesInAnErrorMessageAreEscaped) {
  TempDir dir;
  // Past the first 64 KiB the binary check does not look; the value is shown escaped.
  std::string text;
  while (text.size() < (size_t{1} << 16)) text += "1 1:1\n";
  const int64_t line = static_cast<int64_t>(text.size() / 6) + 1;
  text += "1 2:\x01\x7f\n";
  const auto path = dir.write("late", text);
  EXPECT_PARSE_ERROR([&] { read_libsvm(path); }, path + ":" + std::to_string(line) + ":5: ",
                     "expected a number after '2:', found '\\x01\\x7f'");
}

// Cuts every text into many small chunks for the life of a test.
class SmallChunks {
 public:
  SmallChunks() {
    detail::libsvm_chunk_bytes = 64;
    detail::libsvm_max_chunks = 1000;
  }
  ~SmallChunks() {
    detail::libsvm_chunk_bytes = bytes_;
    detail::libsvm_max_chunks = chunks_;
  }

 private:
  size_t bytes_ = detail::libsvm_chunk_bytes, chunks_ = detail::libsvm_max_chunks;
};

std::string many_lines(int rows) {
  std::string t;
  for (int i = 0; i < rows; ++i) {
    t += (i % 3 == 0 ? "-1" : "+1");
    for (int j = 1 + i % 5; j < 40; j += 1 + (i + j) % 7)
      t += " " + std::to_string(j) + ":" + std::to_string((i * 31 + j) % 97) + ".25";
    t += i % 11 == 0 ? "\r\n" : (i % 13 == 0 ? "  # comment\n\n" : "\n");
  }
  return t;
}

TEST(LibsvmReader, ChunkedParsingGivesTheSameDataAtAnyThreadCount) {
  TempDir dir;
  const auto path = dir.write("many", many_lines(2000));
  const Dataset whole = read_libsvm(path);
  const SmallChunks small;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const Dataset cut = read_libsvm(path);
    EXPECT_EQ(cut.label, whole.label);
    EXPECT_EQ(cut.classes, whole.classes);
    EXPECT_EQ(dense_values(cut.x), dense_values(whole.x));
    EXPECT_EQ(cut.x.rows(), 2000);
  }
  set_num_threads(0);
}

// The text streams through a window (here 64 KB): gzip decompressed on the way, a line longer
// than the window widens it, and read_dataset's sniffing hands its peeked bytes back.
TEST(LibsvmReader, StreamedWindowsGiveTheWholeText) {
  TempDir dir;
  std::string long_line = "+1";
  for (int j = 1; j <= 12000; ++j) long_line += " " + std::to_string(j) + ":0.5";
  const std::string text = many_lines(1500) + long_line + "\n" + many_lines(700);
  const auto plain = dir.write("plain", text);
  const auto gz = dir.write_gz("text.gz", text);
  const Dataset whole = detail::parse_libsvm(std::string_view(text), "mem", ReadOptions{});
  // (row_ptr, col, values) of CSR storage, values widened.
  auto csr = [](const DataMatrix& x) {
    std::tuple<std::vector<int64_t>, std::vector<int32_t>, std::vector<double>> out;
    x.to_sparse().visit([&](const auto& m) {
      if constexpr (requires { m.row_ptr; })
        out = {m.row_ptr, m.col, std::vector<double>(m.val.begin(), m.val.end())};
    });
    return out;
  };
  const auto want = csr(whole.x);
  const SmallChunks small;
  for (const auto& d : {read_libsvm(plain), read_libsvm(gz), read_dataset(gz)}) {
    EXPECT_EQ(d.x.rows(), 2201);
    EXPECT_EQ(d.x.cols(), 12000);
    EXPECT_EQ(d.label, whole.label);
    EXPECT_TRUE(csr(d.x) == want);
  }
}

TEST(LibsvmReader, ChunkedParsingReportsTheFirstErrorAtItsFileLine) {
  TempDir dir;
  const SmallChunks small;
  std::string text = many_lines(1000);
  // Two errors: the first one in the file is reported, with its line counted from the top.
  text += "+1 1:1 1:2\n";
  text += many_lines(300);
  text += "+1 0:1\n";
  const auto path = dir.write("bad", text);
  int64_t line = 1;
  for (char c : text.substr(0, text.find("+1 1:1 1:2"))) line += c == '\n';
  EXPECT_PARSE_ERROR([&] { read_libsvm(path); }, path + ":" + std::to_string(line) + ":8: ",
                     "repeated index 1");
  // A third class deep in the file: its first line, and the classes in file order.
  ReadOptions binary;
  binary.classes = 2;
  const auto third = dir.write("third", many_lines(1000) + "7 1:1\n" + many_lines(10) + "7 2:1\n");
  int64_t third_line = 1;
  for (char c : many_lines(1000)) third_line += c == '\n';
  EXPECT_PARSE_ERROR([&] { read_libsvm(third, binary); },
                     third + ":" + std::to_string(third_line) + ":1: ",
                     "label '7' makes 3 classes (before it: '-1', '1')");
}

// Issue 15, item 5: a first token `+1:1` (the label glued to the first feature) made the file
// read as one-column CSV; it is LIBSVM, refused where it is.
TEST(LibsvmReader, LabelGluedToTheFirstFeatureIsRefusedAsLibsvm) {
  TempDir dir;
  for (const char* first : {"+1:1 2:3\n", "+1:1\n"}) {
    const auto path = dir.write("g.txt", std::string(first) + "-1 1:2\n+1 2:1\n");
    EXPECT_PARSE_ERROR([&] { read_dataset(path); }, path + ":1:1: ",
                       "expected a label before the features, found '+1:1'");
  }
  // A JSON file (a model given as data) is named as such.
  const auto json = dir.write("m.json", "{\n \"format\": \"lograd-model\"\n}\n");
  EXPECT_PARSE_ERROR([&] { read_dataset(json); }, json + ":1:1: ", "this is a JSON file");
}

// Issue 15, item 10: prediction reads lines without a label.
TEST(LibsvmReader, LinesWithoutALabelForPrediction) {
  TempDir dir;
  const auto path = dir.write("p.txt", "1:0.5 3:2\n+1 2:1\n2:4\n");
  ReadOptions o;
  o.labels_optional = true;
  const Dataset d = read_dataset(path, o);
  EXPECT_EQ(d.rows(), 3);
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{0.5, 0, 2, 0, 1, 0, 0, 4, 0}));
  ASSERT_EQ(d.classes.size(), 2u);
  EXPECT_EQ(d.classes[0], "");  // no label: a class of its own, unused by prediction
  EXPECT_PARSE_ERROR([&] { read_dataset(path); }, path + ":1:1: ",
                     "expected a label before the features, found '1:0.5'");
}

}  // namespace
}  // namespace lograd
