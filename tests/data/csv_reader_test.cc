#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lograd/labels.h"
#include "lograd/readers.h"
#include "reader_test_util.h"

namespace lograd {
namespace {

using Kind = CsvColumn::Kind;
using testing::class_counts;
using testing::dense_values;
using testing::TempDir;
using Names = std::vector<std::string>;

TEST(CsvReader, DetectsHeaderAndOneHotEncodesTextColumns) {
  TempDir dir;
  const auto path = dir.write("h.csv", "age,color,y\n30,red,1\n40,blue,0\n50,red,1\n");
  const Dataset d = read_csv(path);
  EXPECT_EQ(d.rows(), 3);
  EXPECT_EQ(d.feature_names, (Names{"age", "color=blue", "color=red"}));
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{30, 0, 1,  //
                                                    40, 1, 0,  //
                                                    50, 0, 1}));
  EXPECT_EQ(d.classes, (Names{"1", "0"}));
  EXPECT_EQ(d.label, (std::vector<int32_t>{0, 1, 0}));
  const CsvEncoding& e = d.encoding;
  EXPECT_TRUE(e.header);
  EXPECT_EQ(e.delimiter, ',');
  ASSERT_EQ(e.columns.size(), 3u);
  EXPECT_EQ(e.columns[0].name, "age");
  EXPECT_EQ(e.columns[0].kind, Kind::kNumeric);
  EXPECT_EQ(e.columns[0].first_feature, 0);
  EXPECT_EQ(e.columns[1].kind, Kind::kCategorical);
  EXPECT_EQ(e.columns[1].first_feature, 1);
  EXPECT_EQ(e.columns[1].categories, (Names{"blue", "red"}));
  EXPECT_EQ(e.columns[2].name, "y");
  EXPECT_EQ(e.columns[2].kind, Kind::kLabel);
  EXPECT_EQ(d.source, path);
}

TEST(CsvReader, WithoutHeaderColumnsAreNumbered) {
  TempDir dir;
  const Dataset d = read_csv(dir.write("n.csv", "30,red,yes\n40,blue,no\n"));
  EXPECT_FALSE(d.encoding.header);
  EXPECT_EQ(d.rows(), 2);
  EXPECT_EQ(d.feature_names, (Names{"column 1", "column 2=blue", "column 2=red"}));
  EXPECT_EQ(d.encoding.columns[2].name, "column 3");
  EXPECT_EQ(d.classes, (Names{"yes", "no"}));
}

TEST(CsvReader, HeaderCanBeForced) {
  TempDir dir;
  // All text: nothing to detect a header by.
  const auto path = dir.write("t.csv", "color,size,y\nred,big,a\nblue,small,b\n");
  EXPECT_EQ(read_csv(path).rows(), 3);
  ReadOptions o;
  o.header = true;
  const Dataset d = read_csv(path, o);
  EXPECT_EQ(d.rows(), 2);
  EXPECT_EQ(d.feature_names, (Names{"color=blue", "color=red", "size=big", "size=small"}));
  // And refused: the header row read as data puts text in a column of numbers.
  o.header = false;
  const auto h = dir.write("h.csv", "x,y\n1,0\n2,1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(h, o); }, h + ":1:1: ",
                     "expected a number in column 1, found 'x': 2 of its 3 values are numbers");
  EXPECT_PARSE_ERROR([&] { read_csv(h, o); }, h + ":1:1: ",
                     "line 1 looks like a header: drop `no_header`");
}

TEST(CsvReader, DetectsDelimiters) {
  TempDir dir;
  const std::vector<double> want = {1.5, 2, 3, 4};
  struct Case {
    std::string name, text;
    char delimiter;
  };
  const std::vector<Case> cases = {
      {"comma", "1.5,2,a\n3,4,b\n", ','},
      {"tab", "1.5\t2\ta\n3\t4\tb\n", '\t'},
      {"semicolon", "1.5;2;a\n3;4;b\n", ';'},
      {"space", "1.5 2   a\n  3 4 b  \n", ' '},
      {"comma_space", "1.5, 2, a\n3, 4, b\n", ','},  // adult.data's ", "
      {"semicolon_decimal_text", "x;y;l\n1.5;2;a\n3;4;b\n", ';'},
  };
  for (const auto& c : cases) {
    const Dataset d = read_csv(dir.write(c.name, c.text));
    EXPECT_EQ(d.encoding.delimiter, c.delimiter) << c.name;
    EXPECT_EQ(dense_values(d.x), want) << c.name;
    EXPECT_EQ(d.classes, (Names{"a", "b"})) << c.name;
  }
  // Forced.
  ReadOptions o;
  o.delimiter = ';';
  const Dataset d = read_csv(dir.write("forced", "1,5;2;a\n3,5;4;b\n"), o);
  EXPECT_EQ(d.feature_names, (Names{"column 1=1,5", "column 1=3,5", "column 2"}));
  // A .tsv file is tab-separated unless told otherwise.
  const Dataset tsv = read_csv(dir.write("x.tsv", "a b\t1\tc\n"));
  EXPECT_EQ(tsv.encoding.delimiter, '\t');
  EXPECT_EQ(tsv.feature_names, (Names{"column 1=a b", "column 2"}));
}

