#include "common/config/config_reader.h"

#include "common/config/near_miss.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::config {
namespace {

// Runs `fn`, expects a ConfigError, and returns it for inspection.
template <class Fn>
ConfigError expect_error(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError thrown";
  return ConfigError("", "", "");
}

constexpr const char* kBrokerConfig = R"(
node_id = "b1"
[broker]
listen = "0.0.0.0:7070"
max_connections = 500
sync_wal = true
ratio = 0.75
peers = ["c1:7080", "c2:7080"]
retention = "24h"
flush_interval = 200
max_batch = "1MiB"
disk_reserve = 1048576

[tls]
cert = "/etc/ferry/b1.crt"
key = "/etc/ferry/b1.key"

[[source]]
category = "song_completion"
paths = ["/var/log/ferry/song_completion*.log"]

[[source]]
category = "page_view"
paths = ["/var/log/ferry/page_view.log"]
)";

TEST(ConfigReaderTest, ReadsTypedValuesWithDottedKeys) {
  auto r = ConfigReader::from_string(kBrokerConfig, "broker.toml");
  EXPECT_EQ(r.str("node_id", ""), "b1");
  EXPECT_EQ(r.str("broker.listen", ""), "0.0.0.0:7070");
  EXPECT_EQ(r.integer("broker.max_connections", 0, 1, 10000), 500);
  EXPECT_TRUE(r.boolean("broker.sync_wal", false));
  EXPECT_DOUBLE_EQ(r.number("broker.ratio", 0.0, 0.0, 1.0), 0.75);
  EXPECT_EQ(r.strings("broker.peers"), (std::vector<std::string>{"c1:7080", "c2:7080"}));
  EXPECT_EQ(r.duration("broker.retention", Duration(0)), std::chrono::hours(24));
  EXPECT_EQ(r.duration("broker.flush_interval", Duration(0)), Duration(200));
  EXPECT_EQ(r.bytes("broker.max_batch", 0), 1024u * 1024);
  EXPECT_EQ(r.bytes("broker.disk_reserve", 0), 1048576u);
  auto tls = r.section("tls");
  EXPECT_EQ(tls.str("cert", ""), "/etc/ferry/b1.crt");
  EXPECT_EQ(tls.str("key", ""), "/etc/ferry/b1.key");
  auto sources = r.tables("source");
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].str("category", ""), "song_completion");
  EXPECT_EQ(sources[1].strings("paths"),
            (std::vector<std::string>{"/var/log/ferry/page_view.log"}));
  EXPECT_EQ(sources[0].strings("paths").size(), 1u);
  EXPECT_EQ(sources[1].str("category", ""), "page_view");
  r.finish();
}

TEST(ConfigReaderTest, AbsentKeysTakeDefaults) {
  auto r = ConfigReader::from_string("[broker]\n", "b.toml");
  EXPECT_EQ(r.str("broker.listen", "127.0.0.1:7070"), "127.0.0.1:7070");
  EXPECT_EQ(r.integer("broker.max_connections", 64), 64);
  EXPECT_FALSE(r.boolean("nothing.here", false));
  EXPECT_EQ(r.duration("x", Duration(5)), Duration(5));
  EXPECT_EQ(r.bytes("y", 7), 7u);
  EXPECT_EQ(r.strings("z", {"a"}), std::vector<std::string>{"a"});
  EXPECT_TRUE(r.tables("source").empty());
  EXPECT_EQ(r.section("tls").str("cert", "none"), "none");
  EXPECT_FALSE(r.has("broker.listen"));
  EXPECT_TRUE(r.has("broker"));
  r.finish();
}

TEST(ConfigReaderTest, ErrorMessageNamesFileKeyAndReason) {
  ConfigError e("/etc/ferry/broker.toml", "broker.listen", "expected a string, got integer");
  EXPECT_STREQ(e.what(), "/etc/ferry/broker.toml: broker.listen: expected a string, got integer");
  EXPECT_STREQ(ConfigError("f.toml", "", "cannot open config file").what(),
               "f.toml: cannot open config file");
}

TEST(ConfigReaderTest, SyntaxErrorNamesLineAndColumn) {
  auto e = expect_error([] { ConfigReader::from_string("a = 1\nb = = 2\n", "bad.toml"); });
  EXPECT_EQ(e.file, "bad.toml");
  EXPECT_EQ(e.key.substr(0, 2), "2:");
  EXPECT_FALSE(e.reason.empty());
}

