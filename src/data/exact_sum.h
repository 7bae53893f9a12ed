// src/data/exact_sum.h: the exact sum of finite doubles, whatever the order of the additions,
// so that K ranks that each sum their part, then merge, get the bits one process gets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lograd::detail {

// Sum of finite doubles held exactly, as fixed-point magnitudes with 2^-1074 (the smallest
// subnormal) as the unit: positive and negative terms apart, in 64-bit words, only the words
// the values reach stored (a column of values within a few powers of two keeps 2-3 words).
class ExactSum {
 public:
  // Adds a finite v exactly.
  void add(double v);
  // Adds another sum exactly.
  void merge(const ExactSum& other);
  // The sum divided by n (n > 0), from its top 64 bits divided in long double, then rounded
  // to double: a deterministic function of the exact sum, within an ulp of the true mean.
  double mean(int64_t n) const;
  // A byte form for Collective::gather, and its inverse (which returns false on bad bytes).
  void serialize(std::string& out) const;
  bool parse(std::string_view& in);

 private:
  struct Magnitude {
    int32_t base = 0;              // index of words[0]
    std::vector<uint64_t> words;  // little-endian words base, base + 1, ...
    void add_at(int32_t word, uint64_t v);
  };
  Magnitude pos_, neg_;
};

}  // namespace lograd::detail