TEST(CsvReader, QuotedFields) {
  TempDir dir;
  const auto path = dir.write("q.csv",
                              "\"a,b\", 1 ,\"x\"\n"
                              "\"say \"\"hi\"\"\",2,\"multi\nline\"\n"
                              "  \"\"  ,3,x\n");
  ReadOptions o;
  o.missing = MissingPolicy::kZero;
  const Dataset d = read_csv(path, o);
  EXPECT_EQ(d.rows(), 3);
  EXPECT_EQ(d.encoding.columns[0].categories, (Names{"a,b", "say \"hi\""}));
  EXPECT_EQ(d.classes, (Names{"x", "multi\nline"}));
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{1, 0, 1,  //
                                                    0, 1, 2,  //
                                                    0, 0, 3}));
  // Positions after a quoted line break count from the new line.
  const auto bad = dir.write("bad.csv", "1,\"a\nb\" c,2\n");
  EXPECT_PARSE_ERROR([&] { read_csv(bad); }, bad + ":2:4: ",
                     "unexpected 'c' after a closing quote: expected the delimiter ',' or the end "
                     "of the line");
  const auto open = dir.write("open.csv", "1,2\n3,\"4\n");
  EXPECT_PARSE_ERROR([&] { read_csv(open); },
                     open + ":2:3: ", "unterminated quoted field: expected a closing '\"'");
}

TEST(CsvReader, AcceptsBomCrlfAndNoFinalNewline) {
  TempDir dir;
  const Dataset plain = read_csv(dir.write("plain", "x,y\n1,a\n2,b\n"));
  const Dataset odd = read_csv(dir.write("odd", "\xEF\xBB\xBFx,y\r\n1,a\r\n\r\n2,b"));
  EXPECT_TRUE(odd.encoding.header);
  EXPECT_EQ(odd.encoding.columns[0].name, "x");
  EXPECT_EQ(odd.classes, plain.classes);
  EXPECT_EQ(dense_values(odd.x), dense_values(plain.x));
}

TEST(CsvReader, RaggedRowsAreParseErrors) {
  TempDir dir;
  const auto few = dir.write("few", "1,2,0\n\n1,2\n");
  EXPECT_PARSE_ERROR([&] { read_csv(few); },
                     few + ":3:4: ", "expected 3 fields (as in line 1), found 2");
  const auto many = dir.write("many", "1,2,0\n1,2,3,4\n");
  EXPECT_PARSE_ERROR([&] { read_csv(many); },
                     many + ":2:7: ", "expected 3 fields (as in line 1), found 4");
  const auto header = dir.write("header", "a,b,y\n1,2,0\n1,2,3,4\n");
  EXPECT_PARSE_ERROR([&] { read_csv(header); },
                     header + ":3:7: ", "expected 3 fields (as in the header), found 4");
}

TEST(CsvReader, EmptyFileAndHeaderOnlyHaveNoExamples) {
  TempDir dir;
  const auto empty = dir.write("empty.csv", "\n \n");
  EXPECT_PARSE_ERROR([&] { read_csv(empty); }, empty + ":1:1: ", "the file has no examples");
  ReadOptions o;
  o.header = true;
  const auto header = dir.write("header.csv", "a,b,y\n");
  EXPECT_PARSE_ERROR([&] { read_csv(header, o); },
                     header + ":1:1: ", "the file has a header but no examples");
}

