// Small helpers shared by the benchmark programs (not part of the library).
//
//   double t = bench::time_s([&] { work(); });             // wall seconds
//   double m = bench::median(samples);                     // median of a sample
//   auto c = bench::run_child({"--phase", "map", "1000"}); // this program again, in a child
//   c.out; c.maxrss_kb;                                    // its stdout and peak RSS
//
// Children are started with fork + execv("/proc/self/exe"), so each phase
// starts from a fresh address space: its peak RSS (wait4's ru_maxrss) is its
// own, not inherited from the parent's heap as it would be after a bare fork.
#pragma once

#include <datachain/datachain.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bench {

namespace dc = datachain;

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE__)
// scripts/test.sh builds the benchmarks without optimisation, only to check
// that they compile: figures from such a build would be meaningless.
inline const bool unoptimized_build_refused = [] {
    std::fputs("benchmark: this program was built without optimisation (DATACHAIN_BENCHMARK_OPTIMIZE; "
               "scripts/test.sh builds benchmarks only to check that they compile); build it as "
               "benchmarks/README.md says (cmake -B build/bench -DCMAKE_BUILD_TYPE=Release ...)\n",
               stderr);
    std::exit(2);
    return true;
}();
#endif

// The same trivial UDF in every benchmark: upper-case a path.
DC_DEF(upper, (const std::string& p) -> std::string {
    std::string s = p;
    for (auto& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    return s;
});

// "dogs-and-cats/cat.123.jpg", "dogs-and-cats/dog.124.jpg", ...
inline std::string make_path(std::size_t i) {
    return std::string(i % 2 ? "dogs-and-cats/dog." : "dogs-and-cats/cat.") + std::to_string(i) + ".jpg";
}
inline std::vector<std::string> make_paths(std::size_t n) {
    std::vector<std::string> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = make_path(i);
    return v;
}

template <class F>
double time_s(F&& f) {
    auto a = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// "0.52 0.61 0.70": the 1, 5 and 15 minute load averages.
inline std::string loadavg() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

// Settings for a quiet session at `root` (no progress, no reports).
inline dc::settings quiet(const std::filesystem::path& root, std::string job = "bench") {
    dc::settings s;
    s.root = root;
    s.job_name = std::move(job);
    s.progress = false;
    s.report = false;
    return s;
}

inline void fresh(const std::filesystem::path& p) {
    std::filesystem::remove_all(p);
}

// Samples this process's /proc/self/status every few milliseconds and keeps
// the peaks of RssAnon (heap, stacks: memory the program owns) and RssFile
// (file pages mapped into it, e.g. LevelDB's mmapped table files: clean page
// cache the kernel can drop). ru_maxrss counts both.
class rss_sampler {
public:
    rss_sampler() : th_([this] { loop(); }) {}
    ~rss_sampler() { stop(); }
    void stop() {
        if (!th_.joinable()) return;
        done_ = true;
        th_.join();
        sample();
    }
    long anon_kb() const { return anon_; }
    long file_kb() const { return file_; }

private:
    void sample() {
        std::ifstream f("/proc/self/status");
        std::string k;
        long v;
        while (f >> k) {
            if (k == "RssAnon:" && f >> v) anon_ = std::max(anon_, v);
            else if (k == "RssFile:" && f >> v) file_ = std::max(file_, v);
        }
    }
    void loop() {
        while (!done_) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    std::atomic<bool> done_{false};
    long anon_ = 0, file_ = 0;
    std::thread th_;
};

// Resident kB of this process's mappings of files whose name ends with
// `suffix` (e.g. ".ldb": LevelDB table files it mmapped), from /proc/self/smaps.
inline long mapped_rss_kb(const std::string& suffix) {
    std::ifstream f("/proc/self/smaps");
    std::string line;
    bool in = false;
    long kb = 0;
    while (std::getline(f, line)) {
        if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 16) {
            auto sp = line.find_last_of(' ');
            std::string name = sp == std::string::npos ? "" : line.substr(sp + 1);
            in = name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        } else if (in && line.rfind("Rss:", 0) == 0) {
            kb += std::atol(line.c_str() + 4);
        }
    }
    return kb;
}

struct child_result {
    std::string out;                  // the child's stdout
    long maxrss_kb = 0;               // its peak resident set size
    double cpu_s = 0;                 // its user + system CPU time
    int status = 0;                   // exit status (non-zero: failed)
    std::map<std::string, double> kv; // "key=value" pairs parsed from out

    double at(const std::string& k) const {
        auto it = kv.find(k);
        if (it == kv.end()) throw std::runtime_error("child did not report '" + k + "': " + out);
        return it->second;
    }
};

// Runs this program again with `args` in a child process; returns its stdout,
// exit status and peak RSS. Throws if it cannot start or fails.
inline child_result run_child(const std::vector<std::string>& args) {
    int fd[2];
    if (::pipe(fd) != 0) throw std::runtime_error("pipe failed");
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fd[1], 1);
        ::close(fd[0]);
        ::close(fd[1]);
        std::vector<char*> argv;
        static char self[] = "bench-child";
        argv.push_back(self);
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv("/proc/self/exe", argv.data());
        std::perror("execv");
        ::_exit(127);
    }
    ::close(fd[1]);
    child_result r;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<std::size_t>(n));
    ::close(fd[0]);
    int st = 0;
    struct rusage ru {};
    ::wait4(pid, &st, 0, &ru);
    r.maxrss_kb = ru.ru_maxrss;
    r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::istringstream in(r.out);
    for (std::string tok; in >> tok;)
        if (auto eq = tok.find('='); eq != std::string::npos) r.kv[tok.substr(0, eq)] = std::atof(tok.c_str() + eq + 1);
    if (r.status != 0) {
        std::string cmd;
        for (auto& a : args) cmd += " " + a;
        throw std::runtime_error("child" + cmd + " failed with status " + std::to_string(r.status) + ": " + r.out);
    }
    return r;
}

inline std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// A directory for stores: $DATACHAIN_BENCH_DIR, else /tmp/datachain-bench.
inline std::filesystem::path work_dir(const char* sub) {
    const char* e = std::getenv("DATACHAIN_BENCH_DIR");
    std::filesystem::path p = e && *e ? e : "/tmp/datachain-bench";
    p /= sub;
    std::filesystem::create_directories(p);
    return p;
}

} // namespace bench
