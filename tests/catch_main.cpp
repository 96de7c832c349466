// The Catch2 main, compiled once into datachain_catch_main and linked into
// every test executable (tests/CMakeLists.txt).
//
// It is Catch2's own session plus one rule for skipped tests (skip.hpp): if
// every test case that ran called DC_SKIP and none failed, the exit code is
// DC_TEST_SKIP_CODE, which ctest reports as skipped (SKIP_RETURN_CODE, set
// by datachain_add_test in cmake/datachainTesting.cmake).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "skip.hpp"

#ifndef DC_TEST_SKIP_CODE
#error "DC_TEST_SKIP_CODE must be defined (tests/CMakeLists.txt)"
#endif

namespace {

int cases_run = 0;
int cases_skipped = 0;
bool case_skipped = false;

struct skip_counter : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseStarting(Catch::TestCaseInfo const&) override { case_skipped = false; }
    void testCaseEnded(Catch::TestCaseStats const&) override {
        ++cases_run;
        if (case_skipped) ++cases_skipped;
    }
};

} // namespace

CATCH_REGISTER_LISTENER(skip_counter)

void datachain_test::mark_skipped() { case_skipped = true; }

int main(int argc, char* argv[]) {
    const int status = Catch::Session().run(argc, argv);
    if (status == 0 && cases_run > 0 && cases_skipped == cases_run) return DC_TEST_SKIP_CODE;
    return status;
}
