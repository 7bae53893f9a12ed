// src/io/json_depth.h: JSON parsing for the loaders with a nesting limit. Copying, comparing
// and dumping an nlohmann::json document recurse once per level, so a document nested a million
// levels deep (a few megabytes of '[') would overflow the stack; it is refused while parsing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lograd/error.h"

namespace lograd::io {

// The deepest nesting the loaders accept; their own files nest at most 5 levels.
inline constexpr int kMaxJsonDepth = 100;

// Parses text as JSON; throws Error(too_deep) at the first array or object nested deeper than
// kMaxJsonDepth, and nlohmann::json::parse_error for malformed text.
inline nlohmann::json parse_json_limited(std::string_view text, const std::string& too_deep) {
  using nlohmann::json;
  const auto limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth >= kMaxJsonDepth &&
        (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start))
      throw Error(too_deep);
    return true;
  };
  return json::parse(text, limit);
}

}  // namespace lograd::io
