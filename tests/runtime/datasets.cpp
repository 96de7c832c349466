// Saved datasets: versions 1.0.0, 1.0.1, ...; a removed number is never
// reused; versions are listed in order; a version reads back as a range and
// as a vector, from the same session or a later one; a dataset is a range-v3
// view that composes with ranges::views and ranges::to.
#include "support.hpp"

#include <range/v3/range/concepts.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/chunk.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <ranges>

namespace {

std::atomic<int> triple_calls{0};
DC_DEF(rt_ds_triple, (std::int64_t n) -> std::int64_t {
    ++triple_calls;
    return 3 * n;
});

auto pipeline(std::int64_t n) {
    return dc::read_values<"n">(rt::iota64(n)) | dc::map<"t">(rt_ds_triple) | dc::save("triples");
}
using S = decltype(pipeline(1))::schema;

} // namespace

// The chains below put a no-op limit(100) between the source and save:
// `source | save(...)` alone does not compile (see the guarded test at the
// end of this file).

TEST_CASE("datasets: versions count up and removed numbers are never reused", "[runtime][datasets]") {
    rt::memory_root d;
    const dc::run_options fresh{.ignore_checkpoints = true};
    {
        dc::session s{rt::cfg(d.store(), "versions")};
        CHECK(pipeline(3).run(s).version() == "1.0.0");
        // The same chain again, same job: skipped, no new version.
        triple_calls = 0;
        CHECK(pipeline(3).run(s).version() == "1.0.0");
        CHECK(triple_calls == 0);
        // Ignoring checkpoints: computed again, a new version each time.
        CHECK(pipeline(3).run(s, fresh).version() == "1.0.1");
        CHECK(triple_calls == 3);
        CHECK(pipeline(3).run(s, fresh).version() == "1.0.2");
        CHECK(rt::versions(s, "triples") == std::vector<std::string>{"1.0.0", "1.0.1", "1.0.2"});

        // Remove the newest and a middle one: their numbers stay used.
        s.remove_dataset("triples", "1.0.2");
        s.remove_dataset("triples", "1.0.1");
        CHECK(rt::versions(s, "triples") == std::vector<std::string>{"1.0.0"});
        CHECK(pipeline(3).run(s, fresh).version() == "1.0.3");
        CHECK(rt::versions(s, "triples") == std::vector<std::string>{"1.0.0", "1.0.3"});
        CHECK_FALSE(s.find_dataset("triples", "1.0.2"));
        CHECK(s.find_dataset("triples")->version == "1.0.3");
        // Removing what is not there.
        CHECK(rt::catch_error([&] { s.remove_dataset("triples", "1.0.2"); }).kind() == dc::error_kind::not_found);
        CHECK(rt::catch_error([&] { s.remove_dataset("nothing", "1.0.0"); }).kind() == dc::error_kind::not_found);
    }
    {
        // A later job: the environment-equivalent setting makes new versions too.
        auto c = rt::cfg(d.store(), "versions");
        c.ignore_checkpoints = true;
        dc::session s{c};
        CHECK(pipeline(3).run(s).version() == "1.0.4");
        // Remove all versions: the next is still 1.0.5.
        for (auto& v : rt::versions(s, "triples")) s.remove_dataset("triples", v);
        CHECK(s.datasets("triples").empty());
        CHECK_FALSE(s.find_dataset("triples"));
        CHECK(pipeline(3).run(s).version() == "1.0.5");
    }
    {
        // Without ignore: the removed version means recompute, still a fresh number.
        dc::session s{rt::cfg(d.store(), "versions")};
        s.remove_dataset("triples", "1.0.5");
        triple_calls = 0;
        auto ds = pipeline(3).run(s);
        CHECK(ds.version() == "1.0.6");
        CHECK(s.events().back().kind == "save_completed");
    }
}

