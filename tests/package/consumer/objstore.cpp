// Consumer of the object_storage component (tests/package/consumer/CMakeLists.txt):
// datachain::object_storage brings libcurl and libcrypto, and including
// <datachain/object_storage.hpp> installs the s3:// backend. Nothing listens
// on 127.0.0.1:1, so the listing fails with an I/O error ("no response"),
// not with the usage error of a program built without object storage.
#include <datachain/datachain.hpp>
#include <datachain/object_storage.hpp>

#include <cstdio>

namespace dc = datachain;

int main() {
    dc::session s(dc::settings{.root = "memory:consumer", .progress = false, .report = false});
    dc::storage_options opts{.endpoint = "http://127.0.0.1:1", .retries = 0};
    try {
        (void)dc::collect(dc::read_storage("s3://bucket/prefix/", opts), s);
    } catch (const dc::error& e) {
        std::printf("object storage: %s\n", e.what());
        return e.kind() == dc::error_kind::io ? 0 : 1;
    }
    return 1;
}
