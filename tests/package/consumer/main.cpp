// Consumer of an installed datachain (tests/package/consumer/CMakeLists.txt).
#include <datachain/datachain.hpp>

#include <cstdio>

int main() {
    std::printf("datachain consumer: version %u.%u.%u, hash_format_version %u\n",
                datachain::version_major, datachain::version_minor,
                datachain::version_patch, datachain::hash_format_version);
    return 0;
}
