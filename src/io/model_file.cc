// The JSON model file: writing (validated, checksummed, atomic) and reading (validated, with a
// message naming the file and the problem for every way a file can be wrong).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/atomic_file.h"
#include "io/json_writer.h"
#include "io/liblinear_format.h"
#include "lograd/error.h"
#include "lograd/model.h"
#include "lograd/paths.h"

namespace lograd {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// FNV-1a, 64 bits, of the canonical text; written as "fnv1a64:<16 hex digits>".
constexpr uint64_t kFnvOffset = 14695981039346656037ull;

uint64_t fnv1a64(uint64_t h, std::string_view text) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string checksum_name(uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016" PRIx64, h);
  return buf;
}

std::string checksum_of(std::string_view text) { return checksum_name(fnv1a64(kFnvOffset, text)); }

// The canonical text the checksum covers: the document without "checksum", keys sorted
// (nlohmann::json keeps objects in a std::map), no whitespace. Independent of the file's layout.
std::string canonical_text(json doc) {
  doc.erase("checksum");
  return doc.dump();
}

const char* kind_name(CsvColumn::Kind k) {
  switch (k) {
    case CsvColumn::Kind::kNumeric:
      return "numeric";
    case CsvColumn::Kind::kCategorical:
      return "categorical";
    case CsvColumn::Kind::kLabel:
      return "label";
    case CsvColumn::Kind::kWeight:
      return "weight";
  }
  return "numeric";
}

// ---- saving ----------------------------------------------------------------------------------

// Throws ValueError naming the first thing that would make the file invalid.
void check_savable(const Model& m, const std::string& path) {
  const auto bad = [&](const std::string& what) {
    throw ValueError("cannot save model to '" + path + "': " + what);
  };
  if (m.n_features < 0) bad("negative n_features");
  const auto n = static_cast<size_t>(m.n_features);
  const bool multi = !m.multi_class.empty();
  if (multi && m.multi_class != "multinomial" && m.multi_class != "ovr")
    bad("multi_class is '" + m.multi_class + "'; expected multinomial or ovr");
  const size_t k = multi ? m.labels.names.size() : 1;
  if (m.w.size() != n * k)
    bad(std::to_string(m.w.size()) + " weights for " + std::to_string(n) + " features" +
        (multi ? " and " + std::to_string(k) + " classes" : ""));
  for (size_t j = 0; j < m.w.size(); ++j)
    if (!std::isfinite(m.w[j]))
      bad("weight " + std::to_string(j) + " is " + std::to_string(m.w[j]) +
          ": training diverged; lower the learning rate or raise the regularization");
  if (!std::isfinite(m.b)) bad("the bias is " + std::to_string(m.b) + ": training diverged");
  if (multi && m.biases.size() != k)
    bad(std::to_string(m.biases.size()) + " biases for " + std::to_string(k) + " classes");
  for (double v : m.biases)
    if (!std::isfinite(v)) bad("a bias is " + std::to_string(v) + ": training diverged");
  if (!m.feature_names.empty() && m.feature_names.size() != n)
    bad(std::to_string(m.feature_names.size()) + " feature names for " + std::to_string(n) +
        " features");
  if (!multi && (m.labels.names.size() != 2 || m.labels.names[0] == m.labels.names[1]))
    bad("a binary model needs exactly two distinct labels");
  if (multi) {
    std::vector<std::string> sorted = m.labels.names;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() < 2 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      bad("a multiclass model needs at least two distinct labels");
  }
  if (m.mean.size() != m.scale.size() || (!m.mean.empty() && m.mean.size() != n))
    bad("standardization has " + std::to_string(m.mean.size()) + " means and " +
        std::to_string(m.scale.size()) + " scales for " + std::to_string(n) + " features");
  for (size_t j = 0; j < m.mean.size(); ++j)
    if (!std::isfinite(m.mean[j]) || !std::isfinite(m.scale[j]) || m.scale[j] == 0)
      bad("standardization of feature " + std::to_string(j) + " is not finite or has scale 0");
  for (const CsvColumn& c : m.encoding.columns)
    if (!std::isfinite(c.fill)) bad("missing-value fill of column '" + c.name + "' is not finite");
}

ordered_json encoding_json(const CsvEncoding& e) {
  if (e.empty()) return nullptr;
  ordered_json columns = ordered_json::array();
  for (const CsvColumn& c : e.columns) {
    columns.push_back(ordered_json{{"name", c.name},
                                   {"kind", kind_name(c.kind)},
                                   {"first_feature", c.first_feature},
                                   {"categories", c.categories},
                                   {"fill", c.fill}});
  }
  return ordered_json{{"delimiter", std::string(1, e.delimiter)},
                      {"header", e.header},
                      {"missing", e.missing},
                      {"columns", std::move(columns)}};
}

// The file's top-level members in reading order, without the checksum: each key with the
// function that writes its value. The weights, feature names and standardization (n or n x K
// values) go straight from the model to the text, never through a nlohmann::json tree.
using Member = std::pair<std::string, std::function<void(io::JsonWriter&, bool sorted)>>;

std::vector<Member> model_members(const Model& m) {
  using W = io::JsonWriter;
  const auto numbers = [](W& w, const std::vector<double>& v) {
    w.begin_array();
    for (double x : v) w.number(x);
    w.end_array();
  };
  const auto strings = [](W& w, const std::vector<std::string>& v) {
    w.begin_array();
    for (const std::string& x : v) w.string(x);
    w.end_array();
  };
  std::vector<Member> d;
  d.emplace_back("format", [](W& w, bool) { w.string(Model::kFormat); });
  // Version 2 adds multiclass models; a binary model is written as version 1, which every
  // lograd reads.
  d.emplace_back("version", [&m](W& w, bool) { w.literal(m.multi_class.empty() ? "1" : "2"); });
  d.emplace_back("n_features", [&m](W& w, bool s) { w.value(json(m.n_features), s); });
  d.emplace_back("feature_names", [&m, strings](W& w, bool) { strings(w, m.feature_names); });
  d.emplace_back("labels", [&m, strings](W& w, bool) { strings(w, m.labels.names); });
  d.emplace_back("has_bias", [&m](W& w, bool) { w.literal(m.has_bias ? "true" : "false"); });
  if (m.multi_class.empty()) {
    d.emplace_back("bias", [&m](W& w, bool) { w.number(m.has_bias ? m.b : 0.0); });
    d.emplace_back("weights", [&m, numbers](W& w, bool) { numbers(w, m.w); });
  } else {
    // "weights": W as n_features rows of K (one per class, in "labels" order); "bias": K.
    const size_t k = m.labels.names.size();
    d.emplace_back("multi_class", [&m](W& w, bool) { w.string(m.multi_class); });
    d.emplace_back("bias", [&m, k, numbers](W& w, bool) {
      numbers(w, m.has_bias ? m.biases : std::vector<double>(k, 0.0));
    });
    d.emplace_back("weights", [&m, k](W& w, bool) {
      w.begin_array();
      for (size_t j = 0; j * k < m.w.size(); ++j) {
        w.begin_array();
        for (size_t q = 0; q < k; ++q) w.number(m.w[j * k + q]);
        w.end_array();
      }
      w.end_array();
    });
  }
  d.emplace_back("standardize", [&m, numbers](W& w, bool) {
    if (m.mean.empty()) {
      w.literal("null");
      return;
    }
    w.begin_object();
    w.key("mean");
    numbers(w, m.mean);
    w.key("scale");
    numbers(w, m.scale);
    w.end_object();
  });
  d.emplace_back("encoding", [&m](W& w, bool s) { w.value(encoding_json(m.encoding), s); });
  d.emplace_back("training", [&m](W& w, bool s) { w.value(m.training, s); });
  return d;
}

// Writes the document: pretty (the file's layout, members in reading order, then the
// checksum when given) or canonical (what the checksum covers: no whitespace, keys sorted at
// every level as nlohmann::json's std::map keeps them, no checksum).
void write_model_json(const std::vector<Member>& members, io::JsonWriter& w, bool canonical,
                      const std::string& checksum) {
  std::vector<const Member*> order;
  for (const Member& mb : members) order.push_back(&mb);
  if (canonical)
    std::sort(order.begin(), order.end(),
              [](const Member* a, const Member* b) { return a->first < b->first; });
  w.begin_object();
  for (const Member* mb : order) {
    w.key(mb->first);
    mb->second(w, canonical);
  }
  if (!canonical && !checksum.empty()) {
    w.key("checksum");
    w.string(checksum);
  }
  w.end_object();
}

// ---- loading ---------------------------------------------------------------------------------

// Typed access to the fields of a parsed model file; every failure names the file and field.
class Fields {
 public:
  Fields(const std::string& path, const json& doc) : path_(path), doc_(doc) {}

