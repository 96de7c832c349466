// Must not compile: a function object whose operator() is overloaded has no
// one signature to bind columns to (Boost.CallableTraits cannot read it).
// Expected message: "cannot read the UDF's signature".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

#include <string>

namespace dc = datachain;

struct path_of {
    std::string operator()(const dc::File& f) const { return f.path; }
#ifndef DATACHAIN_COMPILE_FAIL_FIXED
    std::string operator()(const std::string& s) const { return s; }
#endif
};

int main() {
    constexpr auto p = dc::read_storage("data/") | dc::map<"path">(DC_UDF(path_of{}));
    return p.hash().is_zero();
}
