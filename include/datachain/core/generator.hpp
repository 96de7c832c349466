// generator<T>: a minimal coroutine generator for gen / agg UDFs.
//
//   DC_DEF(parts, (const dc::File& f) -> dc::generator<std::string> {
//       for (auto& p : split(f.path, '/')) co_yield p;
//   });
//
// An input range (begin()/end()); single pass; not thread-safe; the UDF's
// exceptions are rethrown from begin() / operator++.
#pragma once

#include <coroutine>
#include <exception>
#include <iterator>
#include <optional>
#include <utility>

namespace datachain {

template <class T>
class generator {
public:
    struct promise_type {
        std::optional<T> current;
        std::exception_ptr error;

        generator get_return_object() { return generator{handle::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        template <class U>
        std::suspend_always yield_value(U&& v) {
            current.emplace(std::forward<U>(v));
            return {};
        }
        void return_void() noexcept {}
        void unhandled_exception() { error = std::current_exception(); }
    };
    using handle = std::coroutine_handle<promise_type>;

    struct sentinel {};
    class iterator {
    public:
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(handle h) : h_(h) {}
        T& operator*() const { return *h_.promise().current; }
        iterator& operator++() {
            advance(h_);
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, sentinel) { return !it.h_ || it.h_.done(); }

    private:
        handle h_{};
    };

    generator(generator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    generator& operator=(generator&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~generator() {
        if (h_) h_.destroy();
    }

    iterator begin() {
        advance(h_);
        return iterator{h_};
    }
    sentinel end() const noexcept { return {}; }

private:
    explicit generator(handle h) : h_(h) {}
    static void advance(handle h) {
        h.promise().current.reset();
        h.resume();
        if (h.promise().error) std::rethrow_exception(std::exchange(h.promise().error, {}));
    }
    handle h_;
};

} // namespace datachain
