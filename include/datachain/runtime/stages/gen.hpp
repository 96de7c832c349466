// The stage of gen (steps/gen.hpp): zero or more output rows per input;
// output = the generated columns. All outputs of one input and its done mark
// commit together; an input that yields nothing is marked done too.
#pragma once

#include <datachain/runtime/stages/grouped.hpp>
#include <datachain/steps/gen.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace datachain {
namespace detail::exec {

template <class In, class Step>
struct gen_stage final : grouped_stage<typename Step::template apply<In>::type> {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    Step st;
    stream_ptr<In> up;
    std::uint64_t ord = 0;
    std::vector<row_tuple<In>> in;

    gen_stage(const Step& s, const step_context& c, hash128 partial)
        : grouped_stage<Out>(c, s.describe(), partial), st(s) {
        this->progress_unit_ = "inputs";  // one input gives any number of rows
    }

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->load_marks();
        if (this->memo().reads()) this->memo().index_marked();
        this->start(up->size_hint);
    }

    bool produce() override {
        bool more = false;
        {
            work_clock::waiting input(this->work());  // the steps before it produce the batch
            more = up->next(in, this->ctx_.batch);
        }
        if (!more) return false;
        this->run_groups(ord, in.size());
        ord += in.size();
        return true;
    }

private:
    std::vector<row_tuple<Out>> compute(std::size_t k) override {
        std::vector<row_tuple<Out>> rows;
        auto&& seq = bind::call(st.udf.fn, in[k]);
        for (auto&& e : seq) rows.push_back(as_tuple<Step::outputs::size>(std::move(e)));
        return rows;
    }
    std::string row_of(std::size_t k) override { return row_path<In>(in[k]); }
    hash128 group_id(std::size_t k) override { return row_input_id<bind>(in[k]); }
};

} // namespace detail::exec

template <class U, class B, fixed_string... O, class In, class Up>
auto make_stage(const gen_step<U, B, O...>& st, std::type_identity<In>, Up&& up, const detail::exec::step_context& c) {
    return detail::exec::build_udf_stage<detail::exec::gen_stage, In>(st, std::forward<Up>(up), c);
}

} // namespace datachain
