#include "io_paths.h"

#include "commands.h"

namespace lograd::cli {

void check_command_paths(const std::vector<CliInput>& inputs,
                         const std::vector<CliOutput>& outputs) {
  std::vector<InputPath> in;
  std::vector<OutputPath> out;
  for (const CliInput& i : inputs) in.push_back(i.path);
  for (const CliOutput& o : outputs) out.push_back(o.path);
  try {
    check_paths(in, out);
  } catch (const PathError& e) {
    const std::string& flag = e.output >= 0 ? outputs[static_cast<size_t>(e.output)].flag
                              : e.input >= 0 ? inputs[static_cast<size_t>(e.input)].flag
                                             : std::string();
    throw UsageError(flag.empty() ? e.what() : flag + ": " + e.what());
  }
}

}  // namespace lograd::cli
