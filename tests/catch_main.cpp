// The Catch2 main, compiled once into datachain_catch_main and linked into
// every test executable (tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