TEST(ConfigReaderTest, MissingFileIsConfigError) {
  auto e = expect_error([] { ConfigReader r("/nonexistent/ferry.toml"); });
  EXPECT_EQ(e.file, "/nonexistent/ferry.toml");
  EXPECT_EQ(e.reason, "cannot open config file: No such file or directory");
}

TEST(ConfigReaderTest, ReadsFromFile) {
  testing::TempDir dir;
  std::string path = dir.file("agent.toml");
  testing::write_file(path, "[agent]\nhost = \"h1\"\n");
  ConfigReader r(path);
  EXPECT_EQ(r.file(), path);
  EXPECT_EQ(r.str("agent.host", ""), "h1");
  r.finish();
}

TEST(ConfigReaderTest, WrongTypeIsConfigError) {
  auto r = ConfigReader::from_string(
      "port = \"7070\"\nname = 5\nflag = 1\nratio = \"x\"\nlist = [\"a\", 2]\nnot_list = \"a\"\n"
      "[tls]\ncert = 1\n",
      "w.toml");
  auto e = expect_error([&] { (void)r.integer("port", 0); });
  EXPECT_EQ(e.file, "w.toml");
  EXPECT_EQ(e.key, "port");
  EXPECT_EQ(e.reason, "expected an integer, got string");
  EXPECT_EQ(expect_error([&] { (void)r.str("name", ""); }).reason,
            "expected a string, got integer");
  EXPECT_EQ(expect_error([&] { (void)r.boolean("flag", false); }).reason,
            "expected true or false, got integer");
  EXPECT_EQ(expect_error([&] { (void)r.number("ratio", 0); }).reason,
            "expected a number, got string");
  EXPECT_EQ(expect_error([&] { (void)r.strings("list"); }).reason,
            "element 1: expected a string, got integer");
  EXPECT_EQ(expect_error([&] { (void)r.strings("not_list"); }).reason,
            "expected an array of strings, got string");
  auto nested = expect_error([&] { (void)r.section("tls").str("cert", ""); });
  EXPECT_EQ(nested.key, "tls.cert");
  // A dotted key through a non-table names the non-table part.
  auto through = expect_error([&] { (void)r.str("port.number", ""); });
  EXPECT_EQ(through.key, "port");
  EXPECT_EQ(through.reason, "expected a table, got string");
  EXPECT_EQ(expect_error([&] { (void)r.section("name"); }).reason, "expected a table, got integer");
  EXPECT_EQ(expect_error([&] { (void)r.tables("tls"); }).key, "tls");
}

TEST(ConfigReaderTest, OutOfRangeIsConfigError) {
  auto r = ConfigReader::from_string(
      "port = 70000\nratio = 1.5\nsize = \"2MiB\"\n"
      "wait = \"10ms\"\n",
      "r.toml");
  auto e = expect_error([&] { (void)r.integer("port", 0, 1, 65535); });
  EXPECT_EQ(e.key, "port");
  EXPECT_EQ(e.reason, "70000 is out of range [1, 65535]");
  EXPECT_EQ(expect_error([&] { (void)r.number("ratio", 0, 0, 1); }).reason,
            "1.5 is out of range [0, 1]");
  EXPECT_EQ(expect_error([&] { (void)r.bytes("size", 0, 0, 1024 * 1024); }).reason,
            "2097152 bytes is out of range [0, 1048576]");
  EXPECT_EQ(expect_error([&] { (void)r.duration("wait", Duration(0), Duration(100)); }).reason,
            "10ms is below the minimum 100ms");
  EXPECT_EQ(
      expect_error([&] { (void)r.duration("wait", Duration(0), Duration(0), Duration(5)); }).reason,
      "10ms is above the maximum 5ms");
}

