// Training checkpoints as JSON: the solver state, the options that decide the result and the
// data's fingerprint, with a checksum, written atomically. Doubles are written by nlohmann::json
// in their shortest round-trip form, so a state read back is the same bit for bit.
#include "lograd/checkpoint.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

#include "io/atomic_file.h"
#include "io/hash.h"
#include "io/json_depth.h"
#include "lograd/error.h"

namespace lograd {
namespace {

using nlohmann::json;
using detail::Fnv;

std::string checksum_of(const json& doc) {
  json copy = doc;
  copy.erase("checksum");
  Fnv h;
  const std::string text = copy.dump();  // keys sorted, no whitespace: layout-independent
  h.add(text.data(), text.size());
  return h.text();
}

void require_finite(double v, const char* what) {
  if (!std::isfinite(v))
    throw ValueError(std::string("cannot write a checkpoint: ") + what + " is not finite");
}

void require_finite(const std::vector<double>& v, const char* what) {
  for (double x : v) require_finite(x, what);
}

json state_json(const SolverState& s) {
  require_finite(s.w, "a parameter");
  require_finite(s.grad_norm0, "the gradient norm at 0");
  json j = {{"solver", solver_name(s.kind)},
            {"iteration", s.iter},
            {"w", s.w},
            {"grad_norm0", s.grad_norm0},
            {"seconds", s.seconds}};
  json h = json::array();
  for (const IterationInfo& it : s.history) {
    for (double v : {it.objective, it.grad_norm, it.target_norm, it.seconds})
      require_finite(v, "a progress record");
    h.push_back({it.iter, it.objective, it.grad_norm, it.target_norm, it.seconds});
  }
  j["history"] = std::move(h);
  switch (s.kind) {
    case SolverKind::kNewton:
      require_finite(s.delta, "the trust-region radius");
      j["delta"] = s.delta;
      j["first"] = s.first;
      break;
    case SolverKind::kLbfgs: {
      json pairs = json::array();
      for (const LbfgsPair& p : s.pairs) {
        require_finite(p.s, "an L-BFGS pair");
        require_finite(p.y, "an L-BFGS pair");
        require_finite(p.rho, "an L-BFGS pair");
        pairs.push_back({{"s", p.s}, {"y", p.y}, {"rho", p.rho}});
      }
      j["pairs"] = std::move(pairs);
      break;
    }
    default:
      require_finite(s.lr, "the learning rate");
      j["lr"] = s.lr;
      if (s.kind == SolverKind::kMomentum) {
        require_finite(s.velocity, "the momentum velocity");
        j["velocity"] = s.velocity;
      }
      if (s.kind == SolverKind::kAdam) {
        require_finite(s.adam_m, "adam's first moment");
        require_finite(s.adam_v, "adam's second moment");
        j["adam_m"] = s.adam_m;
        j["adam_v"] = s.adam_v;
        j["adam_t"] = s.adam_t;
      }
      if (s.kind != SolverKind::kGd) {
        j["rng"] = s.rng;
        j["order"] = s.order;
        j["epoch_pos"] = s.epoch_pos;
      }
  }
  return j;
}

// Reads a checkpoint field, naming it when it is missing or of the wrong type.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path_ + ": " + what +
                " (the checkpoint is damaged or was not written by this "
                "lograd; start the training again instead of resuming from it)");
  }
  const json& at(const json& obj, const char* key, const char* where) const {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(std::string("no \"") + key + "\" in " + where);
    return *it;
  }
  // An integer of type T; nullopt for anything else (a fraction, 1e300, text, out of range).
  template <class T>
  static std::optional<T> integer(const json& v) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
      return static_cast<T>(u);
    }
    if (!v.is_number_integer()) return std::nullopt;
    const auto i = v.get<int64_t>();
    if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) return std::nullopt;
    return static_cast<T>(i);
  }
  template <class T>
  T get(const json& obj, const char* key, const char* where) const {
    const json& v = at(obj, key, where);
    try {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (const auto i = integer<T>(v)) return *i;
        throw std::invalid_argument("not an integer");
      } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
        if (!v.is_array()) throw std::invalid_argument("not an array");
        T out;
        out.reserve(v.size());
        for (const json& e : v) {
          const auto i = integer<int64_t>(e);
          if (!i) throw std::invalid_argument("not an integer");
          out.push_back(*i);
        }
        return out;
      } else if constexpr (std::is_floating_point_v<T>) {
        if (!v.is_number()) throw std::invalid_argument("not a number");
      }
      return v.get<T>();
    } catch (const std::exception&) {
      fail(std::string("\"") + key + "\" in " + where + " is malformed: " + v.dump().substr(0, 80));
    }
  }

 private:
  std::string path_;
};