TEST(CsvReader, MissingValuePolicies) {
  TempDir dir;
  const auto path = dir.write("m.csv", "1,a,0\n?,b,1\n3,,0\n5,a,1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(path); }, path + ":2:1: ",
                     "missing value '?' in column 1: use `missing` skip-row|zero|mean");
  ReadOptions o;
  o.missing = MissingPolicy::kSkipRow;
  const Dataset skip = read_csv(path, o);
  EXPECT_EQ(skip.rows(), 2);
  EXPECT_EQ(skip.label, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(skip.encoding.columns[1].categories, (Names{"a"}));  // from kept rows only
  EXPECT_EQ(dense_values(skip.x), (std::vector<double>{1, 1, 5, 1}));

  o.missing = MissingPolicy::kZero;
  const Dataset zero = read_csv(path, o);
  EXPECT_EQ(zero.rows(), 4);
  EXPECT_EQ(zero.encoding.columns[0].fill, 0);
  EXPECT_EQ(dense_values(zero.x), (std::vector<double>{1, 1, 0,  //
                                                       0, 0, 1,  //
                                                       3, 0, 0,  //
                                                       5, 1, 0}));
  o.missing = MissingPolicy::kMean;
  const Dataset mean = read_csv(path, o);
  EXPECT_EQ(mean.encoding.columns[0].fill, 3);                   // (1 + 3 + 5) / 3
  EXPECT_EQ(dense_values(mean.x), (std::vector<double>{1, 1, 0,  //
                                                       3, 0, 1,  //
                                                       3, 0, 0,  //
                                                       5, 1, 0}));
  // Values near the float64 limit: the mean is finite where a plain sum would overflow.
  const auto huge = dir.write("huge.csv", "1e308,0\n1e308,1\n,0\n-4e307,1\n");
  const Dataset big = read_csv(huge, o);
  EXPECT_DOUBLE_EQ(big.encoding.columns[0].fill, (1e308 / 3 + 1e308 / 3) - 4e307 / 3);
  // With a header the message names the column.
  const auto named = dir.write("named.csv", "x,c,y\n1,a,0\n2, ,1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(named); }, named + ":3:4: ",
                     "missing value '' in column 2 ('c'): use `missing` skip-row|zero|mean");
  o.missing = MissingPolicy::kSkipRow;
  const auto all = dir.write("all.csv", "1,?,0\n?,b,1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(all, o); },
                     all + ":1:1: ", "no examples left: `missing` skip-row dropped all 2 rows");
}

TEST(CsvReader, MissingLabelIsAlwaysAnError) {
  TempDir dir;
  const auto path = dir.write("l.csv", "1,a\n2,?\n");
  ReadOptions o;
  o.missing = MissingPolicy::kSkipRow;
  EXPECT_PARSE_ERROR([&] { read_csv(path, o); },
                     path + ":2:3: ", "missing label '?' in column 2: every example needs a label");
}

TEST(CsvReader, LabelAndWeightColumnsByNameAndIndex) {
  TempDir dir;
  const auto path = dir.write("w.csv", "y,x,w,z\nyes,1,2,5\nno,2,0.5,6\nyes,3,0,7\n");
  ReadOptions by_name;
  by_name.label_column = "y";
  by_name.weight_column = "w";
  ReadOptions by_index;
  by_index.label_column = "1";  // column numbers count from 1, as in every message
  by_index.weight_column = "3";
  for (const ReadOptions& o : {by_name, by_index}) {
    const Dataset d = read_csv(path, o);
    EXPECT_EQ(d.feature_names, (Names{"x", "z"}));
    EXPECT_EQ(dense_values(d.x), (std::vector<double>{1, 5, 2, 6, 3, 7}));
    EXPECT_EQ(d.weight, (std::vector<double>{2, 0.5, 0}));
    EXPECT_EQ(d.classes, (Names{"yes", "no"}));
    EXPECT_EQ(d.label, (std::vector<int32_t>{0, 1, 0}));
    EXPECT_EQ(d.encoding.columns[0].kind, Kind::kLabel);
    EXPECT_EQ(d.encoding.columns[2].kind, Kind::kWeight);
    EXPECT_EQ(d.encoding.columns[3].first_feature, 1);
  }
  ReadOptions o = by_name;
  o.label_column = "nope";
  try {
    read_csv(path, o);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "no column named 'nope' in the header of '" + path + "' (columns: y, x, w, z)");
  }
  o.label_column = "5";
  try {
    read_csv(path, o);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "label column 5 is out of range: '" + path +
                                         "' has 4 columns (1 to 4)");
  }
  o.label_column = "0";
  try {
    read_csv(path, o);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("label column 0: columns are numbered from 1"),
              std::string::npos) << e.what();
  }
  o.label_column = "4";
  EXPECT_EQ(read_csv(path, o).classes, (Names{"5", "6", "7"}));  // the last column, z
  o.label_column = "w";
  EXPECT_THROW(read_csv(path, o), ValueError);  // the same column as the weight
  o = ReadOptions{};
  o.label_column = "y";
  EXPECT_THROW(read_csv(dir.write("nohead.csv", "1,2\n3,4\n"), o), ValueError);

  const auto negative = dir.write("neg.csv", "y,x,w\n1,1,1\n0,2,-1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(negative, by_name); }, negative + ":3:5: ",
                     "weight '-1' in column 3 ('w') is negative: expected a finite number >= 0");
  const auto text = dir.write("text.csv", "y,x,w\n1,1,1\n0,2,heavy\n");
  EXPECT_PARSE_ERROR([&] { read_csv(text, by_name); },
                     text + ":3:5: ", "weight 'heavy' in column 3 ('w') is not a number");
}

