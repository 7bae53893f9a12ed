// Options for reading data, shared by train, predict and eval.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lograd/model.h"
#include "lograd/readers.h"

namespace lograd::cli {

struct DataOptions {
  std::string format = "auto";
  bool header = false, no_header = false;
  std::string label_column, weight_column, delimiter, storage = "auto";
  std::string missing;  // "" when not given: "error" for training, the model's at prediction
  std::string dtype = "auto";
  std::string max_memory;  // --max-memory; "" is the default (80% of the available memory)
};

// Adds --format, --header/--no-header, --label-column, --delimiter, --missing, --storage,
// --dtype (and --sample-weight-column when with_weights) to cmd.
void add_data_options(CLI::App* cmd, DataOptions& o, bool with_weights);

// A warning on stderr naming the reading options given that a binary cache at `path` does
// not use (its data was read and encoded when it was made); nothing when path is no cache.
void warn_options_a_cache_ignores(const DataOptions& o, const std::string& path);

// Adds --max-memory (train, predict, eval).
void add_max_memory_option(CLI::App* cmd, DataOptions& o);

// Refuses, before reading them, data files that would need more memory than --max-memory
// allows (by default 80% of the memory available): throws MemoryLimitError giving the
// estimate, the limit and what to do. `paths` are read one after the other and kept.
void check_memory(const std::vector<std::string>& paths, const DataOptions& o);

// The memory limit in bytes (0: none): --max-memory, by default 80% of the memory available;
// sets *source (when given) to where it comes from, for messages.
int64_t memory_limit(const DataOptions& o, std::string* source);

// Runs read(); a MemoryLimitError from the reader (the limit enforced while reading) gets where
// the limit comes from and what to do.
Dataset with_memory_advice(const DataOptions& o, const std::function<Dataset()>& read);

// ReadOptions from the flags (memory_limit included); throws ValueError on a bad value.
ReadOptions read_options(const DataOptions& o);

// Reads data for a model: replays its CSV encoding and pads to its feature count (after
// check_memory). Without --missing, the model's missing-value policy applies (skip-row only
// where rows may be dropped, i.e. not for predict). predict (`unlabelled`) also reads LIBSVM
// lines without a label and CSV rows without the label column. Warns on stderr, once, when
// the data has more features than the model, and when rows were skipped.
Dataset read_for_model(const std::string& path, const DataOptions& o, const Model& model,
                       bool unlabelled = false);

// The warning for rows dropped by --missing skip-row, on stderr (nothing when none were).
void warn_skipped_rows(const Dataset& data, const std::string& path);

// Under mpirun: the --missing skip-row warning of all ranks' parts, printed once by rank 0;
// then clears the part's skipped_rows, so that no rank repeats a warning of its own.
void warn_skipped_rows_over_ranks(Dataset& part, const std::string& path, Collective& c);

// Under mpirun: this rank's part of `path` (read_dataset_part), or of `cache`, when given, by
// row range (read_dataset_cached_part, which writes it first when it is missing or stale; sets
// *cache_hit). The --missing skip-row warning is printed here
// once, by rank 0, with the counts of all ranks; the part's skipped_rows is then cleared so
// that no rank repeats a warning of its own part.
Dataset read_training_part(const std::string& path, const std::string& cache,
                           const ReadOptions& options, Collective& c, bool* cache_hit);

// The files this rank reads whole, one after another, when DATA names files rather than one
// file for the ranks to split: a path with "{rank}" in it (this rank's number put in its place;
// under mpirun only), or a directory of F files in name order, which one process reads all of
// and K <= F ranks read in K contiguous groups (rank r: files r F / K to (r + 1) F / K - 1), so
// the examples keep one order. Empty when DATA is one file. Throws a usage error for a
// directory of fewer files than ranks (or none), and for "{rank}" outside mpirun.
std::vector<std::string> rank_files(const std::string& data, int rank, int size);
// The same for DATA given as several files (`lograd train a.csv b.csv c.csv`): read in the
// order given, by one process all of them, by K <= F ranks in K contiguous groups. A list of
// one is rank_files(list[0], ...).
std::vector<std::string> rank_files(const std::vector<std::string>& list, int rank, int size);

// Seconds since `start` (a steady_clock reading), for timings in summaries.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace lograd::cli
