// read_dataset: picks the LIBSVM or CSV reader by extension, else by sniffing the text.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "data/part_agree.h"
#include "data/reader_internal.h"
#include "data/text_file.h"
#include "lograd/binary_cache.h"
#include "lograd/dataset.h"
#include "lograd/readers.h"

namespace lograd {
namespace detail {
namespace {

bool has_csv_extension(std::string path) {
  std::transform(path.begin(), path.end(), path.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view ext : {".csv", ".tsv", ".csv.gz", ".tsv.gz"})
    if (path.size() >= ext.size() && std::string_view(path).substr(path.size() - ext.size()) == ext)
      return true;
  return false;
}

// A token of the form `digits:something` (or SVMlight's `qid:N`).
bool is_index_value(std::string_view token) {
  const size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon + 1 == token.size()) return false;
  std::string_view index = token.substr(0, colon);
  if (index == "qid") return true;
  if (index.size() > 1 && index[0] == '-') index.remove_prefix(1);  // refused by the reader
  return !index.empty() &&
         std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A token of the form `[+-]digits[.digits]:value` with no CSV delimiter in it.
bool is_feature_like(std::string_view token) {
  if (token.find_first_of(",;") != std::string_view::npos) return false;
  const size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size()) return false;
  std::string_view index = token.substr(0, colon);
  if (index[0] == '+' || index[0] == '-') index.remove_prefix(1);
  bool digit = false, dot = false;
  for (char c : index) {
    if (c >= '0' && c <= '9') digit = true;
    else if (c == '.' && !dot) dot = true;
    else return false;
  }
  return digit;
}

// LIBSVM when the first line with data has `index:value` tokens after the label (or only a
// label, without CSV delimiters); CSV otherwise. nullopt when `text` is the start of the file
// (not `whole`) and holds no complete line with data.
std::optional<bool> looks_like_libsvm(std::string_view text, bool whole) {
  text = without_bom(text);
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos && !whole) return std::nullopt;  // the line may go on
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> tokens;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.empty()) continue;  // blank or comment line
    // A first token `index:value` (a line without its label, or with a label glued to its
    // first feature, `+1:1`) is LIBSVM: the reader reads it or names what is wrong there.
    if (is_feature_like(tokens[0]))
      return std::all_of(tokens.begin() + 1, tokens.end(), is_index_value);
    if (tokens.size() == 1) return tokens[0].find_first_of(",;:") == std::string_view::npos;
    return std::all_of(tokens.begin() + 1, tokens.end(), is_index_value);
  }
  if (!whole) return std::nullopt;
  // Nothing but blank lines and '#' comments (which only LIBSVM has): the LIBSVM reader says
  // the file holds no examples, and what it expected.
  return true;
}

}  // namespace
}  // namespace detail

namespace {

// Whether the text of `source` (peeked, not consumed: a pipe is read once) reads as LIBSVM
// rather than CSV; refuses a binary cache coming through a pipe and other binary data.
bool sniff_libsvm(detail::TextSource& source, const std::string& path) {
  if (!source.gzip() && source.peek(8) == std::string_view("LOGRADB1", 8))
    throw ValueError("'" + path + "' is a lograd binary cache coming through a pipe or "
                     "standard input; a cache is read from its file: give the file's path");
  std::optional<bool> libsvm;
  for (size_t n = size_t{1} << 16; !libsvm; n *= 2) {
    const std::string_view head = source.peek(n);
    if (n == size_t{1} << 16) detail::refuse_binary(detail::without_bom(head), path);
    libsvm = detail::looks_like_libsvm(head, head.size() < n);
  }
  return *libsvm;
}

}  // namespace

Dataset read_dataset(const std::string& path, const ReadOptions& options) {
  if (options.shard_count > 1) {  // data-parallel: LIBSVM text only, for now
    if (is_binary_cache(path) || options.format == FileFormat::kCsv ||
        (options.format == FileFormat::kAuto && detail::has_csv_extension(path)))
      throw ValueError("'" + path + "': only LIBSVM text is split across ranks yet (not CSV or a "
                       "binary cache); convert the data to LIBSVM to train on it data-parallel");
    return read_libsvm(path, options);
  }
  if (options.format == FileFormat::kAuto && is_binary_cache(path)) {
    Dataset d = read_binary_cache(path);
    // Its size was estimated before reading; training on its feature count was not.
    detail::enforce_memory_limit(options, path, 0, 0, d.rows(),
                                 std::max(d.cols(), options.min_features), d.x.stored(),
                                 std::string(d.x.dtype()) == "float32");
    if (options.min_features > d.cols()) d.x = d.x.with_cols(options.min_features);
    return d;
  }
  switch (options.format) {
    case FileFormat::kLibsvm:
      return read_libsvm(path, options);
    case FileFormat::kCsv:
      return read_csv(path, options);
    case FileFormat::kAuto:
      break;
  }
  if (detail::has_csv_extension(path)) return read_csv(path, options);
  // Sniffs the first lines from what the source keeps once peeked (a pipe is read once); LIBSVM
  // then streams from the start, CSV reads the whole text.
  detail::TextSource source =
      detail::TextSource::open(path, options.value_type == ValueType::kAuto);
  const bool libsvm = sniff_libsvm(source, path);
  if (libsvm) {
    detail::refuse_csv_options(path, options);
    return detail::parse_libsvm(std::move(source), path, options);
  }
  source.stop_keeping();
  const std::string text = detail::read_csv_text(source, path, options);
  return detail::parse_csv(text, path, options);
}

