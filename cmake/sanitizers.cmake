# Sanitizer builds (docs/testing.md).
#
#   PJ_SANITIZE=address  ASan + UBSan (+ LeakSanitizer): the build of scripts/test,
#                        so the whole CTest suite runs under it (ON means the same)
#   PJ_SANITIZE=thread   TSan: the small build of scripts/test's TSan stage, which
#                        builds and runs only the tests labelled `tsan`
#
# Both compile at -O1 (after the build type's -O2, so it wins): much quicker to
# build, which is most of CI's time, still fast enough to run the suite, and
# reports whose stacks match the source (Google's advice for ASan). And with -g1
# (after the build type's -g): line tables only, all a report's stack needs
# (file:line per frame); the full debug info cost a quarter of the compile time
# of the Beast-heavy files (src/api/server.cc: 82 s at -g, 59 s at -g1).
#
# Every report fails: -fno-sanitize-recover=all makes UBSan stop like ASan does,
# and each test runs with options that send every ASan, LeakSanitizer and TSan
# report of its process, and of any process it starts (the real binary, through
# scripts and browsers), to sanitizer-reports/<test>.<pid> in the build
# directory. The `sanitizer_reports` fixture empties that folder before the tests
# and fails (printing each report) after them if anything was written there, so
# a report from a child whose exit the test did not check still fails the run.
set(PJ_SANITIZE OFF CACHE STRING "OFF, address (ASan+UBSan; ON is the same) or thread (TSan)")
set_property(CACHE PJ_SANITIZE PROPERTY STRINGS OFF address thread)

if(PJ_SANITIZE STREQUAL "thread")
  set(PJ_SANITIZER thread)
  # -Wno-tsan: g++ 12 warns that TSan does not model atomic_thread_fence, which
  # Boost.Asio's fenced blocks use around every handler; the handlers are handed
  # over through the scheduler's mutex, which TSan does see, so the fence changes
  # nothing it checks (and the code stays the one that ships).
  add_compile_options(-O1 -g1 -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(PJ_SANITIZE STREQUAL "address" OR PJ_SANITIZE STREQUAL "ON")
  set(PJ_SANITIZER address)
  add_compile_options(-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(PJ_SANITIZE)
  message(FATAL_ERROR "PJ_SANITIZE must be OFF, address or thread, not '${PJ_SANITIZE}'")
else()
  set(PJ_SANITIZER "")
endif()

# The tests the TSan stage builds and runs: those that run the product's own
# threads, or call it from several threads (docs/testing.md says what each covers).
# The integration tests are left to the ASan stage: they would need the whole
# binary built a second time, and what they run in threads is covered here part
# by part.
set(PJ_TSAN_TESTS
  delivery_engine_test hostile_receiver_test sender_test http_test api_unit_test usage_unit_test
  store_sqlite_test store_postgres_test
)

# Sanitizer options and the report check for one test, called where the test is
# defined (CMake 3.25 sets a test's properties only in its own directory):
# pj_add_test does it for every test binary, and the CMakeLists of tests that run
# an instrumented binary through a script (dashboard, bench) call it themselves.
# Tests that run only uninstrumented programs (format_check, the PostgreSQL
# cluster scripts) need none.
function(pj_sanitize_test name)
  if(NOT PJ_SANITIZER)
    return()
  endif()
  set(common "halt_on_error=1:print_stacktrace=1:log_path=${PJ_SANITIZER_REPORTS}/${name}")
  if(PJ_SANITIZER STREQUAL "thread")
    set(tsan "${common}:second_deadlock_stack=1")
    string(APPEND tsan ":suppressions=${CMAKE_SOURCE_DIR}/tests/sanitizers/tsan.supp")
    set(env "TSAN_OPTIONS=set:${tsan}")
  else()
    set(asan "${common}:detect_leaks=1:detect_stack_use_after_return=1")
    string(APPEND asan ":check_initialization_order=1:strict_init_order=1")
    # UBSan ignores log_path beside ASan with g++ (its runtime is a separate
    # library that takes output settings only when it runs alone): its reports go
    # to stderr, and the process stops at once (exit code 1), failing the test, or
    # the test of the binary that stopped.
    set(env "ASAN_OPTIONS=set:${asan}" "UBSAN_OPTIONS=set:halt_on_error=1:print_stacktrace=1")
  endif()
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT_MODIFICATION ${env})
  set_property(TEST ${name} APPEND PROPERTY FIXTURES_REQUIRED sanitizer_reports)
  if(name IN_LIST PJ_TSAN_TESTS)
    set_property(TEST ${name} APPEND PROPERTY LABELS tsan)
  endif()
endfunction()

# The `sanitizer_reports` fixture: empties the reports folder before the tests
# that require it and fails, printing each report, after them if any was written.
set(PJ_SANITIZER_REPORTS ${CMAKE_BINARY_DIR}/sanitizer-reports)
function(pj_sanitizer_fixture)
  if(NOT PJ_SANITIZER)
    return()
  endif()
  add_test(NAME sanitizer_reports_clear COMMAND ${CMAKE_COMMAND} -E rm -rf ${PJ_SANITIZER_REPORTS})
  add_test(NAME sanitizer_reports_dir COMMAND ${CMAKE_COMMAND} -E make_directory ${PJ_SANITIZER_REPORTS})
  set_tests_properties(sanitizer_reports_clear sanitizer_reports_dir
                       PROPERTIES FIXTURES_SETUP sanitizer_reports)
  set_tests_properties(sanitizer_reports_dir PROPERTIES DEPENDS sanitizer_reports_clear)
  add_test(NAME sanitizer_reports
           COMMAND ${CMAKE_SOURCE_DIR}/tests/sanitizers/check-reports ${PJ_SANITIZER_REPORTS})
  set_tests_properties(sanitizer_reports PROPERTIES FIXTURES_CLEANUP sanitizer_reports)
  # The machinery's own test: a deliberate bug in a child process is reported.
  add_executable(sanitizer_canary ${CMAKE_SOURCE_DIR}/tests/sanitizers/canary.cc)
  target_link_libraries(sanitizer_canary PRIVATE Threads::Threads)
  if(PJ_SANITIZER STREQUAL "thread")
    set(bug race "ThreadSanitizer: data race")
  else()
    set(bug leak "LeakSanitizer: detected memory leaks")
  endif()
  add_test(NAME sanitizer_selftest
           COMMAND ${CMAKE_SOURCE_DIR}/tests/sanitizers/selftest
                   $<TARGET_FILE:sanitizer_canary> ${bug})
  pj_sanitize_test(sanitizer_selftest)
  set_property(TEST sanitizer_selftest APPEND PROPERTY LABELS tsan)
  if(PJ_SANITIZER STREQUAL "thread")
    add_custom_target(pj_tsan_tests)  # scripts/test's TSan stage builds only these
    add_dependencies(pj_tsan_tests ${PJ_TSAN_TESTS} sanitizer_canary)
  endif()
endfunction()
