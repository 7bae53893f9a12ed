// Internal: the 64-bit hashes of checkpoints (their checksum) and of data fingerprints.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace lograd::detail {

// FNV-1a, 64 bits (as the model file's checksum), over bytes.
class Fnv {
 public:
  void add(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      h_ ^= p[i];
      h_ *= 1099511628211ull;
    }
  }
  void add(std::string_view s) {
    const uint64_t len = s.size();
    add(&len, sizeof len);
    add(s.data(), s.size());
  }
  std::string text() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "fnv1a64:%016" PRIx64, h_);
    return buf;
  }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

// A fast 64-bit hash of large arrays: 8-byte words through a multiply-xorshift mix (FNV's
// byte loop would cost more than a pass of the solver on big data).
class WordHash {
 public:
  void add(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      uint64_t v;
      std::memcpy(&v, p + i, 8);
      mix(v);
    }
    uint64_t tail = 0;
    if (size > i) std::memcpy(&tail, p + i, size - i);  // p may be null when size is 0
    mix(tail ^ (static_cast<uint64_t>(size - i) << 56));
  }
  std::string text() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "mix64:%016" PRIx64, h_);
    return buf;
  }

 private:
  void mix(uint64_t v) {
    h_ = (h_ ^ v) * 0x9E3779B97F4A7C15ull;
    h_ ^= h_ >> 29;
  }
  uint64_t h_ = 0x243F6A8885A308D3ull;
};

template <class T>
void hash_vector(WordHash& h, const std::vector<T>& v) {
  const uint64_t n = v.size();
  h.add(&n, sizeof n);
  h.add(v.data(), v.size() * sizeof(T));
}

}  // namespace lograd::detail
