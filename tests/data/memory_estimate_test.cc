// Memory estimates before reading: text size, gzip footers (single and several members,
// counted decompression that stops at the limit), byte-count parsing, available memory.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "lograd/binary_cache.h"
#include "lograd/memory.h"
#include "lograd/readers.h"

namespace lograd {
namespace {

namespace fs = std::filesystem;

class MemoryEstimateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lograd_memory_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& p, const std::string& bytes, bool append = false) const {
    std::ofstream(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc)) << bytes;
  }
  // One gzip member holding `text`.
  static std::string gzip(const std::string& text) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, text.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }
  static std::string libsvm_text(int rows, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::ostringstream t;
    for (int i = 0; i < rows; ++i) {
      t << (rng() % 2 ? "+1" : "-1");
      for (int j = 1; j <= 12; ++j) t << ' ' << j * 7 + rng() % 7 << ":0." << rng() % 100000;
      t << '\n';
    }
    return t.str();
  }

  fs::path dir_;
};

TEST_F(MemoryEstimateTest, PlainTextIsItsSizeTimesTheFactor) {
  const std::string text = libsvm_text(500, 1);
  write(path("a.libsvm"), text);
  const MemoryEstimate e = estimate_read_memory(path("a.libsvm"));
  EXPECT_FALSE(e.gzip);
  EXPECT_EQ(e.file_bytes, static_cast<int64_t>(text.size()));
  EXPECT_EQ(e.text_bytes, static_cast<int64_t>(text.size()));
  EXPECT_EQ(e.bytes, static_cast<int64_t>(kPeakBytesPerTextByte * text.size()));
  EXPECT_EQ(e.how, "file size");
}

TEST_F(MemoryEstimateTest, GzipIsCounted) {
  const std::string text = libsvm_text(2000, 2);
  const std::string gz = gzip(text);
  write(path("a.gz"), gz);
  const MemoryEstimate e = estimate_read_memory(path("a.gz"));
  EXPECT_TRUE(e.gzip);
  EXPECT_EQ(e.how, "decompressed and counted");
  EXPECT_EQ(e.trailing_bytes, 0);
  EXPECT_EQ(e.file_bytes, static_cast<int64_t>(gz.size()));
  EXPECT_EQ(e.text_bytes, static_cast<int64_t>(text.size()));
  EXPECT_EQ(e.bytes, static_cast<int64_t>(kPeakBytesPerTextByte * text.size()) +
                         static_cast<int64_t>(gz.size()));
}

TEST_F(MemoryEstimateTest, SeveralMembersAreCountedNotTakenFromTheLastFooter) {
  // As `cat big.gz small.gz` or bgzip: the footer holds only the last member's size, far less
  // than the compressed file.
  const std::string big = libsvm_text(3000, 3), small = "+1 1:1\n";
  write(path("m.gz"), gzip(big) + gzip(small));
  const MemoryEstimate e = estimate_read_memory(path("m.gz"));
  EXPECT_EQ(e.how, "decompressed and counted");
  EXPECT_EQ(e.text_bytes, static_cast<int64_t>(big.size() + small.size()));
  EXPECT_FALSE(e.stopped_early);

  // With a limit, counting stops once the estimate is past it.
  const MemoryEstimate s = estimate_read_memory(path("m.gz"), 100000);
  EXPECT_TRUE(s.stopped_early);
  EXPECT_GT(s.bytes, 100000);
  EXPECT_LT(s.text_bytes, static_cast<int64_t>(big.size()));
}

// The bomb: members that inflate 1000-fold, then a last member whose footer claims more
// than the whole compressed file, so that it looked like a single member's. It was estimated
// from that footer alone.
TEST_F(MemoryEstimateTest, AGzipBombIsCountedNotTakenFromAPlausibleFooter) {
  const std::string member(1 << 20, '0'), last = libsvm_text(2000, 4);
  std::string bomb;
  for (int k = 0; k < 16; ++k) bomb += gzip(member);
  bomb += gzip(last);
  ASSERT_GT(last.size(), bomb.size()) << "the last footer looks like a single member's";
  write(path("bomb.gz"), bomb);
  const MemoryEstimate e = estimate_read_memory(path("bomb.gz"));
  EXPECT_EQ(e.text_bytes, static_cast<int64_t>(16 * member.size() + last.size()));
  EXPECT_GT(e.bytes, int64_t{16} * 8 << 20);
}

// Bytes after the last member (zeros, junk) are ignored by the readers, as by gzip -d: they are
// reported, and not read as a footer (junk ending in ff ff ff 7f claimed 2 GiB of text).
TEST_F(MemoryEstimateTest, TrailingBytesAfterGzipDataAreReportedNotReadAsAFooter) {
  const std::string text = libsvm_text(500, 5);
  write(path("t.gz"), gzip(text) + std::string(10, '\0') + "\xff\xff\xff\x7f");
  const MemoryEstimate e = estimate_read_memory(path("t.gz"));
  EXPECT_EQ(e.text_bytes, static_cast<int64_t>(text.size()));
  EXPECT_EQ(e.trailing_bytes, 14);
  write(path("two.gz"), gzip(text) + gzip(text));
  EXPECT_EQ(estimate_read_memory(path("two.gz")).trailing_bytes, 0) << "a second member";
}