TEST(ConfigReaderTest, UnparseableDurationAndSizeAreConfigErrors) {
  auto r = ConfigReader::from_string(
      "a = \"5 sec\"\nb = -3\nc = true\nd = \"10 gigs\"\ne = -1\n[x]\nf = 1.5\n", "d.toml");
  auto e = expect_error([&] { (void)r.duration("a", Duration(0)); });
  EXPECT_EQ(e.key, "a");
  EXPECT_EQ(e.reason,
            "cannot parse duration \"5 sec\" (use e.g. 200ms, 5s, 2m, 24h, or an integer in ms)");
  EXPECT_EQ(expect_error([&] { (void)r.duration("b", Duration(0)); }).reason,
            "duration must not be negative, got -3");
  EXPECT_EQ(expect_error([&] { (void)r.duration("c", Duration(0)); }).reason,
            "expected a duration string or integer ms, got boolean");
  EXPECT_EQ(expect_error([&] { (void)r.bytes("d", 0); }).reason,
            "cannot parse size \"10 gigs\" (use e.g. 512B, 64KiB, 1MiB, 10GB, or an integer in "
            "bytes)");
  EXPECT_EQ(expect_error([&] { (void)r.bytes("e", 0); }).reason,
            "size must not be negative, got -1");
  EXPECT_EQ(expect_error([&] { (void)r.bytes("x.f", 0); }).reason,
            "expected a size string or integer bytes, got float");
}

TEST(ConfigReaderTest, RequireNamesMissingKey) {
  auto r = ConfigReader::from_string("[tls]\ncert = \"c\"\n", "q.toml");
  r.require("tls.cert");
  auto e = expect_error([&] { r.require("tls.key"); });
  EXPECT_EQ(e.key, "tls.key");
  EXPECT_EQ(e.reason, "required key is missing");
  auto sources = ConfigReader::from_string("[[source]]\npaths = []\n", "q.toml").tables("source");
  auto e2 = expect_error([&] { sources[0].require("category"); });
  EXPECT_EQ(e2.key, "source[0].category");
}

TEST(ConfigReaderTest, FinishNamesKeysNeverRead) {
  auto r = ConfigReader::from_string(
      "[broker]\nlisten = \"x\"\nlistne = \"y\"\n[[source]]\ncategory = \"c\"\ncategry = \"d\"\n",
      "t.toml");
  (void)r.str("broker.listen", "");
  for (const auto& s : r.tables("source")) (void)s.str("category", "");
  auto e = expect_error([&] { r.finish(); });
  EXPECT_EQ(e.file, "t.toml");
  EXPECT_EQ(e.key, "broker.listne");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.reason,
            "unknown key; did you mean broker.listen?; also unknown: "
            "source[0].categry (line 6; did you mean source.category?)");
}

TEST(ConfigReaderTest, FinishReportsUnreadArrayOfTablesAndSections) {
  auto r = ConfigReader::from_string("[[sink]]\nurl = \"u\"\n[extra]\nx = 1\n", "t.toml");
  auto e = expect_error([&] { r.finish(); });
  EXPECT_EQ(e.key, "extra.x");
  EXPECT_EQ(
      e.reason,
      "unknown key (misspelled, or not used by this program); also unknown: sink[0].url (line 2)");
  // has() alone does not count as reading.
  auto r2 = ConfigReader::from_string("a = 1\n", "t.toml");
  EXPECT_TRUE(r2.has("a"));
  EXPECT_EQ(expect_error([&] { r2.finish(); }).key, "a");
}

TEST(ConfigReaderTest, KeysListsNamesForMaps) {
  auto r = ConfigReader::from_string("[category.b]\nttl = \"1h\"\n[category.a]\nttl = \"2h\"\n",
                                     "k.toml");
  auto names = r.keys("category");
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  for (const auto& n : names) (void)r.section("category").section(n).duration("ttl", Duration(0));
  r.finish();
  EXPECT_EQ(r.section("category").section("a").prefix(), "category.a");
}

TEST(ConfigReaderTest, MissingRequiredKeyNamesTheNearTypo) {
  auto r = ConfigReader::from_string("host = \"h\"\nstat_dir = \"/x\"\n", "s.toml");
  auto e = expect_error([&] { r.require("state_dir"); });
  EXPECT_EQ(e.key, "state_dir");
  EXPECT_EQ(e.line, 2);
  EXPECT_STREQ(
      e.what(),
      "s.toml:2: state_dir: required key is missing (did you mean state_dir instead of stat_dir?)");
  // Nothing close: the plain message, no line.
  auto far = expect_error([&] { r.require("brokers"); });
  EXPECT_EQ(far.reason, "required key is missing");
  EXPECT_EQ(far.line, 0);
}

