#include "data/part_agree.h"

#include <cstring>
#include <exception>

#include "lograd/error.h"
#include "lograd/memory.h"
#include "lograd/readers.h"

namespace lograd::detail {

int64_t PartLines::global(int part, int64_t line) const {
  if (stride > 0) return (line - 1) * stride + part + 1;
  return (part < static_cast<int>(lines_before.size()) ? lines_before[static_cast<size_t>(part)] : 0) + line;
}

void put_i64(std::string& out, int64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void put_f64(std::string& out, double v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& out, std::string_view s) {
  put_i64(out, static_cast<int64_t>(s.size()));
  out.append(s);
}

namespace {
[[noreturn]] void corrupt() { throw Error("corrupt data-parallel message between ranks"); }
}  // namespace

namespace {
// The next 8-byte word of `in` as a T (int64_t or double).
template <class T>
T get_word(std::string_view& in) {
  static_assert(sizeof(T) == 8);
  if (in.size() < 8) corrupt();
  T v;
  std::memcpy(&v, in.data(), 8);
  in.remove_prefix(8);
  return v;
}
}  // namespace

int64_t get_i64(std::string_view& in) { return get_word<int64_t>(in); }
double get_f64(std::string_view& in) { return get_word<double>(in); }
std::string get_str(std::string_view& in) {
  const int64_t n = get_i64(in);
  if (n < 0 || static_cast<uint64_t>(n) > in.size()) corrupt();
  std::string s(in.substr(0, static_cast<size_t>(n)));
  in.remove_prefix(static_cast<size_t>(n));
  return s;
}

std::vector<std::string> gather_agreed(Collective& c, const std::function<std::string()>& step,
                                       const int64_t* lines, PartLines* where) {
  // Message: lines, then 'K' and the payload, or 'X', the error's kind and its fields.
  std::string msg(8, '\0');
  try {
    std::string payload = step();
    msg += 'K';
    msg += payload;
  } catch (const ParseError& e) {
    msg += "XP";
    put_str(msg, e.file());
    put_i64(msg, e.line());
    put_i64(msg, e.col());
    put_str(msg, e.message());
  } catch (const MemoryLimitError& e) {
    msg += "XM";
    put_str(msg, e.what());
  } catch (const ValueError& e) {
    msg += "XV";
    put_str(msg, e.what());
  } catch (const std::exception& e) {
    msg += "XE";
    put_str(msg, e.what());
  }
  const int64_t my_lines = lines != nullptr ? *lines : 0;
  std::memcpy(msg.data(), &my_lines, 8);
  const std::vector<std::string> all = c.gather({msg});
  PartLines local;
  PartLines& at = where != nullptr ? *where : local;
  at.lines_before.assign(all.size(), 0);
  for (size_t r = 0; r + 1 < all.size(); ++r) {
    std::string_view in = all[r];
    at.lines_before[r + 1] = at.lines_before[r] + get_i64(in);
  }
  std::vector<std::string> payloads;
  for (size_t r = 0; r < all.size(); ++r) {
    std::string_view in = all[r];
    get_i64(in);
    if (in.empty()) corrupt();
    const char tag = in[0];
    in.remove_prefix(1);
    if (tag == 'K') {
      payloads.emplace_back(in);
      continue;
    }
    if (in.empty()) corrupt();
    const char kind = in[0];
    in.remove_prefix(1);
    if (kind == 'P') {
      std::string file = get_str(in);
      int64_t line = get_i64(in);
      const int64_t col = get_i64(in);
      const std::string message = get_str(in);
      if (where != nullptr) line = where->global(static_cast<int>(r), line);
      throw ParseError(std::move(file), line, col, message);
    }
    const std::string what = get_str(in);
    if (kind == 'M') throw MemoryLimitError(what);
    if (kind == 'V') throw ValueError(what);
    throw Error(what);
  }
  return payloads;
}

}  // namespace lograd::detail