  [[noreturn]] void fail(const std::string& what) const { throw Error(path_ + ": " + what); }

  const json& get(const json& obj, const char* key, const std::string& where = "") const {
    const auto it = obj.find(key);
    if (it == obj.end())
      fail("missing field \"" + where + key + "\"; the model file is incomplete");
    return *it;
  }
  const json& get(const char* key) const { return get(doc_, key); }

  double number(const json& v, const std::string& name) const {
    if (!v.is_number()) fail("field \"" + name + "\" must be a number, got " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail("field \"" + name + "\" is not finite");
    return x;
  }
  int64_t integer(const json& v, const std::string& name) const {
    if (!v.is_number_integer()) fail("field \"" + name + "\" must be an integer, got " + v.dump());
    return v.get<int64_t>();
  }
  std::string string(const json& v, const std::string& name) const {
    if (!v.is_string()) fail("field \"" + name + "\" must be a string, got " + v.dump());
    return v.get<std::string>();
  }
  bool boolean(const json& v, const std::string& name) const {
    if (!v.is_boolean()) fail("field \"" + name + "\" must be true or false, got " + v.dump());
    return v.get<bool>();
  }
  std::vector<double> numbers(const json& v, const std::string& name, size_t want) const {
    if (!v.is_array()) fail("field \"" + name + "\" must be an array of numbers");
    if (v.size() != want)
      fail("field \"" + name + "\" has " + std::to_string(v.size()) + " entries, expected " +
           std::to_string(want) + " (one per feature)");
    std::vector<double> out;
    out.reserve(want);
    for (size_t i = 0; i < v.size(); ++i)
      out.push_back(number(v[i], name + "[" + std::to_string(i) + "]"));
    return out;
  }
  std::vector<std::string> strings(const json& v, const std::string& name) const {
    if (!v.is_array()) fail("field \"" + name + "\" must be an array of strings");
    std::vector<std::string> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      out.push_back(string(v[i], name + "[" + std::to_string(i) + "]"));
    return out;
  }

 private:
  const std::string& path_;
  const json& doc_;
};

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

CsvEncoding parse_encoding(const Fields& f, const json& e, int64_t n_features) {
  CsvEncoding enc;
  if (e.is_null()) return enc;
  if (!e.is_object()) f.fail("field \"encoding\" must be an object or null");
  const std::string delim = f.string(f.get(e, "delimiter", "encoding."), "encoding.delimiter");
  if (delim.size() != 1) f.fail("field \"encoding.delimiter\" must be one character");
  enc.delimiter = delim[0];
  enc.header = f.boolean(f.get(e, "header", "encoding."), "encoding.header");
  if (const auto mi = e.find("missing"); mi != e.end()) {  // optional: older models lack it
    enc.missing = f.string(*mi, "encoding.missing");
    if (!enc.missing.empty() && !parse_missing_policy(enc.missing))
      f.fail("field \"encoding.missing\" is \"" + enc.missing +
             "\"; expected error, skip-row, zero or mean");
  }
  const json& cols = f.get(e, "columns", "encoding.");
  if (!cols.is_array()) f.fail("field \"encoding.columns\" must be an array");
  // The CSV reader emits each row's features in column order, so the columns' feature ranges
  // must ascend without overlapping (a CSR row's indices strictly ascend).
  int64_t next_feature = 0;
  for (size_t i = 0; i < cols.size(); ++i) {
    const std::string where = "encoding.columns[" + std::to_string(i) + "].";
    const json& cj = cols[i];
    if (!cj.is_object())
      f.fail("field \"" + where.substr(0, where.size() - 1) + "\" must be an object");
    CsvColumn c;
    c.name = f.string(f.get(cj, "name", where), where + "name");
    const std::string kind = f.string(f.get(cj, "kind", where), where + "kind");
    if (kind == "numeric")
      c.kind = CsvColumn::Kind::kNumeric;
    else if (kind == "categorical")
      c.kind = CsvColumn::Kind::kCategorical;
    else if (kind == "label")
      c.kind = CsvColumn::Kind::kLabel;
    else if (kind == "weight")
      c.kind = CsvColumn::Kind::kWeight;
    else
      f.fail("field \"" + where + "kind\" is \"" + kind +
             "\"; expected numeric, categorical, label or weight");
    c.first_feature = f.integer(f.get(cj, "first_feature", where), where + "first_feature");
    c.categories = f.strings(f.get(cj, "categories", where), where + "categories");
    c.fill = f.number(f.get(cj, "fill", where), where + "fill");
    const int64_t width = c.kind == CsvColumn::Kind::kCategorical
                              ? static_cast<int64_t>(c.categories.size())
                              : (c.kind == CsvColumn::Kind::kNumeric ? 1 : 0);
    if (width > 0 && (c.first_feature < 0 || c.first_feature + width > n_features))
      f.fail("column '" + c.name + "' maps to features " + std::to_string(c.first_feature) + ".." +
             std::to_string(c.first_feature + width - 1) + ", beyond the model's " +
             std::to_string(n_features) + " features");
    if (width > 0 && c.first_feature < next_feature)
      f.fail("column '" + c.name + "' maps to features from " + std::to_string(c.first_feature) +
             ", but the columns before it use features up to " +
             std::to_string(next_feature - 1) + "; the encoding is damaged");
    if (width > 0) next_feature = c.first_feature + width;
    enc.columns.push_back(std::move(c));
  }
  return enc;
}

Model model_from_json(const std::string& path, const json& doc) {
  const Fields f(path, doc);
  Model m;
  m.n_features = f.integer(f.get("n_features"), "n_features");
  if (m.n_features < 0) f.fail("field \"n_features\" is negative");
  const auto n = static_cast<size_t>(m.n_features);
  m.feature_names = f.strings(f.get("feature_names"), "feature_names");
  if (!m.feature_names.empty() && m.feature_names.size() != n)
    f.fail("field \"feature_names\" has " + std::to_string(m.feature_names.size()) +
           " entries for " + std::to_string(n) + " features");
  m.labels.names = f.strings(f.get("labels"), "labels");
  m.has_bias = f.boolean(f.get("has_bias"), "has_bias");
  if (const auto mc = doc.find("multi_class"); mc != doc.end() && !mc->is_null()) {
    m.multi_class = f.string(*mc, "multi_class");
    if (m.multi_class != "multinomial" && m.multi_class != "ovr")
      f.fail("field \"multi_class\" is \"" + m.multi_class + "\"; expected multinomial or ovr");
    std::vector<std::string> sorted = m.labels.names;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() < 2 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      f.fail("field \"labels\" must hold two or more distinct labels");
    const size_t k = m.labels.names.size();
    m.biases = f.numbers(f.get("bias"), "bias", k);
    const json& rows = f.get("weights");
    if (!rows.is_array() || rows.size() != n)
      f.fail("field \"weights\" must hold " + std::to_string(n) + " rows (one per feature) of " +
             std::to_string(k) + " numbers");
    m.w.reserve(n * k);
    for (size_t j = 0; j < n; ++j) {
      const std::vector<double> r = f.numbers(rows[j], "weights[" + std::to_string(j) + "]", k);
      m.w.insert(m.w.end(), r.begin(), r.end());
    }
  } else {
    if (m.labels.names.size() != 2 || m.labels.names[0] == m.labels.names[1])
      f.fail("field \"labels\" must hold exactly two distinct labels [negative, positive]");
    m.b = f.number(f.get("bias"), "bias");
    m.w = f.numbers(f.get("weights"), "weights", n);
  }
  const json& s = f.get("standardize");
  if (!s.is_null()) {
    if (!s.is_object()) f.fail("field \"standardize\" must be an object or null");
    m.mean = f.numbers(f.get(s, "mean", "standardize."), "standardize.mean", n);
    m.scale = f.numbers(f.get(s, "scale", "standardize."), "standardize.scale", n);
    // Prediction divides by the scale: one that is 0, negative or subnormal (below 2.2e-308)
    // makes infinite weights and NaN probabilities. Training writes scales >= 1e-150.
    for (size_t j = 0; j < n; ++j)
      if (!(m.scale[j] >= std::numeric_limits<double>::min()))
        f.fail("field \"standardize.scale[" + std::to_string(j) + "]\" is " + g17(m.scale[j]) +
               ": a scale must be a positive normal number (>= 2.2e-308); the model is "
               "damaged: retrain or restore it");
    // And the weights as applied (w / scale, the bias less w . mean / scale) must be finite.
    const std::vector<double> raw = m.raw_weights();
    for (size_t j = 0; j < raw.size(); ++j)
      if (!std::isfinite(raw[j]))
        f.fail("weight " + std::to_string(j) + " divided by its standardize.scale is not finite "
               "(the scale is too small for the weight); the model is damaged: retrain or "
               "restore it");
    for (double v : m.raw_biases())
      if (!std::isfinite(v))
        f.fail("the bias less the standardization's mean term is not finite; the model is "
             "damaged: retrain or restore it");
  }
  m.encoding = parse_encoding(f, f.get("encoding"), m.n_features);
  const auto t = doc.find("training");
  if (t != doc.end()) m.training = *t;
  return m;
}

std::string read_whole_file(const std::string& path) {
  if (is_standard_stream(path)) {  // "-": the model comes on standard input
    std::string text;
    char buf[1 << 16];
    for (;;) {
      const ssize_t k = ::read(STDIN_FILENO, buf, sizeof buf);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw Error("cannot read the model from standard input: " + std::string(std::strerror(errno)));
      if (k == 0) return text;
      text.append(buf, static_cast<size_t>(k));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open model file: " + std::strerror(errno));
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(path + ": is a directory, not a model file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read model file: " + std::strerror(errno));
  return ss.str();
}

// A model file nests 5 levels deep; copying and dumping a document (the checksum does both)
// recurse once per level, so deeper JSON is refused while parsing instead of overflowing the
// stack.
constexpr int kMaxJsonDepth = 100;

json parse_json(const std::string& path, std::string_view text) {
  const auto depth_limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth >= kMaxJsonDepth && (event == json::parse_event_t::object_start ||
                                   event == json::parse_event_t::array_start))
      throw Error(path + ": not a lograd model file: JSON nested deeper than " +
                  std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  try {
    return json::parse(text, depth_limit);
  } catch (const json::parse_error& e) {
    // e.byte counts from 1 and passes the end when the parser ran out of input: every
    // prefix of a document (cut mid-string, mid-number or between tokens) lands there.
    if (e.byte > text.size())
      throw Error(path + ": not a complete JSON document (truncated?) at byte " +
                  std::to_string(text.size()) +
                  "; the model file is damaged: retrain or restore it");
    throw Error(path + ": not a lograd model file: invalid JSON at byte " + std::to_string(e.byte) +
                "; the file is damaged, or not a model: retrain or restore it");
  } catch (const json::exception&) {
    throw Error(path + ": not a lograd model file: invalid JSON; the file is damaged, or not a "
                "model: retrain or restore it");
  }
}

}  // namespace

namespace {

// The checksum of the model's canonical text, hashed as the text is made (never whole in
// memory); `name` stands for the destination in messages.
std::string checksum_of_members(const std::vector<Member>& members, const std::string& name) {
  try {
    uint64_t h = kFnvOffset;
    io::JsonWriter canonical(-1, [&h](std::string_view piece) { h = fnv1a64(h, piece); });
    write_model_json(members, canonical, true, "");
    canonical.flush();
    return checksum_name(h);
  } catch (const json::type_error& e) {  // 316: a string that is not UTF-8
    throw ValueError("cannot save model to '" + name +
                     "': a feature name, label or category is not valid UTF-8 (" + e.what() +
                     "); convert the data file to UTF-8, e.g. with iconv");
  }
}

}  // namespace

std::string model_text(const Model& model, const std::string& name) {
  check_savable(model, name);
  const std::vector<Member> members = model_members(model);
  const std::string checksum = checksum_of_members(members, name);
  std::string text;
  io::JsonWriter pretty(1, [&text](std::string_view piece) { text += piece; });
  write_model_json(members, pretty, false, checksum);
  pretty.raw("\n");
  pretty.flush();
  return text;
}

void save_model(const Model& model, const std::string& path) {
  check_savable(model, path);
  const std::vector<Member> members = model_members(model);
  // The checksum first (the canonical text hashed as it is made), then the file, which ends
  // with it: two passes over the model, and the text never whole in memory.
  const std::string checksum = checksum_of_members(members, path);
  io::write_file_atomically(path, [&](const std::function<void(std::string_view)>& write) {
    io::JsonWriter pretty(1, write);
    write_model_json(members, pretty, false, checksum);
    pretty.raw("\n");
    pretty.flush();
  });
}

Model load_model(const std::string& path) { return parse_model(read_whole_file(path), path); }

Model parse_model(std::string_view text, const std::string& path) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw Error(path + ": empty file, not a model; retrain or restore it");
  if (text.rfind("solver_type", 0) == 0) return io::parse_liblinear(text, path);
  // Not JSON at all: say what the file looks like rather than where the JSON parser stopped.
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (text.substr(first, 3) == "\x1f\x8b\x08" || text.substr(first, 4) == "LGB\x01" ||
      (text[first] != '{' && text[first] != '[')) {
    const std::string_view line = text.substr(first, text.find('\n', first) - first);
    const bool gz = text.substr(first, 2) == "\x1f\x8b";
    std::string what = gz ? "gzip-compressed data"
                       : line.find(':') != std::string_view::npos &&
                               line.find(',') == std::string_view::npos
                           ? "LIBSVM data ('label index:value ...')"
                       : line.find_first_of(",;\t") != std::string_view::npos
                           ? "CSV data"
                           : "neither JSON nor a LIBLINEAR model";
    throw Error(path + ": not a model file: it looks like " + what +
                ". A model is lograd's JSON model file (written by lograd train) or a "
                "LIBLINEAR model file (solver_type ...): is this the data file, given as the "
                "model?");
  }
  const json doc = parse_json(path, text);
  if (!doc.is_object() || !doc.contains("format"))
    throw Error(path + ": not a lograd model file (no \"format\": \"" +
                std::string(Model::kFormat) + "\" field)");
  const json& format = doc["format"];
  if (!format.is_string() || format.get<std::string>() != Model::kFormat)
    throw Error(path + ": not a lograd model file (format is " + format.dump() + ", expected \"" +
                Model::kFormat + "\")");
  const auto v = doc.find("version");
  if (v == doc.end() || !v->is_number_integer() || v->get<int64_t>() < 1)
    throw Error(path + ": model file has no valid \"version\" (a positive integer)");
  if (v->get<int64_t>() > Model::kVersion)
    throw Error(path + ": written by a newer lograd (model format version " +
                std::to_string(v->get<int64_t>()) + "; this lograd reads versions up to " +
                std::to_string(Model::kVersion) + "): upgrade lograd to load it");
  const auto c = doc.find("checksum");
  if (c == doc.end() || !c->is_string())
    throw Error(path +
                ": model file has no \"checksum\"; it was not written by lograd's "
                "save_model or was damaged: retrain or restore it");
  if (c->get<std::string>().rfind("fnv1a64:", 0) != 0)
    throw Error(path + ": unknown checksum algorithm in " + c->dump() +
                "; this lograd checks \"fnv1a64:...\" checksums");
  if (c->get<std::string>() != checksum_of(canonical_text(doc)))
    throw Error(path +
                ": checksum mismatch: the file was modified or damaged; retrain or "
                "restore it");
  return model_from_json(path, doc);
}

}  // namespace lograd