TEST(CsvReader, ReplaysAnEncodingWithUnseenCategories) {
  TempDir dir;
  const Dataset train = read_csv(dir.write("train.csv", "x,c,y\n1,a,0\n2,b,1\n"));
  ReadOptions o;
  o.encoding = &train.encoding;
  // No header in this file, an unseen category 'z', and labels the training data lacks.
  const Dataset test = read_csv(dir.write("test.csv", "3,z,1\n4,b,5\n5,a,0\n"), o);
  EXPECT_EQ(test.rows(), 3);
  EXPECT_EQ(test.cols(), 3);
  EXPECT_EQ(test.feature_names, train.feature_names);
  EXPECT_EQ(dense_values(test.x), (std::vector<double>{3, 0, 0,  //
                                                       4, 0, 1,  //
                                                       5, 1, 0}));
  EXPECT_EQ(test.classes, (Names{"1", "5", "0"}));
  EXPECT_EQ(test.encoding.columns[1].categories, (Names{"a", "b"}));
  // A header with the training names is recognised, even with all-text data.
  const Dataset headed = read_csv(dir.write("headed.csv", "x,c,y\n?,q,0\n"), [&] {
    ReadOptions r = o;
    r.missing = MissingPolicy::kZero;
    return r;
  }());
  EXPECT_EQ(headed.rows(), 1);
  EXPECT_EQ(dense_values(headed.x), (std::vector<double>{0, 0, 0}));
  // Text in a numeric column, and a wrong field count.
  const auto bad = dir.write("bad.csv", "1,a,0\nabc,a,0\n");
  EXPECT_PARSE_ERROR([&] { read_csv(bad, o); }, bad + ":2:1: ",
                     "expected a number in column 1 ('x'), found 'abc': the column was numeric in "
                     "the training data");
  const auto ragged = dir.write("ragged.csv", "1,a,0,9\n");
  EXPECT_PARSE_ERROR([&] { read_csv(ragged, o); },
                     ragged + ":1:7: ", "expected 3 fields (as in the training data), found 4");
}

TEST(CsvReader, ReplayFillsMissingWithTheTrainingMean) {
  TempDir dir;
  ReadOptions o;
  o.missing = MissingPolicy::kMean;
  const Dataset train = read_csv(dir.write("train.csv", "2,0\n4,1\n?,1\n"), o);
  EXPECT_EQ(train.encoding.columns[0].fill, 3);
  o.encoding = &train.encoding;
  const Dataset test = read_csv(dir.write("test.csv", "10,0\n?,1\n"), o);
  EXPECT_EQ(dense_values(test.x), (std::vector<double>{10, 3}));
}

// Found by fuzz/fuzz_csv.cc: a header with an empty name names that column "column N"; the
// same file read back through its encoding (prediction) was refused because '' is not
// 'column 2'. An empty header field now matches the name it was given.
TEST(CsvReader, ReplayAcceptsTheEmptyHeaderNamesOfTheTrainingFile) {
  TempDir dir;
  const auto path = dir.write("train.csv", "x,,y\n1,2,0\n3,4,1\n");
  const Dataset train = read_csv(path);
  ASSERT_TRUE(train.encoding.header);
  EXPECT_EQ(train.encoding.columns[1].name, "column 2");
  ReadOptions o;
  o.encoding = &train.encoding;
  const Dataset again = read_csv(path, o);
  EXPECT_EQ(again.rows(), 2);
  EXPECT_EQ(dense_values(again.x), dense_values(train.x));
  // A different name there is still refused.
  const auto renamed = dir.write("renamed.csv", "x,z,y\n1,2,0\n");
  EXPECT_PARSE_ERROR([&] { read_csv(renamed, o); }, renamed + ":1:1: ",
                     "column 2 is named 'z' but the model was trained with 'column 2'");
}

