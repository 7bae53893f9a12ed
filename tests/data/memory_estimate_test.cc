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

#include "lograd/memory.h"

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

TEST_F(MemoryEstimateTest, GzipUsesTheFooter) {
  const std::string text = libsvm_text(2000, 2);
  const std::string gz = gzip(text);
  write(path("a.gz"), gz);
  const MemoryEstimate e = estimate_read_memory(path("a.gz"));
  EXPECT_TRUE(e.gzip);
  EXPECT_EQ(e.how, "gzip footer");
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
