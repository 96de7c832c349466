// datachain/runtime/session.hpp: every session is a job. Its name comes from
// settings / DATACHAIN_JOB_NAME / the executable; its parent is the latest
// earlier job of the same name; its status goes running -> complete or
// failed; a job whose process died is seen as crashed by the next session.
#include "support.hpp"

namespace {

DC_DEF(rt_jobs_boom, (std::int64_t n) -> std::int64_t {
    if (n == 3) throw std::runtime_error("boom");
    return n;
});

} // namespace

TEST_CASE("jobs: the name comes from settings, DATACHAIN_JOB_NAME or the executable", "[runtime][jobs]") {
    rt::temp_dir d;
    {
        dc::session s{rt::cfg(d.store(), "from-settings")};
        CHECK(s.job_name() == "from-settings");
        CHECK(s.job(s.job_id())->name == "from-settings");
    }
    {
        rt::scoped_env root("DATACHAIN_ROOT", d.store().c_str());
        rt::scoped_env name("DATACHAIN_JOB_NAME", "from-env");
        rt::scoped_env quiet("DATACHAIN_QUIET", "1");
        rt::scoped_env ign("DATACHAIN_IGNORE_CHECKPOINTS", "yes");
        rt::scoped_env par("DATACHAIN_PARALLEL", "3");
        auto st = dc::settings::from_env();
        CHECK(st.job_name == "from-env");
        CHECK(st.root == d.store());
        CHECK(st.ignore_checkpoints);
        CHECK(st.parallel == 3);
        CHECK_FALSE(st.report);
        CHECK_FALSE(st.progress);
        dc::session s{st};
        CHECK(s.job_name() == "from-env");
        CHECK(s.job(s.job_id())->name == "from-env");
    }
    {
        // No name anywhere: the canonical path of the running executable.
        rt::scoped_env name("DATACHAIN_JOB_NAME", nullptr);
        auto st = dc::settings::from_env();
        CHECK(st.job_name.empty());
        st.root = d.store();
        st.report = st.progress = false;
        dc::session s{st};
        CHECK(s.job_name() == fs::canonical("/proc/self/exe").string());
    }
    {
        // An empty DATACHAIN_JOB_NAME does not count.
        rt::scoped_env name("DATACHAIN_JOB_NAME", "");
        CHECK(dc::settings::from_env().job_name.empty());
    }
}

TEST_CASE("jobs: the parent is the latest earlier job with the same name", "[runtime][jobs]") {
    rt::temp_dir d;
    std::uint64_t a, b, other;
    {
        dc::session s{rt::cfg(d.store(), "lineage")};
        a = s.job_id();
        CHECK(s.parent_job_id() == 0);
    }
    {
        dc::session s{rt::cfg(d.store(), "other")};
        other = s.job_id();
        CHECK(s.parent_job_id() == 0);
    }
    {
        dc::session s{rt::cfg(d.store(), "lineage")};
        b = s.job_id();
        CHECK(s.parent_job_id() == a);
        CHECK(s.job(b)->parent == a);
    }
    {
        dc::session s{rt::cfg(d.store(), "lineage")};
        CHECK(s.parent_job_id() == b);
        CHECK(s.ancestry() == std::vector<std::uint64_t>{s.job_id(), b, a});
        // ids are distinct and increasing
        CHECK(a < other);
        CHECK(other < b);
        CHECK(b < s.job_id());
        // all jobs, oldest first
        auto all = s.jobs();
        REQUIRE(all.size() == 4);
        CHECK(all[0].id == a);
        CHECK(all[1].id == other);
        CHECK(all[3].id == s.job_id());
        CHECK(all[1].name == "other");
    }
    {
        // max_depth bounds the ancestry.
        auto c = rt::cfg(d.store(), "lineage");
        c.max_depth = 2;
        dc::session s{c};
        CHECK(s.ancestry().size() == 2);
    }
}

TEST_CASE("jobs: status running, complete, failed", "[runtime][jobs]") {
    rt::temp_dir d;
    std::uint64_t ok_id, failed_id;
    {
        dc::session s{rt::cfg(d.store(), "status")};
        ok_id = s.job_id();
        auto j = s.job(ok_id);
        REQUIRE(j);
        CHECK(j->state() == dc::job_status::running);
        CHECK(j->pid == ::getpid());
        CHECK(j->started > 0);
        CHECK(j->finished == 0);
    }
    {
        dc::session s{rt::cfg(d.store(), "status")};
        auto prev = s.job(ok_id);
        CHECK(prev->state() == dc::job_status::complete);
        CHECK(prev->finished >= prev->started);
        failed_id = s.job_id();
        auto p = dc::read_values<"n">(rt::iota64(10)) | dc::map<"m">(rt_jobs_boom) | dc::save("boom");
        CHECK_THROWS_AS(p.run(s), dc::udf_error);
        auto j = s.job(failed_id);
        CHECK(j->state() == dc::job_status::failed);
        CHECK(j->error.find("boom") != std::string::npos);
    }
    {
        // Still failed after the session ends.
        dc::session s{rt::cfg(d.store(), "status")};
        CHECK(s.job(failed_id)->state() == dc::job_status::failed);
        CHECK(s.parent_job_id() == failed_id);
        CHECK(std::string(dc::to_string(dc::job_status::crashed)) == "crashed");
    }
}