TEST(ConfigReaderTest, WrongTypeNamesTheLine) {
  auto r = ConfigReader::from_string("a = 1\n\n[batch]\nlinger = true\n", "l.toml");
  auto e = expect_error([&] { (void)r.section("batch").duration("linger", Duration(5)); });
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(std::string(e.what()).substr(0, 22), "l.toml:4: batch.linger");
}

TEST(ConfigReaderTest, SettingsRecordEveryKeyAskedForWithDefaults) {
  auto r = ConfigReader::from_string(
      "host = \"h\"\n[batch]\nlinger = \"2s\"\n[[source]]\npaths = [\"/a\"]\n", "s.toml");
  r.require("host");
  (void)r.str("host", "");
  (void)r.section("batch").duration("linger", Duration(200));
  (void)r.section("batch").bytes("max_bytes", 1u << 20);
  (void)r.section("window").bytes("zero", 0);
  (void)r.boolean("flag", true);
  for (const auto& s : r.tables("source")) (void)s.strings("paths");
  const auto& s = r.settings();
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].key, "host");
  EXPECT_TRUE(s[0].required);
  EXPECT_TRUE(s[0].from_file);
  EXPECT_EQ(s[0].value, "\"h\"");
  EXPECT_EQ(s[1].key, "batch.linger");
  EXPECT_EQ(s[1].value, "\"2s\"");
  EXPECT_EQ(s[1].def, "\"200ms\"");
  EXPECT_EQ(s[2].value, "\"1MiB\"");
  EXPECT_FALSE(s[2].from_file);
  EXPECT_EQ(s[3].value, "0");
  EXPECT_EQ(s[5].key, "source[0].paths");
  EXPECT_EQ(generic_key(s[5].key), "source.paths");
  EXPECT_EQ(format_settings(s),
            "host = \"h\"  # required\nflag = true  # default\n\n[batch]\nlinger = \"2s\"  # "
            "default \"200ms\"\n"
            "max_bytes = \"1MiB\"  # default\n\n[window]\nzero = 0  # default\n\n[[source]]\npaths "
            "= [\"/a\"]  # default []\n");
  EXPECT_EQ(
      format_key_table(s, [](std::string_view k) { return k == "flag"; }),
      "host\tstring\t\trestart\trequired\nbatch.linger\tduration\t\"200ms\"\trestart\toptional\n"
      "batch.max_bytes\tsize\t\"1MiB\"\trestart\toptional\nwindow."
      "zero\tsize\t0\trestart\toptional\n"
      "flag\tboolean\ttrue\tlive\toptional\nsource.paths\tstrings\t[]\trestart\toptional\n");
}

TEST(ConfigReaderTest, FormattedSettingsReadBackToTheSameValues) {
  auto r = ConfigReader::from_string("name = \"a \\\"quoted\\\" \\\\ path\"\n", "q.toml");
  (void)r.str("name", "");
  (void)r.duration("wait", Duration(90'000));
  (void)r.bytes("size", 1500);
  auto again = ConfigReader::from_string(format_settings(r.settings()), "again.toml");
  EXPECT_EQ(again.str("name", ""), "a \"quoted\" \\ path");
  EXPECT_EQ(again.duration("wait", Duration(0)), Duration(90'000));
  EXPECT_EQ(again.bytes("size", 0), 1500u);
}

TEST(ConfigReaderTest, NearMissFindsTyposOnly) {
  EXPECT_EQ(edit_distance("listne", "listen"), 1u);
  EXPECT_EQ(near_miss("listne", {"listen", "http_listen"}), "listen");
  EXPECT_EQ(near_miss("stat_dir", {"state_dir", "dc"}), "state_dir");
  EXPECT_FALSE(near_miss("color", {"listen", "dc"}));
  EXPECT_FALSE(near_miss("dc", {"dc"}));  // the same word is no typo
  EXPECT_FALSE(near_miss("ab", {"cd"}));
}

TEST(ConfigReaderTest, ErrorHelperUsesFullKey) {
  auto r = ConfigReader::from_string("[[source]]\ncategory = \"\"\n", "e.toml");
  auto sources = r.tables("source");
  ConfigError e = sources[0].error("category", "must not be empty");
  EXPECT_STREQ(e.what(), "e.toml:2: source[0].category: must not be empty");
}

}  // namespace
}  // namespace ferry::config
