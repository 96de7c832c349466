// The stage of agg (steps/agg.hpp): the UDF sees each partition's rows;
// output = keys + outputs. Partitions come in the order of their first row;
// each partition's outputs commit atomically with its done mark, and a
// resumed run skips finished partitions. Inputs larger than
// settings::spill_bytes go through a temporary table of the store (grouped
// there by key) and are read back a chunk of partitions at a time, so memory
// stays flat; partitions, their numbers and outputs are the same either way.
#pragma once

#include <datachain/runtime/sort_key.hpp>
#include <datachain/runtime/spill.hpp>
#include <datachain/runtime/stages/grouped.hpp>
#include <datachain/steps/agg.hpp>

#include <algorithm>
#include <memory>
#include <optional>
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
    // The partitions in memory: all of them, or (spilled) the current chunk,
    // whose first partition is number `window_base`.
    std::vector<row_tuple<In>> rows;
    std::vector<std::vector<std::size_t>> parts;
    std::vector<key_tuple> keys;
    std::size_t window_base = 0;
    std::size_t total_parts = 0;
    std::size_t next_part = 0;
    bool loaded = false;
    // Past settings::spill_bytes of input: rows under 'r' + escaped key +
    // be64(position), partitions under 'i' + be64(position of first row) ->
    // the key's codec bytes (spill.hpp). `index` walks the 'i' rows.
    std::optional<spill_table> spill;
    std::unique_ptr<cursor> index;

    agg_stage(const Step& s, const step_context& c, hash128 partial)
        : grouped_stage<Out>(c, s.describe(), partial), st(s) {
        this->done_unit_ = "partitions";
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
        if (this->memo().reads()) this->index_marked_tables();
        this->start(std::nullopt);
    }

    template <fixed_string... P>
    static key_tuple key_of(const row_tuple<In>& r, partition_by_t<P...>) {
        return key_tuple{lookup<In, P>::get(r)...};
    }
    // Prefix-free form of a key's codec bytes (so rows of one partition are
    // contiguous and ordered by position under it).
    static std::string group_of(std::string_view key_bytes) {
        std::string g;
        sort_key_append(g, key_bytes, false);
        return g;
    }

    // All input rows, grouped by partition key in order of first appearance;
    // past settings::spill_bytes, through the store.
    void load() {
        std::vector<row_tuple<In>> buf;
        std::string enc;
        std::size_t held = 0;
        std::uint64_t seq = 0;
        const std::size_t limit = this->ctx_.a.config().spill_bytes;
        while (up->next(buf, 4096))
            for (auto& r : buf) {
                enc.clear();
                encode(enc, r);
                if (!spill) {
                    held += sizeof(row_tuple<In>) + enc.size();  // roughly its in-memory size
                    rows.push_back(std::move(r));
                    if (held > limit) spill_held();
                } else {
                    put_row(enc, r, seq);
                }
                ++seq;
            }
        loaded = true;
        if (spill) {
            spill->flush();
            index_partitions();
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

    void put_row(const std::string& enc, const row_tuple<In>& r, std::uint64_t seq) {
        std::string kb;
        encode(kb, key_of(r, typename Step::partition{}));
        std::string k = "r" + group_of(kb);
        append_be(k, seq);
        spill->put(k, enc);
    }
    void spill_held() {
        spill.emplace(this->ctx_.a.db(), this->ctx_.a.new_table());
        std::string enc;
        for (std::uint64_t i = 0; i < rows.size(); ++i) {
            enc.clear();
            encode(enc, rows[i]);
            put_row(enc, rows[i], i);
        }
        std::vector<row_tuple<In>>().swap(rows);
    }
    // One 'i' row per partition, keyed by the position of its first row: read
    // in key order, they give the partitions in order of first appearance.
    void index_partitions() {
        const std::size_t skip = spill->prefix_size() + 1;
        std::string last;
        for (auto c = spill->scan("r"); c->valid(); c->next()) {
            auto k = c->key().substr(skip);
            auto g = k.substr(0, k.size() - 8);
            if (total_parts > 0 && g == last) continue;
            last.assign(g);
            // The key's codec bytes are in the row: decode the first row's key.
            std::string kb;
            encode(kb, key_of(decode<row_tuple<In>>(c->value()), typename Step::partition{}));
            std::string ik = "i";
            ik.append(k.substr(k.size() - 8));
            spill->put(ik, kb);
            ++total_parts;
        }
        spill->flush();
        index = spill->scan("i");
    }
    // Reads partitions base..base+count-1 from the store into the window
    // (rows of partitions done earlier are not read) and deletes them there.
    void load_window(std::size_t base, std::size_t count) {
        rows.clear();
        parts.assign(count, {});
        keys.clear();
        window_base = base;
        for (std::size_t k = 0; k < count; ++k, index->next()) {
            keys.push_back(decode<key_tuple>(index->value()));
            const std::string group = "r" + group_of(index->value());
            spill->erase(index->key());
            if (this->is_done(base + k)) continue;
            for (auto c = spill->scan(group); c->valid(); c->next()) {
                parts[k].push_back(rows.size());
                rows.push_back(decode<row_tuple<In>>(c->value()));
                spill->erase(c->key());
            }
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
        }(std::make_index_sequence<bind::args::size>{});
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
            if (spill) spill->drop();
            return false;
        }
        std::size_t chunk =
            std::min<std::size_t>(total_parts - next_part, std::max<unsigned>(this->ctx_.threads, 1) * 4);
        std::size_t base = next_part;
        if (spill) load_window(base, chunk);
        this->run_groups(
            base, chunk, [&](std::size_t k) { return run_partition(base + k); },
            [&](std::size_t k) { return row_path<In>(rows[parts[base + k - window_base].front()]); },
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
