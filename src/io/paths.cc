#include "lograd/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace lograd {
namespace {

namespace fs = std::filesystem;

// A file's identity: device and inode of what the path names after symbolic links, for
// regular files only (a terminal or /dev/null may well be read and written at once).
struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> regular_file_id(const std::string& path, bool output) {
  struct stat st {};
  const int rc = is_standard_stream(path) ? ::fstat(output ? STDOUT_FILENO : STDIN_FILENO, &st)
                                          : ::stat(path.c_str(), &st);
  if (rc != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

std::string shown(const std::string& path) {
  return is_standard_stream(path) ? "standard output ('-')" : "'" + path + "'";
}

// The identity of an output that does not exist yet: its directory made absolute and free of
// links, and its name.
std::string future_name(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  const fs::path dir = fs::weakly_canonical(p.parent_path(), ec);
  return ec ? p.string() : (dir / p.filename()).string();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string one_of(const std::vector<std::string>& words) {
  std::string s;
  for (size_t i = 0; i < words.size(); ++i)
    s += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return s;
}

// Checks that `path` can be written as a new file or replaced (a temporary file is made in
// its directory and renamed over it); "" when it can, else what is wrong and the fix.
std::string unwritable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return "it is a directory: give a file name, e.g. " + (fs::path(path) / "NAME").string();
    if (!S_ISREG(st.st_mode)) return "";  // a device or a pipe: written in place
  } else if (errno == ENOTDIR) {
    return "a part of it is a file, not a directory: choose another output path";
  }
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT)
      return "its directory '" + dir + "' does not exist: create it (mkdir -p " + dir +
             ") or choose another output path";
    return "cannot reach its directory '" + dir + "': " + std::strerror(err);
  }
  if (!S_ISDIR(st.st_mode)) return "'" + dir + "' is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "cannot create files in its directory '" + dir + "' (" + std::strerror(errno) +
           "): check the directory's permissions (ls -ld " + dir +
           ") or choose another output path";
  return "";
}

}  // namespace

bool is_standard_stream(const std::string& path) { return path == "-"; }

void check_paths(const std::vector<InputPath>& inputs, const std::vector<OutputPath>& outputs) {
  const int n_in = static_cast<int>(inputs.size()), n_out = static_cast<int>(outputs.size());
  std::vector<std::optional<FileId>> in_id(inputs.size());
  int stdin_user = -1;
  for (int i = 0; i < n_in; ++i) {
    const InputPath& in = inputs[static_cast<size_t>(i)];
    if (in.path.empty()) continue;
    if (is_standard_stream(in.path)) {
      if (!in.stdin_ok)
        throw PathError("the " + in.what + " cannot be read from standard input ('-'): give "
                        "its file name", i, -1);
      if (stdin_user >= 0)
        throw PathError("standard input ('-') is given for both the " +
                            inputs[static_cast<size_t>(stdin_user)].what + " and the " + in.what +
                            ", but it can be read only once: give a file name for one of them",
                        i, -1);
      stdin_user = i;
    }
    in_id[static_cast<size_t>(i)] = regular_file_id(in.path, false);
  }

  std::vector<std::optional<FileId>> out_id(outputs.size());
  std::vector<std::string> out_name(outputs.size());
  for (int o = 0; o < n_out; ++o) {
    const OutputPath& out = outputs[static_cast<size_t>(o)];
    const std::string& path = out.path;
    if (path.empty()) continue;
    const std::string head = "the output path " + shown(path) + " (the " + out.what + ")";
    if (is_standard_stream(path)) {
      if (!out.stdout_ok)
        throw PathError(head + ": the " + out.what + " cannot be written to standard output: "
                        "give a file name", -1, o);
    } else {
      if (!out.extensions.empty()) {
        bool known = false;
        for (const std::string& ext : out.extensions) known = known || ends_with(path, ext);
        if (!known)
          throw PathError(head + ": the name must end in " + one_of(out.extensions) +
                          ", which decides the format", -1, o);
      }
      if (const std::string why = unwritable(path); !why.empty())
        throw PathError(head + ": " + why, -1, o);
    }
    out_id[static_cast<size_t>(o)] = regular_file_id(path, true);
    out_name[static_cast<size_t>(o)] = is_standard_stream(path) ? "-" : future_name(path);
    if (const auto& id = out_id[static_cast<size_t>(o)]) {
      for (int i = 0; i < n_in; ++i) {
        if (i == out.rewrites || in_id[static_cast<size_t>(i)] != id) continue;
        const InputPath& in = inputs[static_cast<size_t>(i)];
        throw PathError(head + " is the same file as the " + in.what + " " +
                            (is_standard_stream(in.path) ? "on standard input"
                                                         : "'" + in.path + "'") +
                            ": writing it would destroy that input before or while it is read; "
                            "choose another output path",
                        -1, o);
      }
    }
    for (int p = 0; p < o; ++p) {
      const OutputPath& prev = outputs[static_cast<size_t>(p)];
      if (prev.path.empty()) continue;
      const bool same = out_id[static_cast<size_t>(o)] && out_id[static_cast<size_t>(p)]
                            ? out_id[static_cast<size_t>(o)] == out_id[static_cast<size_t>(p)]
                            : out_name[static_cast<size_t>(o)] == out_name[static_cast<size_t>(p)];
      if (same)
        throw PathError(head + " is also the output path of the " + prev.what + " (" +
                            shown(prev.path) + "): one would overwrite the other; give each "
                            "its own path",
                        -1, o);
    }
  }
}

}  // namespace lograd
