// src/io/liblinear_format.h: reading LIBLINEAR's model format from memory (for parse_model).
#pragma once

#include <string>
#include <string_view>

#include "lograd/model.h"

namespace lograd::io {

// load_liblinear on a file's contents already in memory; `path` names it in messages.
Model parse_liblinear(std::string_view text, const std::string& path);

}  // namespace lograd::io
