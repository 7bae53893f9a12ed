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
  c.data = {1000, 20, 5000, "fnv1a64:0123456789abcdef", "mix64:fedcba9876543210"};
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
    EXPECT_EQ(b.data.rows, 1000);
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
}

TEST_F(CheckpointFile, AMissingFieldIsNamed) {
  save_checkpoint(sample(SolverKind::kNewton), path("c.json"));
  nlohmann::json doc = nlohmann::json::parse(read(path("c.json")));
  doc["state"].erase("delta");
  doc.erase("checksum");
  // Recompute the checksum as the writer does: the test is about the field, not the sum.
  const std::string text = doc.dump();
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char sum[32];
  std::snprintf(sum, sizeof sum, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  doc["checksum"] = sum;
  write(path("c.json"), doc.dump());
  const std::string e = load_error(path("c.json"));
  EXPECT_NE(e.find("no \"delta\" in \"state\""), std::string::npos) << e;
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
