// Crash anywhere: kill -9 midway, resume, repeat; the result must be the one
// an uninterrupted run gives, and no work that was durable may be done again.
//
// For each mode of crash_child (map, gen, agg with partition_by, map with
// parallel = 2), every round starts with an empty store and:
//   1. runs the child 1 to 3 times with a kill, then once more to the end.
//      The first attempt of a round, and about half of the others, kill at a
//      deterministic point: the child kills itself with SIGKILL at its Nth
//      UDF call, N random among the inputs not yet durable, so the kill
//      happens midway on any machine, however fast or loaded. The other
//      attempts are killed by the parent at a random moment (a random time
//      between 0 and the duration of an uninterrupted run), which may fall
//      anywhere, in a commit or the final save too, or after the child has
//      finished (then the round simply ends).
//   2. after each kill, reads the store (with the library, while no child
//      runs) to learn which inputs are durable: rows of the UDF's table for
//      map, "done" marks for gen and agg;
//   3. checks, from the call log the child appends to, that no attempt called
//      the UDF for an input that was durable when it started, that no attempt
//      called it twice for one input, and that durable inputs stay durable;
//   4. at the end, checks that the saved dataset equals the uninterrupted
//      run's, row for row and in order (no duplicate, no missing row), and
//      that every input was called at least once.
//
// No assertion depends on timing: every round has at least one deterministic
// kill, and a random-moment kill that comes too late is just a run to the end.
//
// Environment: DATACHAIN_CRASH_ROUNDS (total rounds over the 4 modes, default
// 20; a soak by hand: hundreds), DATACHAIN_CRASH_SEED (default: random;
// printed either way).
#include "e2e_support.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

using namespace e2e;

namespace {

constexpr int rows = 3000;
constexpr int partitions = 300;

int total_rounds() {
    const char* v = std::getenv("DATACHAIN_CRASH_ROUNDS");
    int n = v ? std::atoi(v) : 20;
    return std::max(n, 4);
}

std::uint64_t seed_for(const std::string& mode) {
    static const std::uint64_t base = [] {
        if (const char* v = std::getenv("DATACHAIN_CRASH_SEED")) return static_cast<std::uint64_t>(std::strtoull(v, nullptr, 0));
        return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    }();
    return base ^ dc::xxh64(mode);
}

// The input ordinals whose UDF outputs are durable in the store at `root`.
std::set<std::uint64_t> durable_inputs(const fs::path& root, const std::string& mode) {
    std::set<std::uint64_t> out;
    if (!fs::exists(root)) return out;
    auto db = dc::open_store(root);
    std::set<std::uint64_t> tables;
    for (auto c = db->scan("K"); c->valid(); c->next()) {
        auto cp = dc::detail::rec::unpack<dc::checkpoint_record>(c->value(), db->location());
        if (cp.kind == static_cast<std::uint8_t>(dc::checkpoint_kind::udf)) tables.insert(cp.table);
    }
    // A resumed UDF continues in the table it started; a second table would
    // mean that some run started from scratch.
    INFO("UDF tables in the store: " << tables.size());
    REQUIRE(tables.size() <= 1);
    const bool by_rows = mode == "map" || mode == "pmap";
    for (auto t : tables) {
        auto prefix = by_rows ? dc::detail::rec::table_prefix(t) : dc::detail::rec::done_prefix(t);
        for (auto c = db->scan(prefix); c->valid(); c->next()) out.insert(dc::key::read_be64(c->key(), 9));
    }
    return out;
}

// The ids appended to the call log from byte `from` on.
std::vector<std::uint64_t> calls_since(const fs::path& log, std::uintmax_t from) {
    std::vector<std::uint64_t> ids;
    auto text = slurp(log);
    if (from > text.size()) from = text.size();
    std::size_t at = static_cast<std::size_t>(from);
    while (at < text.size()) {
        auto nl = text.find('\n', at);
        if (nl == std::string::npos) break;  // a torn last line cannot happen (one write per call)
        ids.push_back(std::stoull(text.substr(at, nl - at)));
        at = nl + 1;
    }
    return ids;
}

struct child_run {
    process_result proc;
    bool killed = false;
};

// Runs the child in `dir`. kill_after_s >= 0: the parent kills it after that
// many seconds if it still runs; kill_at_call > 0: the child kills itself at
// its kill_at_call-th UDF call.
child_run run_child(const std::string& mode, const fs::path& dir, double kill_after_s, long kill_at_call = 0) {
    const auto& t = tools();
    std::vector<std::string> argv{t.crash_child, mode, (dir / "store").string(), (dir / "calls.log").string(),
                                  std::to_string(rows), (dir / "result.txt").string()};
    if (kill_at_call > 0) argv.push_back(std::to_string(kill_at_call));
    auto out = dir / "child.out", err = dir / "child.err";
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = spawn(argv, {}, dir, out, err);
    child_run r;
    if (kill_after_s >= 0) {
        std::this_thread::sleep_for(std::chrono::duration<double>(kill_after_s));
        int st = 0;
        pid_t w = ::waitpid(pid, &st, WNOHANG);
        if (w == 0) {
            ::kill(pid, SIGKILL);
            r.killed = true;
        } else if (w == pid) {
            // Finished before the kill: collect what waitpid already reaped.
            r.proc.out = slurp(out);
            r.proc.err = slurp(err);
            if (WIFEXITED(st)) r.proc.status = WEXITSTATUS(st);
            else r.proc.signal = WTERMSIG(st);
            r.proc.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return r;
        }
    }
    r.proc = wait_for(pid, out, err);
    r.proc.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.killed && r.proc.signal != SIGKILL) r.killed = false;  // it finished just before the kill
    if (kill_at_call > 0) r.killed = r.proc.signal == SIGKILL;    // it killed itself
    return r;
}

