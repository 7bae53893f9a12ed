// src/data/text_file.h: text input for the readers, gzip-aware: streamed in blocks
// (TextSource), or whole (read_text_file).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lograd::detail {

// The text of a file or of bytes in memory, read front to back in blocks; gzip data (it starts
// with 1f 8b; concatenated members included) is decompressed as it streams, so neither the
// compressed nor the whole decompressed text is ever held at once.
class TextSource {
 public:
  // Opens path ("-": standard input). Throws Error "cannot open 'PATH': No such file or
  // directory" (and the like). A `rewindable` pipe keeps the bytes it reads, for reopen().
  static TextSource open(const std::string& path, bool rewindable = false);
  // Reads `bytes` (which must outlive the source), decompressing them when they are gzip;
  // `path` names them in errors.
  static TextSource over(std::string_view bytes, const std::string& path);

  TextSource(TextSource&&) noexcept;
  TextSource& operator=(TextSource&&) noexcept;
  ~TextSource();

  // Reads up to n bytes into dst and returns the count: fewer than n only at the end, 0 after
  // it. Throws Error naming the file on a read error and on corrupt or truncated gzip data.
  size_t read(char* dst, size_t n);
  // The next (up to) n bytes, which the following reads return again.
  std::string_view peek(size_t n);
  // A source that reads the same text again from its start, taking this one's place (this one
  // is left empty): the file from where it began, the bytes in memory again, or, for a pipe
  // opened rewindable, the bytes it kept followed by the rest of the pipe. Throws
  // std::logic_error for a pipe not opened rewindable (or no longer keeping its bytes).
  TextSource reopen();
  // The same text restricted to rank `rank`'s part of `count` (this one is left empty), for
  // data-parallel reading: a plain file is cut into `count` byte ranges at line ends (a line
  // belongs to the range it starts in) and the rank reads only its range; a gzip file is
  // inflated whole by every rank, which keeps the lines whose number is `rank` mod `count`.
  // reopen() keeps the shard. Throws ValueError for a pipe or standard input.
  TextSource shard(int rank, int count);
  // Stops keeping a rewindable pipe's bytes (reopen() is then refused): the text is read once.
  void stop_keeping();
  // The size of the text when known before reading it (plain regular files), else -1.
  int64_t size_hint() const;
  bool gzip() const;

 private:
  struct Impl;
  explicit TextSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The bytes of the file at path, decompressed when gzip; errors as TextSource.
std::string read_text_file(const std::string& path);
// The rest of a source's text. With max_bytes > 0, calls too_long() (which must throw) once the
// text would exceed max_bytes.
std::string read_all(TextSource& source, size_t max_bytes = 0,
                     const std::function<void()>& too_long = {});

// Decompresses gzip data (concatenated members included); `path` names it in errors.
std::string gunzip(std::string_view compressed, const std::string& path);

// text without a leading UTF-8 byte-order mark (EF BB BF), if it has one.
std::string_view without_bom(std::string_view text);

}  // namespace lograd::detail