TEST_CASE("datasets: listing versions and datasets", "[runtime][datasets]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store(), "list")};
    (void)pipeline(2).run(s);
    (void)pipeline(4).run(s);
    (void)(dc::read_values<"n">(rt::iota64(1)) | dc::limit(100) | dc::save("a/first")).run(s);
    (void)(dc::read_values<"n">(rt::iota64(2)) | dc::limit(100) | dc::save("zeta")).run(s);
    (void)(dc::read_values<"n">(rt::iota64(3)) | dc::limit(100) | dc::save("triples-2")).run(s);

    auto all = s.datasets();
    std::vector<std::string> names;
    for (auto& r : all) names.push_back(r.name + "@" + r.version);
    // ordered by name, then version
    CHECK(names == std::vector<std::string>{"a/first@1.0.0", "triples@1.0.0", "triples@1.0.1", "triples-2@1.0.0",
                                            "zeta@1.0.0"});
    auto t = s.datasets("triples");
    REQUIRE(t.size() == 2);  // not "triples-2"
    CHECK(t[0].rows == 2);
    CHECK(t[1].rows == 4);
    CHECK(t[1].complete);
    CHECK(t[1].job == s.job_id());
    CHECK(t[1].schema_sig() == S::signature());
    CHECK(t[1].schema_text == dc::schema_text<S>());
    CHECK(t[0].uid() != t[1].uid());
    CHECK(s.find_dataset("triples")->version == "1.0.1");
    CHECK(s.find_dataset("triples", "1.0.0")->rows == 2);
    CHECK_FALSE(s.find_dataset("nothing"));

    // Versions numbered past 9 sort numerically.
    for (int i = 0; i < 10; ++i)
        (void)(dc::read_values<"n">(rt::iota64(1)) | dc::limit(100) | dc::save("many")).run(s, dc::run_options{.ignore_checkpoints = true});
    auto many = rt::versions(s, "many");
    REQUIRE(many.size() == 10);
    CHECK(many[9] == "1.0.9");
    (void)(dc::read_values<"n">(rt::iota64(1)) | dc::limit(100) | dc::save("many")).run(s, dc::run_options{.ignore_checkpoints = true});
    CHECK(rt::versions(s, "many").back() == "1.0.10");
    CHECK(s.find_dataset("many")->version == "1.0.10");
}

TEST_CASE("datasets: read back as a range and a vector, in a later session", "[runtime][datasets]") {
    rt::memory_root d;
    {
        dc::session s{rt::cfg(d.store(), "readback")};
        auto ds = pipeline(1000).run(s, dc::run_options{.batch_size = 64});
        CHECK(ds.name() == "triples");
        CHECK(ds.size() == 1000);
        CHECK(ds.job() == s.job_id());
        std::int64_t i = 0;
        for (const auto& r : ds) {
            CHECK(r.get<"n">() == i);
            CHECK(r.get<"t">() == 3 * i);
            ++i;
        }
        CHECK(i == 1000);
        // Two passes, and iterators of their own.
        auto it = ds.begin();
        ++it;
        CHECK(it->get<"n">() == 1);
        CHECK((*ds.begin()).get<"n">() == 0);
        auto v = ds.to_vector();
        REQUIRE(v.size() == 1000);
        CHECK(v[999].get<"t">() == 2997);
        // An empty dataset.
        auto e = (dc::read_values<"n">(std::vector<std::int64_t>{}) | dc::limit(100) | dc::save("empty")).run(s);
        CHECK(e.size() == 0);
        CHECK(e.to_vector().empty());
        CHECK(e.begin() == e.end());
    }
    {
        dc::session s{rt::cfg(d.store(), "another")};
        auto ds = dc::open_dataset<S>(s, "triples");
        CHECK(ds.version() == "1.0.0");
        auto v = ds.to_vector();
        REQUIRE(v.size() == 1000);
        CHECK(v[500].get<"t">() == 1500);
        CHECK(dc::open_dataset<S>(s, "triples", "1.0.0").to_vector() == v);
        // The dataset outlives its session (it shares the store).
        auto keep = dc::open_dataset<dc::schema<dc::column<"n", std::int64_t>>>(s, "empty");
        CHECK(keep.size() == 0);
        CHECK(rt::catch_error([&] { (void)dc::open_dataset<S>(s, "nope"); }).kind() == dc::error_kind::not_found);
        CHECK(rt::catch_error([&] { (void)dc::open_dataset<S>(s, "triples", "2.0.0"); }).kind() ==
              dc::error_kind::not_found);
    }
}

