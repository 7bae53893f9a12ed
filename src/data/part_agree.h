// src/data/part_agree.h: the ranks of a data-parallel read agree on every failure: each runs
// its local step, the outcomes are gathered, and every rank throws the first rank's error (a
// rank that threw alone would leave the others waiting in the next collective forever).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lograd/collective.h"

namespace lograd::detail {

// Where a part's line numbers lie in the file: part r's local line L (1-based) is file line
// lines_before[r] + L for byte ranges (stride 0), and (L - 1) * K + r + 1 for every K-th line.
struct PartLines {
  int64_t stride = 0;
  std::vector<int64_t> lines_before;  // byte ranges: lines in the parts before each part
  int64_t global(int part, int64_t line) const;
};

// Runs step() on this rank (it returns this rank's payload) and gathers the outcomes with
// *lines (when given, read after step(): the newline count of this rank's text). When some rank threw, every rank throws
// the error of the lowest such rank, of its type (ParseError with its line made a file line by
// `where`, when given, and the lines gathered; MemoryLimitError, ValueError, Error); else
// returns every rank's payload in rank order. `where`, when given, is filled in first.
std::vector<std::string> gather_agreed(Collective& c, const std::function<std::string()>& step,
                                       const int64_t* lines = nullptr,
                                       PartLines* where = nullptr);

// Little helpers to pack the payloads.
void put_i64(std::string& out, int64_t v);
void put_f64(std::string& out, double v);
void put_str(std::string& out, std::string_view s);
// Each throws Error("corrupt data-parallel message") when `in` is too short.
int64_t get_i64(std::string_view& in);
double get_f64(std::string_view& in);
std::string get_str(std::string_view& in);

}  // namespace lograd::detail
