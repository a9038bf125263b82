#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

#include "common/rng.h"

namespace etcd::crc32c {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the classic "123456789".
TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
  EXPECT_EQ(Value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Value(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc, dec;
  for (int i = 0; i < 32; ++i) {
    inc.push_back(static_cast<char>(i));
    dec.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Value(inc), 0x46dd794eu);
  EXPECT_EQ(Value(dec), 0x113fdb5cu);
  EXPECT_EQ(Value(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWholeValue) {
  std::string s = "hello, write-ahead log";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(Extend(Value(s.substr(0, cut)), s.data() + cut, s.size() - cut), Value(s));
  }
}

TEST(Crc32cTest, PortableAndHardwareAgree) {
  if (!internal::HasHardwareCrc()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  Rng rng(42);
  std::string buf(4096 + 13, '\0');
  for (char& c : buf) c = static_cast<char>(rng.Next());
  // Every length and several misalignments, chained from a non-zero seed.
  for (size_t off = 0; off < 9; ++off) {
    for (size_t n = 0; n + off <= 300; ++n) {
      ASSERT_EQ(internal::ExtendPortable(0x1234u, buf.data() + off, n),
                internal::ExtendHardware(0x1234u, buf.data() + off, n))
          << off << " " << n;
    }
  }
  // Lengths around the hardware path's 3 x 256-byte blocks.
  for (size_t n : {767u, 768u, 769u, 1535u, 1536u, 1537u, 2400u, 4096u}) {
    ASSERT_EQ(internal::ExtendPortable(7, buf.data() + 3, n),
              internal::ExtendHardware(7, buf.data() + 3, n))
        << n;
  }
  EXPECT_EQ(internal::ExtendPortable(0, buf.data(), buf.size()),
            internal::ExtendHardware(0, buf.data(), buf.size()));
}

TEST(Crc32cTest, MaskRoundTripsAndDiffers) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_NE(Mask(crc), crc);
    EXPECT_EQ(Unmask(Mask(crc)), crc);
  }
}

}  // namespace
}  // namespace etcd::crc32c
