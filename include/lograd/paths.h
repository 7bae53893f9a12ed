// lograd/paths.h: the files a command reads and writes, checked together before anything is
// read: no output may be one of the inputs, every output must be writable where it is named,
// and "-" stands for standard input (read) or standard output (written).
#pragma once

#include <string>
#include <vector>

#include "lograd/error.h"

namespace lograd {

// True for "-": standard input where a file is read, standard output where one is written.
bool is_standard_stream(const std::string& path);

// A file a command reads.
struct InputPath {
  std::string path;
  std::string what;       // what it holds, for messages: "training data", "model", ...
  bool stdin_ok = true;   // "-" (standard input) may stand for it
};

// A file a command writes.
struct OutputPath {
  std::string path;
  std::string what;                     // what it will hold, for messages: "model", ...
  std::vector<std::string> extensions = {};  // the name must end in one of these (".csv"); {}: any
  bool stdout_ok = false;               // "-" (standard output) may stand for it
  int rewrites = -1;  // index of the input it replaces on purpose (a checkpoint written back to
                      // the file it resumed from), or -1
};

// What check_paths throws: the message says which path, what is wrong and how to fix it;
// `input` or `output` is the index of the path at fault (-1 for the other).
class PathError : public ValueError {
 public:
  PathError(const std::string& what, int input, int output)
      : ValueError(what), input(input), output(output) {}
  int input, output;
};

// Checks the paths of one command before it reads anything; empty paths are skipped (an
// option not given). Refuses (PathError): "-" where it is not accepted or twice; an output
// that is an input (the same file: device and inode, through symbolic and hard links) unless
// it `rewrites` that input; two outputs naming one file; an output that is a directory, whose
// directory does not exist or cannot be written, or whose name lacks its extension.
void check_paths(const std::vector<InputPath>& inputs, const std::vector<OutputPath>& outputs);

}  // namespace lograd