Dataset read_dataset_part(const std::string& path, const ReadOptions& options, Collective& c) {
  ReadOptions o = options;
  o.shard_rank = c.rank();
  o.shard_count = c.size();
  if (c.size() == 1) {
    o.shard_count = 1;
    return read_dataset(path, o);
  }
  // Every rank decides the format from the same bytes (the file's head): the same decision.
  bool csv = o.format == FileFormat::kCsv ||
             (o.format == FileFormat::kAuto && detail::has_csv_extension(path));
  if (o.format == FileFormat::kAuto && is_binary_cache(path)) {
    Dataset d;
    detail::gather_agreed(c, [&] {
      d = read_binary_cache_part(path, o.shard_rank, o.shard_count);
      detail::enforce_memory_limit(o, path, 0, 0, d.rows(), std::max(d.cols(), o.min_features),
                                   d.x.stored(), std::string(d.x.dtype()) == "float32");
      if (o.min_features > d.cols()) d.x = d.x.with_cols(o.min_features);
      return std::string();
    });
    return d;
  }
  if (o.format == FileFormat::kAuto && !csv) {
    detail::TextSource source = detail::TextSource::open(path);
    csv = !sniff_libsvm(source, path);
  }
  if (csv) return detail::read_csv_part(path, o, c);
  Dataset d;
  const std::vector<std::string> wide = detail::gather_agreed(c, [&] {
    d = read_libsvm(path, o);
    return std::string(d.x.dtype()) == "float64" ? std::string("1") : std::string();
  });
  // One process stores every value in float64 when one of them needs it: so do all parts (a
  // part read in float32 is read again, so that its values are not float32's roundings).
  const bool any_wide =
      std::any_of(wide.begin(), wide.end(), [](const std::string& w) { return !w.empty(); });
  if (o.value_type == ValueType::kAuto && any_wide) {
    ReadOptions o64 = o;
    o64.value_type = ValueType::kFloat64;
    detail::gather_agreed(c, [&] {  // every rank gathers; the float64 parts keep theirs
      if (std::string(d.x.dtype()) == "float32") d = read_libsvm(path, o64);
      return std::string();
    });
  }
  return d;
}

Dataset read_dataset_files(const std::string& name, const std::vector<std::string>& files,
                           const ReadOptions& options, Collective& c) {
  ReadOptions whole = options;
  whole.shard_count = 1;
  whole.shard_rank = 0;
  whole.min_classes = 0;  // a file may hold one class (pos.svm, neg.svm): the whole decides
  // Every rank says whether its files are CSV; all decide together.
  const std::vector<std::string> kinds = detail::gather_agreed(c, [&] {
    if (files.empty()) throw ValueError(name + ": no files for rank " + std::to_string(c.rank()));
    std::string first_csv, first_other;  // this rank's first file of each kind
    for (const std::string& f : files) {
      bool csv = options.format == FileFormat::kCsv;
      if (options.format == FileFormat::kAuto && !is_binary_cache(f)) {
        csv = detail::has_csv_extension(f);
        if (!csv) {
          detail::TextSource source = detail::TextSource::open(f);
          csv = !sniff_libsvm(source, f);
        }
      }
      std::string& first = csv ? first_csv : first_other;
      if (first.empty()) first = f;
    }
    std::string out;
    detail::put_str(out, first_csv);
    detail::put_str(out, first_other);
    return out;
  });
  std::string a_csv, an_other;
  for (const std::string& k : kinds) {
    std::string_view in = k;
    const std::string csv = detail::get_str(in), other = detail::get_str(in);
    if (a_csv.empty()) a_csv = csv;
    if (an_other.empty()) an_other = other;
  }
  if (!a_csv.empty() && !an_other.empty())
    throw ValueError(name + ": '" + a_csv + "' is CSV and '" + an_other +
                     "' is not: files read as one must all be CSV (one encoding learned from "
                     "all of them), or all LIBSVM text or .lgb caches");
  if (!a_csv.empty()) {
    Dataset d = detail::read_csv_files(name, files, options, c);  // classes over all files
    d.source = name;
    return d;
  }
  std::vector<Dataset> parts;
  for (const std::string& f : files) parts.push_back(read_dataset(f, whole));
  return concat_rows(std::move(parts));
}

}  // namespace lograd
