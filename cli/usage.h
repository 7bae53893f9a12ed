// Command-line usage checks shared by the subcommands: option-value validators whose messages
// give readable bounds, and the "did you mean" hints for unknown commands and options.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace lograd::cli {

// Validators (usage errors, status 2). Each refuses NaN and infinities with a readable
// message ("must be a number > 0, got 'nan'") instead of CLI11's range with 309 digits.
const CLI::Validator& positive_number();      // finite, > 0
const CLI::Validator& non_negative_number();  // finite, >= 0
const CLI::Validator& unit_interval();        // finite, in [0, 1]
// A column reference: a header name, or a 1-based column number (0 refused with a hint).
const CLI::Validator& column_ref();

// A usage error found after parsing (options that do not go together): main prints it and
// exits with status 2.
CLI::ValidationError usage_error(const std::string& option, const std::string& message);

// A library message in the CLI's terms: the library names its options as in its API, in
// backquotes (`missing`, `label_column`, ...), and each front end spells them its own way;
// here each becomes its flag (--missing, --label-column, ...). Other text is left as it is.
std::string in_cli_terms(std::string message);

// The hint for an unknown command `word` among `app`'s subcommands: " (did you mean 'train'?)",
// or "" when none is close.
std::string command_hint(const CLI::App& app, const std::string& word);

// Hints for the arguments `extras` that the subcommand `sub` did not expect: the closest
// option by edit distance, and lograd's spelling of LIBLINEAR's (-c 1 is --C 1). One line
// each; empty when there is nothing to say.
std::vector<std::string> option_hints(const CLI::App& sub, const std::vector<std::string>& extras);

}  // namespace lograd::cli

namespace lograd::cli {
// --class-weight: 'balanced' or two finite numbers > 0, 'w0,w1'.
const CLI::Validator& class_weight_check();
}  // namespace lograd::cli