TEST(CsvReader, MixedColumnsOfMostlyTextBecomeCategorical) {
  TempDir dir;
  // Numbers first, then text: every value of the column is a category, sorted as text.
  const Dataset d = read_csv(dir.write("mix.csv", "2,a\nten,b\nsix,a\nsix,b\n"));
  EXPECT_EQ(d.encoding.columns[0].kind, Kind::kCategorical);
  EXPECT_EQ(d.encoding.columns[0].categories, (Names{"2", "six", "ten"}));
  EXPECT_EQ(dense_values(d.x), (std::vector<double>{1, 0, 0,  //
                                                    0, 0, 1,  //
                                                    0, 1, 0,  //
                                                    0, 1, 0}));
}

TEST(CsvReader, TextInAColumnOfMostlyNumbersIsRefused) {
  TempDir dir;
  // As many numbers as text, or more: a damaged numeric column; the first text value is named.
  const auto mix = dir.write("mix.csv", "2,a\n10,b\nten,a\n2,b\nsix,a\n");
  EXPECT_PARSE_ERROR([&] { read_csv(mix); }, mix + ":3:1: ",
                     "expected a number in column 1, found 'ten': 3 of its 5 values are numbers");
  // nan and inf are not finite numbers: refused where they are, whatever the rest.
  for (const std::string v : {"nan", "inf", "-Infinity", "1e999"}) {
    const auto path = dir.write("nan.csv", "a,y\n1,a\n" + v + ",b\ny,a\n");
    EXPECT_PARSE_ERROR([&] { read_csv(path); }, path + ":3:1: ",
                       "value '" + v + "' in column 1 ('a') is not allowed: expected a finite "
                       "number");
  }
}

TEST(CsvReader, LabelsAreKeptAsWrittenAfterCanonicalisation) {
  TempDir dir;
  const Dataset d = read_csv(dir.write("l.csv", "1, <=50K.\n2, >50K\n3, +1\n4, 1.0\n"));
  EXPECT_EQ(d.classes, (Names{"<=50K.", ">50K", "1"}));
  EXPECT_EQ(d.label, (std::vector<int32_t>{0, 1, 2, 2}));
}

TEST(CsvReader, StorageAndValueTypeChoice) {
  TempDir dir;
  // One-hot of a 4-category column plus a mostly-zero number: 1.25 of 5 set, sparse.
  const auto sparse = dir.write("s.csv", "0,a,1\n0,b,0\n0,c,1\n1,d,0\n");
  const Dataset s = read_csv(sparse);
  EXPECT_TRUE(s.x.is_sparse());
  EXPECT_STREQ(s.x.dtype(), "float32");
  EXPECT_EQ(s.x.stored(), 5);
  // Numbers not exact in float32 are rounded to it; beyond its range they keep float64.
  const Dataset d = read_csv(dir.write("d.csv", "0.1,2,1\n0.2,3,0\n"));
  EXPECT_FALSE(d.x.is_sparse());
  EXPECT_STREQ(d.x.dtype(), "float32");
  EXPECT_STREQ(read_csv(dir.write("w.csv", "1e39,2,1\n0.2,3,0\n")).x.dtype(), "float64");
  ReadOptions o;
  o.storage = Storage::kDense;
  o.value_type = ValueType::kFloat64;
  o.min_features = 7;
  const Dataset forced = read_csv(sparse, o);
  EXPECT_FALSE(forced.x.is_sparse());
  EXPECT_STREQ(forced.x.dtype(), "float64");
  EXPECT_EQ(forced.cols(), 7);
  EXPECT_EQ(forced.feature_names.size(), 7u);
}

// The reader keeps its entries in parts of about 2^18 (a 300-column file: 873 rows a part),
// in float32 until a value needs float64; the matrix is the same whatever the parts, dense or
// sparse, and a value needing float64 in the last part turns the whole matrix float64.
TEST(CsvReader, RowsInSeveralPartsAndALateFloat64Value) {
  TempDir dir;
  const int rows = 2000, cols = 300;
  for (const bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse" : "dense");
    const auto value = [&](int r, int j) {
      const int v = (r * 7 + j * 3) % 11 - 5;
      return sparse && (r + j) % 9 != 0 ? 0 : v;
    };
    std::string text, wide_text;
    std::vector<double> want;
    for (int r = 0; r < rows; ++r) {
      std::string line;  // the label last (the default label column)
      for (int j = 0; j < cols; ++j) {
        line += std::to_string(value(r, j)) + ",";
        want.push_back(value(r, j));
      }
      const std::string label = std::to_string(r % 3);
      text += line + label + "\n";
      wide_text += line + (r == rows - 1 ? "1e39," : "0,") + label + "\n";
    }
    const Dataset d = read_csv(dir.write("p.csv", text));
    EXPECT_EQ(d.x.is_sparse(), sparse);
    EXPECT_STREQ(d.x.dtype(), "float32");
    EXPECT_EQ(dense_values(d.x), want);
    const Dataset w = read_csv(dir.write("w.csv", wide_text));
    EXPECT_STREQ(w.x.dtype(), "float64");
    const std::vector<double> got = dense_values(w.x);
    ASSERT_EQ(got.size(), static_cast<size_t>(rows * (cols + 1)));
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j <= cols; ++j)
        ASSERT_EQ(got[static_cast<size_t>(r * (cols + 1) + j)],
                  j < cols ? value(r, j) : (r == rows - 1 ? 1e39 : 0.0))
            << "row " << r << " column " << j;
    EXPECT_EQ(d.label, w.label);
  }
}