TEST_CASE("jobs: a killed process leaves a crashed job and its work resumes", "[runtime][jobs][process]") {
    rt::temp_dir d;
    std::uint64_t victim_job = 0;
    {
        rt::child c;
        rt::spawn_child(c, "crash", d.store(), "50");
        REQUIRE(c.read_byte() == 'r');  // the UDF reached input 50
        c.kill9();
        int st = c.wait();
        CHECK(WIFSIGNALED(st));
    }
    rt::square_calls = 0;
    {
        dc::session s{rt::cfg(d.store(), "victim")};
        auto jobs = s.jobs();
        REQUIRE(jobs.size() == 2);
        victim_job = jobs[0].id;
        CHECK(jobs[0].name == "victim");
        CHECK(jobs[0].state() == dc::job_status::crashed);
        CHECK(jobs[0].pid != ::getpid());
        // Said in its error: the process ended, inside which step's UDF.
        CHECK_THAT(jobs[0].error, Catch::StartsWith("its process (pid " + std::to_string(jobs[0].pid) +
                                                    ") ended before the job finished, inside the UDF of map<sq>("));
        CHECK(s.parent_job_id() == victim_job);
        CHECK(s.job(s.job_id())->state() == dc::job_status::running);

        // The crashed run wrote 5 batches of 10; the rest is computed now.
        auto ds = rt::crash_pipeline().run(s, dc::run_options{.batch_size = 10});
        CHECK(rt::square_calls == 50);
        auto ev = s.events();
        REQUIRE(ev.size() == 2);
        CHECK(ev[0].kind == "udf_continued");
        CHECK(ev[0].rows_before == 50);
        CHECK(ev[0].rows_now == 50);
        CHECK(ev[1].kind == "save_completed");
        auto rows = ds.to_vector();
        REQUIRE(rows.size() == 100);
        for (std::int64_t i = 0; i < 100; ++i) {
            CHECK(rows[static_cast<std::size_t>(i)].get<"n">() == i);
            CHECK(rows[static_cast<std::size_t>(i)].get<"sq">() == i * i);
        }
    }
    {
        // The crashed job stays crashed; the resumed one completed.
        dc::session s{rt::cfg(d.store(), "victim")};
        CHECK(s.job(victim_job)->state() == dc::job_status::crashed);
        CHECK(s.job(s.parent_job_id())->state() == dc::job_status::complete);
    }
}

// A batch is committed in parts of about a second of calls (stages/udf_parts.hpp,
// commit_interval), so a kill inside a large batch of slow calls loses only
// the call in flight. Each call sleeps longer than the interval, so this
// holds however fast or loaded the machine is.
TEST_CASE("jobs: a kill inside a batch of slow calls keeps the calls that finished", "[runtime][jobs][process]") {
    rt::temp_dir d;
    {
        rt::child c;
        rt::spawn_child(c, "slow_crash", d.store(), "3");  // default batch: all 6 inputs in one
        REQUIRE(c.read_byte() == 'r');                     // the UDF reached input 3
        c.kill9();
        c.wait();
    }
    rt::square_calls = 0;
    dc::session s{rt::cfg(d.store(), "victim")};
    auto ds = rt::slow_pipeline().run(s);
    CHECK(rt::square_calls == 3);  // inputs 3, 4, 5: 0-2 were committed before the kill
    auto ev = s.events();
    REQUIRE(!ev.empty());
    CHECK(ev[0].kind == "udf_continued");
    CHECK(ev[0].rows_before == 3);
    auto rows = ds.to_vector();
    REQUIRE(rows.size() == 6);
    for (std::int64_t i = 0; i < 6; ++i) CHECK(rows[static_cast<std::size_t>(i)].get<"sq">() == i * i);
}

