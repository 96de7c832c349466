// A batch's UDF calls, computed and committed in parts of about
// commit_interval of calls (map and gen; agg's batches are a few
// partitions), so that a kill or a power cut loses at most about a second
// of UDF work, however large the batch. Fast UDFs see no change: a part
// ends only after a second of calls.
//
//   first_error err;
//   run_in_parts(pool, n, err,
//                [&] { begin_calls(); },                     // before a part with calls
//                [&](std::size_t k) { return stored(k); },   // unit k needs no call
//                [&](std::size_t k) { compute(k); },         // unit k's call: may throw
//                [&](std::size_t from, std::size_t to) { commit(from, to); });
//   if (err.ep) fail(...);
//
// Each part hands units out in order from `from` on (skip(k): k is passed
// over) until commit_interval has passed since the part began or a call
// threw (err.set(k): the lowest unit that threw is kept, worker_pool.hpp).
// The units handed out, from..to-1, are a prefix of the rest, and all their
// calls have returned when part(from, to) runs on the calling thread. After
// a part in which a call threw, run_in_parts returns; else it goes on from
// `to` until all n units are done. skip and call run on the pool's threads
// (and the calling thread), several at once; begin and part on the calling
// thread only.
#pragma once

#include <datachain/runtime/worker_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>

namespace datachain::detail::exec {

// How long a part of a batch's calls runs before it is committed.
inline constexpr std::chrono::milliseconds commit_interval{1000};

template <class Begin, class Skip, class Call, class Part>
void run_in_parts(worker_pool& pool, std::size_t n, first_error& err, Begin&& begin, Skip&& skip, Call&& call,
                  Part&& part) {
    for (std::size_t from = 0; from < n;) {
        bool calls = false;
        for (std::size_t k = from; k < n && !calls; ++k) calls = !skip(k);
        if (calls) begin();
        std::atomic<bool> cut{false};
        const auto t0 = std::chrono::steady_clock::now();
        const std::size_t to = from + pool.run(n - from, cut, [&](std::size_t i) {
            const std::size_t k = from + i;
            if (skip(k)) return;
            try {
                call(k);
            } catch (...) {
                err.set(k);
                cut.store(true, std::memory_order_relaxed);
                return;
            }
            if (std::chrono::steady_clock::now() - t0 > commit_interval) cut.store(true, std::memory_order_relaxed);
        });
        part(from, to);
        if (err.ep) return;
        from = to;
    }
}

} // namespace datachain::detail::exec
