// Definitions for key_names.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

DATACHAIN_INLINE std::string describe_key(std::string_view k) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    const std::size_t shown = std::min<std::size_t>(k.size(), 64);
    for (std::size_t i = 0; i < shown; ++i) {
        auto c = static_cast<unsigned char>(k[i]);
        hex.push_back(digits[c >> 4]);
        hex.push_back(digits[c & 15]);
    }
    if (shown < k.size()) hex += "... (" + std::to_string(k.size()) + " bytes)";
    if (k.empty()) return "the first key (empty key)";
    auto be = [&](std::size_t at, std::size_t n) {   // n: 8 or 4 (callers check the key's size)
        return std::to_string(n == 8 ? load_be<std::uint64_t>(k, at) : std::uint64_t{load_be<std::uint32_t>(k, at)});
    };
    std::string what;
    switch (k[0]) {
    case 'F': what = "the format record"; break;
    case 'C': what = "a counter"; break;
    case 'J': what = k.size() >= 9 ? "the record of job " + be(1, 8) : "a job record"; break;
    case 'L': what = "a latest-job record"; break;
    case 'K': what = k.size() >= 9 ? "a checkpoint record of job " + be(1, 8) : "a checkpoint record"; break;
    case 'P': what = k.size() >= 9 ? "a chain record of job " + be(1, 8) : "a chain record"; break;
    case 'E': what = k.size() >= 9 ? "an event record of job " + be(1, 8) : "an event record"; break;
    case 'M': what = "a dataset's version counter"; break;
    case 'G': what = "a kept source listing"; break;
    case 'Q': what = k.size() >= 9 ? "the row memo record of table " + be(1, 8) : "a row memo record"; break;
    case 'S':
    case 'D': {
        auto nul = k.find('\0', 1);
        if (nul != std::string_view::npos && k.size() == nul + 13)
            what = std::string(k[0] == 'S' ? "the schema record" : "the record") + " of dataset version " + std::string(k.substr(1, nul - 1)) + "@" + be(nul + 1, 4) +
                   "." + be(nul + 5, 4) + "." + be(nul + 9, 4);
        else what = k[0] == 'S' ? "a dataset schema record" : "a dataset record";
        break;
    }
    case 'T':
        if (k.size() >= 17) what = "row " + be(9, 8) + " of table " + be(1, 8);
        else if (k.size() >= 9) what = "the rows of table " + be(1, 8);
        else what = "table rows";
        break;
    case 'H': what = k.size() >= 9 ? "the recorded content of table " + be(1, 8) : "a recorded table content"; break;
    case 'V': what = k.size() >= 9 ? "the running check of table " + be(1, 8) : "a table's running check"; break;
    case 'X': what = k.size() >= 9 ? "a done marker of table " + be(1, 8) : "a done marker"; break;
    case 'A': what = "an active-step marker"; break;
    default: what = "a record"; break;
    }
    return what + " (key " + hex + ")";
}

} // namespace datachain::detail
