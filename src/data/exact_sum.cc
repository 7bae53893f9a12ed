#include "data/exact_sum.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>

namespace lograd::detail {

void ExactSum::Magnitude::add_at(int32_t word, uint64_t v) {
  if (words.empty()) {
    base = word;
    words.assign(1, 0);
  } else if (word < base) {
    words.insert(words.begin(), static_cast<size_t>(base - word), 0);
    base = word;
  }
  for (size_t i = static_cast<size_t>(word - base);; ++i) {
    if (i >= words.size()) words.resize(i + 1, 0);
    words[i] += v;
    if (words[i] >= v) return;  // no carry
    v = 1;
  }
}

void ExactSum::add(double v) {
  if (v == 0) return;
  const auto bits = std::bit_cast<uint64_t>(v);
  const int exp = static_cast<int>((bits >> 52) & 0x7ff);
  const uint64_t frac = bits & ((uint64_t{1} << 52) - 1);
  // v = m * 2^offset in units of 2^-1074; offset in [0, 2045].
  const uint64_t m = exp == 0 ? frac : frac | (uint64_t{1} << 52);
  const int offset = exp == 0 ? 0 : exp - 1;
  const int32_t word = offset / 64;
  const int bit = offset % 64;
  Magnitude& into = (bits >> 63) != 0 ? neg_ : pos_;
  into.add_at(word, m << bit);
  if (bit > 11) into.add_at(word + 1, m >> (64 - bit));  // m has 53 bits
}

void ExactSum::merge(const ExactSum& other) {
  for (size_t i = 0; i < other.pos_.words.size(); ++i)
    if (other.pos_.words[i] != 0) pos_.add_at(other.pos_.base + static_cast<int32_t>(i), other.pos_.words[i]);
  for (size_t i = 0; i < other.neg_.words.size(); ++i)
    if (other.neg_.words[i] != 0) neg_.add_at(other.neg_.base + static_cast<int32_t>(i), other.neg_.words[i]);
}

double ExactSum::mean(int64_t n) const {
  // |pos - neg| over the words both cover, and its sign.
  const Magnitude* a = &pos_;
  const Magnitude* b = &neg_;
  const auto word_of = [](const Magnitude& x, int32_t w) -> uint64_t {
    const int64_t i = int64_t{w} - x.base;
    return i >= 0 && i < static_cast<int64_t>(x.words.size()) ? x.words[static_cast<size_t>(i)] : 0;
  };
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (const Magnitude* x : {a, b})
    if (!x->words.empty()) {
      lo = std::min(lo, x->base);
      hi = std::max(hi, x->base + static_cast<int32_t>(x->words.size()) - 1);
    }
  if (lo > hi) return 0.0;
  bool negative = false;
  for (int32_t w = hi; w >= lo; --w) {
    const uint64_t x = word_of(*a, w), y = word_of(*b, w);
    if (x != y) {
      negative = x < y;
      break;
    }
  }
  if (negative) std::swap(a, b);
  std::vector<uint64_t> d(static_cast<size_t>(hi - lo + 1));
  uint64_t borrow = 0;
  for (int32_t w = lo; w <= hi; ++w) {
    const uint64_t x = word_of(*a, w), y = word_of(*b, w);
    const uint64_t r = x - y - borrow;
    borrow = (x < y || (x == y && borrow)) ? 1 : 0;
    d[static_cast<size_t>(w - lo)] = r;
  }
  size_t t = d.size();
  while (t > 0 && d[t - 1] == 0) --t;
  if (t == 0) return 0.0;
  --t;
  const int lz = std::countl_zero(d[t]);
  const uint64_t next = t > 0 ? d[t - 1] : 0;
  const uint64_t top = lz == 0 ? d[t] : (d[t] << lz) | (next >> (64 - lz));
  const int64_t scale = 64 * (int64_t{lo} + static_cast<int64_t>(t)) - lz - 1074;
  const long double q = std::ldexp(static_cast<long double>(top) / static_cast<long double>(n),
                                   static_cast<int>(scale));
  const double m = static_cast<double>(std::min(q, static_cast<long double>(DBL_MAX)));
  return negative ? -m : m;
}

void ExactSum::serialize(std::string& out) const {
  for (const Magnitude* x : {&pos_, &neg_}) {
    const auto count = static_cast<uint32_t>(x->words.size());
    out.append(reinterpret_cast<const char*>(&x->base), 4);
    out.append(reinterpret_cast<const char*>(&count), 4);
    if (count > 0) out.append(reinterpret_cast<const char*>(x->words.data()), count * 8);
  }
}

bool ExactSum::parse(std::string_view& in) {
  for (Magnitude* x : {&pos_, &neg_}) {
    uint32_t count;
    if (in.size() < 8) return false;
    std::memcpy(&x->base, in.data(), 4);
    std::memcpy(&count, in.data() + 4, 4);
    in.remove_prefix(8);
    if (in.size() / 8 < count || x->base < 0 || x->base > 40) return false;
    x->words.resize(count);
    if (count > 0) std::memcpy(x->words.data(), in.data(), size_t{count} * 8);  // not from null
    in.remove_prefix(size_t{count} * 8);
  }
  return true;
}

}  // namespace lograd::detail
