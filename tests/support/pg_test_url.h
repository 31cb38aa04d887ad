// The URL of the throwaway PostgreSQL cluster that CTest's `pg` fixture starts
// (scripts/pg-test-cluster) for the tests that need one: read from the file
// named by PJ_TEST_PG_URL_FILE. Header-only; thread-safe.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace promptjang::testing {

// The cluster's URL (postgres://USER@127.0.0.1:PORT/postgres), or "" with the
// reason in *why.
inline std::string pg_test_cluster_url(std::string* why) {
  const char* file = std::getenv("PJ_TEST_PG_URL_FILE");
  if (file == nullptr || *file == '\0') {
    *why =
        "PJ_TEST_PG_URL_FILE is not set: run through ctest, whose pg fixture starts a "
        "throwaway cluster (scripts/pg-test-cluster; needs apt-get install postgresql)";
    return "";
  }
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    *why = std::string("no cluster URL in ") + file +
           ": did pg_cluster_start fail? (is PostgreSQL installed: apt-get install postgresql)";
    return "";
  }
  return url;
}

}  // namespace promptjang::testing
