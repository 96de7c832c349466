// Second translation unit (see tu1.cpp); defines main.
#include <datachain/datachain.hpp>

#include <cstdio>

const void* datachain_tu1_version_address();
unsigned datachain_tu1_hash_format_version();

int main() {
    if (datachain_tu1_hash_format_version() != datachain::hash_format_version) {
        std::puts("tu1 and tu2 disagree on datachain::hash_format_version");
        return 1;
    }
    if (datachain_tu1_version_address() != &datachain::hash_format_version) {
        std::puts("datachain::hash_format_version has two addresses: not an inline variable");
        return 1;
    }
    std::printf("two translation units linked; hash_format_version %u\n",
                datachain::hash_format_version);
    return 0;
}
