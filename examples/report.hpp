// report.hpp: what the examples print besides their story.
//
// Every example ends by printing, for this run only:
//
//   CALLS process=200                      how many times each UDF was called
//   EVENT udf_continued rows_before=200 rows_now=200 dataset=- version=- step=map<result>(process) -> str
//   ROWS processed_files 1.0.1 400 5c0e4d3a9b1f2e77
//
// EVENT lines are the checkpoint decisions the session recorded (see
// dc::session::events()); ROWS is the number of rows of a saved dataset
// version and an XXH64 of their canonical encoding, so two runs that saved
// the same rows print the same line. The lines start with an upper-case tag
// so that scripts (and tests/e2e) can pick them out; people can skip them.
#pragma once

#include <datachain/datachain.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace example {

namespace dc = datachain;

// A call counter for a UDF: `++process_calls;` in the UDF's body. Atomic, so
// it also counts right with DATACHAIN_PARALLEL=N.
class call_counter {
public:
    explicit call_counter(std::string_view name) : name_(name) { all().push_back(this); }
    call_counter(const call_counter&) = delete;
    call_counter& operator=(const call_counter&) = delete;

    void operator++() noexcept { n_.fetch_add(1, std::memory_order_relaxed); }
    long value() const noexcept { return n_.load(std::memory_order_relaxed); }
    std::string_view name() const noexcept { return name_; }

    static std::vector<call_counter*>& all() {
        static std::vector<call_counter*> counters;
        return counters;
    }

private:
    std::string_view name_;
    std::atomic<long> n_{0};
};

// "CALLS a=1 b=2": every counter, in the order they were defined.
inline void print_calls() {
    std::string line = "CALLS";
    for (auto* c : call_counter::all()) line += " " + std::string(c->name()) + "=" + std::to_string(c->value());
    std::printf("%s\n", line.c_str());
}

// One EVENT line per decision recorded by this run's job.
inline void print_events(dc::session& s = dc::default_session()) {
    auto dash = [](const std::string& v) { return v.empty() ? std::string("-") : v; };
    for (const auto& e : s.events())
        std::printf("EVENT %s rows_before=%llu rows_now=%llu dataset=%s version=%s step=%s\n", e.kind.c_str(),
                    static_cast<unsigned long long>(e.rows_before), static_cast<unsigned long long>(e.rows_now),
                    dash(e.dataset).c_str(), dash(e.version).c_str(), e.step.c_str());
}

// Counts of this run's events of one kind ("save_skipped", "udf_continued", ...).
inline std::size_t count_events(std::string_view kind, dc::session& s = dc::default_session()) {
    std::size_t n = 0;
    for (const auto& e : s.events()) n += e.kind == kind;
    return n;
}

// "ROWS <name> <version> <count> <xxh64>" over the canonical encoding of
// proj(row) for every row, in order. The default projection takes the whole
// row; pass one that drops columns which legitimately differ between runs
// (timings, for instance).
template <class S, class Proj>
void print_rows(const dc::dataset<S>& ds, Proj proj) {
    dc::xxh64_stream h;
    std::string bytes;
    unsigned long long n = 0;
    for (const auto& r : ds) {
        bytes.clear();
        dc::encode(bytes, proj(r));
        h.update(bytes);
        ++n;
    }
    std::printf("ROWS %s %s %llu %016llx\n", ds.name().c_str(), ds.version().c_str(), n,
                static_cast<unsigned long long>(h.digest()));
}
template <class S>
void print_rows(const dc::dataset<S>& ds) {
    print_rows(ds, [](const dc::row<S>& r) { return r.values; });
}

} // namespace example
