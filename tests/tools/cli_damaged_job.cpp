// Fixture of cli_damaged_job.cmake: a store whose job record of job 2 holds
// bytes that do not decode.
//
//   cli_damaged_job make DIR        jobs 1 "a", 2 "b" (damaged), 3 "c", 4 "damage"
//   cli_damaged_job run DIR NAME    one run of a small chain as job NAME; exit 0,
//                                   or 1 with the error on stderr
//   cli_damaged_job empty DIR       a store with no datasets
#include <datachain/datachain.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace dc = datachain;

DC_DEF(dj_twice, (std::int64_t x) -> std::int64_t { return 2 * x; });

static void run(const std::string& dir, const std::string& name) {
    dc::settings st;  // decisions and warnings to stderr
    st.root = dir;
    st.job_name = name;
    st.progress = false;
    dc::session s{st};
    (dc::read_values<"x">(std::vector<std::int64_t>{1, 2, 3}) | dc::map<"y">(dj_twice) | dc::save("d")).run(s);
}

int main(int argc, char** argv) try {
    if (argc < 3) return 2;
    const std::string mode = argv[1], dir = argv[2];
    if (mode == "make") {
        for (const char* n : {"a", "b", "c"}) run(dir, n);
        dc::settings st;
        st.root = dir;
        st.job_name = "damage";
        st.report = st.progress = false;
        dc::session s{st};
        const std::uint8_t v = dc::detail::rec::record_traits<dc::job_record>::version;
        s.db().put(dc::detail::rec::job_key(2), std::string(1, static_cast<char>(v)) + "\xff\xff\xff\xff");
        return 0;
    }
    if (mode == "empty") {
        dc::settings st;
        st.root = dir;
        st.report = st.progress = false;
        dc::session s{st};
        (void)s.jobs();
        return 0;
    }
    if (mode == "run" && argc == 4) {
        run(dir, argv[3]);
        return 0;
    }
    return 2;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
}