SolverState state_from_json(const json& j, const Reader& r) {
  const char* where = "\"state\"";
  if (!j.is_object()) r.fail("\"state\" is not an object");
  SolverState s;
  try {
    s.kind = parse_solver(r.get<std::string>(j, "solver", where));
  } catch (const ValueError& e) {
    r.fail(e.what());
  }
  s.iter = r.get<int64_t>(j, "iteration", where);
  s.w = r.get<std::vector<double>>(j, "w", where);
  s.grad_norm0 = r.get<double>(j, "grad_norm0", where);
  s.seconds = r.get<double>(j, "seconds", where);
  if (!r.at(j, "history", where).is_array()) r.fail("\"history\" in \"state\" is not an array");
  for (const json& h : r.at(j, "history", where)) {
    if (!h.is_array() || h.size() != 5) r.fail("a \"history\" record is malformed");
    const auto iter = Reader::integer<int64_t>(h[0]);
    for (size_t k = 1; k < 5; ++k)
      if (!h[k].is_number()) r.fail("a \"history\" record is malformed");
    if (!iter) r.fail("a \"history\" record is malformed");
    s.history.push_back(
        {*iter, h[1].get<double>(), h[2].get<double>(), h[3].get<double>(), h[4].get<double>()});
  }
  switch (s.kind) {
    case SolverKind::kNewton:
      s.delta = r.get<double>(j, "delta", where);
      s.first = r.get<bool>(j, "first", where);
      break;
    case SolverKind::kLbfgs:
      if (!r.at(j, "pairs", where).is_array()) r.fail("\"pairs\" in \"state\" is not an array");
      for (const json& p : r.at(j, "pairs", where))
        s.pairs.push_back({r.get<std::vector<double>>(p, "s", "an L-BFGS pair"),
                           r.get<std::vector<double>>(p, "y", "an L-BFGS pair"),
                           r.get<double>(p, "rho", "an L-BFGS pair")});
      break;
    default:
      s.lr = r.get<double>(j, "lr", where);
      if (s.kind == SolverKind::kMomentum)
        s.velocity = r.get<std::vector<double>>(j, "velocity", where);
      if (s.kind == SolverKind::kAdam) {
        s.adam_m = r.get<std::vector<double>>(j, "adam_m", where);
        s.adam_v = r.get<std::vector<double>>(j, "adam_v", where);
        s.adam_t = r.get<int64_t>(j, "adam_t", where);
      }
      if (s.kind != SolverKind::kGd) {
        s.rng = r.get<std::string>(j, "rng", where);
        s.order = r.get<std::vector<int64_t>>(j, "order", where);
        s.epoch_pos = r.get<int64_t>(j, "epoch_pos", where);
      }
  }
  return s;
}

