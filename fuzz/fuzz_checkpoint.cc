// libFuzzer harness for the checkpoint loader (load_checkpoint, from a file). A lograd::Error is
// the normal answer to a bad file; anything else is a bug. A checkpoint that loads must hold a
// state the solvers can use: sizes that agree with the data's shape, finite numbers, an example
// order that is a permutation, a generator that runs. It must save and load back the same, and
// resuming from it on data of its shape must end (libFuzzer's -timeout reports a hang). Each
// input is also retried with its checksum recomputed, so that mutations reach the field checks.
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "lograd/checkpoint.h"
#include "lograd/objective.h"
#include "lograd/parallel.h"
#include "lograd/solver.h"

namespace {

using namespace lograd;

std::string temp_path(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/lograd_fuzz_checkpoint_" +
         std::to_string(::getpid()) + "_" + name;
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void check_state(const Checkpoint& c) {
  const SolverState& s = c.state;
  const auto n = s.w.size();
  LOGRAD_FUZZ_CHECK(c.data.rows >= 0 && c.data.cols >= 0 && c.threads >= 1, "data shape");
  LOGRAD_FUZZ_CHECK(
      static_cast<int64_t>(n) == c.data.cols || static_cast<int64_t>(n) == c.data.cols + 1,
      "parameter count differs from the feature count");
  LOGRAD_FUZZ_CHECK(s.iter >= 0, "negative iteration");
  for (double v : s.w) LOGRAD_FUZZ_CHECK(std::isfinite(v), "parameter not finite");
  LOGRAD_FUZZ_CHECK(std::isfinite(s.grad_norm0) && s.grad_norm0 >= 0, "grad_norm0");
  const bool stochastic =
      s.kind == SolverKind::kSgd || s.kind == SolverKind::kMomentum || s.kind == SolverKind::kAdam;
  if (s.kind == SolverKind::kMomentum) LOGRAD_FUZZ_CHECK(s.velocity.size() == n, "velocity");
  if (s.kind == SolverKind::kAdam)
    LOGRAD_FUZZ_CHECK(s.adam_m.size() == n && s.adam_v.size() == n, "adam moments");
  for (const LbfgsPair& p : s.pairs)
    LOGRAD_FUZZ_CHECK(p.s.size() == n && p.y.size() == n && std::isfinite(p.rho), "lbfgs pair");
  if (stochastic) {
    LOGRAD_FUZZ_CHECK(static_cast<int64_t>(s.order.size()) == c.data.rows, "order size");
    std::vector<char> seen(s.order.size(), 0);
    for (int64_t r : s.order) {
      LOGRAD_FUZZ_CHECK(r >= 0 && r < c.data.rows && !seen[static_cast<size_t>(r)],
                        "order is not a permutation");
      seen[static_cast<size_t>(r)] = 1;
    }
    // The generator must run: a shuffle with it ends.
    std::mt19937_64 rng;
    std::istringstream is(s.rng);
    LOGRAD_FUZZ_CHECK(static_cast<bool>(is >> rng), "generator unreadable");
    std::vector<int64_t> order = s.order;
    if (order.size() > 4096) order.resize(4096);
    std::shuffle(order.begin(), order.end(), rng);
  }
}

// Resumes the state on data of its shape (when small): must end, with a result or an Error.
void resume(const Checkpoint& c) {
  const int64_t m = c.data.rows, n = c.data.cols;
  if (m < 1 || m > 64 || n > 64) return;
  std::vector<double> xv(static_cast<size_t>(m * n)), y(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    y[static_cast<size_t>(i)] = i % 2;
    for (int64_t j = 0; j < n; ++j)
      xv[static_cast<size_t>(i * n + j)] = std::sin(static_cast<double>(i * 7 + j * 3));
  }
  auto x = std::make_shared<const DataMatrix>(Tensor<double>(Shape{m, n}, std::move(xv)));
  const bool bias = static_cast<int64_t>(c.state.w.size()) == n + 1;
  std::unique_ptr<Objective> obj;
  try {
    obj = make_logistic_objective(x, y, {}, LogisticSpec{0.01, 0, bias, {}, {}});
  } catch (const Error&) {
    return;  // a shape the objective refuses (no parameters at all)
  }
  SolverOptions o;
  o.kind = c.state.kind;
  o.max_iter = std::min<int64_t>(c.state.iter, 1000000) + 2;
  o.lbfgs_memory =
      std::max<int>(10, static_cast<int>(std::min<size_t>(c.state.pairs.size(), 1000)));
  o.batch_size = 16;
  o.resume = std::make_shared<const SolverState>(c.state);
  std::vector<double> w;
  try {
    minimize(*obj, w, o);
  } catch (const Error&) {
    // the solver's own refusal (a state that does not fit these options): a message, fine
  }
}

void load_and_use(std::string_view bytes) {
  static const std::string path = temp_path("in.json"), again = temp_path("again.json");
  write_file(path, bytes);
  Checkpoint c;
  try {
    c = load_checkpoint(path);
  } catch (const Error&) {
    return;  // refused, with a message: what a bad checkpoint should get
  }
  check_state(c);
  // What loads saves and loads back the same.
  try {
    save_checkpoint(c, again);
  } catch (const Error& e) {
    fuzz::broken(std::string("a loaded checkpoint does not save: ") + e.what());
  }
  const Checkpoint b = load_checkpoint(again);
  LOGRAD_FUZZ_CHECK(b.state.kind == c.state.kind && b.state.iter == c.state.iter &&
                        same_bits(b.state.w, c.state.w) && b.state.rng == c.state.rng &&
                        b.state.order == c.state.order && b.options == c.options,
                    "a saved checkpoint loads back different");
  resume(c);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  lograd::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  load_and_use(text);
  if (const auto fixed = lograd::fuzz::with_valid_checksum(text)) load_and_use(*fixed);
  return 0;
}
