// lograd/readers.h: LIBSVM/SVMlight and CSV readers. Every error is a ParseError naming the
// file, line and column, what was found and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lograd/collective.h"
#include "lograd/dataset.h"
#include "lograd/error.h"

namespace lograd {

// Bad input data: `file:line:col: message`.
class ParseError : public Error {
 public:
  ParseError(std::string file, int64_t line, int64_t col, const std::string& message)
      : Error(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message),
        file_(std::move(file)), line_(line), col_(col), message_(message) {}
  const std::string& file() const { return file_; }
  const std::string& message() const { return message_; }  // what() without the position
  int64_t line() const { return line_; }  // 1-based
  int64_t col() const { return col_; }    // 1-based, in bytes
 private:
  std::string file_;
  int64_t line_, col_;
  std::string message_;
};

enum class FileFormat { kAuto, kLibsvm, kCsv };
enum class Storage { kAuto, kDense, kSparse };
enum class ValueType { kAuto, kFloat32, kFloat64 };

struct ReadOptions {
  FileFormat format = FileFormat::kAuto;  // auto: from the extension, else sniffed
  Storage storage = Storage::kAuto;  // auto: dense when at least 40% of the entries are set
                                     // (54% in float64), else CSR
  ValueType value_type = ValueType::kAuto;  // auto: float32 (7 significant digits; sums are
                                            // float64) unless a value is beyond its normal
                                            // range (|v| > 3.4e38 or < 1.2e-38): then float64
  int64_t min_features = 0;               // pad the width to at least this many columns
  int32_t classes = 0;  // > 0: the labels hold exactly this many classes (binary training: 2);
                        // a ParseError at the first label of one too many, or at the end
  int32_t min_classes = 0;  // > 0: at least this many classes (training: 2), else a ParseError
                            // at the end
  bool labels_optional = false;  // prediction: LIBSVM lines that start with index:value and CSV
                                 // rows without the label column (with `encoding`) are read,
                                 // with the label "" (a class of its own)
  int64_t memory_limit = 0;  // > 0: a MemoryLimitError (lograd/memory.h) as soon as the text
                             // and entries held, the final matrix and training on it
                             // (training_memory) would need more bytes than this
  // Data-parallel reading of LIBSVM by read_libsvm: only part `shard_rank` of `shard_count` (see
  // TextSource::shard in src/data/text_file.h: byte ranges cut at line ends for a plain file,
  // every shard_count-th line for gzip). Line numbers in errors count within the part.
  // read_dataset_part sets both from its Collective and reads CSV and caches too.
  int shard_rank = 0, shard_count = 1;
  // CSV only.
  std::optional<bool> header;             // auto-detected when unset (text above numbers)
  std::optional<char> delimiter;          // auto-detected when unset (',', '\t', ';', ' ');
                                          // with `encoding`: its delimiter; *.tsv: tab
  std::string label_column;               // number (from 1) or name; default: the last column
  std::string weight_column;              // index or name of a sample-weight column; none if ""
                                          // (both ignored with `encoding`, which names them)
  MissingPolicy missing = MissingPolicy::kError;  // for "?" or empty fields (never the label)
  const CsvEncoding* encoding = nullptr;  // replay a saved encoding (prediction); else learn one
};

// Reads a LIBSVM/SVMlight file (gzip-compressed input is detected and read directly):
// `label index:value ...`, 1-based ascending indices, `qid:` ignored, `#` comments.
Dataset read_libsvm(const std::string& path, const ReadOptions& options = {});

// Reads a CSV file (or gzip-compressed CSV). Non-numeric columns are one-hot encoded.
Dataset read_csv(const std::string& path, const ReadOptions& options = {});

// Reads either format, chosen by options.format (auto: extension .csv/.tsv, else sniffing).
Dataset read_dataset(const std::string& path, const ReadOptions& options = {});

// Data-parallel read_dataset (every rank calls it; c.rank() of c.size() ranks): this rank's part
// of the file, such that the parts in rank order (interleaved by shard_first/shard_stride) are
// the Dataset one process reads: LIBSVM and CSV by byte ranges cut at line ends (gzip: every
// K-th line), a binary cache by row ranges. CSV parts carry the encoding, feature columns and
// classes one process learns from the whole file (the ranks exchange what they scanned); a
// CSV record may not span lines. skipped_rows counts this part's. An error is thrown on every
// rank (that of the lowest rank that failed, its line a line of the file, except for LIBSVM).
Dataset read_dataset_part(const std::string& path, const ReadOptions& options, Collective& c);

// Several files read as one dataset, their rows in order (a directory, one file per rank):
// `files` are this rank's (c.rank() of c.size(); one process: all of them), and the ranks'
// files in rank order are all the files in order. LIBSVM files and .lgb caches are read whole
// and joined (concat_rows); CSV files are read as one text, so that they share one encoding
// (header, delimiter, categories, classes, `missing` means, storage) learned from all of
// them: each may repeat the first file's header, and an error names its file and line. A mix
// of CSV and other files is refused. `name` names the whole in messages. Every rank must
// call it; a CSV error is thrown on all.
Dataset read_dataset_files(const std::string& name, const std::vector<std::string>& files,
                           const ReadOptions& options, Collective& c);

}  // namespace lograd
