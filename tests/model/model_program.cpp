// The program of the model-based test (model.cpp): one pipeline per shape,
// with its UDFs' code chosen by version numbers, a filter constant, and an
// injected fault, all from the command line, so that consecutive runs share
// a lineage the way an edited program does.
//
//   model_program STORE SHAPE V1 V2 V3 K FAULT STEP N PARALLEL OUT SRC
//
// SHAPE 0: x -> map a=f1(x) (int64) -> filter a > K -> map b=f2(a) -> gen c=g3(b) -> save
// SHAPE 1: as 0 with f1 returning double (an output-type variant)
// SHAPE 2: x, k -> map a=f1(x) -> filter a > K -> map b=f2(a) -> agg s=sum(b) by k -> save
// Versions: 1 and 2 are the same code under two identities (a fix that
// changes nothing for the rows that worked), 3 is different code.
// FAULT: none | throw | kill: at the N-th call of step STEP's UDF (1-based);
// commit: SIGKILL right after the N-th write of UDF outputs is committed
// (outside any UDF call: between batches, no step inside its UDF);
// save: SIGKILL during save, after the UDF steps finished: STEP 0 before
// the dataset version record is written, STEP 1 right after it.
// The store is wrapped (detail::register_store) to see those writes.
// SRC: the source data (source_values): 0 the values 0..119; 1 three added;
// 2 every tenth removed; 3 reversed; 4 two modified.
// The job name is "model", or DATACHAIN_JOB_NAME when set.
// On success OUT holds "version V", "calls C1 C2 C3", then one line per row;
// when the pipeline throws, "failed", the calls, then the error's text.
#include <datachain/datachain.hpp>

#include <signal.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <atomic>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace dc = datachain;

namespace {

std::atomic<long> calls[4];
std::string fault = "none";
int fault_step = 0;
long fault_n = 0;

void hit(int step) {
    long n = ++calls[step];
    if (step != fault_step || n != fault_n) return;
    if (fault == "throw") throw std::runtime_error("injected failure");
    if (fault == "kill") ::raise(SIGKILL);
}

std::int64_t f1_a(std::int64_t x) { hit(1); return x * 3 + 1; }
std::int64_t f1_b(std::int64_t x) { hit(1); return x * 5 - 40; }
double f1d_a(std::int64_t x) { hit(1); return static_cast<double>(x) * 3 + 1; }
double f1d_b(std::int64_t x) { hit(1); return static_cast<double>(x) * 5 - 40; }
std::int64_t f2_a(std::int64_t a) { hit(2); return a + 7; }
std::int64_t f2_b(std::int64_t a) { hit(2); return a * 2; }
std::int64_t f2d_a(double a) { hit(2); return static_cast<std::int64_t>(a) + 7; }
std::int64_t f2d_b(double a) { hit(2); return static_cast<std::int64_t>(a) * 2; }
std::vector<std::int64_t> g3_a(std::int64_t b) {
    hit(3);
    return std::vector<std::int64_t>(static_cast<std::size_t>(b % 3), b);
}
std::vector<std::int64_t> g3_b(std::int64_t b) {
    hit(3);
    return std::vector<std::int64_t>(static_cast<std::size_t>(b % 2), b + 1);
}
std::vector<std::int64_t> sum_a(const std::vector<std::int64_t>& b) {
    hit(3);
    std::int64_t t = 0;
    for (auto v : b) t += v;
    return {t};
}
std::vector<std::int64_t> sum_b(const std::vector<std::int64_t>& b) {
    hit(3);
    std::int64_t t = 1;
    for (auto v : b) t += v;
    return {t, t};
}

// The LevelDB store, seen through the store interface, with the kills of
// the faults "commit" and "save".
class kill_store final : public dc::store {
public:
    kill_store(std::shared_ptr<dc::store> s, std::string fault, int step, long n)
        : s_(std::move(s)), fault_(std::move(fault)), step_(step), n_(n) {}

    std::optional<std::string> get(std::string_view k) const override { return s_->get(k); }
    void put(std::string_view k, std::string_view v) override { s_->put(k, v); }
    void del(std::string_view k) override { s_->del(k); }
    std::unique_ptr<dc::write_batch> batch() const override { return std::make_unique<seen_batch>(s_->batch()); }
    void write(dc::write_batch& b) override {
        auto& sb = static_cast<seen_batch&>(b);
        // 'D': a dataset version record (save); 'T' / 'X': UDF outputs and done marks.
        const bool version = sb.seen['D'], outputs = sb.seen['T'] || sb.seen['X'];
        if (fault_ == "save" && version && step_ == 0) ::raise(SIGKILL);
        s_->write(*sb.inner);
        if (fault_ == "save" && version && step_ == 1) ::raise(SIGKILL);
        if (fault_ == "commit" && outputs && ++commits_ == n_) ::raise(SIGKILL);
    }
    std::unique_ptr<dc::cursor> scan(std::string_view prefix) const override { return s_->scan(prefix); }
    const std::string& location() const override { return s_->location(); }
    void compact() override { s_->compact(); }

private:
    struct seen_batch final : dc::write_batch {
        explicit seen_batch(std::unique_ptr<dc::write_batch> b) : inner(std::move(b)) {}
        void put(std::string_view k, std::string_view v) override {
            if (!k.empty()) seen[static_cast<unsigned char>(k[0])] = true;
            inner->put(k, v);
        }
        void del(std::string_view k) override { inner->del(k); }
        std::size_t bytes() const override { return inner->bytes(); }
        void clear() override {
            seen.fill(false);
            inner->clear();
        }
        std::unique_ptr<dc::write_batch> inner;
        std::array<bool, 256> seen{};
    };
    std::shared_ptr<dc::store> s_;
    std::string fault_;
    int step_;
    long n_;
    std::atomic<long> commits_{0};
};

template <class F>
F pick(std::uint32_t v, F a, F b) {
    return v == 3 ? b : a;
}

std::vector<std::int64_t> iota(std::int64_t n, std::int64_t mod = 0) {
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < n; ++i) v.push_back(mod ? i % mod : i);
    return v;
}

