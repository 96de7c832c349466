// The glob patterns of C<"path">.glob(...) (expr.hpp), matched at compile
// time or at run time.
//
//   static_assert(datachain::detail::glob_match("cat.*.jpg", "cat.1.jpg"));
#pragma once

#include <cstddef>
#include <string_view>

namespace datachain::detail {

// Glob match: '*' any run, '?' one character, '[abc]' / '[a-z]' / '[!a]' a set.
constexpr bool glob_match(std::string_view pat, std::string_view s) noexcept {
    std::size_t p = 0, i = 0, star_p = std::string_view::npos, star_i = 0;
    auto class_end = [&](std::size_t at) {
        std::size_t k = at + 1;
        if (k < pat.size() && pat[k] == '!') ++k;
        if (k < pat.size() && pat[k] == ']') ++k;
        while (k < pat.size() && pat[k] != ']') ++k;
        return k;
    };
    auto class_match = [&](std::size_t at, char c) {
        std::size_t k = at + 1;
        bool neg = k < pat.size() && pat[k] == '!';
        if (neg) ++k;
        bool hit = false;
        std::size_t first = k;
        while (k < pat.size() && (pat[k] != ']' || k == first)) {
            if (k + 2 < pat.size() && pat[k + 1] == '-' && pat[k + 2] != ']') {
                if (pat[k] <= c && c <= pat[k + 2]) hit = true;
                k += 3;
            } else {
                if (pat[k] == c) hit = true;
                ++k;
            }
        }
        return hit != neg;
    };
    while (i < s.size()) {
        if (p < pat.size() && pat[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < pat.size() && pat[p] == '[' && class_end(p) < pat.size() && class_match(p, s[i])) {
            p = class_end(p) + 1;
            ++i;
        } else if (p < pat.size() && (pat[p] == '?' || (pat[p] == s[i] && pat[p] != '['))) {
            ++p;
            ++i;
        } else if (p < pat.size() && pat[p] == '[' && class_end(p) >= pat.size() && s[i] == '[') {
            ++p;  // an unterminated '[' matches itself
            ++i;
        } else if (star_p != std::string_view::npos) {
            p = star_p + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (p < pat.size() && pat[p] == '*') ++p;
    return p == pat.size();
}

} // namespace datachain::detail
