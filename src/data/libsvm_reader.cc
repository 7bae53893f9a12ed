// The LIBSVM/SVMlight reader: `label index:value index:value ... [# comment]`.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>
#include <cstring>
#include <string>
#include <string_view>

#include "data/reader_internal.h"
#include "data/text_file.h"
#include "lograd/parallel.h"
#include "lograd/readers.h"

namespace lograd {
namespace detail {
namespace {

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }

inline const char* skip_blanks(const char* p, const char* end) {
  while (p < end && is_blank(*p)) ++p;
  return p;
}

inline const char* token_end(const char* p, const char* end) {
  while (p < end && !is_blank(*p)) ++p;
  return p;
}

constexpr int64_t kMaxIndex = 2147483647;  // 2^31 - 1: columns are int32

// One piece of the text, cut at line ends, parsed on its own: line numbers local to it.
struct LibsvmChunk {
  std::string_view text;
  Entries entries{true};
  std::vector<int32_t> labels;  // indices into classes
  ClassIndex classes;
  std::vector<std::pair<int64_t, int64_t>> class_at;  // (line, col) where each class first is
  int64_t max_index = 0;
  int64_t lines = 0;  // lines read (all of them unless error is set or needs_wide)
  bool needs_wide = false;  // ValueType kAuto and a value not float_normal: read in float64
  std::optional<ParseError> error;
};

// Parses chunk.text into chunk's entries (wide or in float32, as `wide`), stopping at the
// first error (thrown) or, with ValueType kAuto, at the first value float32 does not keep.
void parse_chunk(LibsvmChunk& chunk, const std::string& path, bool wide, ValueType type,
                 bool labels_optional) {
  const std::string_view all = chunk.text;
  chunk.entries = Entries(wide);
  Entries& entries = chunk.entries;
  // Room for every line and every ':' (an upper bound on the entries): no regrowth.
  entries.reserve(static_cast<size_t>(std::count(all.begin(), all.end(), '\n')) + 1,
                  static_cast<size_t>(std::count(all.begin(), all.end(), ':')));
  chunk.labels.reserve(entries.row_ptr.capacity());
  const char* p = chunk.text.data();
  const char* const end = p + chunk.text.size();
  int64_t line_no = 0;
  int64_t max_index = 0;
  while (p < end) {
    ++line_no;
    const char* const line = p;
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* stop = nl != nullptr ? nl : end;
    p = nl != nullptr ? nl + 1 : end;
    if (stop > line && stop[-1] == '\r') --stop;
    if (const auto* hash =
            static_cast<const char*>(std::memchr(line, '#', static_cast<size_t>(stop - line))))
      stop = hash;
    auto fail = [&](const char* at, const std::string& message) {
      throw ParseError(path, line_no, at - line + 1, message);
    };

    const char* q = skip_blanks(line, stop);
    if (q == stop) continue;  // blank or comment-only line

    // The label.
    const char* t = token_end(q, stop);
    const std::string_view label(q, static_cast<size_t>(t - q));
    double label_value;
    if (label.find(':') != std::string_view::npos) {
      if (!labels_optional)
        fail(q, "expected a label before the features, found " + quoted(label) +
                    ": a LIBSVM line starts with its label (e.g. -1 or +1), then index:value "
                    "pairs" + (label[0] == '+' || label[0] == '-'
                                   ? std::string(" (is a space missing after the label?)")
                                   : std::string()));
      chunk.labels.push_back(chunk.classes.index_of(""));  // no label: prediction only
      t = q;  // the first token is a feature
    } else {
      if (parse_number(label, &label_value) != NumberParse::kOk)
        fail(q, "expected a numeric label (e.g. -1, +1, 0, 1), found " + quoted(label));
      chunk.labels.push_back(chunk.classes.index_of(label));
    }
    if (chunk.classes.names().size() > chunk.class_at.size())
      chunk.class_at.emplace_back(line_no, q - line + 1);
    // The features.
    int64_t prev = 0;
    for (q = skip_blanks(t, stop); q < stop; q = skip_blanks(q, stop)) {
      const char* const tok = q;
      q = token_end(q, stop);
      const std::string_view token(tok, static_cast<size_t>(q - tok));
      const size_t colon = token.find(':');
      if (colon == std::string_view::npos)
        fail(tok, "expected 'index:value', found " + quoted(token) + " (missing ':')");
      const std::string_view index_text = token.substr(0, colon);
      if (index_text == "qid") continue;  // SVMlight query ids: ignored
      if (index_text.empty()) fail(tok, "expected a feature index before ':', found nothing");
      if (index_text.size() > 1 && index_text[0] == '-' &&
          std::all_of(index_text.begin() + 1, index_text.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
        fail(tok, "index " + std::string(index_text) +
                      " is negative: LIBSVM indices are positive integers, starting at 1");
      int64_t index = 0;
      for (char c : index_text) {
        if (c < '0' || c > '9')
          fail(tok, "expected a feature index (a positive integer), found " + quoted(index_text));
        index = index * 10 + (c - '0');
        if (index > kMaxIndex)
          fail(tok, "index " + std::string(index_text) + " is too large: indices go up to " +
                        std::to_string(kMaxIndex));
      }
      if (index == 0) fail(tok, "index 0 is not allowed: LIBSVM indices start at 1");
      if (index == prev) fail(tok, "repeated index " + std::to_string(index));
      if (index < prev)
        fail(tok, "index " + std::to_string(index) + " is not ascending (" + std::to_string(index) +
                      " after " + std::to_string(prev) +
                      "): indices must be strictly ascending within a line");

      const char* const value_at = tok + colon + 1;
      const std::string_view value_text = token.substr(colon + 1);
      double value;
      if (value_text.empty())
        fail(value_at, "missing value after '" + std::string(index_text) + ":': expected a number");
      switch (parse_number(value_text, &value)) {
        case NumberParse::kOk:
          break;
        case NumberParse::kNotNumber:
          fail(value_at, "expected a number after '" + std::string(index_text) + ":', found " +
                             quoted(value_text));
          break;
        case NumberParse::kNotFinite:
          fail(value_at,
               "value " + quoted(value_text) + " is not allowed: expected a finite number");
          break;
      }
      if (!entries.add(static_cast<int32_t>(index - 1), value) && type != ValueType::kAuto)
        fail(value_at, "value " + quoted(value_text) +
                           " is beyond the float32 range (3.4e38): read the data with "
                           "`dtype` float64");
      if (!wide && type == ValueType::kAuto && !entries.fits_float) {
        chunk.needs_wide = true;
        return;
      }
      prev = index;
    }
    entries.end_row();
    max_index = std::max(max_index, prev);
  }
  chunk.max_index = max_index;
  chunk.lines = line_no;
}

// Cuts text into about `pieces` chunks at line ends.
std::vector<std::string_view> cut_at_lines(std::string_view text, int pieces) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  for (int k = 1; k <= pieces && begin < text.size(); ++k) {
    size_t end = k == pieces ? text.size() : text.size() * static_cast<size_t>(k) / pieces;
    if (end < begin) end = begin;
    if (end < text.size()) {
      const size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    if (end > begin) out.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return out;
}


// The text streams through a window of about chunk_bytes x max(4 threads, max_chunks) bytes,
// cut at the last line end; each window is cut into chunks at line ends, parsed in parallel
// (each into its own entries and class list), then joined in file order: the classes are
// numbered in the order the file first shows them, and an error is the first one in the file,
// with its line counted from the top. The entries are kept in float32 unless the value type
// asks for float64, so the peak is about the final matrix plus one window of text.
std::optional<Dataset> parse_stream(TextSource& source, const std::string& path,
                                    const ReadOptions& options, bool wide) {
  const int threads = num_threads();
  const size_t chunk_bytes = std::max<size_t>(libsvm_chunk_bytes, 1);
  const size_t max_pieces = std::max<size_t>(4 * static_cast<size_t>(threads), libsvm_max_chunks);
  size_t window = chunk_bytes * max_pieces;
  if (source.size_hint() >= 0)  // a small file needs a buffer only its size
    window = std::min(window, static_cast<size_t>(source.size_hint()) + 1);
  window = std::max<size_t>(window, 2);
  std::unique_ptr<char[]> buf(new char[window]);  // not zeroed: pages touched as text arrives
  size_t have = 0, touched = 0;
  bool eof = false, first = true;

  ClassIndex classes;
  std::vector<int32_t> labels;
  std::vector<Entries> parts;
  int64_t line_offset = 0, max_index = 0;
  for (;;) {
    while (!eof && have < window) {
      const size_t k = source.read(buf.get() + have, window - have);
      eof = k == 0;
      have += k;
    }
    const std::string_view filled(buf.get(), have);
    size_t take = have;
    if (!eof) {
      const size_t nl = filled.rfind('\n');
      if (nl == std::string_view::npos) {  // one line longer than the window: widen it
        std::unique_ptr<char[]> wider(new char[2 * window]);
        std::memcpy(wider.get(), buf.get(), have);
        buf = std::move(wider);
        window *= 2;
        continue;
      }
      take = nl + 1;
    }
    std::string_view text = filled.substr(0, take);
    if (first) {
      text = without_bom(text);
      refuse_binary(text, path);
      first = false;
    }

    const int pieces = static_cast<int>(std::clamp<size_t>(text.size() / chunk_bytes, 1, max_pieces));
    std::vector<LibsvmChunk> chunks;
    for (std::string_view piece : cut_at_lines(text, pieces)) chunks.emplace_back().text = piece;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (chunks.size() > 1)
    for (size_t c = 0; c < chunks.size(); ++c) {
      try {
        parse_chunk(chunks[c], path, wide, options.value_type, options.labels_optional);
      } catch (const ParseError& e) {
        chunks[c].error.emplace(e);
      }
    }
    // Join: classes in first-seen order, errors and class limits at their file line.
    for (LibsvmChunk& c : chunks) {
      if (c.needs_wide) return std::nullopt;
      if (c.error)
        throw ParseError(path, line_offset + c.error->line(), c.error->col(), c.error->message());
      std::vector<int32_t> global(c.classes.names().size());
      for (size_t k = 0; k < global.size(); ++k) {
        global[k] = classes.index_of(c.classes.names()[k]);
        if (options.classes > 0 &&
            classes.names().size() > static_cast<size_t>(options.classes))
          throw ParseError(path, line_offset + c.class_at[k].first, c.class_at[k].second,
                           too_many_classes(classes.names(), options.classes));
      }
      for (int32_t l : c.labels) labels.push_back(global[static_cast<size_t>(l)]);
      max_index = std::max(max_index, c.max_index);
      line_offset += c.lines;
      if (c.entries.rows() > 0) parts.push_back(std::move(c.entries));
    }
    chunks.clear();
    if (options.memory_limit > 0) {
      // The window's pages that text has touched (it is not zeroed), and the entries so far.
      touched = std::max(touched, have);
      int64_t held = static_cast<int64_t>(touched + labels.capacity() * sizeof(int32_t)), nnz = 0;
      for (const Entries& e : parts) {
        held += static_cast<int64_t>(e.row_ptr.capacity() * 8 + e.col.capacity() * 4 +
                                     e.val32.capacity() * 4 + e.val64.capacity() * 8);
        nnz += e.nnz();
      }
      enforce_memory_limit(options, path, line_offset, held, static_cast<int64_t>(labels.size()),
                           std::max(max_index, options.min_features), nnz,
                           !wide && options.value_type != ValueType::kFloat64);
    }
    if (eof && take == have) break;
    std::memmove(buf.get(), buf.get() + take, have - take);
    have -= take;
  }
  buf.reset();

  if (labels.empty())
    throw ParseError(path, 1, 1,
                     "the file has no examples (it is empty or holds only blank lines and "
                     "comments): expected lines of 'label index:value ...'");
  if (const int32_t wanted = std::max(options.classes, options.min_classes);
      wanted > 0 && classes.names().size() < static_cast<size_t>(wanted))
    throw ParseError(path, line_offset, 1,
                     too_few_classes(classes.names(), static_cast<int64_t>(labels.size()),
                                     wanted, "is it the whole file?"));
  Dataset data;
  const int64_t cols = std::max(max_index, options.min_features);
  data.x = build_data_matrix(std::move(parts), cols, options.storage,
                             wide ? ValueType::kFloat64 : ValueType::kFloat32);
  data.label = std::move(labels);
  data.classes = classes.take_classes();
  data.source = path;
  return data;
}

}  // namespace

Dataset parse_libsvm(TextSource source, const std::string& path, const ReadOptions& options) {
  std::optional<Dataset> d =
      parse_stream(source, path, options, options.value_type == ValueType::kFloat64);
  if (!d) {  // kAuto, and a value beyond float32's normal range: every digit kept in float64
    source = source.reopen();
    d = parse_stream(source, path, options, true);
  }
  return std::move(*d);
}

Dataset parse_libsvm(std::string_view text, const std::string& path, const ReadOptions& options) {
  return parse_libsvm(TextSource::over(text, path), path, options);
}

}  // namespace detail

Dataset read_libsvm(const std::string& path, const ReadOptions& options) {
  detail::refuse_csv_options(path, options);
  detail::TextSource source = detail::TextSource::open(path, options.value_type == ValueType::kAuto);
  if (options.shard_count > 1) {
    source = source.shard(options.shard_rank, options.shard_count);
    const bool every_kth_line = source.gzip();  // gzip cannot seek: every K-th line, else bytes
    const std::string part = path + " (part " + std::to_string(options.shard_rank + 1) + " of " +
                             std::to_string(options.shard_count) + ")";
    Dataset d = detail::parse_libsvm(std::move(source), part, options);
    d.source = path;
    if (every_kth_line) {
      d.shard_first = options.shard_rank;
      d.shard_stride = options.shard_count;
    }
    return d;
  }
  return detail::parse_libsvm(std::move(source), path, options);
}

namespace detail {

void refuse_csv_options(const std::string& path, const ReadOptions& options) {
  auto csv_only = [&](const std::string& option) {
    throw ValueError(option + " applies to CSV input, but '" + path +
                     "' is read as LIBSVM (a label, then index:value pairs); drop the option, "
                     "or read it with `format` csv if the file is CSV");
  };
  if (!options.label_column.empty()) csv_only("`label_column`");
  if (!options.weight_column.empty()) csv_only("`weight_column`");
  if (options.header) csv_only(*options.header ? "`header`" : "`no_header`");
  if (options.delimiter) csv_only("`delimiter`");
  if (options.missing != MissingPolicy::kError) csv_only("`missing`");
}

}  // namespace detail
}  // namespace lograd