std::vector<std::int64_t> source_values(int src, std::int64_t n) {
    auto v = iota(n);
    switch (src) {
    case 1: v.insert(v.end(), {200, 201, 202}); break;
    case 2: std::erase_if(v, [](std::int64_t x) { return x % 10 == 0; }); break;
    case 3: std::reverse(v.begin(), v.end()); break;
    case 4: v[5] = 777; v[60] = 888; break;
    default: break;
    }
    return v;
}

std::vector<std::int64_t> mod_of(const std::vector<std::int64_t>& v, std::int64_t m) {
    std::vector<std::int64_t> out;
    for (auto x : v) out.push_back(x % m);
    return out;
}

template <class T>
std::string text(const T& v) {
    std::ostringstream o;
    o.precision(17);
    o << v;
    return o.str();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 13) {
        std::fprintf(stderr, "usage: model_program STORE SHAPE V1 V2 V3 K FAULT STEP N PARALLEL OUT SRC\n");
        return 2;
    }
    const std::string store = argv[1];
    const int shape = std::atoi(argv[2]);
    const auto v1 = static_cast<std::uint32_t>(std::atoi(argv[3]));
    const auto v2 = static_cast<std::uint32_t>(std::atoi(argv[4]));
    const auto v3 = static_cast<std::uint32_t>(std::atoi(argv[5]));
    const std::int64_t k = std::atoll(argv[6]);
    fault = argv[7];
    fault_step = std::atoi(argv[8]);
    fault_n = std::atol(argv[9]);
    const auto parallel = static_cast<unsigned>(std::atoi(argv[10]));
    const std::string out = argv[11];
    const int src = std::atoi(argv[12]);

    // The job name (the lineage): "model", or DATACHAIN_JOB_NAME (the CLI
    // test, tests/tools/cli_runs.cmake, runs two lineages on one store).
    const char* job = std::getenv("DATACHAIN_JOB_NAME");
    dc::settings cfg{.root = store, .job_name = job && *job ? job : "model", .parallel = parallel, .batch_size = 16,
                     .progress = false, .report = false};
    std::ostringstream rows;
    std::string version;
    try {
        // The faults outside UDF calls watch the store's writes.
        std::shared_ptr<dc::detail::store_handle> handle;
        if (fault == "commit" || fault == "save")
            handle = dc::detail::register_store(
                store, std::make_shared<kill_store>(dc::open_leveldb_store(store), fault, fault_step, fault_n));
        dc::session s{cfg};
        const auto xs = source_values(src, 120);
        if (shape == 0) {
            auto p = dc::read_values<"x">(xs) | dc::map<"a">(dc::versioned("f1", v1, pick(v1, &f1_a, &f1_b))) |
                     dc::filter(dc::C<"a"> > k) |
                     dc::map<"b">(dc::versioned("f2", v2, pick(v2, &f2_a, &f2_b)), dc::params<"a">) |
                     dc::gen<"c">(dc::versioned("g3", v3, pick(v3, &g3_a, &g3_b)), dc::params<"b">) | dc::save("out");
            auto ds = p.run(s);
            version = ds.version();
            for (auto& r : ds) rows << r.get<"c">() << "\n";
        } else if (shape == 1) {
            auto p = dc::read_values<"x">(xs) |
                     dc::map<"a">(dc::versioned("f1", v1, pick(v1, &f1d_a, &f1d_b))) |
                     dc::filter(dc::C<"a"> > static_cast<double>(k)) |
                     dc::map<"b">(dc::versioned("f2", v2, pick(v2, &f2d_a, &f2d_b))) |
                     dc::gen<"c">(dc::versioned("g3", v3, pick(v3, &g3_a, &g3_b)), dc::params<"b">) | dc::save("out");
            auto ds = p.run(s);
            version = ds.version();
            for (auto& r : ds) rows << r.get<"c">() << "\n";
        } else {
            auto p = dc::read_values<"x", "k">(xs, mod_of(xs, 7)) |
                     dc::map<"a">(dc::versioned("f1", v1, pick(v1, &f1_a, &f1_b)), dc::params<"x">) |
                     dc::filter(dc::C<"a"> > k) |
                     dc::map<"b">(dc::versioned("f2", v2, pick(v2, &f2_a, &f2_b)), dc::params<"a">) |
                     dc::agg<"s">(dc::versioned("sum", v3, pick(v3, &sum_a, &sum_b)), dc::partition_by<"k">,
                                  dc::params<"b">) |
                     dc::save("out");
            auto ds = p.run(s);
            version = ds.version();
            for (auto& r : ds) rows << r.get<"k">() << " " << r.get<"s">() << "\n";
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "model_program: %s\n", e.what());
        std::ofstream o(out, std::ios::trunc);
        o << "failed\ncalls " << calls[1] << " " << calls[2] << " " << calls[3] << "\n" << e.what() << "\n";
        return 1;
    }
    const std::string tmp = out + ".tmp";
    {
        std::ofstream o(tmp, std::ios::trunc);
        o << "version " << version << "\ncalls " << calls[1] << " " << calls[2] << " " << calls[3] << "\n" << rows.str();
        if (!o.good()) return 3;
    }
    return std::rename(tmp.c_str(), out.c_str()) == 0 ? 0 : 3;
}
