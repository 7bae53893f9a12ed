#include "data/csv_scanner.h"

#include "data/reader_internal.h"
#include "lograd/readers.h"

namespace lograd::detail {

bool CsvScanner::next(std::vector<CsvField>* fields) {
  fields->clear();
  scratch_.clear();
  unescaped_.clear();
  const std::string_view s = text_;
  const size_t n = s.size();

  // Skip blank lines.
  for (;;) {
    size_t i = pos_;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    if (i >= n) {
      pos_ = n;
      return false;
    }
    if (s[i] != '\n') break;
    pos_ = i + 1;
    ++line_;
    line_start_ = pos_;
  }
  record_line_ = line_;

  const bool blanks_separate = delim_ == ' ';
  size_t i = pos_;
  for (;;) {  // one field per iteration
    while (i < n && is_pad(s[i])) ++i;
    CsvField f;
    f.line = line_;
    f.col = static_cast<int64_t>(i - line_start_) + 1;
    if (i < n && s[i] == '"') {
      const size_t start = ++i;
      bool escaped = false;
      for (;; ++i) {
        if (i >= n)
          throw ParseError(path_, f.line, f.col,
                           "unterminated quoted field: expected a closing '\"'");
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            escaped = true;
            ++i;
            continue;
          }
          break;
        }
        if (s[i] == '\n') {
          ++line_;
          line_start_ = i + 1;
        }
      }
      const std::string_view inner = s.substr(start, i - start);
      ++i;  // the closing quote
      if (escaped) {
        const size_t offset = scratch_.size();
        for (size_t k = 0; k < inner.size(); ++k) {
          scratch_.push_back(inner[k]);
          if (inner[k] == '"') ++k;  // "" stands for one quote
        }
        unescaped_.push_back({fields->size(), offset, scratch_.size() - offset});
      } else {
        f.text = inner;
      }
      const size_t after_quote = i;
      while (i < n && (is_pad(s[i]) || s[i] == '\r')) ++i;
      const bool separated = blanks_separate ? i > after_quote : (i < n && s[i] == delim_);
      if (i < n && s[i] != '\n' && !separated) {
        const char delim_text[] = {delim_, 0};
        throw ParseError(path_, line_, static_cast<int64_t>(i - line_start_) + 1,
                         "unexpected " + quoted(s.substr(i, 1)) +
                             " after a closing quote: expected the delimiter " +
                             (delim_ == '\t' ? std::string("'\\t'") : quoted(delim_text)) +
                             " or the end of the line");
      }
    } else {
      const size_t start = i;
      if (blanks_separate) {
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
      } else {
        while (i < n && s[i] != delim_ && s[i] != '\n') ++i;
      }
      size_t e = i;
      while (e > start && (is_pad(s[e - 1]) || s[e - 1] == '\r')) --e;
      f.text = s.substr(start, e - start);
    }
    fields->push_back(f);

    // The separator, or the end of the record.
    if (blanks_separate) {
      while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
      if (i < n && s[i] != '\n') continue;
    } else if (i < n && s[i] == delim_) {
      ++i;
      continue;
    }
    break;
  }
  size_t e = i;
  while (e > line_start_ && (s[e - 1] == '\r' || s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  end_line_ = line_;
  end_col_ = static_cast<int64_t>(e - line_start_) + 1;
  if (i < n) {  // at '\n'
    ++i;
    ++line_;
    line_start_ = i;
  }
  pos_ = i;
  for (const auto& [field, offset, length] : unescaped_)
    (*fields)[field].text = std::string_view(scratch_).substr(offset, length);
  return true;
}

std::array<int64_t, 4> count_delimiters(std::string_view line) {
  std::array<int64_t, 4> count{};
  bool in_quotes = false, blank_run = false, content = false;
  for (char c : line) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == ',') ++count[0];
    if (c == '\t') ++count[1];
    if (c == ';') ++count[2];
    if (c == ' ' || c == '\t' || c == '\r') {
      blank_run = true;
    } else {
      if (blank_run && content) ++count[3];
      blank_run = false;
      content = true;
    }
  }
  return count;
}

char detect_delimiter(std::string_view text) {
  constexpr char kCandidates[] = {',', '\t', ';', ' '};
  std::string_view lines[2];
  int found = 0;
  while (found < 2 && !text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) lines[found++] = line;
  }
  if (found == 0) return ',';
  const auto first = count_delimiters(lines[0]);
  if (found == 2) {
    const auto second = count_delimiters(lines[1]);
    for (int k = 0; k < 4; ++k)
      if (first[k] > 0 && first[k] == second[k]) return kCandidates[k];
  }
  int best = -1;
  for (int k = 0; k < 4; ++k)
    if (first[k] > 0 && (best < 0 || first[k] > first[best])) best = k;
  return best < 0 ? ',' : kCandidates[best];
}

}  // namespace lograd::detail
