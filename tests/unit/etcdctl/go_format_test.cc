#include "tools/etcdctl/go_format.h"

#include <gtest/gtest.h>

namespace etcd::etcdctl {
namespace {

TEST(GoFormatTest, QuoteAsStrconv) {
  EXPECT_EQ(GoQuote("foo"), "\"foo\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\n\t\x01"), "\"\\n\\t\\x01\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("h\xc3\xa9"), "\"h\xc3\xa9\"");  // printable UTF-8 stays
}

TEST(GoFormatTest, JsonStringAsEncodingJson) {
  EXPECT_EQ(GoJsonString("a<b>&c"), "\"a\\u003cb\\u003e\\u0026c\"");
  EXPECT_EQ(GoJsonString("\n\x08"), "\"\\n\\u0008\"");
  EXPECT_EQ(GoJsonString("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(GoJsonString("\xe2\x80\xa8"), "\"\\u2028\"");
}

TEST(GoFormatTest, Base64AndHex) {
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("bar5"), "YmFyNQ==");
  EXPECT_EQ(Base64("v1"), "djE=");
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(HexBytes("foo"), "\\x66\\x6f\\x6f");
}

TEST(GoFormatTest, HumanizeBytesSi) {
  EXPECT_EQ(HumanizeBytes(9), "9 B");
  EXPECT_EQ(HumanizeBytes(20480), "20 kB");
  EXPECT_EQ(HumanizeBytes(24576), "25 kB");
  EXPECT_EQ(HumanizeBytes(1500000), "1.5 MB");
}

TEST(GoFormatTest, Durations) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(7052883), "7.052883ms");
  EXPECT_EQ(FormatGoDuration(5001251036), "5.001251036s");
  EXPECT_EQ(FormatGoDuration(60000000000), "1m0s");
  EXPECT_EQ(FormatGoDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(1500), "1.5\xc2\xb5s");
  EXPECT_EQ(*ParseGoDuration("2s"), 2000000000);
  EXPECT_EQ(*ParseGoDuration("1m30s"), 90000000000);
  EXPECT_EQ(*ParseGoDuration("1.5s"), 1500000000);
  EXPECT_EQ(*ParseGoDuration("0"), 0);
  EXPECT_EQ(ParseGoDuration("x").status().message(), "time: invalid duration \"x\"");
  EXPECT_EQ(ParseGoDuration("1").status().message(), "time: missing unit in duration \"1\"");
  EXPECT_EQ(ParseGoDuration("1x").status().message(),
            "time: unknown unit \"x\" in duration \"1x\"");
}

TEST(GoFormatTest, ParseErrorsAsStrconv) {
  EXPECT_EQ(*GoParseInt("-12", 10), -12);
  EXPECT_EQ(*GoParseInt("1234abcd", 16), 0x1234abcd);
  EXPECT_EQ(GoParseInt("abc", 10).status().message(),
            "strconv.ParseInt: parsing \"abc\": invalid syntax");
  EXPECT_EQ(GoParseInt("9223372036854775808", 10).status().message(),
            "strconv.ParseInt: parsing \"9223372036854775808\": value out of range");
  EXPECT_EQ(GoParseUint("zz", 16).status().message(),
            "strconv.ParseUint: parsing \"zz\": invalid syntax");
  EXPECT_TRUE(*GoParseBool("T"));
  EXPECT_FALSE(GoParseBool("yes").ok());
  EXPECT_EQ(GoStringSlice({"a", "b"}), "[a b]");
}

}  // namespace
}  // namespace etcd::etcdctl
