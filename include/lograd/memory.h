// lograd/memory.h: how much memory reading a data file will take and how much the machine has,
// so that a dataset too large for it is refused before reading instead of killed by the OS.
#pragma once

#include <cstdint>
#include <string>

#include "lograd/error.h"

namespace lograd {

// Peak bytes of memory per byte of uncompressed text when reading LIBSVM or CSV data and
// training on it: the text itself, the parsed matrix with the slack of its growing arrays, and
// the solver's vectors. Measured 2.3 to 6.9 on the datasets of ../shared/datasets (dense CSV,
// sparse LIBSVM, float32 and float64); 8 keeps the estimate on the safe side.
inline constexpr double kPeakBytesPerTextByte = 8;
// The same for lograd's binary cache (`lograd convert`), read in one piece and then unpacked.
inline constexpr double kPeakBytesPerCacheByte = 2.5;

// Float64 vectors of one entry per feature that training holds at once, at most, beside the
// data: the weights and gradient, the solver's own (L-BFGS keeps 2 x 10 correction vectors and
// 6 more, Newton 12), the objective's (7), the trainer's and the model's (6), with slack; and
// one more per thread (each thread's share of the gradient sums).
inline constexpr double kTrainingVectorsPerFeature = 44;
// Float64 vectors of one entry per example: targets, example weights, margins, the order.
inline constexpr double kTrainingVectorsPerExample = 6;

// Bytes of memory that training on data of `rows` examples and `cols` features takes beyond
// the data (kTrainingVectorsPerFeature + threads vectors of cols entries, and
// kTrainingVectorsPerExample of rows entries): 2^31 features need about 800 GB.
int64_t training_memory(int64_t rows, int64_t cols, int threads);

struct MemoryEstimate {
  int64_t file_bytes = 0;  // the file's size on disk
  int64_t text_bytes = 0;  // its uncompressed size (file_bytes unless gzip-compressed)
  bool gzip = false;
  bool binary_cache = false;
  bool stopped_early = false;  // counting stopped past stop_above: text_bytes is a lower bound
  int64_t trailing_bytes = 0;  // gzip: bytes after the last member, which the readers ignore
  std::string how;             // how text_bytes was found, for messages ("gzip footer", ...)
  int64_t bytes = 0;           // the estimated peak memory of reading the file and training on it
};

// Estimates the peak memory of reading `path` (and working on the data) from its size: for gzip
// input the data is decompressed without being kept and counted (footers cannot be trusted:
// they give the last member's size only, modulo 4 GiB), stopping as soon as the estimate
// exceeds `stop_above` (0: never). Pipes get no estimate (bytes 0): the readers enforce
// ReadOptions::memory_limit while reading instead, as they do for the feature count, which
// only reading reveals. Throws Error when the file cannot be opened.
MemoryEstimate estimate_read_memory(const std::string& path, int64_t stop_above = 0);

// Memory this process can still take: MemAvailable from /proc/meminfo, lowered to the room left
// under a cgroup v2 memory limit (memory.max - memory.current); -1 when unknown.
int64_t available_memory();

// A byte count: a number with an optional suffix K, M, G or T (powers of 1024; "KB", "KiB"
// and lower case are accepted): "512M", "8G", "1.5G", "1000000". Throws ValueError otherwise.
int64_t parse_byte_size(const std::string& text);

// A byte count for people, in powers of 1000: "512 B", "3.9 MB", "17.2 GB".
std::string format_bytes(double bytes);

// Thrown when data would need more memory than allowed (the CLI exits with its own status).
class MemoryLimitError : public Error {
 public:
  using Error::Error;
};

}  // namespace lograd
