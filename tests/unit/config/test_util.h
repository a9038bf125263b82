// Helpers shared by the config tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/parser.h"

namespace etcd::config::testing_util {

// Writes `contents` to a fresh file under the test temp dir and returns its path.
inline std::string WriteTempFile(const std::string& contents, const std::string& name = "") {
  static int counter = 0;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base = info ? std::string(info->test_suite_name()) + "_" + info->name() : "t";
  for (char& ch : base) {
    if (ch == '/') ch = '_';
  }
  std::string path = ::testing::TempDir() + "/config_" + base + "_" + std::to_string(++counter) +
                     (name.empty() ? ".yml" : name);
  std::ofstream out(path);
  out << contents;
  return path;
}

}  // namespace etcd::config::testing_util
