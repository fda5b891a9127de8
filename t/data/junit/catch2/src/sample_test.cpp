#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

static int add(int a, int b) { return a + b; }

TEST_CASE("addition passes", "[math]") { REQUIRE(add(2, 3) == 5); }

TEST_CASE("string passes", "[math]") {
  std::cout << "hello from stdout in string passes" << std::endl;
  std::cerr << "a warning line on stderr" << std::endl;
  REQUIRE(std::string("junit") == "junit");
}

TEST_CASE("assertion failure", "[math]") {
  std::vector<int> expected{1, 2, 3};
  std::vector<int> actual{1, 2};
  INFO("comparing vectors\nsecond line of the message");
  CHECK(actual.size() == expected.size());
  REQUIRE(actual == expected);
}

TEST_CASE("unexpected exception", "[math]") {
  std::vector<int> v;
  (void)v.at(5);  // throws std::out_of_range
}

TEST_CASE("hidden test is not run by default", "[.][slow]") { FAIL("never runs"); }

TEST_CASE("may fail is tolerated", "[!mayfail]") { REQUIRE(1 == 2); }

TEST_CASE("account", "[account]") {
  int balance = 100;
  std::cout << "setup: balance=" << balance << std::endl;
  SECTION("deposit") {
    balance += 50;
    REQUIRE(balance == 150);
    SECTION("then withdraw") {
      balance -= 30;
      REQUIRE(balance == 120);
    }
    SECTION("then withdraw too much") {
      balance -= 500;
      CHECK(balance >= 0);
    }
  }
  SECTION("withdraw") {
    balance -= 40;
    REQUIRE(balance == 60);
  }
}

TEST_CASE("doubles", "[param]") {
  auto p = GENERATE(std::make_pair(1, 2), std::make_pair(2, 4), std::make_pair(3, 7));
  CAPTURE(p.first, p.second);
  REQUIRE(p.first * 2 == p.second);
}
