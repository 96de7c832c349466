// Linked with tu1.cpp compiled with DATACHAIN_SEPARATE_COMPILATION (and the
// runtime library) while this file is header-only: the mix links, and
// opening a session must say so (runtime/compiled.hpp) instead of running a
// program whose files disagree about the runtime.
#include <datachain/datachain.hpp>

#include <cstdio>
#include <string>

int main() {
    auto cfg = datachain::settings::from_env();
    cfg.root = "memory:mixed";
    try {
        datachain::session s(cfg);
        std::puts("a session opened in a program that mixes the modes: not caught");
        return 1;
    } catch (const datachain::error& e) {
        const std::string what = e.what();
        if (e.kind() != datachain::error_kind::usage || what.find("mixes") == std::string::npos ||
            what.find("DATACHAIN_SEPARATE_COMPILATION") == std::string::npos) {
            std::printf("wrong error: %s\n", e.what());
            return 1;
        }
        std::printf("caught: %s\n", e.what());
        return 0;
    }
}
