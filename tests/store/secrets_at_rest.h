// Endpoint secrets sealed at rest (store/endpoint_secrets.h), on every back end:
// the same tests over a database that a test opens several times, with a
// master key, another key or none, and whose stored secrets it reads raw.
//
// A back end's test file instantiates SecretsAtRestTest with a factory of
// SealingDatabase (a fresh, empty database per test), as for the contract
// suite (store_contract.h).
// Threads: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/secret_box.h"
#include "store/store.h"

namespace promptjang::testing {

class SealingDatabase {
 public:
  virtual ~SealingDatabase() = default;
  // A store over this database that seals with `key` (null: none).
  virtual std::unique_ptr<Store> open(std::shared_ptr<const SecretBox> key) = 0;
  // Every stored value of endpoints.secret and endpoints.previous_secret
  // (deleted endpoints included), read past the store.
  virtual std::vector<std::string> raw_secrets() = 0;
  // The bytes of the database's files, where the back end can read them
  // (SQLite: the file, its -wal and -shm); "" where it cannot.
  virtual std::string file_bytes() { return ""; }
};

struct SealingBackend {
  std::string name;
  std::function<std::unique_ptr<SealingDatabase>()> make;
};

class SecretsAtRestTest : public ::testing::TestWithParam<SealingBackend> {};

std::string SealingBackendName(const ::testing::TestParamInfo<SealingBackend>& info);

}  // namespace promptjang::testing
