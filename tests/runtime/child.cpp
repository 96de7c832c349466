// The hidden test case that child processes run (see spawn_child in
// support.hpp). It does nothing unless DC_RT_MODE is set, so running it by
// hand is harmless; the "[.]" tag keeps it out of the normal test list.
//
// Modes:
//   hold   open a session on DC_RT_ROOT, write 'r', wait for EOF on the input
//          pipe, then finish normally (the store stays locked meanwhile).
//   crash  run rt::crash_pipeline() on DC_RT_ROOT as job "victim" with
//          batches of 10; the UDF writes 'r' at input DC_RT_ARG and blocks
//          until the parent kills the process.
//   slow_crash  the same with rt::slow_pipeline() (calls slower than the
//          commit interval) and the default batch size; DC_RT_ARG "3g":
//          rt::slow_gen_pipeline(), at input 3.
//   reuse_crash  run rt::reuse_map_pipeline(20) (DC_RT_ARG "14": blocks at
//          input 14) or, DC_RT_ARG "9a", rt::reuse_agg_pipeline(12) (blocks at
//          partition 9) on DC_RT_ROOT as job "victim" with batches of 4.
//   plain  run a pipeline whose UDF is a plain (unhashable) lambda on
//          DC_RT_ROOT as job "plain", write 'd', and finish.
#include "support.hpp"

TEST_CASE("runtime child helper", "[.][child]") {
    const char* mode = std::getenv("DC_RT_MODE");
    if (!mode) return;
    const fs::path root = std::getenv("DC_RT_ROOT");
    const int in = std::atoi(std::getenv("DC_RT_IN"));
    const int out = std::atoi(std::getenv("DC_RT_OUT"));
    auto say = [&](char c) { (void)!::write(out, &c, 1); };
    try {
        if (std::string_view(mode) == "hold") {
            dc::session s{rt::cfg(root, "holder")};
            say('r');
            char c;
            while (::read(in, &c, 1) > 0) {
            }
        } else if (std::string_view(mode) == "crash") {
            dc::session s{rt::cfg(root, "victim")};
            s.config().batch_size = 10;
            (void)rt::crash_pipeline().run(s);
            say('d');  // not reached: the parent kills us first
        } else if (std::string_view(mode) == "slow_crash") {
            dc::session s{rt::cfg(root, "victim")};
            if (std::string_view(std::getenv("DC_RT_ARG")).ends_with("g")) (void)rt::slow_gen_pipeline().run(s);
            else (void)rt::slow_pipeline().run(s);
            say('d');  // not reached: the parent kills us first
        } else if (std::string_view(mode) == "reuse_crash") {
            dc::session s{rt::cfg(root, "victim")};
            s.config().batch_size = 4;
            if (std::string_view(std::getenv("DC_RT_ARG")).ends_with("a")) (void)rt::reuse_agg_pipeline(12).run(s);
            else (void)rt::reuse_map_pipeline(20).run(s);
            say('d');  // not reached: the parent kills us first
        } else if (std::string_view(mode) == "plain") {
            dc::session s{rt::cfg(root, "plain")};
            auto plain = [](std::int64_t n) { return n + 1; };
            (void)(dc::read_values<"n">(rt::iota64(10)) | dc::map<"p">(plain) | dc::save("plain")).run(s);
            say('d');
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "child (%s): %s\n", mode, e.what());
        say('e');
        ::_exit(3);
    }
}