// Training holds vectors of one entry per feature (and per thread): a feature index of 2^31 - 1
// in a 40-byte file needs hundreds of GB, which no estimate from the file's size shows.
TEST(TrainingMemory, GrowsWithFeaturesThreadsAndExamples) {
  const int64_t n = 2147483647;
  EXPECT_GT(training_memory(1, n, 1), int64_t{8} * 40 * n);
  EXPECT_GT(training_memory(1, n, 16), training_memory(1, n, 1));
  EXPECT_EQ(training_memory(1, 1000, 2) - training_memory(1, 1000, 1), 8 * 1000);
  EXPECT_GT(training_memory(2000, 10, 1), training_memory(1000, 10, 1));
  EXPECT_EQ(training_memory(0, 0, 1), 0);
}

// ReadOptions::memory_limit is enforced while reading, where the feature count shows: a
// MemoryLimitError naming the file and the feature count, not std::bad_alloc in training.
TEST_F(MemoryEstimateTest, ReadersStopAtTheLimitOnceTheFeatureCountShows) {
  write(path("huge.svm"), "1 2147483647:1\n-1 1:1\n");
  ReadOptions o;
  o.memory_limit = int64_t{1} << 30;
  try {
    read_dataset(path("huge.svm"), o);
    FAIL() << "read 2^31 - 1 features under a 1 GiB limit";
  } catch (const MemoryLimitError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path("huge.svm")), std::string::npos) << m;
    EXPECT_NE(m.find("2147483647 features"), std::string::npos) << m;
    EXPECT_EQ(m.find("--"), std::string::npos) << "the library names no flag: " << m;
  }
  o.memory_limit = 0;
  EXPECT_EQ(read_dataset(path("huge.svm"), o).cols(), 2147483647) << "no limit: read (sparse)";

  // A CSV file of few rows and many columns: its text is small, its columns are not.
  std::string csv;
  for (int j = 0; j < 100000; ++j) csv += "0,";
  csv += "1\n" + csv + "0\n";
  write(path("wide.csv"), csv);
  o.memory_limit = int64_t{32} << 20;
  EXPECT_GT(o.memory_limit, static_cast<int64_t>(kPeakBytesPerTextByte * csv.size()))
      << "the estimate from the text's size admits it";
  try {
    read_dataset(path("wide.csv"), o);
    FAIL() << "read 100000 columns under a 32 MiB limit";
  } catch (const MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("100000 features"), std::string::npos) << e.what();
  }
  o.memory_limit = int64_t{1} << 30;
  EXPECT_EQ(read_dataset(path("wide.csv"), o).cols(), 100000) << "admitted under 1 GiB";

  // A binary cache of that width: a few hundred bytes on disk (its estimate), 790 GB to train.
  o.memory_limit = 0;
  write_binary_cache(read_dataset(path("huge.svm"), o), path("huge.lgb"));
  o.memory_limit = int64_t{1} << 30;
  EXPECT_LT(estimate_read_memory(path("huge.lgb")).bytes, 4096);
  try {
    read_dataset(path("huge.lgb"), o);
    FAIL() << "loaded a cache of 2^31 - 1 features under a 1 GiB limit";
  } catch (const MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("2147483647 features"), std::string::npos) << e.what();
  }
}

TEST_F(MemoryEstimateTest, ABinaryCacheIsNotText) {
  write(path("d.lgb"), std::string("LOGRADB1") + std::string(1000, '\0'));
  const MemoryEstimate e = estimate_read_memory(path("d.lgb"));
  EXPECT_TRUE(e.binary_cache);
  EXPECT_EQ(e.bytes, static_cast<int64_t>(kPeakBytesPerCacheByte * 1008));
}

TEST_F(MemoryEstimateTest, AMissingFileIsAnError) {
  EXPECT_THROW(estimate_read_memory(path("nope")), Error);
}

TEST(ByteSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_byte_size("1000"), 1000);
  EXPECT_EQ(parse_byte_size("512M"), int64_t{512} << 20);
  EXPECT_EQ(parse_byte_size("8G"), int64_t{8} << 30);
  EXPECT_EQ(parse_byte_size("8g"), int64_t{8} << 30);
  EXPECT_EQ(parse_byte_size("2GB"), int64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("1.5K"), 1536);
  EXPECT_EQ(parse_byte_size("1T"), int64_t{1} << 40);
  EXPECT_EQ(parse_byte_size("0"), 0);
  for (const char* bad : {"", "M", "-1", "12X", "1.5.3", "1MM", "inf", "nan", "1e30T"})
    EXPECT_THROW(parse_byte_size(bad), ValueError) << bad;
}

TEST(AvailableMemory, IsKnownOnLinux) {
  const int64_t a = available_memory();
  EXPECT_GT(a, 0);
}

}  // namespace
}  // namespace lograd
