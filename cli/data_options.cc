#include "data_options.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "lograd/binary_cache.h"
#include "lograd/memory.h"
#include "lograd/paths.h"
#include "usage.h"

namespace lograd::cli {

void add_data_options(CLI::App* cmd, DataOptions& o, bool with_weights) {
  cmd->add_option("--format", o.format, "input format: auto (from the extension, else sniffed), libsvm, csv")
      ->check(CLI::IsMember({"auto", "libsvm", "csv"}));
  cmd->add_flag("--header", o.header, "CSV: the first row is a header (default: auto-detected)");
  cmd->add_flag("--no-header", o.no_header, "CSV: the first row is data");
  cmd->add_option("--label-column", o.label_column,
                  "CSV: the label column, a column number counted from 1 (as in lograd's "
                  "messages) or a header name (default: the last)")
      ->check(column_ref());
  cmd->add_option("--delimiter", o.delimiter,
                  "CSV: the field delimiter, one character or 'tab' (default: auto-detected among , tab ; space)");
  cmd->add_option("--missing", o.missing,
                  "CSV: what a missing value ('?' or empty) does: error (default), skip-row, zero, "
                  "or mean (the training column mean, saved in the model); predict and eval "
                  "default to the policy the model was trained with")
      ->check(CLI::IsMember({"error", "skip-row", "zero", "mean"}));
  cmd->add_option("--storage", o.storage,
                  "feature storage: auto (dense when at least 40% of the entries are non-zero, 54% in float64), dense, sparse")
      ->check(CLI::IsMember({"auto", "dense", "sparse"}));
  cmd->add_option("--dtype", o.dtype,
                  "feature value type: auto (float32, with float64 sums, unless a value is beyond its range: then float64), float32, float64 (every digit kept)")
      ->check(CLI::IsMember({"auto", "float32", "float64"}));
  if (with_weights)
    cmd->add_option("--sample-weight-column", o.weight_column,
                    "CSV: a column of per-example weights (a column number counted from 1, or "
                    "a header name), not used as a feature")
        ->check(column_ref());
}

void add_max_memory_option(CLI::App* cmd, DataOptions& o) {
  cmd->add_option("--max-memory", o.max_memory,
                  "refuse data whose reading would need more memory than this, before reading "
                  "it: bytes with an optional suffix K, M, G, T (powers of 1024), e.g. 512M or "
                  "8G; 0 for no limit (default: 80% of the memory available, from "
                  "/proc/meminfo and the cgroup limit)")
      ->check(CLI::Validator(
          [](const std::string& text) {
            try {
              parse_byte_size(text);
              return std::string();
            } catch (const ValueError& e) {
              return std::string(e.what());
            }
          },
          "BYTES"));
}

namespace {

const char* const kMemoryAdvice =
    "Raise --max-memory if the machine has that much memory free, use a machine with more "
    "memory, or train on a subsample (e.g. the first rows: head -n 100000 FILE > part)";

}  // namespace

int64_t memory_limit(const DataOptions& o, std::string* source) {
  if (o.max_memory.empty()) {
    const int64_t avail = available_memory();
    if (avail < 0) return 0;  // unknown: no limit
    if (source != nullptr)
      *source = "the default, 80% of the " + format_bytes(static_cast<double>(avail)) +
                " of memory available";
    return static_cast<int64_t>(0.8 * static_cast<double>(avail));
  }
  if (source != nullptr) *source = "--max-memory " + o.max_memory;
  return parse_byte_size(o.max_memory);
}

Dataset with_memory_advice(const DataOptions& o, const std::function<Dataset()>& read) {
  try {
    return read();
  } catch (const MemoryLimitError& e) {
    std::string source;
    memory_limit(o, &source);
    throw MemoryLimitError(std::string(e.what()) + " (the limit: " + source + "). " +
                           kMemoryAdvice);
  }
}

void check_memory(const std::vector<std::string>& paths, const DataOptions& o) {
  std::string source;
  const int64_t limit = memory_limit(o, &source);
  if (limit == 0) return;
  int64_t total = 0;
  std::string parts;
  for (const std::string& path : paths) {
    MemoryEstimate e;
    try {
      e = estimate_read_memory(path, std::max<int64_t>(limit - total, 1));
    } catch (const Error&) {
      continue;  // unreadable: the reader reports it, with its own message
    }
    if (e.trailing_bytes > 0)
      std::fprintf(stderr,
                   "lograd: warning: %s: %lld bytes after the end of the gzip data are "
                   "ignored (as gzip -d does)\n",
                   path.c_str(), static_cast<long long>(e.trailing_bytes));
    total += e.bytes;
    if (!parts.empty()) parts += " plus ";
    parts += path + ": about " + format_bytes(static_cast<double>(e.bytes)) +
             (e.stopped_early ? " or more" : "");
    if (e.binary_cache) {
      parts += " (a binary cache of " + format_bytes(static_cast<double>(e.file_bytes)) + ")";
    } else {
      char factor[16];
      std::snprintf(factor, sizeof factor, "%g", kPeakBytesPerTextByte);
      parts += std::string(" (") + factor + " bytes per byte of its " +
               format_bytes(static_cast<double>(e.text_bytes)) + " of text" +
               (e.gzip ? ", " + e.how : "") + ")";
    }
  }
  if (total <= limit) return;
  throw MemoryLimitError("not enough memory: reading " + parts + " needs more than the limit of " +
                         format_bytes(static_cast<double>(limit)) + " (" + source +
                         "). Refused before reading "
                         "rather than being killed by the system part-way. " +
                         kMemoryAdvice);
}

ReadOptions read_options(const DataOptions& o) {
  ReadOptions r;
  r.format = o.format == "libsvm" ? FileFormat::kLibsvm
             : o.format == "csv"  ? FileFormat::kCsv
                                  : FileFormat::kAuto;
  if (o.header && o.no_header) throw usage_error("--header", "give --header or --no-header, not both");
  if (o.header) r.header = true;
  if (o.no_header) r.header = false;
  r.label_column = o.label_column;
  r.weight_column = o.weight_column;
  if (o.delimiter == "tab" || o.delimiter == "\\t") r.delimiter = '\t';
  else if (o.delimiter.size() == 1) r.delimiter = o.delimiter[0];
  else if (!o.delimiter.empty())
    throw usage_error("--delimiter", "one character or 'tab', got '" + o.delimiter + "'");
  r.missing = parse_missing_policy(o.missing).value_or(MissingPolicy::kError);
  r.storage = o.storage == "dense" ? Storage::kDense : o.storage == "sparse" ? Storage::kSparse : Storage::kAuto;
  r.memory_limit = memory_limit(o, nullptr);
  r.value_type = o.dtype == "float32"   ? ValueType::kFloat32
                 : o.dtype == "float64" ? ValueType::kFloat64
                                        : ValueType::kAuto;
  return r;
}

namespace {

// Whether two CSV encodings give the same features: the same columns, each of the same kind
// mapped to the same features (the same categories, in order), and under --missing mean the
// same fill values.
bool same_features(const CsvEncoding& a, const CsvEncoding& b) {
  if (a.columns.size() != b.columns.size()) return false;
  const bool fills = a.missing == "mean" || b.missing == "mean";
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const CsvColumn &x = a.columns[i], &y = b.columns[i];
    if (x.name != y.name || x.kind != y.kind || x.first_feature != y.first_feature ||
        x.categories != y.categories || (fills && x.fill != y.fill))
      return false;
  }
  return true;
}

}  // namespace