// What a dataset is, for range-v3 and for the standard library.
static_assert(ranges::view_<dc::dataset<S>>);
static_assert(ranges::input_range<dc::dataset<S>> && ranges::input_range<const dc::dataset<S>>);
static_assert(!ranges::forward_range<dc::dataset<S>>);  // one pass per begin(), rows decoded on the fly
static_assert(ranges::sized_range<dc::dataset<S>>);
static_assert(ranges::viewable_range<dc::dataset<S>&> && ranges::viewable_range<dc::dataset<S>>);
static_assert(std::is_same_v<ranges::range_value_t<dc::dataset<S>>, dc::row<S>>);
static_assert(std::is_same_v<ranges::range_reference_t<dc::dataset<S>>, const dc::row<S>&>);
static_assert(std::ranges::input_range<dc::dataset<S>>);

TEST_CASE("datasets: a dataset is a range-v3 view: views::filter, transform, take, chunk, ranges::to",
          "[runtime][datasets]") {
    namespace rv = ranges::views;
    rt::memory_root d;
    dc::session s{rt::cfg(d.store(), "views")};
    const auto ds = pipeline(1000).run(s, dc::run_options{.batch_size = 64});

    // filter | transform | to<vector>: the README's example.
    std::vector<std::int64_t> odd_t = ds | rv::filter([](const dc::row<S>& r) { return r.get<"n">() % 2 == 1; }) |
                                      rv::transform([](const dc::row<S>& r) { return r.get<"t">(); }) |
                                      ranges::to<std::vector>();
    REQUIRE(odd_t.size() == 500);
    CHECK(odd_t.front() == 3);
    CHECK(odd_t.back() == 2997);

    // The same dataset again (a view is copied into the pipeline; each pass
    // starts from the store), and into whole rows.
    auto rows = ds | ranges::to<std::vector>();
    CHECK(rows == ds.to_vector());
    CHECK(ranges::size(ds) == 1000);
    CHECK(ranges::distance(ds) == 1000);

    // take stops reading early.
    auto first = ds | rv::take(3) | rv::transform([](const dc::row<S>& r) { return r.get<"n">(); }) |
                 ranges::to<std::vector>();
    CHECK(first == std::vector<std::int64_t>{0, 1, 2});

    // chunk: batches of rows, the last one short.
    std::vector<std::size_t> sizes;
    for (auto&& batch : ds | rv::chunk(300)) sizes.push_back(static_cast<std::size_t>(ranges::distance(batch)));
    CHECK(sizes == std::vector<std::size_t>{300, 300, 300, 100});

    // The standard library's views take it too (not with clang 14 on
    // libstdc++ 12, whose <ranges> it rejects even for a std::vector<int>;
    // range-v3's views above work with both compilers).
#if !defined(__clang__) || __clang_major__ >= 15
    std::int64_t sum = 0;
    for (const auto& r : ds | std::views::filter([](const dc::row<S>& r) { return r.get<"n">() < 10; })) sum += r.get<"n">();
    CHECK(sum == 45);
#endif

    // A default-constructed dataset is an empty handle to assign to.
    dc::dataset<S> later;
    CHECK(later.size() == 0);
    CHECK(later.begin() == later.end());
    CHECK(ranges::empty(later | ranges::to<std::vector>()));
    later = dc::open_dataset<S>(s, "triples");
    CHECK(ranges::distance(later | rv::filter([](const dc::row<S>& r) { return r.get<"t">() >= 2990; })) == 3);
}

TEST_CASE("datasets: a source saved directly", "[runtime][datasets]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto ds = (dc::read_values<"n">(rt::iota64(3)) | dc::save("plain")).run(s);
    CHECK(ds.size() == 3);
    CHECK(ds.to_vector()[2].get<"n">() == 2);
}
