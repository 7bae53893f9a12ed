// lograd/atomic_file.h: writing a file so that readers see the old or the new content, never a
// mixture, through a temporary file beside it (`.NAME.tmp.XXXXXXXXXXXX`, a unique name) that
// is renamed over it when complete; every error path removes the temporary file, and these
// let a program remove it when a signal ends it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace lograd {

// Writes `content` to a new temporary file in path's directory (created exclusively, so
// concurrent writers, in any PID namespace, never share one), syncs it, renames it over `path`
// and syncs the directory; then removes temporary files of `path` left by writers that died
// (no longer locked). On failure removes the temporary file, leaves `path` untouched, and
// throws Error naming the path, the step that failed and the errno text. "-" writes to
// standard output; an existing device or pipe (/dev/null) is written in place.
void write_file_atomically(const std::string& path, std::string_view content);

// The same, for content made in pieces: `produce` calls `write` with each piece in order, so a
// large file (a model of millions of weights) never has to be in memory whole. An exception
// from `produce` removes the temporary file and leaves `path` untouched, as a failed write does.
void write_file_atomically(
    const std::string& path,
    const std::function<void(const std::function<void(std::string_view)>& write)>& produce);

// Removes the temporary files being written at this moment. Async-signal-safe: for handlers
// of signals that end the process.
void remove_temporary_files() noexcept;

// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files and then end the process by
// that signal, as they would have without it (for signals whose action is the default).
void remove_temporary_files_on_signals();

}  // namespace lograd
