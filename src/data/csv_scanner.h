// src/data/csv_scanner.h: splits CSV text into records and fields (RFC 4180 quoting, trimmed
// fields, blank lines skipped), without copying the text.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lograd::detail {

// One field of a record: its text (trimmed, quotes removed) and where it starts.
struct CsvField {
  std::string_view text;
  int64_t line = 0;  // 1-based
  int64_t col = 0;   // 1-based byte column of its first character
};

// Reads records one at a time. With delimiter ' ', any run of spaces and tabs separates
// fields; otherwise spaces (and tabs, unless the delimiter is a tab) around a field are trimmed.
// Quoted fields ("a,b", "say ""hi""") may hold delimiters and line breaks.
class CsvScanner {
 public:
  // Scans text (without its BOM); path names it in errors.
  // `first_line` numbers the text's first line (a text that is part of a larger one).
  CsvScanner(std::string_view text, char delimiter, const std::string& path,
             int64_t first_line = 1)
      : text_(text), delim_(delimiter), path_(path), line_(first_line) {}

  // Reads the next record that is not a blank line into fields; false at the end of the text.
  // Throws ParseError for an unterminated quote or text after a closing quote. The views stay
  // valid until the next call.
  bool next(std::vector<CsvField>* fields);
  // The line where the last record read starts.
  int64_t record_line() const { return record_line_; }
  // The line and column just past the last record's final field (where a missing field would be).
  std::pair<int64_t, int64_t> record_end() const { return {end_line_, end_col_}; }

 private:
  bool is_pad(char c) const { return c == ' ' || (c == '\t' && delim_ != '\t'); }

  std::string_view text_;
  char delim_;
  const std::string& path_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 0, end_line_ = 0, end_col_ = 0;
  std::string scratch_;                           // unescaped text of fields with "" in quotes
  std::vector<std::array<size_t, 3>> unescaped_;  // (field, offset in scratch_, length)
};

// How many times each candidate delimiter (',', '\t', ';', ' ') separates fields in one line,
// outside quotes; for ' ', runs of blanks between fields are counted.
std::array<int64_t, 4> count_delimiters(std::string_view line);

// The delimiter of a text: the first of ',', '\t', ';', ' ' that occurs in the first non-blank
// line as often as in the second, else the most frequent one in the first, else ','.
char detect_delimiter(std::string_view text);

}  // namespace lograd::detail