void crash_mode(const std::string& mode) {
    const int rounds = (total_rounds() + 3) / 4;
    const auto seed = seed_for(mode);
    std::mt19937_64 rng(seed);
    std::printf("crash_anywhere %s: %d rounds, seed %llu (DATACHAIN_CRASH_SEED=%llu to replay)\n", mode.c_str(),
                rounds, static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed ^ dc::xxh64(mode)));
    const fs::path base = fs::path(tools().work) / "crash" / mode;
    fs::remove_all(base);

    const std::size_t inputs = mode == "agg" ? partitions : rows;

    // The reference: one uninterrupted run.
    const fs::path ref_dir = base / "reference";
    fs::create_directories(ref_dir);
    auto ref = run_child(mode, ref_dir, -1);
    INFO("reference run: exit " << ref.proc.status << "\n" << ref.proc.err);
    REQUIRE(ref.proc.status == 0);
    const std::string expected = slurp(ref_dir / "result.txt");
    const double typical = ref.proc.seconds;
    {
        // The reference itself: every input called once, the expected row count.
        auto calls = calls_since(ref_dir / "calls.log", 0);
        CHECK(calls.size() == inputs);
        CHECK(std::set<std::uint64_t>(calls.begin(), calls.end()).size() == inputs);
        std::size_t lines = static_cast<std::size_t>(std::count(expected.begin(), expected.end(), '\n'));
        std::size_t want = mode == "gen" ? 0 : inputs;
        if (mode == "gen")
            for (int i = 0; i < rows; ++i) want += static_cast<std::size_t>(i % 4);
        CHECK(lines == want);
    }

    int total_kills = 0, total_attempts = 0, timed_kills = 0;
    std::size_t recalled = 0;
    for (int round = 0; round < rounds; ++round) {
        const fs::path dir = base / ("round-" + std::to_string(round));
        fs::create_directories(dir);
        const int max_kills = std::uniform_int_distribution<int>(1, 3)(rng);
        std::set<std::uint64_t> durable;
        std::vector<int> calls_per_input(inputs, 0);
        int kills = 0;
        std::string history;
        for (int attempt = 0;; ++attempt) {
            REQUIRE(attempt < 20);
            const auto log_before = fs::exists(dir / "calls.log") ? fs::file_size(dir / "calls.log") : 0;
            // The inputs not yet durable: every one of them is called by this
            // attempt unless it is killed first.
            const auto remaining = static_cast<long>(inputs - durable.size());
            double kill_after = -1;
            long kill_at_call = 0;
            if (kills < max_kills && remaining > 0) {
                if (attempt == 0 || std::bernoulli_distribution(0.5)(rng))
                    kill_at_call = std::uniform_int_distribution<long>(1, remaining)(rng);
                else
                    kill_after = std::uniform_real_distribution<double>(0, typical)(rng);
            }
            auto r = run_child(mode, dir, kill_after, kill_at_call);
            ++total_attempts;
            auto called = calls_since(dir / "calls.log", log_before);
            history += "attempt " + std::to_string(attempt) + ": " + (r.killed ? "killed" : "finished") +
                       (kill_at_call > 0 ? " at call " + std::to_string(kill_at_call)
                                         : kill_after >= 0 ? " (random moment)" : std::string()) +
                       " after " + std::to_string(r.proc.seconds) + " s, " + std::to_string(called.size()) +
                       " calls, " + std::to_string(durable.size()) + " durable before\n";
            INFO("mode " << mode << ", seed " << seed << ", round " << round << "\n" << history << r.proc.err);

            std::set<std::uint64_t> seen;
            for (auto id : called) {
                REQUIRE(id < calls_per_input.size());
                ++calls_per_input[id];
                INFO("input " << id);
                CHECK(seen.insert(id).second);   // at most once per attempt
                CHECK(durable.count(id) == 0);   // never again once durable
            }
            if (kill_at_call > 0) {
                // A deterministic kill always happens: this attempt had at
                // least kill_at_call inputs left to call. (With parallel
                // workers, others may log a call before the process dies.)
                REQUIRE(r.killed);
                CHECK(called.size() >= static_cast<std::size_t>(kill_at_call));
            }
            if (!r.killed) {
                REQUIRE(r.proc.status == 0);
                break;
            }
            ++kills;
            if (kill_after >= 0) ++timed_kills;
            auto now = durable_inputs(dir / "store", mode);
            CHECK(std::includes(now.begin(), now.end(), durable.begin(), durable.end()));
            durable = std::move(now);
        }
        INFO("mode " << mode << ", seed " << seed << ", round " << round << "\n" << history);
        CHECK(slurp(dir / "result.txt") == expected);
        for (std::size_t id = 0; id < calls_per_input.size(); ++id) {
            INFO("input " << id);
            REQUIRE(calls_per_input[id] >= 1);
            recalled += static_cast<std::size_t>(calls_per_input[id] - 1);
        }
        total_kills += kills;
        fs::remove_all(dir);  // keep the disk tidy; failures stop before this line
    }
    std::printf("crash_anywhere %s: %d rounds, %d attempts, %d kills (%d of them at a random moment), %zu inputs "
                "called again after a kill (none of them durable); reference run %.3f s\n",
                mode.c_str(), rounds, total_attempts, total_kills, timed_kills, recalled, typical);
    CHECK(total_kills >= rounds);  // at least the deterministic kill of every round
}

} // namespace

TEST_CASE("crash anywhere: map") { crash_mode("map"); }
TEST_CASE("crash anywhere: gen") { crash_mode("gen"); }
TEST_CASE("crash anywhere: agg with partition_by") { crash_mode("agg"); }
TEST_CASE("crash anywhere: map with parallel = 2") { crash_mode("pmap"); }
