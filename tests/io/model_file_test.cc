// The JSON model file: exact round trip, atomic replacement, and a clear error naming the file
// for every kind of damage (checksum, truncation, version, format, sizes).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <random>
#include <string>

#include "io/atomic_file.h"
#include "io/json_writer.h"
#include "lograd/error.h"
#include "lograd/model.h"

namespace lograd {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lograd_model_file_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    io::set_write_failure_after_bytes_for_testing(-1);
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Names in the directory other than `keep` (leftover temporary files).
  std::vector<std::string> others(const std::string& keep) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != keep) out.push_back(e.path().filename().string());
    return out;
  }
  fs::path dir_;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Doubles whose shortest decimal form is long, or that sit at the edges of the format.
Model awkward_model() {
  Model m;
  m.n_features = 7;
  m.w = {0.1,   1.0 / 3.0, -0.0, 5e-324, std::numeric_limits<double>::max(), -2.718281828459045,
         1e-300};
  m.b = -0.30000000000000004;
  m.labels.names = {"no", "yes"};
  m.feature_names = {"age", "income", "city=Oslo", "city=Lima", "city=Pune", "zeta", "ünïcode"};
  m.mean = {40.5, 1234.5678, 0, 0, 0, 1.0 / 7.0, -2};
  m.scale = {12.25, 999.0001, 1, 1, 1, 3.0 / 11.0, 0.5};
  m.encoding.delimiter = ';';
  m.encoding.header = true;
  m.encoding.missing = "mean";
  m.encoding.columns = {
      {"age", CsvColumn::Kind::kNumeric, 0, {}, 40.5},
      {"income", CsvColumn::Kind::kNumeric, 1, {}, 0.0},
      {"city", CsvColumn::Kind::kCategorical, 2, {"Oslo", "Lima", "Pune"}, 0.0},
      {"label", CsvColumn::Kind::kLabel, -1, {}, 0.0},
      {"zeta", CsvColumn::Kind::kNumeric, 5, {}, 0.1},
      {"w", CsvColumn::Kind::kWeight, -1, {}, 0.0},
      {"ünïcode", CsvColumn::Kind::kNumeric, 6, {}, 0.0},
  };
  m.training = json{{"solver", "lbfgs"},
                    {"C", 0.5},
                    {"iterations", 17},
                    {"loss", {0.69314718055994529, 0.123456789012345678}}};
  return m;
}

void expect_bits_eq(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint64_t>(a[i]), std::bit_cast<uint64_t>(b[i]))
        << what << "[" << i << "]: " << a[i] << " vs " << b[i];
}

void expect_same_model(const Model& a, const Model& b) {
  EXPECT_EQ(a.n_features, b.n_features);
  expect_bits_eq(a.w, b.w, "w");
  EXPECT_EQ(std::bit_cast<uint64_t>(a.b), std::bit_cast<uint64_t>(b.b));
  EXPECT_EQ(a.has_bias, b.has_bias);
  EXPECT_EQ(a.labels.names, b.labels.names);
  EXPECT_EQ(a.feature_names, b.feature_names);
  expect_bits_eq(a.mean, b.mean, "mean");
  expect_bits_eq(a.scale, b.scale, "scale");
  EXPECT_EQ(a.encoding.delimiter, b.encoding.delimiter);
  EXPECT_EQ(a.encoding.header, b.encoding.header);
  ASSERT_EQ(a.encoding.columns.size(), b.encoding.columns.size());
  for (size_t i = 0; i < a.encoding.columns.size(); ++i) {
    const CsvColumn &x = a.encoding.columns[i], &y = b.encoding.columns[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.first_feature, y.first_feature);
    EXPECT_EQ(x.categories, y.categories);
    EXPECT_EQ(std::bit_cast<uint64_t>(x.fill), std::bit_cast<uint64_t>(y.fill));
  }
  EXPECT_EQ(a.encoding.missing, b.encoding.missing);
  EXPECT_EQ(a.training, b.training);
}