// Checks everything the trainer and the solvers rely on before any of it is used: sizes that
// agree with one another and with the data's shape, finite numbers within their ranges, an
// example order that is a permutation of the examples, a shuffling generator that can run.
// (A checksum only shows that the file is as written, not that a writer wrote sense.)
void validate(const Checkpoint& c, const Reader& r) {
  const DataFingerprint& d = c.data;
  if (d.rows < 0 || d.cols < 0 || d.stored < 0) r.fail("\"data\" has a negative size");
  if (d.ranks < 1 || d.ranks > (1 << 24)) r.fail("\"ranks\" is " + std::to_string(d.ranks) + ", not a rank count");
  if (c.threads < 1) r.fail("\"threads\" is " + std::to_string(c.threads) + ", not a thread count");
  const SolverState& s = c.state;
  if (s.iter < 0) r.fail("\"iteration\" is negative");
  const size_t n = s.w.size();
  const auto cols = static_cast<uint64_t>(d.cols);
  // A multinomial run has K parameters per feature (and K biases); others one (and a bias).
  uint64_t k = 1;
  if (const auto it = c.options.find("classes"); it != c.options.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() < 2 || it->get<uint64_t>() > (1u << 20))
      r.fail("\"classes\" is " + it->dump() + ", not a class count (2 .. 1048576)");
    k = it->get<uint64_t>();
  }
  if (n % k != 0 || (n / k != cols && n / k != cols + 1))  // no product: cols is untrusted
    r.fail("\"w\" holds " + std::to_string(n) + " parameters for data of " +
           std::to_string(d.cols) + " features" +
           (k > 1 ? " and " + std::to_string(k) + " classes (expected " + std::to_string(k) +
                        " per feature, and " + std::to_string(k) + " more for the biases)"
                  : " (expected one per feature, and one more for a bias)"));
  auto finite = [&](const std::vector<double>& v, const std::string& what) {
    for (double x : v)
      if (!std::isfinite(x)) r.fail(what + " holds a number that is not finite");
  };
  auto sized = [&](const std::vector<double>& v, const std::string& what) {
    if (v.size() != n)
      r.fail(what + " has " + std::to_string(v.size()) + " entries for " + std::to_string(n) +
             " parameters");
    finite(v, what);
  };
  auto non_negative = [&](double v, const char* what) {
    if (!std::isfinite(v) || v < 0) r.fail(std::string(what) + " is not a finite number >= 0");
  };
  finite(s.w, "\"w\"");
  non_negative(s.grad_norm0, "\"grad_norm0\"");
  non_negative(s.seconds, "\"seconds\"");
  for (const IterationInfo& h : s.history) {
    if (h.iter < 0 || h.iter > s.iter)
      r.fail("a \"history\" record is of iteration " + std::to_string(h.iter) + ", outside 0.." +
             std::to_string(s.iter));
    if (!std::isfinite(h.objective) || !std::isfinite(h.grad_norm) ||
        !std::isfinite(h.target_norm) || !std::isfinite(h.seconds))
      r.fail("a \"history\" record holds a number that is not finite");
  }
  switch (s.kind) {
    case SolverKind::kNewton:
      non_negative(s.delta, "\"delta\"");
      break;
    case SolverKind::kLbfgs:
      for (const LbfgsPair& p : s.pairs) {
        sized(p.s, "an L-BFGS pair's \"s\"");
        sized(p.y, "an L-BFGS pair's \"y\"");
        if (!std::isfinite(p.rho)) r.fail("an L-BFGS pair's \"rho\" is not finite");
      }
      break;
    default:
      if (!std::isfinite(s.lr) || !(s.lr > 0)) r.fail("\"lr\" is not a finite number > 0");
      if (s.kind == SolverKind::kMomentum) sized(s.velocity, "\"velocity\"");
      if (s.kind == SolverKind::kAdam) {
        sized(s.adam_m, "\"adam_m\"");
        sized(s.adam_v, "\"adam_v\"");
        for (double v : s.adam_v)
          if (v < 0) r.fail("\"adam_v\" (a second moment) holds a negative number");
        if (s.adam_t < 0) r.fail("\"adam_t\" is negative");
      }
      if (s.kind == SolverKind::kGd) break;
      if (!valid_generator_state(s.rng))
        r.fail(
            "\"rng\" is not a state of the shuffling generator that can run (unreadable, "
            "or all zero: it would never shuffle)");
      if (s.order.size() != static_cast<uint64_t>(d.rows))
        r.fail("\"order\" has " + std::to_string(s.order.size()) + " entries for " +
               std::to_string(d.rows) + " examples");
      std::vector<char> seen(s.order.size(), 0);
      for (int64_t e : s.order) {
        if (e < 0 || e >= d.rows || seen[static_cast<size_t>(e)])
          r.fail("\"order\" is not a permutation of the examples");
        seen[static_cast<size_t>(e)] = 1;
      }
      if (s.epoch_pos < 0 || s.epoch_pos >= std::max<int64_t>(d.rows, 1))
        r.fail("\"epoch_pos\" is " + std::to_string(s.epoch_pos) + ", outside the epoch of " +
               std::to_string(d.rows) + " examples");
  }
}

}  // namespace