TEST_CASE("jobs: a kill inside a batch of slow gen calls keeps the inputs that finished", "[runtime][jobs][process]") {
    rt::temp_dir d;
    {
        rt::child c;
        rt::spawn_child(c, "slow_crash", d.store(), "3g");
        REQUIRE(c.read_byte() == 'r');
        c.kill9();
        c.wait();
    }
    rt::square_calls = 0;
    dc::session s{rt::cfg(d.store(), "victim")};
    auto ds = rt::slow_gen_pipeline().run(s);
    CHECK(rt::square_calls == 3);
    auto rows = ds.to_vector();
    REQUIRE(rows.size() == 12);
    for (std::int64_t i = 0; i < 6; ++i) {
        CHECK(rows[static_cast<std::size_t>(2 * i)].get<"g">() == i);
        CHECK(rows[static_cast<std::size_t>(2 * i + 1)].get<"g">() == i * i);
    }
}

TEST_CASE("jobs: a live session of this process is not marked crashed", "[runtime][jobs]") {
    rt::temp_dir d;
    dc::session a{rt::cfg(d.store(), "one")};
    dc::session b{rt::cfg(d.store(), "two")};
    CHECK(b.job(a.job_id())->state() == dc::job_status::running);
    CHECK(a.job(b.job_id())->state() == dc::job_status::running);
}

// The registry of live jobs is per process, not per store: a job id that is
// live in one store must not hide a crashed job with the same id in another.
TEST_CASE("jobs: a crashed job is detected while this process has another store open", "[runtime][jobs][process]") {
    rt::temp_dir d;
    // Store A: job 1 stays live in this process for the whole test.
    dc::session a{rt::cfg(d / "a", "alive")};
    REQUIRE(a.job_id() == 1);
    {
        // Store B: job 1 is the child's, killed mid-run.
        rt::child c;
        rt::spawn_child(c, "crash", d / "b", "50");
        REQUIRE(c.read_byte() == 'r');
        c.kill9();
        c.wait();
    }
    dc::session b{rt::cfg(d / "b", "victim")};
    auto j = b.job(1);
    REQUIRE(j);
    CHECK(j->name == "victim");
    CHECK(j->state() == dc::job_status::crashed);
}

namespace {

std::atomic<int> claim_calls{0};
std::atomic<bool> claim_throws{true};
DC_DEF(rt_jobs_claim, (std::int64_t n) -> std::int64_t {
    ++claim_calls;
    if (claim_throws && n == 5) throw std::runtime_error("five");
    return n;
});

// A store whose row-memo registrations ('Q' keys) fail while `armed`.
class failing_memo_put final : public dc::store {
public:
    explicit failing_memo_put(std::shared_ptr<dc::store> s) : s_(std::move(s)) {}
    std::atomic<bool> armed{false};
    std::optional<std::string> get(std::string_view k) const override { return s_->get(k); }
    void put(std::string_view k, std::string_view v) override {
        if (armed && k.starts_with('Q')) throw std::runtime_error("injected: the memo registration fails");
        s_->put(k, v);
    }
    void del(std::string_view k) override { s_->del(k); }
    std::unique_ptr<dc::write_batch> batch() const override { return s_->batch(); }
    void write(dc::write_batch& b) override { s_->write(b); }
    std::unique_ptr<dc::cursor> scan(std::string_view prefix) const override { return s_->scan(prefix); }
    const std::string& location() const override { return s_->location(); }
    void compact() override { s_->compact(); }

private:
    std::shared_ptr<dc::store> s_;
};

} // namespace

// A step claims the partial table it continues (so that two runs of one
// chain in one process never write it at once); a step whose set-up fails
// after that claim releases it, so a later run in the same process still
// continues the table instead of starting over.
TEST_CASE("jobs: a step whose set-up fails releases the table it claimed", "[runtime][jobs]") {
    rt::temp_dir d;
    auto db = std::make_shared<failing_memo_put>(dc::open_leveldb_store(d.store()));
    auto handle = dc::detail::register_store(d.store(), db);
    auto pipeline = dc::read_values<"n">(rt::iota64(100)) | dc::map<"m">(rt_jobs_claim) | dc::save("claimed");
    {
        dc::session s{rt::cfg(d.store())};
        CHECK_THROWS_AS(pipeline.run(s), dc::udf_error);  // inputs 0..4 done
    }
    claim_throws = false;
    db->armed = true;
    {
        dc::session s{rt::cfg(d.store())};
        CHECK_THROWS_WITH(pipeline.run(s), Catch::Contains("the memo registration fails"));
    }
    db->armed = false;
    claim_calls = 0;
    dc::session s{rt::cfg(d.store())};
    CHECK(pipeline.run(s).size() == 100);
    CHECK(claim_calls == 95);  // 5 inputs were done
    // It continued job 1's table (with the table still claimed it would
    // start a table of its own and reuse those 5 by input: udf_reused).
    auto ev = s.events();
    REQUIRE_FALSE(ev.empty());
    CHECK(ev[0].kind == "udf_continued");
    CHECK(ev[0].rows_before == 5);
    claim_throws = true;
}
