// DC_SKIP(message): ends the current Catch2 test case as skipped, for a test
// that cannot run here (no permission to mount a tmpfs, ...). Catch2 2.13 has
// no SKIP of its own, and a test that passes where it could not run hides
// that it never ran.
//
// It prints "skipped: <message>" (a WARN) and returns from the enclosing
// function, which must return void (a TEST_CASE body or a helper that only
// the test case calls, followed by nothing else that checks). The Catch2
// main (catch_main.cpp) then exits with DC_TEST_SKIP_CODE (77) instead of 0
// when every test case it ran skipped itself and none failed, and
// datachain_add_test (cmake/datachainTesting.cmake) gives every test the
// SKIP_RETURN_CODE property, so ctest reports the test as "Not Run
// (Skipped)" rather than "Passed". A run of several test cases where some
// ran exits 0 as before, with the WARN in its output.
#pragma once

#include <catch2/catch.hpp>

namespace datachain_test {
// Marks the running test case as skipped (defined in catch_main.cpp).
void mark_skipped();
} // namespace datachain_test

#define DC_SKIP(...)                            \
    do {                                        \
        WARN("skipped: " << __VA_ARGS__);       \
        ::datachain_test::mark_skipped();       \
        return;                                 \
    } while (false)
