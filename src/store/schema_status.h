// Where a database's schema stands against the migrations this binary embeds:
// read without changing anything, for `promptjang migrate --check` and for
// saying what `promptjang migrate` did. Both back ends fill it (their
// read_schema_status functions).
#pragma once

#include <string>
#include <vector>

namespace promptjang {

struct SchemaStatus {
  int current = 0;                   // the newest migration applied; 0 for none (a new database)
  int known = 0;                     // the newest this binary has
  std::vector<std::string> pending;  // names of those not applied yet, in order

  bool too_new() const { return current > known; }  // written by a newer binary
};

}  // namespace promptjang
