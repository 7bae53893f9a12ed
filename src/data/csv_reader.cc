// The CSV reader: header and delimiter detection, label and weight columns, one-hot encoding
// of text columns, missing values, and replay of a saved encoding at prediction.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "data/csv_scanner.h"
#include "data/exact_sum.h"
#include "data/part_agree.h"
#include "data/reader_internal.h"
#include "data/text_file.h"
#include "lograd/collective.h"
#include "lograd/memory.h"
#include "lograd/readers.h"

namespace lograd {
namespace detail {
namespace {

using Kind = CsvColumn::Kind;

bool is_missing(std::string_view s) { return s.empty() || s == "?"; }

bool is_number(std::string_view s) {
  double v;
  return parse_number(s, &v) == NumberParse::kOk;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

// The name of column j (0-based) given by its header field: "column N" (1-based) when empty.
std::string column_name(std::string_view field, size_t j) {
  return field.empty() ? "column " + std::to_string(j + 1) : std::string(field);
}

// A first row is a header when one of its fields is text where the second row has a number.
bool looks_like_header(const std::vector<std::string>& first,
                       const std::vector<std::string>& second) {
  for (size_t j = 0; j < first.size() && j < second.size(); ++j)
    if (!is_missing(first[j]) && !is_number(first[j]) && !is_missing(second[j]) &&
        is_number(second[j]))
      return true;
  return false;
}

std::vector<std::string> copy_texts(const std::vector<CsvField>& fields) {
  std::vector<std::string> out;
  out.reserve(fields.size());
  for (const auto& f : fields) out.emplace_back(f.text);
  return out;
}

// Per-column facts gathered while learning an encoding. Data-parallel reading gathers each
// rank's and merges them in rank order (CsvReader::merge_scans): every field merges exactly.
struct ColumnStats {
  bool text = false;                // some value is not a finite number: categorical
  bool number_before_text = false;  // a number came before the first text value
  ExactSum sum;            // of the numbers (under MissingPolicy::kMean only): exact, so the
                           // mean is the same bits whatever the order or the split
  int64_t count = 0;       // numbers
  int64_t text_count = 0;  // values that are not numbers
  int64_t first_text_line = 0, first_text_col = 0;
  std::string first_text;
  TextMap<int32_t> categories;  // distinct values (once text was seen)

  void add_category(std::string_view v) {
    if (categories.find(v) == categories.end()) categories.emplace(std::string(v), 0);
  }
};

// Bytes of bookkeeping per CSV column while reading (its statistics, category index, encoding
// entry, feature name and field in the current row), measured about 200 on a file of 1e6 columns.
constexpr size_t kCsvBytesPerColumn = 512;

// Reads one CSV text into a Dataset; one object per call.
class CsvReader {
 public:
  CsvReader(std::string_view text, const std::string& path, const ReadOptions& options)
      : text_(without_bom(text)), layout_text_(text_), path_(path), options_(options),
        replay_(options.encoding) {}

  Dataset read();
  // Data-parallel: this rank's part of the file, whose first records are `head` (every rank
  // reads the same head, so all choose the same layout); read_text() returns the part's text.
  // The ranks scan their parts, merge what they found in rank order and read their parts with
  // the encoding one process would learn from the whole file. Errors: on every rank.
  // part_of_line(L): the part that holds line L of the head (the one with the header).
  // cut_at_lines: the parts are byte ranges or lines of one file, so a record may not span
  // lines (false for whole files, read_csv_files).
  Dataset read_part(Collective& c, std::string_view head, bool every_kth_line, bool cut_at_lines,
                    const std::function<std::string()>& read_text,
                    const std::function<int(int64_t)>& part_of_line);
  // After choose_layout (in read_part, before read_text): the layout chosen.
  bool header() const { return header_; }
  char delimiter() const { return delim_; }
  // Before read_part: the head's first line is line `line` of the whole text (files joined).
  void set_layout_first_line(int64_t line) { layout_first_line_ = line; }
  // In read_text: the lines of this part's text where a file of its own begins (ascending); a
  // record may not run from one file into the next.
  void set_file_starts(std::vector<int64_t> lines) { file_starts_ = std::move(lines); }

 private:
  void choose_layout();
  void learn_columns(std::vector<std::string> header);
  void replay_columns();
  int64_t resolve_column(const std::string& ref, const char* what) const;
  std::string describe(size_t j) const;
  void check_width(const std::vector<CsvField>& f, const CsvScanner& scanner) const;
  bool keep_row(const std::vector<CsvField>& f) const;
  // Calls f(fields) for every data record kept under the missing-value policy.
  template <class F>
  void for_each_row(F&& f);
  void gather_stats();
  // The pieces of gather_stats: the first pass over the text (stats_, and the classes in
  // part_classes_ for a part), the refusal of a numeric column with text in it, the second
  // pass for categorical columns with numbers, and the encoding from stats_.
  void scan();
  void refuse_damaged_columns() const;
  bool needs_number_pass() const;
  void scan_numbers();
  void build_encoding();
  // Data-parallel: the first scan in bytes, and the merge of every rank's in rank order.
  std::string serialize_scan() const;
  void merge_scans(const std::vector<std::string>& scans, const PartLines& lines);
  Dataset emit();
  Dataset emit_as(bool wide);
  // emit_as in two steps: the entries and everything but the matrix, then the matrix.
  std::vector<Entries> collect(bool wide, Dataset& data);
  void finish(Dataset& data, std::vector<Entries>&& parts, Storage storage, ValueType type);

  // enforce_memory_limit with the text and the per-column bookkeeping held.
  void check_memory(int64_t line, int64_t rows, int64_t cols, int64_t nnz,
                    int64_t entries_bytes) const {
    enforce_memory_limit(
        options_, path_, line,
        static_cast<int64_t>(text_.size() + ncols_ * kCsvBytesPerColumn) + entries_bytes, rows,
        cols, nnz, options_.value_type != ValueType::kFloat64);
  }
  [[noreturn]] void fail(const CsvField& at, const std::string& message) const {
    throw ParseError(path_, at.line, at.col, message);
  }
  // Refuses text that is not UTF-8 (it would go into the model file): at its first bad byte.
  void check_utf8(const CsvField& at, size_t j, const char* what) const;
  // Prediction on rows without the model's label or weight column: inserts them, empty, into
  // a record (ascending, so each position is the model's).
  void insert_absent(std::vector<CsvField>& f) const {
    for (const int64_t j : absent_) {
      const CsvField empty{std::string_view(), f.empty() ? 0 : f[0].line, 1};
      if (static_cast<int64_t>(f.size()) >= j)
        f.insert(f.begin() + j, empty);
      else
        f.push_back(empty);  // a short row: check_width reports it
    }
  }
  // What a missing value's error offers: the policies this read can take (prediction keeps
  // every row; `mean` needs a model trained with it, which holds the means).
  std::string advice_for_missing() const {
    const bool mean = replay_ == nullptr || replay_->missing.empty() || replay_->missing == "mean";
    if (options_.labels_optional)
      return std::string(": use `missing` zero") + (mean ? "|mean" : "") +
             " to fill the value (prediction writes a line for every row, so rows are not "
             "dropped)";
    return std::string(": use `missing` skip-row|zero") + (mean ? "|mean" : "") +
           " to drop the row or fill the value";
  }
  bool is_absent(int64_t j) const {
    return std::find(absent_.begin(), absent_.end(), j) != absent_.end();
  }
  // Which of the model's label and weight columns a file `width` columns wide lacks.
  std::vector<int64_t> absent_columns(const std::vector<std::string>& first, size_t width) const;

  std::string_view text_;
  std::string_view layout_text_;  // where choose_layout looks: text_, or a part's file head
  const std::string& path_;
  const ReadOptions& options_;
  const CsvEncoding* replay_;

  char delim_ = ',';
  bool header_ = false;
  bool named_ = false;      // column names come from a header
  int64_t first_line_ = 1;  // the line of the first record (header or data)
  size_t ncols_ = 0;
  int64_t label_ = -1, weight_ = -1;  // column indices
  CsvEncoding encoding_;
  std::vector<ColumnStats> stats_;
  std::vector<TextMap<int32_t>> category_index_;  // per column: category -> position
  int64_t features_ = 0;
  int64_t skipped_ = 0;
  // Replayed columns the file lacks: the weight column, and with labels_optional the label
  // column (ascending model positions); no_label_: the label column is one of them.
  std::vector<int64_t> absent_;
  bool no_label_ = false;
  // Data-parallel reading.
  bool part_ = false;          // text_ is one rank's part of the text (read_part)
  bool cut_at_lines_ = false;  // the parts are cut at line ends: a record may not span lines
  bool part_header_ = true;    // the text starts with the header line (the whole file, part 0)
  int64_t kept_ = 0;           // rows kept by the scan
  ClassIndex part_classes_;    // a part's classes, first seen at (line, col) of part_class_at_
  std::vector<std::pair<int64_t, int64_t>> part_class_at_;
  std::vector<std::string> classes_;  // the classes of all parts, in the file's first-seen order
  int64_t last_line_ = 1;             // the line of the last row collect() read
  std::string part_text_;             // read_part: this part's text
  int64_t layout_first_line_ = 1;     // the line number of layout_text_'s first line
  std::vector<int64_t> file_starts_;  // read_csv_files: where each later file begins
};

void CsvReader::check_utf8(const CsvField& at, size_t j, const char* what) const {
  const size_t bad = invalid_utf8(at.text);
  if (bad == std::string_view::npos) return;
  constexpr char kHex[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(at.text[bad]);
  throw ParseError(path_, at.line, at.col + static_cast<int64_t>(bad),
                   std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15] + " in the " + what +
                       " " + quoted(at.text) + " of column " + std::to_string(j + 1) +
                       " is not UTF-8: lograd reads UTF-8 text (bytes like this come from "
                       "Windows-1252 or Latin-1 files); convert the file, e.g. iconv -f "
                       "WINDOWS-1252 -t UTF-8 FILE > FILE.utf8");
}

std::string CsvReader::describe(size_t j) const {
  std::string s = "column " + std::to_string(j + 1);
  if (named_) s += " (" + quoted(encoding_.columns[j].name) + ")";
  return s;
}

int64_t CsvReader::resolve_column(const std::string& ref, const char* what) const {
  if (named_) {
    int64_t found = -1;
    for (size_t j = 0; j < ncols_; ++j)
      if (encoding_.columns[j].name == ref) {
        if (found >= 0)  // two columns of that name: either could be meant
          throw ValueError(std::string(what) + " '" + ref + "' names columns " +
                           std::to_string(found + 1) + " and " + std::to_string(j + 1) + " of '" +
                           path_ + "': give the column's number instead");
        found = static_cast<int64_t>(j);
      }
    if (found >= 0) return found;
  }
  const bool digits =
      !ref.empty() && ref.size() < 10 &&
      std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {  // 1-based, as columns are numbered in every message
    const int64_t j = std::stoll(ref);
    if (j == 0)
      throw ValueError(std::string(what) + " 0: columns are numbered from 1 (as in lograd's "
                       "messages and in cut -f): give 1 for the first column");
    if (j > static_cast<int64_t>(ncols_))
      throw ValueError(std::string(what) + " " + ref + " is out of range: '" + path_ + "' has " +
                       std::to_string(ncols_) + " columns (1 to " + std::to_string(ncols_) + ")");
    return j - 1;
  }
  if (!named_)
    throw ValueError(std::string(what) + " '" + ref + "' is not a column number, and '" + path_ +
                     "' has no header to look names up in: give a column number (1 for the "
                     "first column)");
  std::string names;
  for (size_t j = 0; j < ncols_ && j < 20; ++j)
    names += (j ? ", " : "") + encoding_.columns[j].name;
  if (ncols_ > 20) names += ", ...";
  throw ValueError("no column named '" + ref + "' in the header of '" + path_ +
                   "' (columns: " + names + ")");
}

void CsvReader::choose_layout() {
  if (options_.delimiter)
    delim_ = *options_.delimiter;
  else if (replay_ != nullptr)
    delim_ = replay_->delimiter;
  else if (ends_with(path_, ".tsv") || ends_with(path_, ".tsv.gz"))
    delim_ = '\t';
  else
    delim_ = detect_delimiter(layout_text_);

  CsvScanner scanner(layout_text_, delim_, path_, layout_first_line_);
  std::vector<CsvField> fields;
  if (!scanner.next(&fields))
    throw ParseError(path_, 1, 1,
                     "the file has no examples (it is empty or holds only blank lines): expected "
                     "rows of comma-separated values");
  first_line_ = scanner.record_line();
  std::vector<std::string> first = copy_texts(fields);
  std::vector<std::pair<int64_t, int64_t>> first_at;
  for (const CsvField& f : fields) first_at.emplace_back(f.line, f.col);
  std::vector<std::string> second;
  const bool has_second = scanner.next(&fields);
  if (has_second) second = copy_texts(fields);
  if (replay_ != nullptr && first.size() < replay_->columns.size()) {
    // Prediction on rows without the label (or weight) column: read them as if it were there,
    // empty, its name in the header's place (matching the model's header, if any).
    absent_ = absent_columns(first, first.size());
    for (const int64_t j : absent_) {
      const CsvColumn& c = replay_->columns[static_cast<size_t>(j)];
      if (c.kind == Kind::kLabel) no_label_ = true;
      first.insert(first.begin() + j, c.name);
      first_at.insert(first_at.begin() + j, {first_line_, 1});
      if (has_second) second.insert(second.begin() + j, c.name);
    }
  }

  if (options_.header) {
    header_ = *options_.header;
  } else {
    header_ = has_second && looks_like_header(first, second);
    if (replay_ != nullptr && !header_) {
      // A header names the saved columns, or puts text where the training data had numbers.
      const auto& cols = replay_->columns;
      bool same_names = replay_->header && cols.size() == first.size();
      for (size_t j = 0; j < cols.size() && j < first.size(); ++j) {
        if (cols[j].name != column_name(first[j], j)) same_names = false;
        if (cols[j].kind == Kind::kNumeric && !is_missing(first[j]) && !is_number(first[j]))
          header_ = true;
      }
      header_ = header_ || same_names;
    }
  }
  if (!has_second && !options_.header &&
      std::none_of(first.begin(), first.end(), [](const std::string& t) { return is_number(t); }))
    header_ = true;  // a single line of text only: a header (what else would name columns?)
  if (header_ && !has_second)
    throw ParseError(path_, first_line_, 1, "the file has a header but no examples");

  if (replay_ != nullptr && header_ && replay_->header) {
    // Columns are matched by position: a header that names them differently (reordered,
    // renamed) would silently feed the model the wrong features.
    for (size_t j = 0; j < replay_->columns.size() && j < first.size(); ++j)
      if (column_name(first[j], j) != replay_->columns[j].name)
        throw ParseError(path_, first_line_, 1,
                         "column " + std::to_string(j + 1) + " is named " + quoted(first[j]) +
                             " but the model was trained with " +
                             quoted(replay_->columns[j].name) +
                             " there: give the columns in the training file's order");
  }
  if (replay_ != nullptr)
    replay_columns();
  else {
    if (header_)
      for (size_t j = 0; j < first.size(); ++j)
        check_utf8(CsvField{first[j], first_at[j].first, first_at[j].second}, j, "column name");
    learn_columns(header_ ? std::move(first) : std::vector<std::string>(first.size()));
  }
}

void CsvReader::learn_columns(std::vector<std::string> header) {
  ncols_ = header.size();
  named_ = header_;
  encoding_.delimiter = delim_;
  encoding_.header = header_;
  encoding_.columns.resize(ncols_);
  for (size_t j = 0; j < ncols_; ++j) {
    encoding_.columns[j].name = column_name(header[j], j);
  }
  label_ = options_.label_column.empty() ? static_cast<int64_t>(ncols_) - 1
                                         : resolve_column(options_.label_column, "label column");
  if (!options_.weight_column.empty()) {
    weight_ = resolve_column(options_.weight_column, "weight column");
    if (weight_ == label_)
      throw ValueError("the weight column and the label column are both " + describe(label_) +
                       ": give different columns");
  }
  encoding_.columns[label_].kind = Kind::kLabel;
  if (weight_ >= 0) encoding_.columns[weight_].kind = Kind::kWeight;
}

void CsvReader::replay_columns() {
  encoding_ = *replay_;
  encoding_.delimiter = delim_;
  encoding_.header = header_;
  named_ = replay_->header;
  ncols_ = encoding_.columns.size();
  category_index_.resize(ncols_);
  for (size_t j = 0; j < ncols_; ++j) {
    const CsvColumn& c = encoding_.columns[j];
    if (c.kind == Kind::kLabel) label_ = static_cast<int64_t>(j);
    if (c.kind == Kind::kWeight) weight_ = static_cast<int64_t>(j);
    if (c.kind == Kind::kNumeric) features_ = std::max(features_, c.first_feature + 1);
    if (c.kind == Kind::kCategorical) {
      features_ = std::max(features_, c.first_feature + static_cast<int64_t>(c.categories.size()));
      for (size_t k = 0; k < c.categories.size(); ++k)
        category_index_[j].emplace(c.categories[k], static_cast<int32_t>(k));
    }
  }
  if (label_ < 0) throw ValueError("the saved CSV encoding has no label column");
}

std::vector<int64_t> CsvReader::absent_columns(const std::vector<std::string>& first,
                                                size_t width) const {
  const auto& cols = replay_->columns;
  int64_t label = -1, weight = -1;
  for (size_t j = 0; j < cols.size(); ++j) {
    if (cols[j].kind == Kind::kLabel) label = static_cast<int64_t>(j);
    if (cols[j].kind == Kind::kWeight) weight = static_cast<int64_t>(j);
  }
  std::vector<int64_t> optional;  // the weight column always; the label column for prediction
  if (weight >= 0) optional.push_back(weight);
  if (label >= 0 && options_.labels_optional) optional.push_back(label);
  std::sort(optional.begin(), optional.end());
  const size_t lacking = cols.size() - width;
  if (lacking == 2 && optional.size() == 2) return optional;
  // Otherwise one column short, or a width error (check_width). Without a weight column, the
  // label is the one (prediction). With one, the file may lack the weight or the label (a file
  // without labels given to eval must not be read as one without weights).
  if (lacking != 1 || optional.empty()) return {};
  if (weight < 0 || label < 0) return optional;
  // A header tells which; without one, either choice lines up the features when no feature
  // column lies between the two, and then the weight is taken to be absent.
  const auto named = [&](int64_t j) {
    return std::find(first.begin(), first.end(), cols[static_cast<size_t>(j)].name) != first.end();
  };
  if (replay_->header && named(label) != named(weight)) {
    if (!named(label) && !options_.labels_optional) return {};  // no labels: check_width says
    return {named(label) ? weight : label};
  }
  if (std::abs(label - weight) == 1) return {weight};
  throw ParseError(path_, first_line_, 1,
                   "the file has one column fewer than the model's training data, which had a "
                   "label column (" + quoted(cols[static_cast<size_t>(label)].name) +
                       ") and a weight column (" + quoted(cols[static_cast<size_t>(weight)].name) +
                       "): without a header naming the columns, which of them is absent is "
                       "unclear: add the training file's header line, or give both columns");
}

void CsvReader::check_width(const std::vector<CsvField>& f, const CsvScanner& scanner) const {
  if (f.size() == ncols_) return;
  const std::string basis = replay_ != nullptr ? "as in the training data"
                            : header_          ? "as in the header"
                                               : "as in line " + std::to_string(first_line_);
  const size_t absent = absent_.size();  // the label or weight column, not in the file
  const std::string without = absent == 2 ? ", without the label and weight columns"
                              : no_label_ ? ", without the label column"
                              : absent    ? ", without the weight column"
                                          : "";
  const std::string message = "expected " + std::to_string(ncols_ - absent) + " fields (" + basis +
                              without + "), found " + std::to_string(f.size() - absent);
  if (f.size() > ncols_) fail(f[ncols_], message);
  const auto [line, col] = scanner.record_end();
  throw ParseError(path_, line, col, message);
}

bool CsvReader::keep_row(const std::vector<CsvField>& f) const {
  if (!no_label_ && is_missing(f[label_].text))
    fail(f[label_], "missing label " + quoted(f[label_].text) + " in " + describe(label_) +
                        ": every example needs a label");
  bool keep = true;
  for (size_t j = 0; j < ncols_; ++j) {
    if (static_cast<int64_t>(j) == label_ || !is_missing(f[j].text) ||
        is_absent(static_cast<int64_t>(j)))
      continue;
    switch (options_.missing) {
      case MissingPolicy::kError:
        fail(f[j], "missing value " + quoted(f[j].text) + " in " + describe(j) +
                       advice_for_missing());
      case MissingPolicy::kSkipRow:
        keep = false;
        break;
      case MissingPolicy::kZero:
      case MissingPolicy::kMean:
        if (static_cast<int64_t>(j) == weight_)
          fail(f[j], "missing weight " + quoted(f[j].text) + " in " + describe(j) +
                         ": every example needs a weight (or use `missing` skip-row)");
        break;
    }
  }
  return keep;
}

template <class F>
void CsvReader::for_each_row(F&& f) {
  CsvScanner scanner(text_, delim_, path_);
  std::vector<CsvField> fields;
  if (header_ && part_header_) scanner.next(&fields);
  skipped_ = 0;
  while (scanner.next(&fields)) {
    if (!file_starts_.empty() && scanner.record_end().first != scanner.record_line()) {
      const auto next = std::upper_bound(file_starts_.begin(), file_starts_.end(),
                                         scanner.record_line());
      if (next != file_starts_.end() && *next <= scanner.record_end().first)
        throw ParseError(path_, scanner.record_line(), 1,
                         "a quoted field that starts here is not closed before the end of its "
                         "file: close the quote (a record may span lines, not files)");
    }
    if (cut_at_lines_ && scanner.record_end().first != scanner.record_line())
      throw ParseError(path_, scanner.record_line(), 1,
                       "a quoted field spans lines here: data-parallel reading cuts the file "
                       "at line ends, so every record must be one line; remove the line breaks "
                       "inside quotes, or train in one process");
    insert_absent(fields);
    check_width(fields, scanner);
    if (keep_row(fields))
      f(fields);
    else
      ++skipped_;
  }
}

void CsvReader::gather_stats() {
  scan();
  refuse_damaged_columns();
  if (needs_number_pass()) scan_numbers();
  build_encoding();
}

void CsvReader::scan() {
  stats_.assign(ncols_, ColumnStats{});
  kept_ = 0;
  const bool mean = options_.missing == MissingPolicy::kMean;
  auto is_feature = [&](size_t j) { return encoding_.columns[j].kind == Kind::kNumeric; };
  for_each_row([&](const std::vector<CsvField>& f) {
    ++kept_;
    if (part_) {  // the classes in this part's first-seen order, and where each first is
      check_utf8(f[label_], static_cast<size_t>(label_), "label");
      part_classes_.index_of(f[label_].text);
      if (part_classes_.names().size() > part_class_at_.size())
        part_class_at_.emplace_back(f[label_].line, f[label_].col);
    }
    for (size_t j = 0; j < ncols_; ++j) {
      if (!is_feature(j) || is_missing(f[j].text)) continue;
      ColumnStats& s = stats_[j];
      double v;
      const NumberParse parsed = parse_number(f[j].text, &v);
      if (parsed == NumberParse::kNotFinite)
        fail(f[j], "value " + quoted(f[j].text) + " in " + describe(j) +
                       " is not allowed: expected a finite number (for a missing value leave "
                       "the field empty or write '?', and choose a `missing` policy)");
      if (parsed == NumberParse::kOk) {
        ++s.count;
        if (mean) s.sum.add(v);
        if (s.text)
          s.add_category(f[j].text);
        else
          s.number_before_text = true;
      } else {
        check_utf8(f[j], j, "value");
        if (s.text_count++ == 0) {
          s.first_text_line = f[j].line;
          s.first_text_col = f[j].col;
          s.first_text = f[j].text;
        }
        s.text = true;
        s.add_category(f[j].text);
      }
    }
  });
}

// A column of numbers with a little text in it is a damaged numeric column, not a
// categorical one: refuse its first text value.
void CsvReader::refuse_damaged_columns() const {
  for (size_t j = 0; j < ncols_; ++j) {
    const ColumnStats& s = stats_[j];
    if (s.text && s.count > s.text_count)
      throw ParseError(path_, s.first_text_line, s.first_text_col,
                       "expected a number in " + describe(j) + ", found " +
                           quoted(s.first_text) + ": " + std::to_string(s.count) + " of its " +
                           std::to_string(s.count + s.text_count) +
                           " values are numbers (a column of text, e.g. 'red', 'blue', would "
                           "be one-hot encoded); " +
                           (s.first_text_line == first_line_ && !header_
                                ? "line " + std::to_string(first_line_) +
                                      " looks like a header: drop `no_header`"
                                : std::string("fix the value, or for a missing value leave the "
                                              "field empty or write '?' and choose a `missing` "
                                              "policy")));
  }
}

bool CsvReader::needs_number_pass() const {
  return std::any_of(stats_.begin(), stats_.end(),
                     [](const ColumnStats& s) { return s.text && s.number_before_text; });
}

// Text columns whose numbers came first: collect those numbers as categories too.
void CsvReader::scan_numbers() {
  for_each_row([&](const std::vector<CsvField>& f) {
    for (size_t j = 0; j < ncols_; ++j)
      if (stats_[j].text && stats_[j].number_before_text && !is_missing(f[j].text))
        stats_[j].add_category(f[j].text);
  });
}

void CsvReader::build_encoding() {
  category_index_.resize(ncols_);
  for (size_t j = 0; j < ncols_; ++j) {
    CsvColumn& c = encoding_.columns[j];
    if (c.kind != Kind::kNumeric) continue;
    const ColumnStats& s = stats_[j];
    c.first_feature = features_;
    if (!s.text) {
      c.fill = options_.missing == MissingPolicy::kMean && s.count > 0 ? s.sum.mean(s.count) : 0.0;
      ++features_;
      continue;
    }
    c.kind = Kind::kCategorical;
    c.categories.reserve(s.categories.size());
    for (const auto& [name, unused] : s.categories) c.categories.push_back(name);
    std::sort(c.categories.begin(), c.categories.end());
    for (size_t k = 0; k < c.categories.size(); ++k)
      category_index_[j].emplace(c.categories[k], static_cast<int32_t>(k));
    features_ += static_cast<int64_t>(c.categories.size());
  }
  stats_.clear();
}

// Per part: kept and skipped rows, the classes (name,
// line, column), then per column its counts, flags, first text value, sum and categories.
std::string CsvReader::serialize_scan() const {
  std::string out;
  put_i64(out, kept_);
  put_i64(out, skipped_);
  put_i64(out, static_cast<int64_t>(part_classes_.names().size()));
  for (size_t k = 0; k < part_classes_.names().size(); ++k) {
    put_str(out, part_classes_.names()[k]);
    put_i64(out, part_class_at_[k].first);
    put_i64(out, part_class_at_[k].second);
  }
  for (const ColumnStats& s : stats_) {
    put_i64(out, s.count);
    put_i64(out, s.text_count);
    put_i64(out, (s.text ? 1 : 0) | (s.number_before_text ? 2 : 0));
    put_i64(out, s.first_text_line);
    put_i64(out, s.first_text_col);
    put_str(out, s.first_text);
    s.sum.serialize(out);
    put_i64(out, static_cast<int64_t>(s.categories.size()));
    for (const auto& [name, unused] : s.categories) put_str(out, name);
  }
  return out;
}

void CsvReader::merge_scans(const std::vector<std::string>& scans, const PartLines& lines) {
  std::vector<ColumnStats> merged(ncols_);
  // Each class with the file line and column where it first is (parts interleave under gzip:
  // the first part to see a class need not hold its first line).
  TextMap<std::pair<int64_t, int64_t>> first_at;
  kept_ = 0;
  int64_t skipped = 0;
  for (size_t r = 0; r < scans.size(); ++r) {
    std::string_view in = scans[r];
    kept_ += get_i64(in);
    skipped += get_i64(in);
    const int64_t n_classes = get_i64(in);
    for (int64_t k = 0; k < n_classes; ++k) {
      std::string name = get_str(in);
      const int64_t line = lines.global(static_cast<int>(r), get_i64(in)), col = get_i64(in);
      auto [it, inserted] = first_at.try_emplace(std::move(name), line, col);
      if (!inserted && line < it->second.first) it->second = {line, col};
    }
    for (ColumnStats& m : merged) {
      const int64_t count = get_i64(in), text_count = get_i64(in), flags = get_i64(in);
      const int64_t text_line = lines.global(static_cast<int>(r), get_i64(in));
      const int64_t text_col = get_i64(in);
      std::string first_text = get_str(in);
      ExactSum sum;
      if (!sum.parse(in)) throw Error("corrupt data-parallel message between ranks");
      if (text_count > 0 && (m.text_count == 0 || text_line < m.first_text_line)) {
        m.first_text_line = text_line;
        m.first_text_col = text_col;
        m.first_text = std::move(first_text);
      }
      m.count += count;
      m.text_count += text_count;
      m.text = m.text || (flags & 1) != 0;
      m.number_before_text = m.number_before_text || (flags & 2) != 0;
      m.sum.merge(sum);
      for (int64_t k = get_i64(in); k > 0; --k) m.add_category(get_str(in));
    }
  }
  stats_ = std::move(merged);
  skipped_ = skipped;
  std::vector<std::pair<std::pair<int64_t, int64_t>, std::string>> order;
  for (auto& [name, at] : first_at) order.emplace_back(at, name);
  std::sort(order.begin(), order.end());
  classes_.clear();
  for (auto& [at, name] : order) classes_.push_back(std::move(name));
  int64_t too_many_line = 0, too_many_col = 0;  // where the first class of one too many is
  if (options_.classes > 0 && order.size() > static_cast<size_t>(options_.classes)) {
    too_many_line = order[static_cast<size_t>(options_.classes)].first.first;
    too_many_col = order[static_cast<size_t>(options_.classes)].first.second;
  }
  // What one process finds at the end of its passes, found here from the merged counts.
  refuse_damaged_columns();
  if (too_many_line > 0) {
    std::vector<std::string> names(classes_.begin(), classes_.begin() + options_.classes + 1);
    throw ParseError(path_, too_many_line, too_many_col,
                     too_many_classes(names, options_.classes) + " (labels from " +
                         describe(label_) + ")");
  }
  if (kept_ == 0)
    throw ParseError(path_, 1, 1,
                     "no examples left: `missing` skip-row dropped all " +
                         std::to_string(skipped_) + " rows, each has a missing value");
  if (const int32_t wanted = std::max(options_.classes, options_.min_classes);
      wanted > 0 && classes_.size() < static_cast<size_t>(wanted))
    throw ValueError(path_ + ": " +
                     too_few_classes(classes_, kept_, wanted,
                                     "the labels come from " + describe(label_) +
                                         ": is that the label column (`label_column`)?"));
}

// Thrown by emit_as(false) at the first value float32 does not keep (ValueType kAuto).
struct NeedsWide {};

// The entries go into parts of about kPartEntries, each reserved at once for its rows (no
// regrowth: a vector grown by doubling holds up to twice its entries, and 1.5 times while it
// copies), in float32 unless the value type asks for float64 or a value needs it; the
// matrix is then built part by part, each part freed once copied. USPS (7,291 x 256): the
// peak while reading was the text, 12 bytes per value and a regrowth copy (43 MB in all);
// now the text and 8 bytes per value.
Dataset CsvReader::emit() {
  if (options_.value_type == ValueType::kAuto) {
    try {
      return emit_as(false);
    } catch (const NeedsWide&) {  // a value beyond float32's normal range: every digit kept
    }
  }
  return emit_as(true);
}

Dataset CsvReader::emit_as(bool wide) {
  Dataset data;
  std::vector<Entries> parts = collect(wide, data);
  finish(data, std::move(parts), options_.storage, wide ? options_.value_type : ValueType::kFloat32);
  return data;
}

std::vector<Entries> CsvReader::collect(bool wide, Dataset& data) {
  constexpr int64_t kPartEntries = int64_t{1} << 18;
  // Entries per row at most: one per numeric or categorical column.
  int64_t width = 0;
  for (const CsvColumn& c : encoding_.columns)
    width += c.kind == Kind::kNumeric || c.kind == Kind::kCategorical ? 1 : 0;
  const int64_t part_rows = std::max<int64_t>(1, kPartEntries / std::max<int64_t>(width, 1));
  std::vector<Entries> parts;
  Entries entries(wide);
  entries.reserve(static_cast<size_t>(part_rows), static_cast<size_t>(part_rows * width));
  const auto add = [&](int32_t col, double v) {
    if (!entries.add(col, v) || (!wide && !entries.fits_float)) throw NeedsWide{};
  };
  ClassIndex classes;
  for (const std::string& name : classes_) classes.index_of(name);  // a part: the file's order
  const bool mean = options_.missing == MissingPolicy::kMean;
  int64_t last_line = 1;
  int64_t unseen = 0;  // replay: categorical values the encoding does not know
  for_each_row([&](const std::vector<CsvField>& f) {
    if (entries.rows() == part_rows) {
      parts.push_back(std::move(entries));
      entries = Entries(wide);
      entries.reserve(static_cast<size_t>(part_rows), static_cast<size_t>(part_rows * width));
    }
    if (replay_ == nullptr) check_utf8(f[label_], static_cast<size_t>(label_), "label");
    data.label.push_back(classes.index_of(f[label_].text));
    last_line = f[label_].line;
    if (options_.classes > 0 && classes.names().size() > static_cast<size_t>(options_.classes))
      fail(f[label_], too_many_classes(classes.names(), options_.classes) + " (labels from " +
                          describe(label_) + ")");
    if (weight_ >= 0 && !is_absent(weight_)) {
      const CsvField& w = f[weight_];
      double v;
      if (parse_number(w.text, &v) != NumberParse::kOk)
        fail(w, "weight " + quoted(w.text) + " in " + describe(weight_) +
                    " is not a number: expected a finite number >= 0");
      if (v < 0)
        fail(w, "weight " + quoted(w.text) + " in " + describe(weight_) +
                    " is negative: expected a finite number >= 0");
      data.weight.push_back(v);
    }
    for (size_t j = 0; j < ncols_; ++j) {
      const CsvColumn& c = encoding_.columns[j];
      const std::string_view text = f[j].text;
      if (c.kind == Kind::kNumeric) {
        double v = mean ? c.fill : 0.0;
        if (!is_missing(text) && parse_number(text, &v) != NumberParse::kOk)
          fail(f[j], "expected a number in " + describe(j) + ", found " + quoted(text) +
                         ": the column was numeric in the training data");
        if (v != 0) add(static_cast<int32_t>(c.first_feature), v);
      } else if (c.kind == Kind::kCategorical && !is_missing(text)) {
        const auto& index = category_index_[j];
        if (auto it = index.find(text); it != index.end())  // unseen categories: all zero
          add(static_cast<int32_t>(c.first_feature + it->second), 1.0);
        else
          ++unseen;
      }
    }
    entries.end_row();
  });
  data.unseen_categories = unseen;
  if (data.label.empty() && !part_)  // parts: checked over all of them (merge_scans)
    throw ParseError(path_, 1, 1,
                     "no examples left: `missing` skip-row dropped all " +
                         std::to_string(skipped_) + " rows, each has a missing value");
  if (const int32_t wanted = std::max(options_.classes, options_.min_classes);
      !part_ && wanted > 0 && classes.names().size() < static_cast<size_t>(wanted))
    throw ParseError(path_, last_line, 1,
                     too_few_classes(classes.names(), static_cast<int64_t>(data.label.size()),
                                     wanted,
                                     "the labels come from " + describe(label_) +
                                         ": is that the label column (`label_column`)?"));

  for (const CsvColumn& c : encoding_.columns) {
    if (c.kind == Kind::kNumeric) data.feature_names.push_back(c.name);
    if (c.kind == Kind::kCategorical)
      for (const auto& category : c.categories)
        data.feature_names.push_back(c.name + "=" + category);
  }
  parts.push_back(std::move(entries));
  data.classes = classes.take_classes();
  last_line_ = last_line;
  return parts;
}

void CsvReader::finish(Dataset& data, std::vector<Entries>&& parts, Storage storage,
                       ValueType type) {
  const int64_t cols = std::max(features_, options_.min_features);
  const int64_t last_line = last_line_;
  int64_t nnz = 0, held = 0;
  for (const Entries& e : parts) {
    nnz += e.nnz();
    held += static_cast<int64_t>(e.row_ptr.capacity() * 8 + e.col.capacity() * 4 +
                                 e.val64.capacity() * 8 + e.val32.capacity() * 4);
  }
  check_memory(last_line, static_cast<int64_t>(data.label.size()), cols, nnz, held);
  for (int64_t k = static_cast<int64_t>(data.feature_names.size()); k < cols; ++k)
    data.feature_names.push_back("feature " + std::to_string(k + 1));
  data.x = build_data_matrix(std::move(parts), cols, storage, type);
  data.encoding = std::move(encoding_);
  if (replay_ == nullptr)
    data.encoding.missing = missing_policy_name(options_.missing);
  data.source = path_;
  data.skipped_rows = skipped_;
}

Dataset CsvReader::read() {
  choose_layout();
  // A file of few rows and many columns (a million) needs far more than its text: the
  // per-column bookkeeping here, and training's vectors of one entry per feature.
  check_memory(
      first_line_, 0,
      replay_ != nullptr ? features_ : std::max<int64_t>(static_cast<int64_t>(ncols_) - 1, 0), 0,
      0);
  if (replay_ == nullptr) {
    gather_stats();
    check_memory(first_line_, 0, features_, 0, 0);
  }
  return emit();
}

Dataset CsvReader::read_part(Collective& c, std::string_view head, bool every_kth_line,
                             bool cut_at_lines, const std::function<std::string()>& read_text,
                             const std::function<int(int64_t)>& part_of_line) {
  part_ = true;
  cut_at_lines_ = cut_at_lines;
  layout_text_ = without_bom(head);
  choose_layout();  // the same head on every rank: the same layout, or the same error
  part_header_ = part_of_line(first_line_) == c.rank();
  PartLines lines;
  lines.stride = every_kth_line ? c.size() : 0;
  int64_t my_lines = 0;
  // 1. Each rank reads and scans its part.
  const std::vector<std::string> scans = gather_agreed(
      c,
      [&] {
        part_text_ = read_text();
        text_ = c.rank() == 0 ? without_bom(part_text_) : std::string_view(part_text_);
        my_lines = static_cast<int64_t>(std::count(text_.begin(), text_.end(), '\n'));
        check_memory(first_line_, 0,
                     replay_ != nullptr ? features_
                                        : std::max<int64_t>(static_cast<int64_t>(ncols_) - 1, 0),
                     0, 0);
        if (replay_ != nullptr) return std::string();
        try {
          scan();
        } catch (const ParseError& e) {
          if (!cut_at_lines_ || e.message().rfind("unterminated quoted field", 0) != 0) throw;
          throw ParseError(e.file(), e.line(), e.col(),
                           e.message() + " (data-parallel reading cuts the file at line ends: "
                                         "is there a quoted field with a line break in it?)");
        }
        return serialize_scan();
      },
      &my_lines, &lines);
  if (replay_ == nullptr) {
    // 2. Every rank merges the scans in rank order: the counts, sums, categories and classes
    // of the whole file; numbers of text columns are collected in a second pass when needed.
    merge_scans(scans, lines);
    if (needs_number_pass()) {
      const std::vector<std::string> found = gather_agreed(c, [&] {
        scan_numbers();
        std::string out;
        for (const ColumnStats& s : stats_) {
          put_i64(out, static_cast<int64_t>(s.categories.size()));
          for (const auto& [name, unused] : s.categories) put_str(out, name);
        }
        return out;
      }, &my_lines, &lines);
      for (const std::string& part : found) {
        std::string_view in = part;
        for (ColumnStats& s : stats_)
          for (int64_t k = get_i64(in); k > 0; --k) s.add_category(get_str(in));
      }
    }
    build_encoding();
  }
  // 3. Each rank collects its rows; float64 everywhere when some rank has a value float32
  // does not keep, and the storage one process would choose for the whole matrix.
  bool wide = options_.value_type != ValueType::kAuto;
  Dataset data;
  std::vector<Entries> entries;
  auto collect_step = [&] {
    if (replay_ == nullptr) check_memory(first_line_, 0, features_, 0, 0);
    data = Dataset();
    entries.clear();
    bool needs_wide = false;
    try {
      entries = collect(wide, data);
    } catch (const NeedsWide&) {
      needs_wide = true;
    }
    int64_t rows = 0, nnz = 0;
    for (const Entries& e : entries) {
      rows += e.rows();
      nnz += e.nnz();
    }
    std::string out;
    put_i64(out, needs_wide ? 1 : 0);
    put_i64(out, rows);
    put_i64(out, nnz);
    return out;
  };
  std::vector<std::string> counts = gather_agreed(c, collect_step, &my_lines, &lines);
  if (std::any_of(counts.begin(), counts.end(), [](const std::string& m) { return m[0] != 0; })) {
    wide = true;
    counts = gather_agreed(c, collect_step, &my_lines, &lines);
  }
  int64_t rows = 0, nnz = 0;
  for (const std::string& m : counts) {
    std::string_view in = m;
    get_i64(in);
    rows += get_i64(in);
    nnz += get_i64(in);
  }
  const ValueType type = !wide ? ValueType::kFloat32
                         : options_.value_type == ValueType::kAuto ? ValueType::kFloat64
                                                                    : options_.value_type;
  const bool dense = stores_dense(options_.storage, rows, std::max(features_, options_.min_features),
                                  nnz, stores_float32(type, true));
  // 4. Each rank builds its matrix.
  gather_agreed(c, [&] {
    finish(data, std::move(entries), dense ? Storage::kDense : Storage::kSparse, type);
    return std::string();
  });
  return data;
}

}  // namespace

std::string read_csv_text(TextSource& source, const std::string& path, const ReadOptions& options) {
  if (options.memory_limit <= 0) return read_all(source);
  // As the estimate made before reading (lograd/memory.h), for input of unknown size (a pipe).
  const auto max_text =
      static_cast<size_t>(static_cast<double>(options.memory_limit) / kPeakBytesPerTextByte);
  return read_all(source, max_text, [&] {
    throw MemoryLimitError(path + ": not enough memory: the text read so far, over " +
                           std::to_string(max_text) + " bytes, needs about " +
                           std::to_string(static_cast<int64_t>(kPeakBytesPerTextByte)) +
                           " bytes of memory per byte to read and train on, more than the limit "
                           "of " +
                           std::to_string(options.memory_limit) +
                           " bytes. Stopped rather than running out of memory part-way");
  });
}

Dataset parse_csv(std::string_view text, const std::string& path, const ReadOptions& options) {
  refuse_binary(without_bom(text), path);
  return CsvReader(text, path, options).read();
}

namespace {

// Where the third record (outside quotes) of a CSV text ends, or npos when it holds fewer;
// *records: how many it holds up to there (0 to 3; a last one without a line end counts).
size_t third_record_end(std::string_view text, int* records) {
  *records = 0;
  bool quoted = false, content = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '"') quoted = !quoted;
    if (!quoted && ch == '\n') {
      *records += content ? 1 : 0;
      content = false;
      if (*records == 3) return i + 1;
    } else if (ch != ' ' && ch != '\t' && ch != '\r') {
      content = true;
    }
  }
  *records += content ? 1 : 0;
  return std::string_view::npos;
}

// The first records of a CSV text, as read_csv_head takes them from a file (three when it has
// them, else all of it), and how many records that is (0 to 3).
std::pair<std::string_view, int> text_head(std::string_view text) {
  int records;
  const size_t end = third_record_end(text, &records);
  return {end == std::string_view::npos ? text : text.substr(0, end), records};
}

}  // namespace

std::string read_csv_head(const std::string& path) {
  TextSource source = TextSource::open(path);
  for (size_t n = size_t{1} << 16;; n *= 2) {
    const std::string_view head = source.peek(n);
    if (head.size() < n) return std::string(head);  // the whole file
    // Three complete records (outside quotes) hold the two the layout looks at.
    int records;
    const size_t end = third_record_end(head, &records);
    if (end != std::string_view::npos) return std::string(head.substr(0, end));
  }
}

Dataset read_csv_part(const std::string& path, const ReadOptions& options, Collective& c) {
  const std::string head = read_csv_head(path);
  refuse_binary(without_bom(head), path);
  TextSource probe = TextSource::open(path);
  const bool every_kth_line = probe.gzip();
  const int64_t size = probe.size_hint();
  const int rank = c.rank(), count = c.size();
  auto part_of_line = [&](int64_t line) {
    if (every_kth_line) return static_cast<int>((line - 1) % count);
    // Byte ranges: the part whose range [size * r / K, size * (r + 1) / K) the line starts in.
    size_t at = 0;
    for (int64_t l = 1; l < line && at < head.size(); ++l) {
      const size_t nl = head.find('\n', at);
      at = nl == std::string::npos ? head.size() : nl + 1;
    }
    int r = 0;
    while (r + 1 < count && size * (r + 1) / count <= static_cast<int64_t>(at)) ++r;
    return r;
  };
  ReadOptions o = options;
  o.shard_rank = rank;
  o.shard_count = count;
  Dataset d = CsvReader(std::string_view(), path, o)
                  .read_part(c, head, every_kth_line, /*cut_at_lines=*/true,
                             [&] {
                               TextSource part = TextSource::open(path).shard(rank, count);
                               return read_csv_text(part, path, o);
                             },
                             part_of_line);
  if (every_kth_line) {
    // Line k of the file is part k mod K's; with a header (line 0), example i is line i + 1.
    d.shard_stride = count;
    d.shard_first = d.encoding.header ? (rank + count - 1) % count : rank;
  }
  return d;
}

namespace {

// One file of read_csv_files in this rank's joined text: its bytes [begin, end) and the lines
// of the joined text before it.
struct FileSpan {
  std::string path;
  size_t begin = 0, end = 0;
  int64_t lines_before = 0, lines = 0;
};

// The bytes of lines [first, last] (1-based) of text[begin, end) but their line ends, as
// ranges to drop: without them those lines are empty and every later line keeps its number.
void line_bytes(const std::string& text, size_t begin, size_t end, int64_t first, int64_t last,
                std::vector<std::pair<size_t, size_t>>& drop) {
  int64_t line = 1;
  size_t from = begin;
  for (size_t i = begin; i < end && line <= last; ++i) {
    if (text[i] != '\n') continue;
    if (line >= first) drop.emplace_back(from, i);
    ++line;
    from = i + 1;
  }
}

// Removes the ranges (ascending, disjoint) from text in one pass.
void drop_ranges(std::string& text, const std::vector<std::pair<size_t, size_t>>& drop) {
  if (drop.empty()) return;
  size_t write = drop.front().first;
  for (size_t k = 0; k < drop.size(); ++k) {
    const size_t next = k + 1 < drop.size() ? drop[k + 1].first : text.size();
    const size_t read = drop[k].second;
    std::copy(text.begin() + static_cast<std::ptrdiff_t>(read),  // forward: write <= read
              text.begin() + static_cast<std::ptrdiff_t>(next),
              text.begin() + static_cast<std::ptrdiff_t>(write));
    write += next - read;
  }
  text.resize(write);
}

}  // namespace

Dataset read_csv_files(const std::string& name, const std::vector<std::string>& files,
                       const ReadOptions& options, Collective& c) {
  ReadOptions o = options;
  o.shard_rank = c.rank();
  o.shard_count = c.size();
  // 1. Each rank reads its files one after another into one text, each file ending with a
  // line end. Every rank learns every file's line count (for error locations) and the head of
  // the first file with two records or more (the layout: a first file with a header only, as
  // a Spark part can be, does not decide it).
  std::string text;
  std::vector<FileSpan> mine;
  const std::vector<std::string> found = gather_agreed(c, [&] {
    if (files.empty()) throw ValueError(name + ": no files for rank " + std::to_string(c.rank()));
    std::string head;
    int64_t head_records = -1, head_at = 0;  // this rank's candidate: records (up to 2), file
    for (const std::string& f : files) {
      TextSource source = TextSource::open(f);
      std::string t = read_csv_text(source, f, o);
      const size_t bom = t.size() - without_bom(t).size();
      refuse_binary(std::string_view(t).substr(bom), f);
      FileSpan span{f, text.size(), 0, 0, 0};
      for (const FileSpan& s : mine) span.lines_before += s.lines;
      if (text.empty()) {
        text = std::move(t);
        text.erase(0, bom);
      } else {
        text.append(t, bom);
      }
      if (text.size() > span.begin && text.back() != '\n') text += '\n';
      span.end = text.size();
      span.lines = std::count(text.begin() + static_cast<std::ptrdiff_t>(span.begin),
                              text.end(), '\n');
      if (head_records < 2) {  // the first file with the most records, up to two
        const auto [h, records] =
            text_head(std::string_view(text).substr(span.begin, span.end - span.begin));
        if (std::min(records, 2) > head_records) {
          // At most 4 MB (a stray quote makes the "head" the whole file): two records are read.
          head = std::string(h.substr(0, std::min<size_t>(h.size(), size_t{4} << 20)));
          head_records = std::min(records, 2);
          head_at = static_cast<int64_t>(mine.size());
        }
      }
      mine.push_back(std::move(span));
    }
    std::string out;
    put_i64(out, head_records);
    put_i64(out, head_at);
    put_str(out, head);
    put_i64(out, static_cast<int64_t>(mine.size()));
    for (const FileSpan& s : mine) {
      put_str(out, s.path);
      put_i64(out, s.lines);
    }
    return out;
  });
  // The layout's head: the first file (in order over the ranks) with the most records up to
  // two; its first line's number in the whole.
  std::string head, head_file;
  int64_t best = -1, head_line = 1;
  std::vector<std::pair<std::string, int64_t>> all;  // every file, in order, and its lines
  for (size_t r = 0; r < found.size(); ++r) {
    std::string_view in = found[r];
    const int64_t records = get_i64(in), at = get_i64(in);
    std::string h = get_str(in);
    const size_t first = all.size();
    for (int64_t k = get_i64(in); k > 0; --k) {
      std::string path = get_str(in);
      all.emplace_back(std::move(path), get_i64(in));
    }
    if (records > best) {
      best = records;
      head = std::move(h);
      head_file = all[first + static_cast<size_t>(at)].first;
      head_line = 1;
      for (size_t f = 0; f < first + static_cast<size_t>(at); ++f) head_line += all[f].second;
    }
  }
  // An error's line is a line of all the files joined in order: made a line of its file.
  auto located = [&](const ParseError& e) {
    int64_t line = e.line();
    for (const auto& [path, lines] : all) {
      if (line <= lines) return ParseError(path, line, e.col(), e.message());
      line -= lines;
    }
    return e;
  };
  // Tab-separated by the head file's extension, as for one file.
  if (!o.delimiter && o.encoding == nullptr &&
      (ends_with(head_file, ".tsv") || ends_with(head_file, ".tsv.gz")))
    o.delimiter = '\t';
  // 2. The files read as one text. With a header, every file's first record must be it, and
  // is blanked (its lines kept, empty), the head's file's too: no part starts with a header.
  CsvReader reader(std::string_view(), name, o);
  reader.set_layout_first_line(head_line);
  try {
    return reader.read_part(
        c, head, /*every_kth_line=*/false, /*cut_at_lines=*/false,
        [&] {
          std::vector<int64_t> starts;
          for (size_t k = 1; k < mine.size(); ++k) starts.push_back(mine[k].lines_before + 1);
          reader.set_file_starts(std::move(starts));
          if (!reader.header()) return std::move(text);
          std::vector<CsvField> fields;
          CsvScanner head_scanner(without_bom(head), reader.delimiter(), head_file);
          head_scanner.next(&fields);
          const std::vector<std::string> header = copy_texts(fields);
          std::vector<std::pair<size_t, size_t>> drop;
          for (const FileSpan& s : mine) {
            const std::string_view body(text.data() + s.begin, s.end - s.begin);
            CsvScanner scanner(body, reader.delimiter(), s.path, s.lines_before + 1);
            bool any;
            try {
              any = scanner.next(&fields);
            } catch (const ParseError& e) {  // a line of this part, as every error here
              throw ParseError(name, e.line(), e.col(), e.message());
            }
            if (!any) continue;  // an empty file
            if (copy_texts(fields) != header)
              throw ParseError(name, scanner.record_line(), 1,
                               "this file's first record is not the header of " + head_file +
                                   ": the files read as one must have the same columns, in "
                                   "the same order, and each its header (or none has one)");
            line_bytes(text, s.begin, s.end, scanner.record_line() - s.lines_before,
                       scanner.record_end().first - s.lines_before, drop);
          }
          drop_ranges(text, drop);
          return std::move(text);
        },
        [](int64_t) { return -1; });  // no part starts with the header: it is blanked
  } catch (const ParseError& e) {
    throw located(e);
  }
}

}  // namespace detail

Dataset read_csv(const std::string& path, const ReadOptions& options) {
  detail::TextSource source = detail::TextSource::open(path);
  const std::string text = detail::read_csv_text(source, path, options);
  return detail::parse_csv(text, path, options);
}

}  // namespace lograd
