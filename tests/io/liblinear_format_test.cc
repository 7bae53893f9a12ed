// LIBLINEAR model files: the exact exported text, export -> import round trip, and agreement
// with the real tools (liblinear-predict on an exported model, liblinear-train's models
// imported), skipped where Debian's liblinear-tools is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lograd/error.h"
#include "lograd/model.h"
#include "lograd/readers.h"

namespace lograd {
namespace {

namespace fs = std::filesystem;

const char* kTrain = "/usr/bin/liblinear-train";
const char* kPredict = "/usr/bin/liblinear-predict";

class Liblinear : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lograd_liblinear_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& p, const std::string& text) { std::ofstream(p) << text; }

std::string load_error(const std::string& p) {
  try {
    load_model(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A LIBSVM data set: rows of (1-based index, value) pairs with labels; also as a CsrMatrix.
struct SvmData {
  std::vector<std::string> labels;
  CsrMatrix<double> x;
  std::string text;
};

// rows examples over features 1..n_index (some beyond the model's features), labels from
// sign(w_true . x) with some noise, so both classes occur.
SvmData random_svm(int rows, int n_index, const std::string& pos, const std::string& neg,
                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-2, 2);
  std::bernoulli_distribution keep(0.6);
  SvmData d;
  d.x.rows = rows;
  d.x.cols = n_index;
  std::ostringstream out;
  out.precision(17);
  for (int r = 0; r < rows; ++r) {
    std::vector<std::pair<int, double>> entries;
    double z = 0.3;
    for (int j = 0; j < n_index; ++j) {
      if (!keep(rng)) continue;
      const double v = std::round(u(rng) * 1000) / 1000;
      entries.emplace_back(j, v);
      z += (j % 2 ? -1.0 : 1.0) * v;
    }
    d.labels.push_back(z + u(rng) * 0.5 > 0 ? pos : neg);
    out << d.labels.back();
    for (auto [j, v] : entries) {
      out << ' ' << j + 1 << ':' << v;
      d.x.col.push_back(j);
      d.x.val.push_back(v);
    }
    out << '\n';
    d.x.row_ptr.push_back(static_cast<int64_t>(d.x.val.size()));
  }
  d.text = out.str();
  return d;
}

// Runs liblinear-predict -b 1 and returns, per row, the predicted label and P(label `of`).
struct Prediction {
  std::vector<std::string> label;
  std::vector<double> p;
};
Prediction liblinear_predict(const std::string& data, const std::string& model,
                             const std::string& out, const std::string& of) {
  const std::string cmd =
      std::string(kPredict) + " -b 1 '" + data + "' '" + model + "' '" + out + "' > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out);
  std::string word, first, second;
  in >> word >> first >> second;  // "labels <a> <b>"
  EXPECT_EQ(word, "labels");
  Prediction pr;
  std::string label;
  double pa, pb;
  while (in >> label >> pa >> pb) {
    pr.label.push_back(label);
    pr.p.push_back(of == first ? pa : pb);
  }
  return pr;
}

Model example_model() {
  Model m;
  m.n_features = 3;
  m.w = {0.5, -0.25, 1.0 / 3.0};
  m.b = 0.125;
  m.labels.names = {"-1", "1"};
  return m;
}

TEST_F(Liblinear, ExportWritesLiblinearsText) {
  export_liblinear(example_model(), path("m.model"));
  EXPECT_EQ(slurp(path("m.model")),
            "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 3\nbias 1\nw\n"
            "0.5 \n-0.25 \n0.33333333333333331 \n0.125 \n");
  Model nb = example_model();
  nb.has_bias = false;
  nb.b = 0;
  nb.labels.names = {"+1", "2"};
  export_liblinear(nb, path("nb.model"));
  EXPECT_EQ(slurp(path("nb.model")),
            "solver_type L2R_LR\nnr_class 2\nlabel 2 1\nnr_feature 3\nbias -1\nw\n"
            "0.5 \n-0.25 \n0.33333333333333331 \n");
}

TEST_F(Liblinear, ExportFoldsStandardization) {
  Model m = example_model();
  m.has_bias = false;
  m.b = 0;
  m.mean = {1, 2, 3};
  m.scale = {2, 4, 0.5};
  export_liblinear(m, path("s.model"));
  const Model back = load_model(path("s.model"));
  EXPECT_EQ(back.w, m.raw_weights());
  EXPECT_TRUE(back.has_bias);  // the folded mean needs a bias even without a trained one
  EXPECT_EQ(back.b, m.raw_bias());
  EXPECT_TRUE(back.mean.empty());
}

TEST_F(Liblinear, ExportNeedsIntegerLabels) {
  for (const auto& names : std::vector<std::vector<std::string>>{{"cat", "dog"}, {"0", "1.5"}}) {
    Model m = example_model();
    m.labels.names = names;
    try {
      export_liblinear(m, path("m.model"));
      FAIL() << "exported labels " << names[0] << ", " << names[1];
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("LIBLINEAR needs numeric"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(path("m.model")));
}

TEST_F(Liblinear, ExportRefusesNonFiniteWeights) {
  Model m = example_model();
  m.w[1] = std::nan("");
  EXPECT_THROW(export_liblinear(m, path("m.model")), Error);
}

TEST_F(Liblinear, ExportThenImportIsExact) {
  Model m = example_model();
  m.labels.names = {"2", "5"};
  export_liblinear(m, path("m.model"));
  const Model back = load_model(path("m.model"));  // detected by "solver_type"
  EXPECT_EQ(back.labels.names, m.labels.names);
  EXPECT_EQ(back.n_features, 3);
  EXPECT_EQ(back.w, m.w);
  EXPECT_EQ(back.b, m.b);
  EXPECT_TRUE(back.has_bias);
  EXPECT_EQ(back.training["imported_from"], "liblinear");
}

TEST_F(Liblinear, PredictAgreesWithLiblinearPredict) {
  if (!fs::exists(kPredict)) GTEST_SKIP() << kPredict << " not installed (liblinear-tools)";
  Model m;
  m.n_features = 4;  // the data has 6 feature indices: 5 and 6 are ignored by both
  m.w = {0.9, -1.1, 0.4, -0.2};
  m.b = 0.3;
  m.mean = {0.1, -0.2, 0.0, 0.5};
  m.scale = {1.5, 0.8, 1.0, 2.0};
  m.labels.names = {"2", "5"};
  const SvmData d = random_svm(60, 6, "5", "2", 11);
  spit(path("d.svm"), d.text);
  export_liblinear(m, path("m.model"));
  const std::vector<double> p = m.predict_proba(DataMatrix(d.x));
  const Prediction pr = liblinear_predict(path("d.svm"), path("m.model"), path("out"), "5");
  ASSERT_EQ(pr.label.size(), p.size());
  int positives = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(pr.label[i], p[i] > 0.5 ? "5" : "2") << "row " << i << ", p = " << p[i];
    EXPECT_NEAR(pr.p[i], p[i], 1e-6) << "row " << i;  // liblinear prints %g
    positives += p[i] > 0.5;
  }
  EXPECT_GT(positives, 0);
  EXPECT_LT(positives, static_cast<int>(p.size()));
}

TEST_F(Liblinear, ImportsWhatLiblinearTrainWrites) {
  if (!fs::exists(kTrain) || !fs::exists(kPredict))
    GTEST_SKIP() << "liblinear-train/-predict not installed (liblinear-tools)";
  for (const bool bias : {true, false}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    // Labels 7 (seen first) and -3: LIBLINEAR's first label is 7, so lograd's positive class.
    const SvmData d = random_svm(80, 5, "7", "-3", 5);
    spit(path("d.svm"), "7 1:1\n" + d.text);
    const std::string cmd = std::string(kTrain) + " -s 0 -q " + (bias ? "-B 1 " : "") + "'" +
                            path("d.svm") + "' '" + path("d.model") + "' > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const Model m = load_model(path("d.model"));
    EXPECT_EQ(m.labels.names, (std::vector<std::string>{"-3", "7"}));
    EXPECT_EQ(m.n_features, 5);
    EXPECT_EQ(m.has_bias, bias);
    // Compare on a fresh set, including a feature index LIBLINEAR never saw.
    const SvmData t = random_svm(40, 7, "7", "-3", 99);
    spit(path("t.svm"), t.text);
    const std::vector<double> p = m.predict_proba(DataMatrix(t.x));
    const Prediction pr = liblinear_predict(path("t.svm"), path("d.model"), path("out"), "7");
    ASSERT_EQ(pr.p.size(), p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      EXPECT_NEAR(pr.p[i], p[i], 1e-6) << "row " << i;
      if (std::abs(p[i] - 0.5) > 1e-6) {
        EXPECT_EQ(pr.label[i], p[i] > 0.5 ? "7" : "-3") << "row " << i;
      }
    }
  }
}

// A one-vs-rest model of liblinear-train (nr_class 3) loads as lograd's ovr model and predicts
// the labels liblinear-predict does; exported back, liblinear-predict reads it and agrees.
TEST_F(Liblinear, MulticlassModelsGoBothWays) {
  if (!fs::exists(kTrain)) GTEST_SKIP() << kTrain << " not installed (liblinear-tools)";
  spit(path("d.svm"), "1 1:1\n2 1:-1 2:1\n3 2:-1\n1 1:0.5\n2 2:2\n3 1:-2\n1 1:2 2:0.5\n3 1:-1 2:-1\n");
  const std::string cmd = std::string(kTrain) + " -s 0 -B 1 -q '" + path("d.svm") + "' '" +
                          path("d.model") + "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const Model m = load_model(path("d.model"));
  EXPECT_EQ(m.multi_class, "ovr");
  ASSERT_EQ(m.labels.names.size(), 3u);
  const auto predict_with_liblinear = [&](const std::string& model) {
    const std::string p = std::string(kPredict) + " '" + path("d.svm") + "' '" + model + "' '" +
                          path("out.txt") + "' > /dev/null 2>&1";
    EXPECT_EQ(std::system(p.c_str()), 0);
    std::istringstream in(slurp(path("out.txt")));
    std::vector<std::string> labels;
    for (std::string l; in >> l;) labels.push_back(l);
    return labels;
  };
  const std::vector<std::string> theirs = predict_with_liblinear(path("d.model"));
  const Dataset data = read_dataset(path("d.svm"));
  const std::vector<double> p = m.class_proba(data.x);
  ASSERT_EQ(theirs.size(), static_cast<size_t>(data.rows()));
  for (size_t i = 0; i < theirs.size(); ++i) {
    size_t best = 0;
    for (size_t q = 1; q < 3; ++q)
      if (p[i * 3 + q] > p[i * 3 + best]) best = q;
    EXPECT_EQ(m.labels.names[best], theirs[i]) << "row " << i;
  }
  export_liblinear(m, path("back.model"));
  EXPECT_EQ(predict_with_liblinear(path("back.model")), theirs);
}

TEST_F(Liblinear, RejectsBrokenFiles) {
  const std::string head = "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2\nbias -1\nw\n";
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {head + "0.5 \n", "has 1 weights, expected 2"},
      {head + "0.5 \nabc \n", "\"abc\" is not a finite number"},
      {head + "0.5 \n1 \n2 \n", "unexpected text after the 2 weights"},
      {"solver_type L2R_L2LOSS_SVC_DUAL\nnr_class 2\nlabel 1 -1\nnr_feature 1\nbias -1\nw\n1\n",
       "not logistic regression"},
      {"solver_type L2R_LR\nnr_class 2\nlabel a b\nnr_feature 1\nbias -1\nw\n1\n",
       "not an integer"},
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 1\nbias -1\n", "no \"w\" line"},
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\ncolour blue\nw\n1\n", "unknown header"},
      // Issue 15, item 5: "1" and "+1" are one class to LIBLINEAR; the model was accepted with
      // two equal class names and predicted one class for everything.
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 +1\nnr_feature 1\nbias -1\nw\n1\n",
       "names the class 1 twice (\"1\" and \"+1\")"},
      {"solver_type L2R_LR\nnr_class 2\nlabel -1 -1.0\nnr_feature 1\nbias -1\nw\n1\n",
       "names the class -1 twice"},
  };
  for (const Case& c : cases) {
    spit(path("m.model"), c.text);
    const std::string msg = load_error(path("m.model"));
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.text << "\n-> " << msg;
    EXPECT_EQ(msg.rfind(path("m.model") + ": ", 0), 0u) << msg;
  }
}

// Found with fuzz/fuzz_model.cc: a header count beyond int64 was converted with undefined
// behaviour (UBSan: "1e+300 is outside the range of representable values of type 'long'"); a
// huge nr_feature reserved memory for weights the file does not have (std::length_error or
// bad_alloc instead of an Error); a finite bias weight times a finite bias overflowed to an
// infinite model bias. Each is now an Error naming the file and the problem.
TEST_F(Liblinear, RejectsNumbersBeyondRange) {
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 1e300\nbias 1\nw\n0.5\n",
       "nr_feature 1e300 is too large"},
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2147483648\nbias -1\nw\n0.5\n",
       "nr_feature 2147483648 is too large"},
      {"solver_type L2R_LR\nnr_class 1e300\nlabel 1 -1\nnr_feature 1\nbias -1\nw\n0.5\n",
       "nr_class 1e300: a classifier has from 2 to 1000000 classes"},
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2147483647\nbias 1\nw\n0.5\n",
       "it has 1 weights, expected 2147483648"},
      {"solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 1\nbias 1e308\nw\n0.5\n10\n",
       "the bias weight 10 times bias 1"},
  };
  for (const Case& c : cases) {
    spit(path("m.model"), c.text);
    const std::string msg = load_error(path("m.model"));
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.text << "\n-> " << msg;
    EXPECT_EQ(msg.rfind(path("m.model") + ": ", 0), 0u) << msg;
  }
}

// parse_model reads LIBLINEAR text from memory too, naming it as told.
TEST_F(Liblinear, ParseModelReadsLiblinearTextFromMemory) {
  const Model m = parse_model(
      "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2\nbias 1\nw\n0.5 \n-2 \n0.25 \n",
      "mem.model");
  EXPECT_EQ(m.n_features, 2);
  EXPECT_EQ(m.w, (std::vector<double>{0.5, -2}));
  EXPECT_EQ(m.b, 0.25);
  EXPECT_EQ(m.labels.names, (std::vector<std::string>{"-1", "1"}));
  try {
    parse_model("solver_type L2R_LR\nnr_class 2\n", "mem.model");
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mem.model: not a usable LIBLINEAR model: ", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace lograd