void warn_options_a_cache_ignores(const DataOptions& o, const std::string& path) {
  if (!is_binary_cache(path)) return;
  std::string given;
  const auto add = [&given](bool on, const char* flag) {
    if (on) given += std::string(given.empty() ? "" : ", ") + flag;
  };
  add(o.format != "auto", "--format");
  add(o.header, "--header");
  add(o.no_header, "--no-header");
  add(!o.label_column.empty(), "--label-column");
  add(!o.weight_column.empty(), "--sample-weight-column");
  add(!o.delimiter.empty(), "--delimiter");
  add(o.storage != "auto", "--storage");
  add(o.dtype != "auto", "--dtype");
  if (!given.empty())
    std::fprintf(stderr,
                 "lograd: warning: %s is a binary cache, read as it was made: %s ignored (give "
                 "them to lograd convert when making the cache)\n",
                 path.c_str(), given.c_str());
}

Dataset read_for_model(const std::string& path, const DataOptions& o, const Model& model,
                       bool unlabelled) {
  DataOptions opts = o;
  if (opts.missing.empty()) {  // the model's policy (CSV models since it was saved)
    const std::string& saved = model.encoding.missing;
    opts.missing = saved == "zero" || saved == "mean" || (saved == "skip-row" && !unlabelled)
                       ? saved
                       : "error";
  }
  // --missing mean fills with the training means, which only a model trained so holds.
  if (opts.missing == "mean" && !model.encoding.empty() && !model.encoding.missing.empty() &&
      model.encoding.missing != "mean")
    throw usage_error("--missing", "mean fills a missing value with its column's "
                                   "training mean, and this model was trained with --missing " +
                                       model.encoding.missing +
                                       std::string(", so it holds none: give --missing zero") +
                                       (unlabelled ? "" : " or skip-row"));
  ReadOptions r = read_options(opts);
  // A cache was encoded when it was made, and is read as it is (then checked against the
  // model's encoding below); CSV text is read with the model's encoding.
  const bool cache = is_binary_cache(path);
  if (!model.encoding.empty() && !cache) {
    r.encoding = &model.encoding;
    r.format = FileFormat::kCsv;
  }
  r.min_features = model.n_features;
  r.labels_optional = unlabelled;
  check_memory({path}, o);
  if (cache) warn_options_a_cache_ignores(o, path);
  Dataset d = with_memory_advice(o, [&] { return read_dataset(path, r); });
  if (cache && !model.encoding.empty() && !same_features(d.encoding, model.encoding))
    throw ValueError(path + " is a cache whose features were encoded from its own CSV file (" +
                     (d.encoding.empty() ? std::string("or from LIBSVM text")
                                         : "its own columns, categories or fill values") +
                     "), not as this model's training data was: give the CSV file itself, "
                     "which is read with the model's encoding");
  if (d.cols() > model.n_features)
    std::fprintf(stderr,
                 "lograd: warning: %s has %lld features, the model %lld: features %lld to %lld "
                 "are not in the model and are ignored\n",
                 path.c_str(), static_cast<long long>(d.cols()),
                 static_cast<long long>(model.n_features),
                 static_cast<long long>(model.n_features + 1), static_cast<long long>(d.cols()));
  warn_skipped_rows(d, path);
  if (d.unseen_categories > 0)
    std::fprintf(stderr,
                 "lograd: warning: %s has %lld value(s) in categorical columns that the "
                 "training data did not have; each reads as none of the known categories (all "
                 "of that column's features 0)\n",
                 path.c_str(), static_cast<long long>(d.unseen_categories));
  return d;
}