// FNV-1a 64 of the canonical dump, written independently of the library: the documented
// checksum, so a test can forge a file whose checksum is right but whose content is not.
std::string fnv1a64(const json& doc_without_checksum) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : doc_without_checksum.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016" PRIx64, h);
  return buf;
}

// Rewrites the file at p after applying edit to its document, with a valid checksum.
template <class F>
void rewrite_with_valid_checksum(const std::string& p, F edit) {
  json doc = json::parse(slurp(p));
  doc.erase("checksum");
  edit(doc);
  doc["checksum"] = fnv1a64(doc);
  spit(p, doc.dump(1));
}

// Runs load_model(p) and returns the message it throws ("" if it does not throw).
std::string load_error(const std::string& p) {
  try {
    load_model(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(ModelFile, RoundTripIsBitExact) {
  const Model m = awkward_model();
  save_model(m, path("model.json"));
  expect_same_model(m, load_model(path("model.json")));
  EXPECT_TRUE(others("model.json").empty());
}

TEST_F(ModelFile, MinimalModelRoundTrips) {
  Model m;
  m.n_features = 2;
  m.w = {1.5, -2.5};
  m.has_bias = false;
  m.b = 0;
  m.labels.names = {"-1", "1"};
  save_model(m, path("m.json"));
  const Model back = load_model(path("m.json"));
  expect_same_model(m, back);
  EXPECT_TRUE(back.mean.empty());
  EXPECT_TRUE(back.encoding.empty());
}

TEST_F(ModelFile, FileHasTheDocumentedFields) {
  save_model(awkward_model(), path("model.json"));
  const std::string text = slurp(path("model.json"));
  EXPECT_EQ(text.find("\"format\""), text.find('"')) << "format should be the first key";
  const json doc = json::parse(text);
  EXPECT_EQ(doc["format"], "lograd-model");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["n_features"], 7);
  EXPECT_EQ(doc["labels"], json({"no", "yes"}));
  EXPECT_EQ(doc["weights"].size(), 7u);
  EXPECT_EQ(doc["standardize"]["scale"].size(), 7u);
  EXPECT_EQ(doc["encoding"]["columns"][2]["kind"], "categorical");
  EXPECT_EQ(doc["encoding"]["delimiter"], ";");
  EXPECT_EQ(doc["training"]["solver"], "lbfgs");
  json rest = doc;
  rest.erase("checksum");
  EXPECT_EQ(doc["checksum"], fnv1a64(rest));
}

TEST_F(ModelFile, ChecksumCoversContentNotLayout) {
  save_model(awkward_model(), path("model.json"));
  spit(path("model.json"), json::parse(slurp(path("model.json"))).dump());  // re-indented
  expect_same_model(awkward_model(), load_model(path("model.json")));
}

TEST_F(ModelFile, SaveReplacesAnExistingModel) {
  Model a = awkward_model();
  save_model(a, path("model.json"));
  a.w[0] = 42;
  save_model(a, path("model.json"));
  EXPECT_EQ(load_model(path("model.json")).w[0], 42);
  EXPECT_TRUE(others("model.json").empty());
}

TEST_F(ModelFile, FailureMidWriteLeavesTheOldModelIntact) {
  const Model old_model = awkward_model();
  save_model(old_model, path("model.json"));
  const std::string before = slurp(path("model.json"));
  Model next = awkward_model();
  next.w[1] = -7;
  io::set_write_failure_after_bytes_for_testing(100);  // disk full after 100 bytes
  try {
    save_model(next, path("model.json"));
    FAIL() << "save_model should have failed";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path("model.json")), std::string::npos) << msg;
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
  }
  io::set_write_failure_after_bytes_for_testing(-1);
  EXPECT_EQ(slurp(path("model.json")), before);
  expect_same_model(old_model, load_model(path("model.json")));
  EXPECT_TRUE(others("model.json").empty()) << "temporary file left behind";
}

