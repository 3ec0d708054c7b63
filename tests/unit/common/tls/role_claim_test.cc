#include "common/tls/role_claim.h"

#include <gtest/gtest.h>

namespace ferry::tls {
namespace {

TEST(RoleClaimTest, UrisRoundTripForEveryRole) {
  for (const auto& claim : {RoleClaim::agent("dc1-h1"), RoleClaim::broker("dc1", "b-1"),
                            RoleClaim::consumer("c1"), RoleClaim::admin("ops")}) {
    auto parsed = parse_role_uri(role_uri(claim));
    ASSERT_TRUE(parsed) << role_uri(claim);
    EXPECT_EQ(*parsed, claim);
  }
  EXPECT_EQ(role_uri(RoleClaim::agent("h1")), "ferry://agent/h1");
  EXPECT_EQ(role_uri(RoleClaim::broker("dc1", "b1")), "ferry://broker/dc1/b1");
  EXPECT_EQ(role_uri(RoleClaim::consumer("c1")), "ferry://consumer/c1");
}

TEST(RoleClaimTest, FactoriesMakeNamesCanonical) {
  EXPECT_EQ(RoleClaim::agent("DC1-H1").id, "dc1-h1");
  EXPECT_EQ(RoleClaim::broker("DC1", "B1"), (RoleClaim{NodeRole::kBroker, "dc1", "b1"}));
  EXPECT_EQ(canonical_name("Host_A.Example"), "host_a.example");
}

TEST(RoleClaimTest, RefusesAnythingElse) {
  for (const char* uri :
       {"", "ferry://", "ferry://agent/", "ferry://agent/H1", "ferry://agent/h1/x",
        "ferry://broker/b1", "ferry://broker//b1", "ferry://broker/dc1/", "ferry://root/h1",
        "https://agent/h1", "ferry://agent/../x", "ferry://agent/a b", "FERRY://agent/h1",
        "ferry://consumer/c1/", "ferry://agent/.."}) {
    EXPECT_FALSE(parse_role_uri(uri)) << uri;
  }
}

}  // namespace
}  // namespace ferry::tls
