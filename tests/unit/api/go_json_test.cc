#include "api/go_json.h"

#include "gtest/gtest.h"

namespace etcd::api::gojson {
namespace {

// Messages from etcd 3.4.23's gateway (curl -d '<body>' .../v3/kv/range).
TEST(GoJsonTest, DecoderErrorsAreGos) {
  struct Case {
    std::string in;
    std::string want;
  } cases[] = {
      {"nonsense", "invalid character 'o' in literal null (expecting 'u')"},
      {"{\"key\":", "unexpected EOF"},
      {"{\"key\"", "unexpected EOF"},
      {"{", "unexpected EOF"},
      {"{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')"},
      {"{\"a\":1,}", "invalid character '}' looking for beginning of object key string"},
      {"{\"a\":[1,]}", "invalid character ']' looking for beginning of value"},
      {"{\"a\":\"\\x\"}", "invalid character 'x' in string escape code"},
      {"{\"a\":01}", "invalid character '1' after object key:value pair"},
      {"{\"a\":-}", "invalid character '}' in numeric literal"},
      {"{\"a\":1.}", "invalid character '}' after decimal point in numeric literal"},
      {"{\"a\":1e}", "invalid character '}' in exponent of numeric literal"},
      {"{'a':1}", "invalid character '\\'' looking for beginning of object key string"},
      {"{\"a\" 1}", "invalid character '1' after object key"},
      {"[1 2]", "invalid character '2' after array element"},
      {"{\"a\":\"\x01\"}", "invalid character '\\x01' in string literal"},
      {"{\"a\":\"\\u12x4\"}", "invalid character 'x' in \\u hexadecimal character escape"},
      {"\n  x", "invalid character 'x' looking for beginning of value"},
      {"true x", ""},  // a scalar followed by space is complete
      {"truex", "invalid character 'x' after top-level value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    bool empty = true;
    auto v = DecodeFirst(c.in, &empty);
    if (c.want.empty()) {
      EXPECT_TRUE(v.ok()) << v.status();
    } else {
      ASSERT_FALSE(v.ok());
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(v.status().message(), c.want);
    }
  }
}

TEST(GoJsonTest, DecodeFirstIgnoresBytesAfterAnObjectAndReportsEmpty) {
  bool empty = true;
  size_t consumed = 0;
  auto v = DecodeFirst(" {\"key\":\"Zm9v\"}}} trailing", &empty, &consumed);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(empty);
  EXPECT_EQ(consumed, 15u);
  ASSERT_NE(v->Find("key"), nullptr);
  EXPECT_EQ(v->Find("key")->text, "Zm9v");
  v = DecodeFirst(" \n\t", &empty);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(empty);
}

TEST(GoJsonTest, ValuesKeepNumberLiteralsAndDecodeStrings) {
  auto v =
      Unmarshal(R"({"n":-1.5e3,"s":"a\u00e9\ud83d\ude00\n","b":false,"z":null,"a":[1,"x"],"n":2})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Find("n")->text, "2");  // the last duplicate wins, as in a Go map
  EXPECT_EQ(v->Find("s")->text, "a\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(v->Find("b")->kind, Value::Kind::kBool);
  EXPECT_EQ(v->Find("z")->kind, Value::Kind::kNull);
  EXPECT_EQ(v->Find("a")->items.size(), 2u);
  EXPECT_STREQ(v->Find("a")->GoKind(), "array");
  EXPECT_EQ(Unmarshal("").status().message(), "unexpected end of JSON input");
  EXPECT_EQ(Unmarshal("0x10").status().message(), "invalid character 'x' after top-level value");
}

TEST(GoJsonTest, QuoteEscapesAsJsonMarshal) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c\nd\re\tf"), "\"a\\\"b\\\\c\\nd\\re\\tf\"");
  EXPECT_EQ(Quote("<a&b>"), "\"\\u003ca\\u0026b\\u003e\"");
  EXPECT_EQ(Quote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(Quote("\xe2\x80\xa8"), "\"\\u2028\"");
  EXPECT_EQ(Quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(Quote("\xff"), "\"\\ufffd\"");
}

TEST(GoJsonTest, Base64AsGoStdEncoding) {
  EXPECT_EQ(*DecodeBase64("Zm9v"), "foo");
  EXPECT_EQ(*DecodeBase64("YQ=="), "a");
  EXPECT_EQ(*DecodeBase64("YWI="), "ab");
  EXPECT_EQ(*DecodeBase64("Zm9v\nYmFy"), "foobar");
  EXPECT_EQ(*DecodeBase64(""), "");
  struct Case {
    std::string in;
    std::string want;
  } bad[] = {
      {"YQ", "illegal base64 data at input byte 0"},  // padding required
      {"YW", "illegal base64 data at input byte 0"},
      {"!!!", "illegal base64 data at input byte 0"},
      {"Zm9v!", "illegal base64 data at input byte 4"},
      {"YQ=", "illegal base64 data at input byte 3"},
      {"YQ=x", "illegal base64 data at input byte 2"},
      {"YQ==YQ==", "illegal base64 data at input byte 4"},
      {"Y===", "illegal base64 data at input byte 1"},
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(c.in);
    auto r = DecodeBase64(c.in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), c.want);
  }
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("a"), "YQ==");
  EXPECT_EQ(EncodeBase64("ab"), "YWI=");
  EXPECT_EQ(EncodeBase64("<>&\xe2\x80\xa8\""), "PD4m4oCoIg==");
}

}  // namespace
}  // namespace etcd::api::gojson