TEST_F(ModelFile, FailedRenameRemovesTheTemporaryFile) {
  // The target is a non-empty directory: everything is written, then rename(2) fails.
  fs::create_directories(dir_ / "model.json" / "inside");
  try {
    save_model(awkward_model(), path("model.json"));
    FAIL() << "save_model should have failed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("model.json")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("renam"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(others("model.json").empty()) << "temporary file left behind";
  EXPECT_TRUE(fs::is_directory(dir_ / "model.json" / "inside"));
}

TEST_F(ModelFile, UnwritableDirectoryNamesThePathAndErrno) {
  try {
    save_model(awkward_model(), path("no/such/dir/model.json"));
    FAIL() << "save_model should have failed";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path("no/such/dir/model.json")), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
}

TEST_F(ModelFile, ReadOnlyDirectoryLeavesTheOldModelIntact) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  save_model(awkward_model(), path("model.json"));
  const std::string before = slurp(path("model.json"));
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  Model next = awkward_model();
  next.w[0] = 3;
  EXPECT_THROW(save_model(next, path("model.json")), Error);
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(slurp(path("model.json")), before);
}

TEST_F(ModelFile, RefusesToSaveNonFiniteWeights) {
  save_model(awkward_model(), path("model.json"));
  const std::string before = slurp(path("model.json"));
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    Model m = awkward_model();
    m.w[3] = bad;
    try {
      save_model(m, path("model.json"));
      FAIL() << "saved a weight of " << bad;
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("weight 3"), std::string::npos) << e.what();
    }
    Model mb = awkward_model();
    mb.b = bad;
    EXPECT_THROW(save_model(mb, path("model.json")), ValueError);
  }
  EXPECT_EQ(slurp(path("model.json")), before);
}

TEST_F(ModelFile, RefusesToSaveInconsistentModels) {
  Model m = awkward_model();
  m.w.pop_back();
  EXPECT_THROW(save_model(m, path("a.json")), ValueError);
  Model l = awkward_model();
  l.labels.names = {"yes", "yes"};
  EXPECT_THROW(save_model(l, path("a.json")), ValueError);
  Model s = awkward_model();
  s.scale[2] = 0;
  EXPECT_THROW(save_model(s, path("a.json")), ValueError);
  Model u = awkward_model();
  u.feature_names[0] = "\xff\xfe";
  EXPECT_THROW(save_model(u, path("a.json")), ValueError);
  EXPECT_FALSE(fs::exists(path("a.json")));
}

