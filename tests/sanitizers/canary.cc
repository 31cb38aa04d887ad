// A program with one deliberate bug per sanitizer, for sanitizer_selftest
// (tests/sanitizers/selftest): it shows that a build's options catch a bug in a
// process a test starts, write the report under log_path, and that
// check-reports then fails. Built only in sanitizer builds; never in the product.
//   canary leak   leaks a block (LeakSanitizer reports it at exit)
//   canary race   two threads write one int without a lock (TSan reports it)
#include <cstring>
#include <thread>

namespace {

// Not optimised away: the pointer escapes through a volatile store, then is lost.
int* volatile g_sink = nullptr;

int leak() {
  g_sink = new int[16];
  g_sink = nullptr;
  return 0;
}

int race() {
  int shared = 0;
  std::thread other([&] { shared = 1; });
  shared = 2;
  other.join();
  return shared == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "leak") == 0) return leak();
  if (argc == 2 && std::strcmp(argv[1], "race") == 0) return race();
  return 2;
}