TEST(CsvReader, GzipInput) {
  TempDir dir;
  const std::string text = "x;c;y\n1;a;0\n2;b;1\n";
  const Dataset plain = read_csv(dir.write("p.csv", text));
  const Dataset gz = read_dataset(dir.write_gz("p.csv.gz", text));
  EXPECT_EQ(gz.feature_names, plain.feature_names);
  EXPECT_EQ(dense_values(gz.x), dense_values(plain.x));
  EXPECT_EQ(gz.encoding.delimiter, ';');
}

// ---- the shared real datasets (see ../shared/datasets/README.md) -----------------------------

TEST(CsvReaderRealData, AdultOneHot) {
  REQUIRE_DATASETS();
  ReadOptions o;
  EXPECT_THROW(read_csv(datasets + "/adult.data", o), ParseError);  // '?' marks missing values
  o.missing = MissingPolicy::kZero;
  const Dataset d = read_dataset(datasets + "/adult.data", o);
  EXPECT_EQ(d.rows(), 32561);
  EXPECT_FALSE(d.encoding.header);
  EXPECT_EQ(d.encoding.delimiter, ',');
  ASSERT_EQ(d.encoding.columns.size(), 15u);
  const std::vector<Kind> kinds = {Kind::kNumeric,     Kind::kCategorical, Kind::kNumeric,
                                   Kind::kCategorical, Kind::kNumeric,     Kind::kCategorical,
                                   Kind::kCategorical, Kind::kCategorical, Kind::kCategorical,
                                   Kind::kCategorical, Kind::kNumeric,     Kind::kNumeric,
                                   Kind::kNumeric,     Kind::kCategorical, Kind::kLabel};
  for (size_t j = 0; j < kinds.size(); ++j) EXPECT_EQ(d.encoding.columns[j].kind, kinds[j]) << j;
  EXPECT_EQ(d.encoding.columns[1].categories,
            (Names{"Federal-gov", "Local-gov", "Never-worked", "Private", "Self-emp-inc",
                   "Self-emp-not-inc", "State-gov", "Without-pay"}));
  EXPECT_EQ(d.encoding.columns[13].categories.size(), 41u);
  EXPECT_EQ(d.cols(), 105);  // 6 numbers + 99 categories
  EXPECT_EQ(d.feature_names[0], "column 1");
  EXPECT_EQ(d.feature_names[4], "column 2=Private");
  EXPECT_TRUE(d.x.is_sparse());
  ASSERT_EQ(d.classes, (Names{"<=50K", ">50K"}));
  EXPECT_EQ(class_counts(d), (std::vector<int64_t>{24720, 7841}));

  o.missing = MissingPolicy::kSkipRow;
  EXPECT_EQ(read_csv(datasets + "/adult.data", o).rows(), 30162);

  // The test file replays the encoding; its labels keep their trailing '.'.
  o.missing = MissingPolicy::kZero;
  o.encoding = &d.encoding;
  const Dataset t = read_csv(datasets + "/adult.test", o);
  EXPECT_EQ(t.rows(), 16281);
  EXPECT_EQ(t.cols(), 105);
  ASSERT_EQ(t.classes, (Names{"<=50K.", ">50K."}));
  EXPECT_EQ(class_counts(t), (std::vector<int64_t>{12435, 3846}));
  const auto y = binary_targets(t, binary_label_map(d));
  EXPECT_EQ(std::count(y.begin(), y.end(), -1.0), 16281);
}

TEST(CsvReaderRealData, UspsLabelFirst) {
  REQUIRE_DATASETS();
  ReadOptions o;
  o.label_column = "1";
  const Dataset d = read_dataset(datasets + "/usps_zip.train.csv", o);
  EXPECT_EQ(d.rows(), 7291);
  EXPECT_EQ(d.cols(), 256);
  EXPECT_FALSE(d.x.is_sparse());
  EXPECT_STREQ(d.x.dtype(), "float32");
  EXPECT_EQ(d.classes.size(), 10u);
  EXPECT_EQ(d.classes[0], "6");
}