TEST_F(ModelFile, FlippedWeightDigitFailsTheChecksum) {
  save_model(awkward_model(), path("model.json"));
  std::string text = slurp(path("model.json"));
  const size_t at = text.find("0.3333333333333333");  // the weight 1/3
  ASSERT_NE(at, std::string::npos);
  text[at + 5] = '4';
  spit(path("model.json"), text);
  const std::string msg = load_error(path("model.json"));
  EXPECT_NE(msg.find(path("model.json") + ": checksum mismatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("retrain or restore"), std::string::npos) << msg;
}

TEST_F(ModelFile, TruncatedFileIsReportedAsTruncated) {
  save_model(awkward_model(), path("model.json"));
  const std::string text = slurp(path("model.json"));
  spit(path("model.json"), text.substr(0, text.size() / 2));
  const std::string msg = load_error(path("model.json"));
  EXPECT_NE(msg.find(path("model.json") + ": not a complete JSON document (truncated?) at byte"),
            std::string::npos)
      << msg;
}

TEST_F(ModelFile, EveryPrefixIsReportedAsTruncated) {
  Model m;
  m.n_features = 2;
  m.w = {0.25, -1.0 / 3.0};
  m.b = 1.5;
  m.labels.names = {"neg\\\"q\"", "pos \u00e9"};  // escapes and non-ASCII in strings
  m.feature_names = {"a", "b"};
  m.training = json{{"ok", true}, {"none", nullptr}, {"n", -12}};
  save_model(m, path("full.json"));
  std::string text = slurp(path("full.json"));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  for (size_t len = 1; len < text.size(); ++len) {
    spit(path("cut.json"), text.substr(0, len));
    const std::string msg = load_error(path("cut.json"));
    ASSERT_NE(
        msg.find(": not a complete JSON document (truncated?) at byte " + std::to_string(len)),
        std::string::npos)
        << "cut after " << len << " bytes: " << msg;
  }
  spit(path("cut.json"), text);
  expect_same_model(m, load_model(path("cut.json")));
}

TEST_F(ModelFile, EmptyMissingAndNonJsonFilesAreRejected) {
  spit(path("empty.json"), "");
  EXPECT_NE(load_error(path("empty.json")).find("empty file"), std::string::npos);
  EXPECT_NE(load_error(path("absent.json")).find(path("absent.json") + ": cannot open"),
            std::string::npos);
  EXPECT_NE(load_error(dir_.string()).find("is a directory"), std::string::npos);
  // Issue 15, item 9: a data file given as the model says what it looks like, and no JSON
  // parser message ([json.exception.parse_error.101]) leaks out.
  spit(path("csv.json"), "a,b,c\n1,2,3\n");
  EXPECT_NE(load_error(path("csv.json")).find("not a model file: it looks like CSV data"),
            std::string::npos)
      << load_error(path("csv.json"));
  spit(path("data.svm"), "+1 1:0.5 3:1\n-1 2:1\n");
  EXPECT_NE(load_error(path("data.svm")).find("not a model file: it looks like LIBSVM data"),
            std::string::npos)
      << load_error(path("data.svm"));
  spit(path("bad.json"), "{\"format\": x}");
  const std::string bad = load_error(path("bad.json"));
  EXPECT_NE(bad.find("invalid JSON at byte 12"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("json.exception"), std::string::npos) << bad;
}

TEST_F(ModelFile, WrongFormatIsRejected) {
  spit(path("other.json"), R"({"name": "something else"})");
  EXPECT_NE(load_error(path("other.json")).find("not a lograd model file"), std::string::npos);
  spit(path("other.json"), R"({"format": "keras", "version": 1})");
  EXPECT_NE(load_error(path("other.json")).find("\"keras\""), std::string::npos)
      << load_error(path("other.json"));
}

TEST_F(ModelFile, NewerVersionAsksForANewerLograd) {
  save_model(awkward_model(), path("model.json"));
  json doc = json::parse(slurp(path("model.json")));
  doc["version"] = 3;
  spit(path("model.json"), doc.dump());
  const std::string msg = load_error(path("model.json"));
  EXPECT_NE(msg.find(path("model.json") + ": written by a newer lograd"), std::string::npos) << msg;
  doc["version"] = 0;
  spit(path("model.json"), doc.dump());
  EXPECT_NE(load_error(path("model.json")).find("version"), std::string::npos);
}

TEST_F(ModelFile, MissingOrUnknownChecksumIsRejected) {
  save_model(awkward_model(), path("model.json"));
  json doc = json::parse(slurp(path("model.json")));
  doc.erase("checksum");
  spit(path("model.json"), doc.dump());
  EXPECT_NE(load_error(path("model.json")).find("no \"checksum\""), std::string::npos);
  doc["checksum"] = "md5:abc";
  spit(path("model.json"), doc.dump());
  EXPECT_NE(load_error(path("model.json")).find("unknown checksum algorithm"), std::string::npos);
}

TEST_F(ModelFile, SizesAndTypesAreValidatedEvenWithAValidChecksum) {
  struct Case {
    const char* what;
    void (*edit)(json&);
    const char* message;
  };
  const Case cases[] = {
      {"short weights", [](json& d) { d["weights"].erase(0); },
       "\"weights\" has 6 entries, expected 7"},
      {"long mean", [](json& d) { d["standardize"]["mean"].push_back(1.0); },
       "\"standardize.mean\" has 8 entries"},
      {"three labels", [](json& d) { d["labels"].push_back("maybe"); }, "exactly two distinct"},
      {"equal labels",
       [](json& d) {
         d["labels"] = {"x", "x"};
       },
       "exactly two distinct"},
      {"string weight", [](json& d) { d["weights"][2] = "0.5"; },
       "\"weights[2]\" must be a number"},
      {"null weight", [](json& d) { d["weights"][2] = nullptr; },
       "\"weights[2]\" must be a number"},
      {"no weights", [](json& d) { d.erase("weights"); }, "missing field \"weights\""},
      {"no bias", [](json& d) { d.erase("has_bias"); }, "missing field \"has_bias\""},
      {"bad kind", [](json& d) { d["encoding"]["columns"][0]["kind"] = "date"; }, "\"date\""},
      {"feature out of range", [](json& d) { d["encoding"]["columns"][4]["first_feature"] = 7; },
       "beyond the model's 7 features"},
      // Found by fuzz/fuzz_model.cc: overlapping feature ranges made the CSV reader emit a row
      // whose columns do not ascend (CsrMatrix::validate fails) when replaying the encoding.
      {"overlapping columns", [](json& d) { d["encoding"]["columns"][4]["first_feature"] = 3; },
       "column 'zeta' maps to features from 3, but the columns before it use features up to 4"},
      {"columns out of order", [](json& d) { d["encoding"]["columns"][0]["first_feature"] = 6; },
       "column 'income' maps to features from 1, but the columns before it use features up to 6"},
      {"zero scale", [](json& d) { d["standardize"]["scale"][1] = 0.0; }, "is 0"},
      // Issue 15, item 5: a subnormal scale made infinite weights and "-nan" probabilities.
      {"subnormal scale", [](json& d) { d["standardize"]["scale"][1] = 1e-310; },
       "e-311: a scale must be a positive normal number"},
      {"negative scale", [](json& d) { d["standardize"]["scale"][0] = -1.0; },
       "\"standardize.scale[0]\" is -1: a scale must be a positive normal"},
      {"scale too small for its weight", [](json& d) { d["standardize"]["scale"][0] = 1e-300; d["weights"][0] = 1e10; },
       "weight 0 divided by its standardize.scale is not finite"},
      {"unknown missing policy", [](json& d) { d["encoding"]["missing"] = "guess"; },
       "\"encoding.missing\" is \"guess\""},
      {"names", [](json& d) { d["feature_names"].erase(0); }, "\"feature_names\" has 6 entries"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    save_model(awkward_model(), path("model.json"));
    rewrite_with_valid_checksum(path("model.json"), c.edit);
    const std::string msg = load_error(path("model.json"));
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind(path("model.json") + ": ", 0), 0u) << msg;
  }
}

// Found with fuzz/fuzz_model.cc: the checksum copies and dumps the document, recursing once
// per nesting level, so a file nested a million levels deep overflowed the stack (ASan:
// stack-overflow in basic_json's copy constructor). Such files are now refused while parsing.
TEST_F(ModelFile, DeeplyNestedJsonIsRejected) {
  const size_t depth = 1000000;
  spit(path("deep.json"), R"({"format": "lograd-model", "version": 1, "checksum": "fnv1a64:0", )"
                          R"("training": )" +
                              std::string(depth, '[') + std::string(depth, ']') + "}");
  const std::string msg = load_error(path("deep.json"));
  EXPECT_EQ(msg, path("deep.json") + ": not a lograd model file: JSON nested deeper than 100 levels");
  // The models lograd writes nest far less.
  save_model(awkward_model(), path("model.json"));
  rewrite_with_valid_checksum(path("model.json"), [](json& d) {
    d["training"] = json::parse(std::string(90, '[') + std::string(90, ']'));
  });
  EXPECT_EQ(load_error(path("model.json")), "");
}

// parse_model is load_model on text in memory, naming it as told.
TEST_F(ModelFile, ParseModelReadsTextFromMemory) {
  const Model m = awkward_model();
  save_model(m, path("model.json"));
  expect_same_model(m, parse_model(slurp(path("model.json")), "in memory"));
  try {
    parse_model(slurp(path("model.json")).substr(0, 100), "in memory");
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("in memory: not a complete JSON document (truncated?)", 0),
              0u)
        << e.what();
  }
}

TEST_F(ModelFile, NumberOverflowIsRejected) {
  save_model(awkward_model(), path("model.json"));
  std::string text = slurp(path("model.json"));
  const size_t at = text.find("1.7976931348623157e+308");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 23, "1.7976931348623157e+309");
  spit(path("model.json"), text);
  EXPECT_NE(load_error(path("model.json")).find(path("model.json") + ": "), std::string::npos);
}

// A multiclass model: K = 3 classes, W (n, 3), with or without standardization.
Model multiclass_model(const std::string& kind, bool standardized) {
  Model m = awkward_model();
  m.multi_class = kind;
  m.labels.names = {"red", "green", "blue"};
  m.w.clear();
  for (int64_t j = 0; j < m.n_features; ++j)
    for (int q = 0; q < 3; ++q) m.w.push_back((j + 1) * (q - 1.25) / 7.0);
  m.w[4] = -0.0;
  m.biases = {0.5, -1.0 / 3.0, 1e-310};
  m.b = 0;  // a binary model's field
  if (!standardized) {
    m.mean.clear();
    m.scale.clear();
    m.encoding = CsvEncoding();
    m.feature_names.clear();
  }
  return m;
}

// The model file is written piece by piece (io::JsonWriter), not through a nlohmann::json
// tree; it must still be exactly what nlohmann::json's dump(1) makes of its document, and its
// checksum the FNV-1a of the document's canonical dump().
TEST_F(ModelFile, FileIsTheDocumentDumpedByNlohmannJson) {
  Model empty;  // no features, no bias
  empty.n_features = 0;
  empty.has_bias = false;
  empty.labels.names = {"a", "b"};
  const std::vector<std::pair<std::string, Model>> models = {
      {"binary", awkward_model()},
      {"empty", empty},
      {"multinomial", multiclass_model("multinomial", true)},
      {"ovr", multiclass_model("ovr", false)}};
  for (const auto& [name, m] : models) {
    SCOPED_TRACE(name);
    save_model(m, path(name + ".json"));
    const std::string text = slurp(path(name + ".json"));
    const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(text, doc.dump(1) + "\n");
    json rest = json::parse(text);
    rest.erase("checksum");
    EXPECT_EQ(doc["checksum"], fnv1a64(rest));
    const Model back = load_model(path(name + ".json"));
    expect_same_model(m, back);
    expect_bits_eq(m.biases, back.biases, "biases");
    EXPECT_EQ(m.multi_class, back.multi_class);
  }
}

TEST(JsonWriter, WritesWhatNlohmannJsonDumps) {
  std::mt19937_64 rng(7);
  std::vector<double> v = {0.0, -0.0, 1.0, -1.0, 0.1, 1e-7, 1e21, 1e22, 123456789012345678.0,
                           5e-324, 2.2250738585072014e-308, std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::infinity(), std::nan("")};
  for (int i = 0; i < 20000; ++i) {
    v.push_back(std::bit_cast<double>(rng()));  // every exponent; NaNs and infinities too
    v.push_back(std::ldexp(static_cast<double>(rng() >> 11), -53) * 100 - 50);
  }
  using ojson = nlohmann::ordered_json;
  const ojson doc = {{"z", v}, {"a", {{"s", "t\"ab\\\n\u00fc"}, {"e", ojson::array()}}},
                     {"o", ojson::object()}, {"n", nullptr}, {"i", -42}, {"b", true}};
  for (int indent : {-1, 1, 2}) {
    for (bool sorted : {false, true}) {
      std::string text;
      io::JsonWriter w(indent, [&](std::string_view piece) { text.append(piece); });
      w.value(doc, sorted);
      w.flush();
      EXPECT_EQ(text, sorted ? json(doc).dump(indent) : doc.dump(indent))
          << "indent " << indent << (sorted ? ", sorted" : "");
    }
  }
  // Numbers given one at a time, inside containers built by the writer.
  std::string text;
  io::JsonWriter w(1, [&](std::string_view piece) { text.append(piece); });
  w.begin_object();
  w.key("v");
  w.begin_array();
  for (double x : v) w.number(x);
  w.end_array();
  w.key("empty");
  w.begin_array();
  w.end_array();
  w.end_object();
  w.flush();
  EXPECT_EQ(text, ojson({{"v", v}, {"empty", ojson::array()}}).dump(1));
}

}  // namespace
}  // namespace lograd
