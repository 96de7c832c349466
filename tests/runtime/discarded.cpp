// A step whose earlier outputs were discarded as damaged (table_checks.hpp:
// discard_table) says so when the next run computes it anew: its event and
// report line give change "discarded", not a code change nobody made
// (issue 9, outside review: the text read "code changed; ... cut short").
#include "support.hpp"

#include <string>
#include <tuple>
#include <vector>

namespace {

int discard_calls = 0;
std::int64_t discard_times_ten(std::int64_t x) {
    ++discard_calls;
    return 10 * x;
}
auto discard_chain() {
    return dc::read_values<"x">(rt::iota64(20)) | dc::map<"y">(dc::versioned("discard_times_ten", 1, &discard_times_ten)) |
           dc::save("dsq");
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

TEST_CASE("discarded: the run after a discard says the step is computed anew because its outputs were damaged",
          "[runtime][integrity][discarded]") {
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store(), "dsq")};
        discard_chain().run(s);
        // Damage one row of the map's table, then remove the version so the
        // next run skips the map and save reads its table back.
        auto r = s.find_dataset("dsq");
        REQUIRE(r);
        std::string v;
        dc::encode(v, std::tuple<std::int64_t, std::int64_t>{10, 999});
        s.db().put(dc::detail::rec::row_key(r->table, 10, 0), v);
        s.remove_dataset("dsq", "1.0.0");
    }
    {
        dc::session s{rt::cfg(root.store(), "dsq")};
        CHECK(rt::catch_error([&] { discard_chain().run(s); }).kind() == dc::error_kind::store_corrupt);
    }
    std::vector<std::string> lines;
    auto c = rt::cfg(root.store(), "dsq");
    c.report = true;
    c.output = [&](const dc::output_line& l) { lines.push_back(l.text); };
    dc::session s{c};
    discard_calls = 0;
    discard_chain().run(s);
    CHECK(discard_calls == 20);
    bool seen = false;
    for (const auto& e : s.events()) {
        if (!e.step.starts_with("map<y>")) continue;
        seen = true;
        CHECK(e.type() == dc::event_kind::udf_from_scratch);
        CHECK(e.change_type() == dc::change_kind::discarded);
        CHECK(has(e.why, "discarded as damaged"));
        CHECK_FALSE(has(e.why, "code changed"));
    }
    CHECK(seen);
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    INFO(all);
    CHECK(has(all, "discarded as damaged"));
    CHECK_FALSE(has(all, "code changed"));
}

TEST_CASE("discarded: decide_udf starts a discarded record's step from scratch, saying why",
          "[runtime][checkpoints][decide][discarded]") {
    // A record discarded by any build since discarding began: partial, full hash 0.
    dc::checkpoint_record cp{};
    cp.kind = static_cast<std::uint8_t>(dc::checkpoint_kind::udf);
    cp.table = 7;
    cp.job = 4;
    REQUIRE(cp.discarded());
    dc::udf_state st;
    st.full = {1, 2};
    st.seen = {{4, cp, false}};
    auto d = dc::decide_udf(st);
    CHECK(d.action == dc::udf_action::scratch);
    CHECK(d.table == 0);
    CHECK(d.why.kind == dc::change_kind::discarded);
    CHECK(has(d.why.text, "job 4"));
    // A partial record of real code is not discarded; a save checkpoint never is.
    cp.full_lo = 3;
    CHECK_FALSE(cp.discarded());
    cp.full_lo = 0;
    cp.kind = static_cast<std::uint8_t>(dc::checkpoint_kind::save);
    CHECK_FALSE(cp.discarded());
    CHECK(std::string(dc::to_string(dc::change_kind::discarded)) == "discarded");
}
