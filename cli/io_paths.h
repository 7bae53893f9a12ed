// The paths of a command, checked before it reads anything (lograd/paths.h), with the option
// that names each in the messages.
#pragma once

#include <string>
#include <vector>

#include "lograd/paths.h"

namespace lograd::cli {

// A path of a command line and the option that gives it ("" for a positional argument, whose
// `what` then names it).
struct CliInput {
  std::string flag;
  InputPath path;
};
struct CliOutput {
  std::string flag;
  OutputPath path;
};

// check_paths over the command's files; throws UsageError (status 2) naming the option.
void check_command_paths(const std::vector<CliInput>& inputs,
                         const std::vector<CliOutput>& outputs);

}  // namespace lograd::cli
