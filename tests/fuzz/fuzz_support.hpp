// Shared by the fuzz targets of tests/fuzz and their corpus generator: the row
// types the codec target decodes, and sample values of any storable type.
#pragma once

#include <datachain/core/file.hpp>
#include <datachain/core/reflect.hpp>
#include <datachain/core/types.hpp>
#include <datachain/runtime/codec.hpp>

#include <boost/hana/define_struct.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace dc_fuzz {

namespace dc = datachain;

struct Point {
    BOOST_HANA_DEFINE_STRUCT(Point, (double, x), (float, y));
};

struct Shape {
    BOOST_HANA_DEFINE_STRUCT(Shape,
        (std::string, name),
        (std::vector<Point>, points),
        (std::optional<Point>, center),
        (std::vector<std::optional<std::string>>, tags),
        (dc::File, origin));
};

// The row types of the codec target; the first input byte picks one
// (byte % row_type_count), the rest are the row's bytes.
using row_types = std::tuple<
    std::tuple<dc::File>,                                                     // read_storage rows
    std::tuple<dc::File, std::string, double>,                                // + map outputs
    std::tuple<bool, std::int8_t, std::uint16_t, std::int32_t, std::uint64_t, float>,
    std::tuple<std::vector<std::vector<std::int64_t>>, std::optional<std::vector<bool>>>,
    std::tuple<Shape, std::vector<Shape>, std::tuple<bool, std::int16_t>>>;
inline constexpr std::size_t row_type_count = std::tuple_size_v<row_types>;

// sample<T>(flavor): a value of any storable type, filled member by member.
// Flavor 0 is all zeros and empty, 1 small values, 2 extremes (maximum and
// minimum integers, NaN and infinities, long strings, several elements).
template <class T>
T sample(int flavor, unsigned salt = 0) {
    using namespace dc::detail;
    if constexpr (std::is_same_v<T, bool>) {
        return flavor != 0 && (salt % 2 == 0);
    } else if constexpr (is_int_v<T>) {
        if (flavor == 0) return T{};
        if (flavor == 1) return static_cast<T>(salt % 5 + 1);
        return salt % 2 ? std::numeric_limits<T>::max() : std::numeric_limits<T>::min();
    } else if constexpr (std::is_floating_point_v<T>) {
        if (flavor == 0) return T{};
        if (flavor == 1) return static_cast<T>(0.5 + salt);
        switch (salt % 4) {
        case 0: return std::numeric_limits<T>::quiet_NaN();
        case 1: return -std::numeric_limits<T>::infinity();
        case 2: return std::numeric_limits<T>::denorm_min();
        default: return -std::numeric_limits<T>::max();
        }
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (flavor == 0) return {};
        if (flavor == 1) return "s" + std::to_string(salt);
        std::string s(200 + salt, 'x');
        s[0] = '\0';
        s[1] = static_cast<char>(0xff);
        return s;
    } else if constexpr (is_vector<T>::value) {
        T v;
        std::size_t n = flavor == 0 ? 0 : flavor == 1 ? 2 : 5;
        for (std::size_t i = 0; i < n; ++i)
            v.push_back(sample<typename T::value_type>(flavor, salt + static_cast<unsigned>(i)));
        return v;
    } else if constexpr (is_optional<T>::value) {
        if (flavor == 0) return std::nullopt;
        return sample<typename T::value_type>(flavor, salt + 1);
    } else if constexpr (is_tuple<T>::value) {
        T v{};
        unsigned i = 0;
        std::apply([&](auto&... e) { ((e = sample<std::decay_t<decltype(e)>>(flavor, salt + i++)), ...); }, v);
        return v;
    } else {
        T v{};
        for_each_member_index<T>([&](auto i) {
            auto& m = member_get<i>(v);
            m = sample<std::decay_t<decltype(m)>>(flavor, salt + static_cast<unsigned>(i));
        });
        return v;
    }
}

// A check that holds in every build type (fuzz targets run with NDEBUG).
#define DC_FUZZ_CHECK(cond)                                                                         \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond);     \
            std::abort();                                                                           \
        }                                                                                           \
    } while (0)

} // namespace dc_fuzz
