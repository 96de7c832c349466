// The stage of agg (steps/agg.hpp): the UDF sees each partition's rows;
// output = keys + outputs. Partitions come in the order of their first row;
// each partition's outputs commit atomically with its done mark, and a
// resumed run skips finished partitions.
#pragma once

#include <datachain/runtime/stages/grouped.hpp>
#include <datachain/steps/agg.hpp>

#include <algorithm>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace datachain {
namespace detail::exec {

template <class In, class Step>
struct agg_stage final : grouped_stage<typename Step::template apply<In>::type> {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    using keys_schema = typename Step::template apply<In>::keys;
    using key_tuple = row_tuple<keys_schema>;
    Step st;
    stream_ptr<In> up;
    std::vector<row_tuple<In>> rows;
    std::vector<std::vector<std::size_t>> parts;
    std::vector<key_tuple> keys;
    std::size_t next_part = 0;
    bool loaded = false;

    agg_stage(const Step& s, const step_context& c, hash128 partial)
        : grouped_stage<Out>(c, s.describe(), partial), st(s) {}

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->load_marks();
        if (this->memo().reads()) this->index_marked_tables();
        this->start(std::nullopt);
    }

    template <fixed_string... P>
    static key_tuple key_of(const row_tuple<In>& r, partition_by_t<P...>) {
        return key_tuple{lookup<In, P>::get(r)...};
    }

    // All input rows, grouped by partition key in order of first appearance.
    void load() {
        std::vector<row_tuple<In>> buf;
        while (up->next(buf, 4096))
            for (auto& r : buf) rows.push_back(std::move(r));
        std::unordered_map<std::string, std::size_t> index;
        std::string k;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            auto kt = key_of(rows[i], typename Step::partition{});
            k.clear();
            encode(k, kt);
            auto [it, fresh] = index.try_emplace(k, parts.size());
            if (fresh) {
                parts.emplace_back();
                keys.push_back(std::move(kt));
            }
            parts[it->second].push_back(i);
        }
        loaded = true;
        this->set_total(parts.size());
    }

    std::vector<row_tuple<Out>> run_partition(std::size_t p) {
        // The argument vectors live until the outputs are read: a coroutine
        // UDF keeps references to them.
        auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto gather = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                std::vector<typename bind::template value_t<J>> v;
                v.reserve(parts[p].size());
                for (auto i : parts[p]) v.push_back(bind::template one<J>::get(rows[i]));
                return v;
            };
            return std::make_tuple(gather(std::integral_constant<std::size_t, I>{})...);
        }(std::make_index_sequence<bind::args::size>{});
        std::vector<row_tuple<Out>> out;
        auto&& seq = std::apply([&](auto&... a) { return st.udf.fn(a...); }, args);
        for (auto&& e : seq) out.push_back(std::tuple_cat(keys[p], as_tuple<Step::outputs::size>(std::move(e))));
        return out;
    }

    // The input id of partition p (memo.hpp): its key, its row count, and
    // the bound values of its rows in order.
    hash128 partition_id(std::size_t p) const {
        std::string buf;
        encode(buf, keys[p]);
        encode(buf, static_cast<std::uint64_t>(parts[p].size()));
        for (auto i : parts[p]) encode_bound<bind>(buf, rows[i]);
        return xxh3_128(buf);
    }

    bool produce() override {
        if (!loaded) load();
        if (next_part >= parts.size()) return false;
        std::size_t chunk =
            std::min<std::size_t>(parts.size() - next_part, std::max<unsigned>(this->ctx_.threads, 1) * 4);
        std::size_t base = next_part;
        this->run_groups(
            base, chunk, [&](std::size_t k) { return run_partition(base + k); },
            [&](std::size_t k) { return row_path<In>(rows[parts[base + k].front()]); },
            [&](std::size_t k) { return partition_id(base + k); });
        next_part += chunk;
        return true;
    }
};

} // namespace detail::exec

template <class U, class B, class Part, fixed_string... O, class In, class Up>
auto make_stage(const agg_step<U, B, Part, O...>& st, std::type_identity<In>, Up&& up, const detail::exec::step_context& c) {
    return detail::exec::build_udf_stage<detail::exec::agg_stage, In>(st, std::forward<Up>(up), c);
}

} // namespace datachain