void save_checkpoint(const Checkpoint& c, const std::string& path) {
  json doc = {{"format", Checkpoint::kFormat},
              {"version", Checkpoint::kVersion},
              {"options", c.options},
              {"data",
               {{"rows", c.data.rows},
                {"cols", c.data.cols},
                {"stored", c.data.stored},
                {"labels", c.data.labels},
                {"features", c.data.features}}},
              {"threads", c.threads},
              {"state", state_json(c.state)}};
  if (c.data.ranks != 1) doc["data"]["ranks"] = c.data.ranks;  // data-parallel (mpirun)
  doc["checksum"] = checksum_of(doc);
  io::write_file_atomically(path, doc.dump() + "\n");
}

Checkpoint load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read checkpoint '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = io::parse_json_limited(
        text.str(), path + ": not a lograd checkpoint: JSON nested deeper than " +
                        std::to_string(io::kMaxJsonDepth) +
                        " levels (a checkpoint nests 4); the file is damaged or not a checkpoint");
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw Error(path + ": not a lograd checkpoint: the JSON is malformed or cut short (" +
                std::string(e.what()) + ")");
  }
  const Reader r(path);
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != json(Checkpoint::kFormat))
    throw Error(path +
                ": not a lograd checkpoint (no \"format\": \"lograd-checkpoint\"); a "
                "checkpoint is written by training with `checkpoint` FILE");
  const int version = r.get<int>(doc, "version", "the file");
  if (version != Checkpoint::kVersion)
    throw Error(path + ": checkpoint version " + std::to_string(version) +
                ", this lograd reads "
                "version " +
                std::to_string(Checkpoint::kVersion) +
                ": resume with the lograd "
                "that wrote it");
  const std::string sum = r.get<std::string>(doc, "checksum", "the file");
  if (sum != checksum_of(doc))
    throw Error(path +
                ": checksum mismatch: the checkpoint was modified or damaged; start the "
                "training again instead of resuming from it");
  Checkpoint c;
  c.options = r.at(doc, "options", "the file");
  if (!c.options.is_object()) r.fail("\"options\" is not an object");
  const json& d = r.at(doc, "data", "the file");
  c.data.rows = r.get<int64_t>(d, "rows", "\"data\"");
  c.data.cols = r.get<int64_t>(d, "cols", "\"data\"");
  c.data.stored = r.get<int64_t>(d, "stored", "\"data\"");
  c.data.labels = r.get<std::string>(d, "labels", "\"data\"");
  c.data.features = r.get<std::string>(d, "features", "\"data\"");
  if (d.contains("ranks")) c.data.ranks = r.get<int>(d, "ranks", "\"data\"");
  c.threads = r.get<int>(doc, "threads", "the file");
  c.state = state_from_json(r.at(doc, "state", "the file"), r);
  validate(c, r);
  return c;
}

}  // namespace lograd