TEST(CsvReader, ClassesOptionNamesTheLineOfAThirdClassAndRefusesOne) {
  TempDir dir;
  ReadOptions binary;
  binary.classes = 2;
  const auto three = dir.write("three.csv", "x,y\n1,a\n2,b\n3,c\n");
  EXPECT_PARSE_ERROR([&] { read_csv(three, binary); }, three + ":4:3: ",
                     "label 'c' makes 3 classes (before it: 'a', 'b'), but lograd trains binary "
                     "models");
  const auto one = dir.write("one.csv", "x,y\n1,a\n2,a\n");
  EXPECT_PARSE_ERROR([&] { read_csv(one, binary); }, one + ":3:1: ",
                     "every one of the 2 examples has the label 'a': training needs 2 classes; "
                     "the labels come from column 2 ('y')");
  EXPECT_EQ(read_csv(three).classes.size(), 3u);
}

TEST(CsvReader, BinaryDataIsRefusedAtItsFirstControlByte) {
  TempDir dir;
  const auto path = dir.write("bin.csv", std::string("a,b\n1,2\n3,\0\x02", 12));
  EXPECT_PARSE_ERROR([&] { read_csv(path); }, path + ":3:3: ",
                     "byte 0x00 at offset 10: this is a binary file, not LIBSVM or CSV text");
}

// Issue 15, item 5: --missing skip-row dropped rows without a word; the count now comes back.
TEST(CsvReader, SkipRowCountsTheRowsItDrops) {
  TempDir dir;
  const auto path = dir.write("s.csv", "a,b,y\n1,,0\n2,3,1\n?,4,0\n5,6,1\n");
  ReadOptions o;
  o.missing = MissingPolicy::kSkipRow;
  const Dataset d = read_csv(path, o);
  EXPECT_EQ(d.rows(), 2);
  EXPECT_EQ(d.skipped_rows, 2);
  EXPECT_EQ(d.encoding.missing, "skip-row");
  o.missing = MissingPolicy::kMean;
  const Dataset m = read_csv(path, o);
  EXPECT_EQ(m.skipped_rows, 0);
  EXPECT_EQ(m.encoding.missing, "mean");
}

// Issue 15, item 9: Windows-1252 bytes went into the encoding and failed the model's save after
// training; they are refused where they are.
TEST(CsvReader, TextThatIsNotUtf8IsRefusedWhereItIs) {
  TempDir dir;
  const auto value = dir.write("v.csv", "a,c,y\n1,red,0\n2,caf\xe9,1\n3,blue,0\n");
  EXPECT_PARSE_ERROR([&] { read_csv(value); }, value + ":3:6: ",
                     "byte 0xe9 in the value 'caf");
  const auto header = dir.write("h.csv", "a,c\xf6l,y\n1,red,0\n2,blue,1\n");
  EXPECT_PARSE_ERROR([&] { read_csv(header); }, header + ":1:4: ", "in the column name");
  const auto label = dir.write("l.csv", "a,y\n1,no\n2,n\xf6\n");
  EXPECT_PARSE_ERROR([&] { read_csv(label); }, label + ":3:4: ", "in the label");
  // An overlong encoding and a lone continuation byte are not UTF-8 either; real UTF-8 is.
  EXPECT_PARSE_ERROR([&] { read_csv(dir.write("o.csv", "a,c,y\n1,\xc0\xaf,0\n2,x,1\n")); },
                     "", "byte 0xc0");
  EXPECT_PARSE_ERROR([&] { read_csv(dir.write("c.csv", "a,c,y\n1,\x80,0\n2,x,1\n")); },
                     "", "byte 0x80");
  const Dataset d = read_csv(dir.write("u.csv", "a,c,y\n1,caf\xc3\xa9,0\n2,\xe2\x82\xac,1\n"));
  EXPECT_EQ(d.cols(), 3);
}

