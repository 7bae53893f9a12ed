// The checkpoint file: a bit-exact round trip of the solver state, atomic replacement, a clear
// error for every kind of damage, and data fingerprints that tell other data apart.
#include "lograd/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "io/atomic_file.h"
#include "lograd/error.h"

namespace lograd {
namespace {

namespace fs = std::filesystem;

class CheckpointFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lograd_checkpoint_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    io::set_write_failure_after_bytes_for_testing(-1);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }
  static void write(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  // The message of the Error that loading p throws ("" if it loads).
  static std::string load_error(const std::string& p) {
    try {
      load_checkpoint(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

// Doubles that a decimal round trip easily gets wrong: 0.1, 1/3, subnormals, the extremes, -0.
const std::vector<double> kAwkward = {0.1,
                                      1.0 / 3,
                                      -2.0 / 7,
                                      5e-324,
                                      2.2250738585072014e-308,
                                      std::numeric_limits<double>::max(),
                                      -std::numeric_limits<double>::min(),
                                      -0.0,
                                      123456789.123456789,
                                      1e-300 / 3};

Checkpoint sample(SolverKind kind) {
  Checkpoint c;
  c.options = {{"solver", solver_name(kind)}, {"lambda", 1.0 / 3}};
  c.data = {3, 10, 20, "fnv1a64:0123456789abcdef", "mix64:fedcba9876543210"};
  c.threads = 3;
  SolverState& s = c.state;
  s.kind = kind;
  s.iter = 17;
  s.w = kAwkward;
  s.grad_norm0 = 0.7219;
  s.seconds = 12.5;
  s.history = {{0, 0.693, 0.72, 7.2e-7, 0.0}, {1, 0.5 / 3, 0.1 / 3, 7.2e-7, 0.01}};
  s.lr = 1.0 / 7;
  s.velocity = kAwkward;
  s.adam_m = kAwkward;
  s.adam_v = kAwkward;
  for (double& v : s.adam_v) v = std::abs(v);  // a second moment
  s.adam_t = 170;
  std::mt19937_64 rng(42);
  rng.discard(1000);
  std::ostringstream os;
  os << rng;
  s.rng = os.str();
  s.order = {2, 0, 1};
  s.epoch_pos = 2;
  s.pairs = {{kAwkward, kAwkward, 1.0 / 3}, {kAwkward, kAwkward, 3e-5}};
  s.delta = 0.1 / 3;
  s.first = false;
  return c;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST_F(CheckpointFile, EverySolversStateRoundTripsBitForBit) {
  for (SolverKind kind : {SolverKind::kGd, SolverKind::kSgd, SolverKind::kMomentum,
                          SolverKind::kAdam, SolverKind::kLbfgs, SolverKind::kNewton}) {
    const Checkpoint c = sample(kind);
    save_checkpoint(c, path("c.json"));
    const Checkpoint b = load_checkpoint(path("c.json"));
    const SolverState &s = c.state, &t = b.state;
    SCOPED_TRACE(solver_name(kind));
    EXPECT_EQ(b.options, c.options);
    EXPECT_EQ(b.data.rows, 3);
    EXPECT_EQ(b.data.labels, c.data.labels);
    EXPECT_EQ(b.data.features, c.data.features);
    EXPECT_EQ(b.threads, 3);
    EXPECT_EQ(t.kind, kind);
    EXPECT_EQ(t.iter, 17);
    EXPECT_TRUE(same_bits(t.w, s.w));
    EXPECT_TRUE(std::signbit(t.w[7])) << "-0 keeps its sign";
    EXPECT_EQ(t.grad_norm0, s.grad_norm0);
    ASSERT_EQ(t.history.size(), 2u);
    EXPECT_EQ(t.history[1].objective, s.history[1].objective);
    EXPECT_EQ(t.history[1].iter, 1);
    const bool first_order = kind != SolverKind::kLbfgs && kind != SolverKind::kNewton;
    if (first_order) {
      EXPECT_EQ(t.lr, s.lr);
    }
    if (kind == SolverKind::kMomentum) {
      EXPECT_TRUE(same_bits(t.velocity, s.velocity));
    }
    if (kind == SolverKind::kAdam) {
      EXPECT_TRUE(same_bits(t.adam_m, s.adam_m));
      EXPECT_TRUE(same_bits(t.adam_v, s.adam_v));
      EXPECT_EQ(t.adam_t, 170);
    }
    if (first_order && kind != SolverKind::kGd) {
      EXPECT_EQ(t.rng, s.rng);
      EXPECT_EQ(t.order, s.order);
      EXPECT_EQ(t.epoch_pos, 2);
      std::mt19937_64 a, b2;
      std::istringstream(s.rng) >> a;
      std::istringstream(t.rng) >> b2;
      EXPECT_EQ(a(), b2()) << "the generator continues the same sequence";
    }
    if (kind == SolverKind::kLbfgs) {
      ASSERT_EQ(t.pairs.size(), 2u);
      EXPECT_TRUE(same_bits(t.pairs[1].s, s.pairs[1].s));
      EXPECT_TRUE(same_bits(t.pairs[1].y, s.pairs[1].y));
      EXPECT_EQ(t.pairs[1].rho, 3e-5);
    }
    if (kind == SolverKind::kNewton) {
      EXPECT_EQ(t.delta, s.delta);
      EXPECT_FALSE(t.first);
    }
  }
}

TEST_F(CheckpointFile, IsVersionedJsonWithAChecksum) {
  save_checkpoint(sample(SolverKind::kGd), path("c.json"));
  const nlohmann::json doc = nlohmann::json::parse(read(path("c.json")));
  EXPECT_EQ(doc["format"], "lograd-checkpoint");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["checksum"].get<std::string>().rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(doc["state"]["solver"], "gd");
  EXPECT_FALSE(doc["state"].contains("pairs")) << "only the solver's own state is written";
}

TEST_F(CheckpointFile, DamageIsExplained) {
  save_checkpoint(sample(SolverKind::kNewton), path("c.json"));
  const std::string good = read(path("c.json"));

  // One digit of a parameter changed: the checksum no longer matches.
  std::string edited = good;
  const size_t at = edited.find("\"iteration\":17");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 14, "\"iteration\":18");
  write(path("edited.json"), edited);
  EXPECT_NE(load_error(path("edited.json")).find("checksum mismatch"), std::string::npos);

  write(path("cut.json"), good.substr(0, good.size() / 2));
  const std::string cut = load_error(path("cut.json"));
  EXPECT_NE(cut.find(path("cut.json")), std::string::npos) << cut;
  EXPECT_NE(cut.find("cut short"), std::string::npos) << cut;

  write(path("model.json"), R"({"format": "lograd-model", "version": 1})");
  EXPECT_NE(load_error(path("model.json")).find("not a lograd checkpoint"), std::string::npos);

  nlohmann::json doc = nlohmann::json::parse(good);
  doc["version"] = 2;
  write(path("v2.json"), doc.dump());
  EXPECT_NE(load_error(path("v2.json")).find("checkpoint version 2"), std::string::npos);

  EXPECT_NE(load_error(path("missing.json")).find("cannot read checkpoint"), std::string::npos);

  // fuzz_checkpoint's first finding: a number beyond the double range is nlohmann's
  // out_of_range, not a parse_error, and escaped the loader (std::terminate).
  std::string huge = good;
  const size_t g = huge.find("\"grad_norm0\":");
  ASSERT_NE(g, std::string::npos);
  huge.insert(g + 13, "1e999,\"x\":");
  write(path("huge.json"), huge);
  const std::string h = load_error(path("huge.json"));
  EXPECT_NE(h.find("the JSON is malformed"), std::string::npos) << h;
  EXPECT_NE(h.find("number overflow"), std::string::npos) << h;
}

// doc as the writer would write it: its checksum recomputed (a forger can do the same).
std::string with_checksum(nlohmann::json doc) {
  doc.erase("checksum");
  const std::string text = doc.dump();
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char sum[32];
  std::snprintf(sum, sizeof sum, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  doc["checksum"] = sum;
  return doc.dump();
}

TEST_F(CheckpointFile, AMissingFieldIsNamed) {
  save_checkpoint(sample(SolverKind::kNewton), path("c.json"));
  nlohmann::json doc = nlohmann::json::parse(read(path("c.json")));
  doc["state"].erase("delta");
  // The checksum recomputed: the test is about the field, not the sum.
  write(path("c.json"), with_checksum(doc));
  const std::string e = load_error(path("c.json"));
  EXPECT_NE(e.find("no \"delta\" in \"state\""), std::string::npos) << e;
}

// Copying and dumping a JSON document (the checksum does both) recurse once per level: a
// million nested arrays overflowed the stack (SIGSEGV) before the checksum was compared.
TEST_F(CheckpointFile, DeeplyNestedJsonIsRefusedBeforeTheChecksum) {
  const size_t depth = 1000000;
  write(path("deep.json"),
        R"({"format":"lograd-checkpoint","version":1,"checksum":"x","options":)" +
            std::string(depth, '[') + std::string(depth, ']') + "}");
  const std::string e = load_error(path("deep.json"));
  EXPECT_NE(e.find("nested deeper than 100 levels"), std::string::npos) << e;
  EXPECT_NE(e.find(path("deep.json")), std::string::npos) << e;
}

// An all-zero std::mt19937_64 state returns 0 forever: std::shuffle's rejection loop on it never
// ended. The checksum is no defence (the writer computes it over whatever it is given).
TEST_F(CheckpointFile, AnAllZeroGeneratorStateIsRefused) {
  for (SolverKind kind : {SolverKind::kSgd, SolverKind::kMomentum, SolverKind::kAdam}) {
    Checkpoint c = sample(kind);
    std::string zeros;
    for (int k = 0; k < 312; ++k) zeros += "0 ";
    c.state.rng = zeros + "312";
    save_checkpoint(c, path("zero.json"));
    const std::string e = load_error(path("zero.json"));
    EXPECT_NE(e.find("\"rng\" is not a state of the shuffling generator"), std::string::npos)
        << solver_name(kind) << ": " << e;
    c.state.rng = "not a generator";
    save_checkpoint(c, path("text.json"));
    EXPECT_NE(load_error(path("text.json")).find("\"rng\""), std::string::npos);
  }
  // Only the top 33 bits of the first word belong to the state: a 1 there is still all zero.
  // A single nonzero word elsewhere runs: the check does not refuse what works.
  Checkpoint c = sample(SolverKind::kSgd);
  std::string low = "1 ";
  for (int k = 1; k < 312; ++k) low += "0 ";
  c.state.rng = low + "312";
  save_checkpoint(c, path("low.json"));
  EXPECT_NE(load_error(path("low.json")).find("\"rng\""), std::string::npos);
  std::string words = "0 1 ";
  for (int k = 2; k < 312; ++k) words += "0 ";
  c.state.rng = words + "312";
  save_checkpoint(c, path("one.json"));
  EXPECT_EQ(load_error(path("one.json")), "");
}

// Each field a solver or the trainer relies on, forged past the checksum: refused on loading,
// with what is wrong, instead of indexing out of bounds or training on nonsense.
TEST_F(CheckpointFile, ForgedStatesAreRefusedWithWhatIsWrong) {
  struct Case {
    SolverKind kind;
    const char* what;
    std::function<void(Checkpoint&)> forge;
  };
  const std::vector<Case> cases = {
      {SolverKind::kGd, "parameters for data of 10 features",
       [](Checkpoint& c) {
         c.state.w.push_back(1);
         c.state.w.push_back(2);
       }},
      {SolverKind::kGd, "parameters for data of 9 features",
       [](Checkpoint& c) {
         c.data.cols = 9;
         c.state.w.resize(7);
       }},
      {SolverKind::kGd, "\"data\" has a negative size", [](Checkpoint& c) { c.data.rows = -1; }},
      {SolverKind::kGd, "\"threads\" is 0", [](Checkpoint& c) { c.threads = 0; }},
      {SolverKind::kGd, "\"iteration\" is negative", [](Checkpoint& c) { c.state.iter = -5; }},
      {SolverKind::kGd, "\"lr\" is not a finite number > 0",
       [](Checkpoint& c) { c.state.lr = -1; }},
      {SolverKind::kGd, "\"grad_norm0\" is not", [](Checkpoint& c) { c.state.grad_norm0 = -1; }},
      {SolverKind::kGd, "\"history\" record is of iteration 99",
       [](Checkpoint& c) { c.state.history[1].iter = 99; }},
      {SolverKind::kNewton, "\"delta\" is not", [](Checkpoint& c) { c.state.delta = -0.5; }},
      {SolverKind::kLbfgs, "an L-BFGS pair's \"y\" has 3 entries for 10",
       [](Checkpoint& c) { c.state.pairs[1].y.resize(3); }},
      {SolverKind::kMomentum, "\"velocity\" has 0 entries",
       [](Checkpoint& c) { c.state.velocity.clear(); }},
      {SolverKind::kAdam, "\"adam_v\" (a second moment) holds a negative number",
       [](Checkpoint& c) { c.state.adam_v[0] = -1; }},
      {SolverKind::kAdam, "\"adam_t\" is negative", [](Checkpoint& c) { c.state.adam_t = -1; }},
      {SolverKind::kSgd, "\"order\" has 4 entries for 3 examples",
       [](Checkpoint& c) { c.state.order.push_back(3); }},
      {SolverKind::kSgd, "\"order\" is not a permutation",
       [](Checkpoint& c) {
         c.state.order = {0, 0, 1};
       }},
      {SolverKind::kSgd, "\"order\" is not a permutation",
       [](Checkpoint& c) {
         c.state.order = {0, 1, 1000000000};
       }},
      {SolverKind::kSgd, "\"epoch_pos\" is 3, outside",
       [](Checkpoint& c) { c.state.epoch_pos = 3; }},
  };
  for (const Case& k : cases) {
    Checkpoint c = sample(k.kind);
    k.forge(c);
    save_checkpoint(c, path("forged.json"));
    const std::string e = load_error(path("forged.json"));
    EXPECT_NE(e.find(k.what), std::string::npos) << k.what << ": " << e;
    EXPECT_NE(e.find("start the training again instead of resuming from it"), std::string::npos)
        << e;
    EXPECT_EQ(e.find("--"), std::string::npos) << "the library names no flag: " << e;
  }
  // Numbers the writer never writes: a fraction or 1e300 where an integer goes (a cast of
  // 1e300 to int64 is undefined behaviour), a string for a number.
  save_checkpoint(sample(SolverKind::kSgd), path("c.json"));
  const nlohmann::json good = nlohmann::json::parse(read(path("c.json")));
  for (const auto& [pointer, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"/state/iteration", 1e300},
                                                           {"/state/epoch_pos", 1.5},
                                                           {"/state/order/0", 1e300},
                                                           {"/threads", -1e300},
                                                           {"/data/rows", "3"},
                                                           {"/state/history/0/0", 1e300},
                                                           {"/state/history/0/1", "x"}}) {
    nlohmann::json doc = good;
    doc[nlohmann::json::json_pointer(pointer)] = value;
    write(path("n.json"), with_checksum(doc));
    const std::string e = load_error(path("n.json"));
    EXPECT_NE(e.find("malformed"), std::string::npos) << pointer << ": " << e;
  }
}

TEST_F(CheckpointFile, NonFiniteStateIsRefusedAndAFailedWriteKeepsTheOldFile) {
  save_checkpoint(sample(SolverKind::kGd), path("c.json"));
  const std::string before = read(path("c.json"));
  Checkpoint bad = sample(SolverKind::kGd);
  bad.state.w[0] = NAN;
  EXPECT_THROW(save_checkpoint(bad, path("c.json")), ValueError);
  Checkpoint next = sample(SolverKind::kGd);
  next.state.iter = 18;
  io::set_write_failure_after_bytes_for_testing(100);
  EXPECT_THROW(save_checkpoint(next, path("c.json")), Error);
  io::set_write_failure_after_bytes_for_testing(-1);
  EXPECT_EQ(read(path("c.json")), before) << "the old checkpoint is intact";
  EXPECT_EQ(load_checkpoint(path("c.json")).state.iter, 17);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary file left behind";
}

Dataset small_data() {
  Dataset d;
  d.x = DataMatrix(Tensor<double>::matrix(3, 2, {1, 0, 0, 2, 3, 4}));
  d.label = {0, 1, 0};
  d.classes = {"-1", "+1"};
  return d;
}

TEST(Fingerprint, TellsOtherDataApart) {
  const Dataset a = small_data();
  EXPECT_TRUE(fingerprint_differences(fingerprint(a), fingerprint(small_data())).empty());

  Dataset labels = small_data();
  labels.label[2] = 1;
  auto d = fingerprint_differences(fingerprint(a), fingerprint(labels));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].find("labels"), std::string::npos);

  Dataset weights = small_data();
  weights.weight = {1, 2, 1};
  EXPECT_EQ(fingerprint_differences(fingerprint(a), fingerprint(weights)).size(), 1u);

  Dataset values = small_data();
  values.x = DataMatrix(Tensor<double>::matrix(3, 2, {1, 0, 0, 2, 3, 4.5}));
  d = fingerprint_differences(fingerprint(a), fingerprint(values));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].find("feature values"), std::string::npos);

  Dataset rows = small_data();
  rows.x = DataMatrix(Tensor<double>::matrix(2, 2, {1, 0, 0, 2}));
  rows.label = {0, 1};
  d = fingerprint_differences(fingerprint(a), fingerprint(rows));
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0], "examples: 3 in the checkpoint, 2 now");
}

}  // namespace
}  // namespace lograd
