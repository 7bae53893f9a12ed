// src/data/text_file.h: whole-file input for the readers, gzip-aware.
#pragma once

#include <string>
#include <string_view>

namespace lograd::detail {

// The bytes of the file at path, decompressed when they start with the gzip magic (1f 8b).
// Throws Error "cannot open 'PATH': No such file or directory" (and the like) when it cannot
// be read, and Error naming the file when its gzip data is corrupt or truncated.
std::string read_text_file(const std::string& path);

// Decompresses gzip data (concatenated members included); `path` names it in errors.
std::string gunzip(std::string_view compressed, const std::string& path);

// text without a leading UTF-8 byte-order mark (EF BB BF), if it has one.
std::string_view without_bom(std::string_view text);

}  // namespace lograd::detail
