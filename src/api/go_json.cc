#include "api/go_json.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace etcd::api::gojson {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns its length (1 and U+FFFD when invalid).
size_t DecodeRune(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c0 = b(0);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t need;
  uint32_t v, min;
  if ((c0 & 0xE0) == 0xC0) {
    need = 2, v = c0 & 0x1F, min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    need = 3, v = c0 & 0x0F, min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    need = 4, v = c0 & 0x07, min = 0x10000;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (i + need > s.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  for (size_t k = 1; k < need; ++k) {
    if ((b(k) & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (b(k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = v;
  return need;
}

// Go's quoteChar: how a byte appears in scanner errors ('x', '\'', '"', '\n', '\x01').
std::string QuoteChar(uint8_t c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string s;
  switch (c) {
    case '\a':
      s = "\\a";
      break;
    case '\b':
      s = "\\b";
      break;
    case '\f':
      s = "\\f";
      break;
    case '\n':
      s = "\\n";
      break;
    case '\r':
      s = "\\r";
      break;
    case '\t':
      s = "\\t";
      break;
    case '\v':
      s = "\\v";
      break;
    case '\\':
      s = "\\\\";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        s = absl::StrFormat("\\x%02x", c);
      } else if (c < 0x80) {
        s = std::string(1, static_cast<char>(c));
      } else if (c < 0xA0 || c == 0xA0 || c == 0xAD) {  // not printable as a rune
        s = absl::StrFormat("\\u%04x", c);
      } else {
        AppendUtf8(c, &s);  // the byte read as a rune (Latin-1)
      }
  }
  return "'" + s + "'";
}

class Scanner {
 public:
  // `decoder`: json.Decoder (truncation: "unexpected EOF") vs json.Unmarshal
  // ("unexpected end of JSON input").
  Scanner(std::string_view in, bool decoder) : in_(in), decoder_(decoder) {}

  absl::Status Error(const std::string& what) {
    if (pos_ >= in_.size()) {
      return absl::InvalidArgumentError(decoder_ ? "unexpected EOF"
                                                 : "unexpected end of JSON input");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("invalid character ", QuoteChar(static_cast<uint8_t>(in_[pos_])), " ", what));
  }

  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return in_[pos_]; }
  size_t pos() const { return pos_; }

  absl::Status ParseValue(Value* v, int depth = 0) {
    SkipSpace();
    if (AtEnd()) return Error("");
    if (depth > 10000) return absl::InvalidArgumentError("exceeded max depth");
    const char c = Peek();
    switch (c) {
      case '{':
        return ParseObject(v, depth);
      case '[':
        return ParseArray(v, depth);
      case '"':
        v->kind = Value::Kind::kString;
        return ParseString(&v->text);
      case 't':
        v->kind = Value::Kind::kBool;
        v->boolean = true;
        return ParseLiteral("true");
      case 'f':
        v->kind = Value::Kind::kBool;
        return ParseLiteral("false");
      case 'n':
        v->kind = Value::Kind::kNull;
        return ParseLiteral("null");
      default:
        if (c == '-' || IsDigit(c)) {
          v->kind = Value::Kind::kNumber;
          return ParseNumber(&v->text);
        }
        return Error("looking for beginning of value");
    }
  }

 private:
  absl::Status ParseLiteral(std::string_view word) {
    ++pos_;  // the first letter decided the literal
    for (size_t i = 1; i < word.size(); ++i, ++pos_) {
      if (AtEnd() || Peek() != word[i]) {
        return Error(absl::StrCat("in literal ", std::string(word), " (expecting '",
                                  std::string(1, word[i]), "')"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseNumber(std::string* text) {
    const size_t start = pos_;
    if (Peek() == '-') {
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Error("in numeric literal");
    }
    if (Peek() == '0') {
      ++pos_;
    } else {
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Error("after decimal point in numeric literal");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Error("in exponent of numeric literal");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    text->assign(in_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  absl::Status ReadHex4(uint32_t* out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (AtEnd()) return Error("");
      int h = HexValue(Peek());
      if (h < 0) return Error("in \\u hexadecimal character escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    *out = v;
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    for (;;) {
      if (AtEnd()) return Error("");
      const uint8_t c = static_cast<uint8_t>(Peek());
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("in string literal");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return Error("");
        const char e = Peek();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out->push_back(e);
            ++pos_;
            break;
          case 'b':
            out->push_back('\b');
            ++pos_;
            break;
          case 'f':
            out->push_back('\f');
            ++pos_;
            break;
          case 'n':
            out->push_back('\n');
            ++pos_;
            break;
          case 'r':
            out->push_back('\r');
            ++pos_;
            break;
          case 't':
            out->push_back('\t');
            ++pos_;
            break;
          case 'u': {
            ++pos_;
            uint32_t cp = 0;
            RETURN_IF_ERROR(ReadHex4(&cp));
            if (cp >= 0xD800 && cp < 0xDC00) {
              // A high surrogate: a following \uDC00-\uDFFF completes it.
              if (pos_ + 1 < in_.size() && in_[pos_] == '\\' && in_[pos_ + 1] == 'u') {
                const size_t save = pos_;
                pos_ += 2;
                uint32_t lo = 0;
                RETURN_IF_ERROR(ReadHex4(&lo));
                if (lo >= 0xDC00 && lo < 0xE000) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                  pos_ = save;
                  cp = 0xFFFD;
                }
              } else {
                cp = 0xFFFD;
              }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              cp = 0xFFFD;
            }
            AppendUtf8(cp, out);
            break;
          }
          default:
            return Error("in string escape code");
        }
        continue;
      }
      uint32_t cp;
      size_t n = DecodeRune(in_, pos_, &cp);
      if (cp == 0xFFFD && n == 1) {
        AppendUtf8(0xFFFD, out);
      } else {
        out->append(in_.substr(pos_, n));
      }
      pos_ += n;
    }
  }

  absl::Status ParseObject(Value* v, int depth) {
    v->kind = Value::Kind::kObject;
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Error("");
    if (Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    for (;;) {
      if (AtEnd()) return Error("");
      if (Peek() != '"') return Error("looking for beginning of object key string");
      std::string key;
      RETURN_IF_ERROR(ParseString(&key));
      SkipSpace();
      if (AtEnd()) return Error("");
      if (Peek() != ':') return Error("after object key");
      ++pos_;
      Value member;
      RETURN_IF_ERROR(ParseValue(&member, depth + 1));
      v->members.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (AtEnd()) return Error("");
      if (Peek() == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek() != ',') return Error("after object key:value pair");
      ++pos_;
      SkipSpace();
    }
  }

  absl::Status ParseArray(Value* v, int depth) {
    v->kind = Value::Kind::kArray;
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Error("");
    if (Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    for (;;) {
      Value item;
      RETURN_IF_ERROR(ParseValue(&item, depth + 1));
      v->items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return Error("");
      if (Peek() == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek() != ',') return Error("after array element");
      ++pos_;
    }
  }

  std::string_view in_;
  bool decoder_;
  size_t pos_ = 0;
};

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

absl::Status IllegalBase64(size_t offset) {
  return absl::InvalidArgumentError(absl::StrCat("illegal base64 data at input byte ", offset));
}

}  // namespace

const Value* Value::Find(std::string_view key) const {
  const Value* found = nullptr;
  for (const auto& [k, v] : members) {
    if (k == key) found = &v;
  }
  return found;
}

const char* Value::GoKind() const {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "";
}

absl::StatusOr<Value> DecodeFirst(std::string_view input, bool* empty, size_t* consumed) {
  Scanner s(input, /*decoder=*/true);
  s.SkipSpace();
  *empty = s.AtEnd();
  if (consumed != nullptr) *consumed = s.pos();
  if (*empty) return Value();
  Value v;
  RETURN_IF_ERROR(s.ParseValue(&v));
  if (v.kind != Value::Kind::kObject && v.kind != Value::Kind::kArray && !s.AtEnd() &&
      !IsSpace(s.Peek())) {
    // A scalar ends only at a delimiter; Go complains about the byte after it.
    return s.Error("after top-level value");
  }
  if (consumed != nullptr) *consumed = s.pos();
  return v;
}

absl::StatusOr<Value> Unmarshal(std::string_view input) {
  Scanner s(input, /*decoder=*/false);
  Value v;
  RETURN_IF_ERROR(s.ParseValue(&v));
  s.SkipSpace();
  if (!s.AtEnd()) return s.Error("after top-level value");
  return v;
}

std::string Quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = DecodeRune(s, i, &cp);
    if (cp == 0xFFFD && n == 1) {
      out += "\\ufffd";
    } else if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += "\"";
  return out;
}

absl::StatusOr<std::string> DecodeBase64(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (;;) {
    // One quantum of up to four symbols; '\r' and '\n' are skipped anywhere.
    uint32_t sym[4] = {0, 0, 0, 0};
    size_t got = 0;
    bool padded = false;
    while (got < 4) {
      if (i == s.size()) {
        if (got == 0) return out;
        return IllegalBase64(i - got);  // StdEncoding wants padding
      }
      const uint8_t c = static_cast<uint8_t>(s[i++]);
      if (c == '\n' || c == '\r') continue;
      const int v = Base64Value(c);
      if (v >= 0) {
        sym[got++] = static_cast<uint32_t>(v);
        continue;
      }
      if (c != '=') return IllegalBase64(i - 1);
      // Padding: allowed after two symbols ("==") or three ("=").
      if (got < 2) return IllegalBase64(i - 1);
      if (got == 2) {
        while (i < s.size() && (s[i] == '\n' || s[i] == '\r')) ++i;
        if (i == s.size()) return IllegalBase64(s.size());
        if (s[i] != '=') return IllegalBase64(i - 1);
        ++i;
      }
      while (i < s.size() && (s[i] == '\n' || s[i] == '\r')) ++i;
      if (i < s.size()) return IllegalBase64(i);  // data after the padding
      padded = true;
      break;
    }
    const uint32_t v = (sym[0] << 18) | (sym[1] << 12) | (sym[2] << 6) | sym[3];
    out.push_back(static_cast<char>(v >> 16));
    if (got >= 3) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (got == 4) out.push_back(static_cast<char>(v & 0xFF));
    if (padded) return out;
  }
}

std::string EncodeBase64(std::string_view s) {
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(s[i]) << 16) | (static_cast<uint8_t>(s[i + 1]) << 8) |
                       static_cast<uint8_t>(s[i + 2]);
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const size_t rest = s.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(s[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(s[i + 1]) << 8;
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace etcd::api::gojson
