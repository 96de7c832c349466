// The stage of agg (steps/agg.hpp): the UDF sees each partition's rows;
// output = keys + outputs. Partitions come in the order of their first row;
// each partition's outputs commit atomically with its done mark, and a
// resumed run skips finished partitions. Inputs larger than
// settings::spill_bytes are sorted by (partition number, position) through a
// temporary file of sorted runs (external_sort.hpp) and read back a chunk of
// partitions at a time, so memory stays flat but for one entry per partition
// key (its codec bytes and number), and a report line says so (rows,
// partitions, bytes, runs); partitions, their numbers, done marks and outputs
// are the same either way. Without partition_by the whole input is one
// partition, held whole for the UDF anyway: it is neither sorted nor spilled.
#pragma once

#include <datachain/runtime/external_sort.hpp>
#include <datachain/runtime/stages/grouped.hpp>
#include <datachain/steps/agg.hpp>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
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
    // The partitions in memory: all of them, or (spilled) the current chunk,
    // whose first partition is number `window_base`.
    std::vector<row_tuple<In>> rows;
    std::vector<std::vector<std::size_t>> parts;
    std::vector<key_tuple> keys;
    std::size_t window_base = 0;
    std::size_t total_parts = 0;
    std::size_t next_part = 0;
    bool loaded = false;
    // Past settings::spill_bytes of input: the rows sorted by (partition
    // number, position) through a spill file (external_sort.hpp). Partition
    // numbers are given in order of first appearance (`numbers`: one entry
    // per partition key); `ahead` is the first row of the next partition.
    std::optional<sorted_rows<row_tuple<In>>> spilled;
    std::unordered_map<std::string, std::uint64_t> numbers;
    std::vector<row_tuple<In>> ahead;
    std::vector<std::uint64_t> ahead_part;  // the partition number of each row of `ahead`
    std::size_t ahead_at = 0;

    agg_stage(const Step& s, const step_context& c, hash128 partial)
        : grouped_stage<Out>(c, s.describe(), partial), st(s) {
        this->done_unit_ = "partitions";
        this->progress_unit_ = "partitions";
    }

    // "partition 5 (key 'a', 3)" for failure messages.
    std::string where(std::uint64_t p) const override {
        std::string t = "partition " + std::to_string(p);
        if (p < window_base || p - window_base >= keys.size()) return t;
        const char* sep = " (key ";
        std::apply([&](const auto&... k) { ((t += sep, t += key_text(k), sep = ", "), ...); }, keys[p - window_base]);
        return t + ")";
    }
    template <class K>
    static std::string key_text(const K& k) {
        if constexpr (std::is_convertible_v<const K&, std::string_view>) return "'" + std::string(std::string_view(k)) + "'";
        else if constexpr (std::is_same_v<K, bool>) return k ? "true" : "false";
        else if constexpr (std::is_arithmetic_v<K>) return std::to_string(k);
        else return "...";
    }

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->load_marks();
        if (this->memo().reads()) this->memo().index_marked();
        this->start(std::nullopt);
    }

    template <fixed_string... P>
    static key_tuple key_of(const row_tuple<In>& r, partition_by_t<P...>) {
        return key_tuple{lookup<In, P>::get(r)...};
    }
    std::uint64_t number_of(const row_tuple<In>& r) {
        std::string kb;
        encode(kb, key_of(r, typename Step::partition{}));
        return numbers.try_emplace(std::move(kb), numbers.size()).first->second;
    }
    void add_spilled(row_tuple<In>&& r) {
        unsigned char k[8];
        store_be(k, number_of(r));
        spilled->add(std::string_view(reinterpret_cast<const char*>(k), 8), std::move(r));
    }

    // The next rows of the input. The steps before it producing them: not
    // this step's time (work_clock.hpp).
    bool pull(std::vector<row_tuple<In>>& buf) {
        work_clock::waiting input(this->work());
        return up->next(buf, 4096);
    }

    // All input rows, grouped by partition key in order of first appearance;
    // past settings::spill_bytes, through a spill file. Without partition_by:
    // one partition of every row, in input order, in memory.
    void load() {
        if constexpr (std::tuple_size_v<key_tuple> == 0) {
            std::vector<row_tuple<In>> buf;
            while (pull(buf)) std::move(buf.begin(), buf.end(), std::back_inserter(rows));
            loaded = true;
            if (!rows.empty()) {
                parts.emplace_back(rows.size());
                for (std::size_t i = 0; i < rows.size(); ++i) parts[0][i] = i;
                keys.emplace_back();
            }
            total_parts = parts.size();
            this->set_total(total_parts);
            return;
        }
        std::vector<row_tuple<In>> buf;
        std::string enc;
        std::size_t held = 0;
        const std::size_t limit = this->ctx_.a.config().spill_bytes;
        while (pull(buf))
            for (auto& r : buf) {
                if (spilled) {
                    add_spilled(std::move(r));
                    continue;
                }
                enc.clear();
                encode(enc, r);
                held += sizeof(row_tuple<In>) + enc.size();  // roughly its size in memory
                rows.push_back(std::move(r));
                if (held > limit) {
                    spilled.emplace(this->ctx_.a.db().location(), limit);
                    spilled->spill_now();  // rows go to the run buffer, encoded once
                    for (auto& h : rows) add_spilled(std::move(h));
                    std::vector<row_tuple<In>>().swap(rows);
                }
            }
        loaded = true;
        if (spilled) {
            spilled->finish();
            total_parts = numbers.size();
            this->ctx_.a.log().spilled(this->step(), spilled->size(), spilled->file_bytes(), spilled->runs(),
                                       total_parts);
            this->set_total(total_parts);
            return;
        }
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
        total_parts = parts.size();
        this->set_total(total_parts);
    }

    // Reads partitions base..base+count-1 from the sorted rows into the
    // window (also those of partitions done earlier: a continued step checks
    // their ids against its done marks, udf_stage.hpp).
    void load_window(std::size_t base, std::size_t count) {
        rows.clear();
        parts.assign(count, {});
        keys.assign(count, key_tuple{});
        window_base = base;
        std::vector<char> seen(count, 0);
        while (true) {
            if (ahead_at == ahead.size()) {
                ahead_at = 0;
                if (!spilled->next(ahead, 4096, &ahead_part)) break;
            }
            auto& r = ahead[ahead_at];
            const std::size_t p = ahead_part[ahead_at];  // the sort key is the partition number
            if (p >= base + count) break;
            const std::size_t k = p - base;
            if (!seen[k]) {
                keys[k] = key_of(r, typename Step::partition{});
                seen[k] = 1;
            }
            parts[k].push_back(rows.size());  // also a partition done earlier: its id is checked
            rows.push_back(std::move(r));
            ++ahead_at;
        }
    }

    std::vector<row_tuple<Out>> run_partition(std::size_t p) {
        // The argument vectors live until the outputs are read: a coroutine
        // UDF keeps references to them.
        const auto& part = parts[p - window_base];
        auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto gather = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                std::vector<typename bind::template value_t<J>> v;
                v.reserve(part.size());
                for (auto i : part) v.push_back(bind::template one<J>::get(rows[i]));
                return v;
            };
            return std::make_tuple(gather(std::integral_constant<std::size_t, I>{})...);
        }(std::make_index_sequence<bind::arity>{});
        std::vector<row_tuple<Out>> out;
        auto&& seq = std::apply([&](auto&... a) { return st.udf.fn(a...); }, args);
        for (auto&& e : seq)
            out.push_back(std::tuple_cat(keys[p - window_base], as_tuple<Step::outputs::size>(std::move(e))));
        return out;
    }

    // The input id of partition p (memo.hpp): its key, its row count, and
    // the bound values of its rows in order.
    hash128 partition_id(std::size_t p) const {
        const auto& part = parts[p - window_base];
        std::string buf;
        encode(buf, keys[p - window_base]);
        encode(buf, static_cast<std::uint64_t>(part.size()));
        for (auto i : part) encode_bound<bind>(buf, rows[i]);
        return xxh3_128(buf);
    }

    bool produce() override {
        if (!loaded) load();
        if (next_part >= total_parts) {
            spilled.reset();  // frees the spill file
            return false;
        }
        std::size_t chunk =
            std::min<std::size_t>(total_parts - next_part, std::max<unsigned>(this->ctx_.threads, 1) * 4);
        const std::size_t base = next_part;
        if (spilled) load_window(base, chunk);
        call_base = base;
        this->run_groups(base, chunk);
        next_part += chunk;
        return true;
    }

private:
    std::size_t call_base = 0;  // the first partition of the current run_groups
    std::vector<row_tuple<Out>> compute(std::size_t k) override { return run_partition(call_base + k); }
    std::string row_of(std::size_t k) override {
        return row_path<In>(rows[parts[call_base + k - window_base].front()]);
    }
    hash128 group_id(std::size_t k) override { return partition_id(call_base + k); }
};

} // namespace detail::exec

template <class U, class B, class Part, fixed_string... O, class In, class Up>
auto make_stage(const agg_step<U, B, Part, O...>& st, std::type_identity<In>, Up&& up, const detail::exec::step_context& c) {
    return detail::exec::build_udf_stage<detail::exec::agg_stage, In>(st, std::forward<Up>(up), c);
}

} // namespace datachain