void warn_skipped_rows(const Dataset& data, const std::string& path) {
  if (data.skipped_rows == 0) return;
  std::fprintf(stderr,
               "lograd: warning: --missing skip-row dropped %lld of the %lld rows of %s (each "
               "had a missing value); %lld rows were read\n",
               static_cast<long long>(data.skipped_rows),
               static_cast<long long>(data.skipped_rows + data.rows()), path.c_str(),
               static_cast<long long>(data.rows()));
}

Dataset read_training_part(const std::string& path, const std::string& cache,
                           const ReadOptions& options, Collective& c, bool* cache_hit) {
  Dataset d = cache.empty() ? read_dataset_part(path, options, c)
                            : read_dataset_cached_part(path, cache, options, c, cache_hit);
  warn_skipped_rows_over_ranks(d, path, c);
  return d;
}

void warn_skipped_rows_over_ranks(Dataset& part, const std::string& path, Collective& c) {
  double counts[2] = {static_cast<double>(part.skipped_rows), static_cast<double>(part.rows())};
  c.sum(counts);
  Dataset all;  // only the counts, for the message
  all.skipped_rows = static_cast<int64_t>(counts[0]);
  all.x = DataMatrix(Tensor<float>(Shape{static_cast<int64_t>(counts[1]), 0}));
  if (c.rank() == 0) warn_skipped_rows(all, path);
  part.skipped_rows = 0;
}

std::vector<std::string> rank_files(const std::string& data, int rank, int size) {
  namespace fs = std::filesystem;
  const std::string mark = "{rank}";
  if (data.find(mark) != std::string::npos) {
    if (size == 1)
      throw usage_error("DATA", "'" + data + "' names one file per rank ({rank}): run it under "
                                "mpirun -np K, or give one file");
    std::string path = data;
    for (size_t at; (at = path.find(mark)) != std::string::npos;)
      path.replace(at, mark.size(), std::to_string(rank));
    return {path};
  }
  std::error_code ec;
  if (!fs::is_directory(data, ec)) return {};
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(data, ec))
    if (e.is_regular_file(ec) && e.path().filename().string()[0] != '.')
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  const auto count = static_cast<int64_t>(files.size());
  if (count < size)
    throw usage_error("DATA", "'" + data + "' is a directory of " + std::to_string(count) +
                              " file" + (count == 1 ? "" : "s") + ": each rank reads whole files, "
                              "so run it with " +
                              (files.empty() ? std::string("data files in it")
                                             : "at most " + std::to_string(count) + " ranks (mpirun -np " +
                                                   std::to_string(count) + ")") +
                              ", or give one file (the ranks split it)");
  const int64_t begin = count * rank / size, end = count * (rank + 1) / size;
  return {files.begin() + begin, files.begin() + end};
}

std::vector<std::string> rank_files(const std::vector<std::string>& list, int rank, int size) {
  if (list.size() == 1) return rank_files(list.front(), rank, size);
  namespace fs = std::filesystem;
  for (const std::string& f : list) {
    std::error_code ec;
    if (f.find("{rank}") != std::string::npos || fs::is_directory(f, ec) || is_standard_stream(f))
      throw usage_error("DATA", "'" + f + "' in a list of files: give files only (not a "
                                "directory, '-' or a {rank} pattern), or give it alone");
  }
  const auto count = static_cast<int64_t>(list.size());
  if (count < size)
    throw usage_error("DATA", std::to_string(count) + " files given: each rank reads whole files, "
                              "so run it with at most " + std::to_string(count) +
                              " ranks (mpirun -np " + std::to_string(count) +
                              "), or give one file (the ranks split it)");
  const int64_t begin = count * rank / size, end = count * (rank + 1) / size;
  return {list.begin() + begin, list.begin() + end};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}


}  // namespace lograd::cli
