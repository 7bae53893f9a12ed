// src/io/json_writer.h: JSON text written value by value, byte for byte as nlohmann::json's
// dump() writes the same document (compact, or indented), into pieces handed to a callback. A
// model of millions of weights is then written (and checksummed) without a nlohmann::json tree
// of it (16 bytes per number and a vector per row) or its whole text in memory.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lograd::io {

class JsonWriter {
 public:
  // indent < 0: compact, as dump(); else as dump(indent). `flush` receives the text in pieces
  // of about 64 KB, in order; the last one when flush() is called.
  JsonWriter(int indent, std::function<void(std::string_view)> flush)
      : indent_(indent), flush_(std::move(flush)) {
    buf_.reserve(kPiece + 4096);
  }

  // Scalars: as nlohmann::json writes a number_float (NaN and infinities as null), a string
  // (throws json::type_error 316 when it is not UTF-8) and any value without containers.
  void number(double v) {
    start_value();
    if (!std::isfinite(v)) {
      put("null");
      return;
    }
    char digits[64];
    char* end = nlohmann::detail::to_chars(digits, digits + sizeof digits, v);
    put(std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  void string(const std::string& s) {
    start_value();
    scratch_ = s;
    put(scratch_.dump());
  }
  // A whole value; with `sorted`, the members of its objects in key order (as nlohmann::json,
  // whose objects are std::maps, keeps them), else in the order `v` holds them.
  template <class Json>
  void value(const Json& v, bool sorted) {
    if (v.is_object()) {
      begin_object();
      if (sorted) {
        std::vector<const std::string*> keys;
        for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(&it.key());
        std::sort(keys.begin(), keys.end(),
                  [](const std::string* a, const std::string* b) { return *a < *b; });
        for (const std::string* k : keys) {
          key(*k);
          value(v.find(*k).value(), sorted);
        }
      } else {
        for (auto it = v.begin(); it != v.end(); ++it) {
          key(it.key());
          value(it.value(), sorted);
        }
      }
      end_object();
    } else if (v.is_array()) {
      begin_array();
      for (const auto& e : v) value(e, sorted);
      end_array();
    } else {
      start_value();
      put(v.dump());
    }
  }

  // Containers: begin_*, then the elements (an object's each after key()), then end_*.
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void key(const std::string& k) {
    start_value();
    scratch_ = k;
    put(scratch_.dump());
    put(indent_ >= 0 ? ": " : ":");
    after_key_ = true;
  }

  // A value's text as it is (true, false, null, an integer).
  void literal(std::string_view text) {
    start_value();
    put(text);
  }
  void raw(std::string_view text) { put(text); }  // text after the top-level value
  void flush() {
    if (!buf_.empty()) flush_(buf_);
    buf_.clear();
  }

 private:
  static constexpr size_t kPiece = 1 << 16;

  void put(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kPiece) flush();
  }
  void newline_indent(size_t depth) {
    buf_ += '\n';
    buf_.append(depth * static_cast<size_t>(indent_), ' ');
  }
  // Before a value (or a member's key): the separator from the one before in its container.
  void start_value() {
    if (after_key_) {  // a member's value follows its key directly
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;  // the top-level value
    if (!first_.back()) buf_ += ',';
    first_.back() = false;
    if (indent_ >= 0) newline_indent(first_.size());
  }
  void open(char c) {
    start_value();
    put(std::string_view(&c, 1));
    first_.push_back(true);
  }
  void close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty && indent_ >= 0) newline_indent(first_.size());
    put(std::string_view(&c, 1));
  }

  int indent_;
  std::function<void(std::string_view)> flush_;
  std::string buf_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  nlohmann::json scratch_;   // a string, escaped by nlohmann::json's own dump()
};

}  // namespace lograd::io
