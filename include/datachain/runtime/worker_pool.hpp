// A fixed set of worker threads for one UDF step, and the first error of a
// batch computed on them.
//
//   worker_pool pool(4);                       // 3 threads + the caller
//   first_error err;
//   pool.run(n, err.stop, [&](std::size_t i) { try { work(i); } catch (...) { err.set(i); } });
//
// run(n, stop, f) calls f(i) for i in [0, n) on the workers and the calling
// thread, one index at a time in order, and returns when all are done.
// Threads start once per step, not once per batch. f must not throw. Stops
// handing out work once `stop` is set, and returns how many indexes were
// handed out: f ran for exactly [0, returned). Not reentrant: one run() at a
// time.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace datachain::detail::exec {

class worker_pool {
public:
    explicit worker_pool(unsigned threads) {
        for (unsigned t = 1; t < threads; ++t) workers_.emplace_back([this] { loop(); });
    }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    ~worker_pool() {
        {
            std::lock_guard l(m_);
            quit_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
    }

    template <class F>
    std::size_t run(std::size_t n, const std::atomic<bool>& stop, F&& f) {
        if (workers_.empty() || n < 2) {
            std::size_t i = 0;
            for (; i < n && !stop.load(std::memory_order_relaxed); ++i) f(i);
            return i;
        }
        {
            std::lock_guard l(m_);
            n_ = n;
            next_.store(0, std::memory_order_relaxed);
            stop_ = &stop;
            ctx_ = &f;
            call_ = [](void* c, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(c))(i); };
            busy_ = static_cast<unsigned>(workers_.size());
            ++generation_;
        }
        wake_.notify_all();
        work();
        std::unique_lock l(m_);
        idle_.wait(l, [&] { return busy_ == 0; });
        return std::min(n, next_.load(std::memory_order_relaxed));
    }

private:
    void work() {
        for (;;) {
            if (stop_->load(std::memory_order_relaxed)) return;
            std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
            if (i >= n_) return;
            call_(ctx_, i);
        }
    }
    void loop() {
        std::uint64_t seen = 0;
        std::unique_lock l(m_);
        for (;;) {
            wake_.wait(l, [&] { return quit_ || generation_ != seen; });
            if (quit_) return;
            seen = generation_;
            l.unlock();
            work();
            l.lock();
            if (--busy_ == 0) idle_.notify_one();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex m_;
    std::condition_variable wake_, idle_;
    std::uint64_t generation_ = 0;
    unsigned busy_ = 0;
    bool quit_ = false;
    std::size_t n_ = 0;
    std::atomic<std::size_t> next_{0};
    const std::atomic<bool>* stop_ = nullptr;
    void* ctx_ = nullptr;
    void (*call_)(void*, std::size_t) = nullptr;
};

struct first_error {
    std::atomic<bool> stop{false};
    std::mutex m;
    std::exception_ptr ep;
    std::size_t at = ~std::size_t{0};
    void set(std::size_t k) {
        std::lock_guard l(m);
        if (k < at) {
            at = k;
            ep = std::current_exception();
        }
        stop.store(true, std::memory_order_relaxed);
    }
};

} // namespace datachain::detail::exec