// Issue 15, item 10: prediction reads rows without the model's label column.
TEST(CsvReader, ReplayWithoutTheLabelColumn) {
  TempDir dir;
  const auto train = dir.write("t.csv", "a,y,c\n1,no,red\n2,yes,blue\n3,no,red\n");
  const Dataset d = read_csv(train);
  ASSERT_EQ(d.encoding.columns.size(), 3u);
  ReadOptions o;
  o.label_column = "y";
  const Dataset t = read_csv(train, o);
  ReadOptions r;
  r.encoding = &t.encoding;
  r.labels_optional = true;
  const auto bare = dir.write("b.csv", "a,c\n1,red\n5,blue\n");
  const Dataset p = read_csv(bare, r);
  EXPECT_EQ(p.rows(), 2);
  EXPECT_EQ(dense_values(p.x), (std::vector<double>{1, 0, 1, 5, 1, 0}));
  const auto noheader = dir.write("n.csv", "1,red\n5,blue\n");
  EXPECT_EQ(dense_values(read_csv(noheader, r).x), dense_values(p.x));
  EXPECT_EQ(p.unseen_categories, 0);
  // A category the training data did not have: all of its column's features 0, counted.
  const Dataset u = read_csv(dir.write("u.csv", "a,c\n1,purple\n5,red\n"), r);
  EXPECT_EQ(dense_values(u.x), (std::vector<double>{1, 0, 0, 5, 0, 1}));
  EXPECT_EQ(u.unseen_categories, 1);
  // With labels required, the same file is a width error.
  r.labels_optional = false;
  EXPECT_PARSE_ERROR([&] { read_csv(noheader, r); }, noheader + ":1:", "expected 3 fields");
}

// A model trained with a sample-weight column predicts on rows without it (and without the
// label), and eval reads labelled rows without it; where a file lacks one of the two columns
// and nothing says which, the features would line up only by chance: refused.
TEST(CsvReader, ReplayWithoutTheWeightColumn) {
  TempDir dir;
  ReadOptions o;
  o.weight_column = "w";
  const Dataset t = read_csv(dir.write("t.csv", "a,b,w,y\n1,2,1,0\n3,4,2,1\n5,6,0.5,0\n"), o);
  ASSERT_EQ(t.weight.size(), 3u);
  const std::vector<double> want = {1, 2, 5, 6};
  ReadOptions r;
  r.encoding = &t.encoding;
  r.labels_optional = true;
  for (const char* text : {"a,b,y\n1,2,0\n5,6,1\n", "1,2,0\n5,6,1\n", "a,b\n1,2\n5,6\n",
                           "1,2\n5,6\n"}) {
    SCOPED_TRACE(text);
    const Dataset p = read_csv(dir.write("p.csv", text), r);
    EXPECT_EQ(dense_values(p.x), want);
    EXPECT_TRUE(p.weight.empty());  // all 1
  }
  const Dataset pw = read_csv(dir.write("pw.csv", "a,b,w\n1,2,3\n5,6,4\n"), r);  // no label
  EXPECT_EQ(dense_values(pw.x), want);
  EXPECT_EQ(pw.weight, (std::vector<double>{3, 4}));
  // eval: the labels are needed, the weights are not.
  r.labels_optional = false;
  const Dataset e = read_csv(dir.write("e.csv", "1,2,1\n5,6,0\n"), r);
  EXPECT_EQ(dense_values(e.x), want);
  ASSERT_EQ(e.classes.size(), 2u);
  EXPECT_EQ(e.classes[e.label[0]], "1");
  // Label and weight apart, a feature between them: one absent of the two needs a header.
  const Dataset t2 = read_csv(dir.write("t2.csv", "w,a,y\n1,2,0\n3,4,1\n"), o);
  r.encoding = &t2.encoding;
  r.labels_optional = true;
  EXPECT_EQ(dense_values(read_csv(dir.write("h.csv", "w,a\n1,2\n3,7\n"), r).x),
            (std::vector<double>{2, 7}));
  EXPECT_EQ(dense_values(read_csv(dir.write("h2.csv", "a,y\n2,0\n7,1\n"), r).x),
            (std::vector<double>{2, 7}));
  const auto bare = dir.write("b.csv", "1,2\n3,7\n");
  EXPECT_PARSE_ERROR([&] { read_csv(bare, r); }, bare + ":1:1: ", "which of them is absent");
  // eval (labels required): the same rules; a file without labels is a width error, never
  // read as one without weights.
  r.labels_optional = false;
  EXPECT_EQ(dense_values(read_csv(dir.write("e2.csv", "a,y\n2,0\n7,1\n"), r).x),
            (std::vector<double>{2, 7}));
  EXPECT_PARSE_ERROR([&] { read_csv(bare, r); }, bare + ":1:1: ", "which of them is absent");
  const auto unlabelled = dir.write("u2.csv", "w,a\n1,2\n3,7\n");
  EXPECT_PARSE_ERROR([&] { read_csv(unlabelled, r); }, unlabelled + ":", "expected 3 fields");
}

}  // namespace
}  // namespace lograd
