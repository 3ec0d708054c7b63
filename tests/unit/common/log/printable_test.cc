#include "common/log/printable.h"

#include <gtest/gtest.h>

namespace ferry::log {
namespace {

TEST(PrintableTest, NewlineCannotForgeALogLine) {
  std::string forged = "bad frame\n2026-01-01T00:00:00.000Z ferry-broker [info] all fine";
  std::string out = printable(forged);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out, "bad frame\\x0a2026-01-01T00:00:00.000Z ferry-broker [info] all fine");
}

TEST(PrintableTest, ControlCharactersAndBackslashAreEscaped) {
  EXPECT_EQ(printable(std::string("a\rb\x1b[31mc\x7f\0d", 12)), "a\\x0db\\x1b[31mc\\x7f\\x00d");
  EXPECT_EQ(printable("C:\\x0a"), "C:\\\\x0a");  // a literal "\x0a" stays told apart
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "\\xc2\\x9b2J");  // C1 CSI
}

TEST(PrintableTest, ValidUtf8PassesAndInvalidBytesAreEscaped) {
  EXPECT_EQ(printable("host-ö-東京-😀"), "host-ö-東京-😀");
  EXPECT_EQ(printable("a\xff"
                      "b"),
            "a\\xffb");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable("\xe6\x9d"), "\\xe6\\x9d");           // truncated
}

TEST(PrintableTest, LongTextIsCutOnACharacterBoundary) {
  EXPECT_EQ(printable(std::string(300, 'a'), 10), "aaaaaaaaaa…(+290 bytes)");
  EXPECT_EQ(printable("abcdefghö", 9), "abcdefgh…(+2 bytes)");
  EXPECT_EQ(printable("short"), "short");
}

}  // namespace
}  // namespace ferry::log
