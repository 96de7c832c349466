// Definitions for progress.hpp (compiled once with DATACHAIN_SEPARATE_COMPILATION,
// else inline: runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

// "3.5s", "2m05s", "1h02m".
DATACHAIN_INLINE std::string duration_text(double s) {
    char b[32];
    if (s < 0) s = 0;
    if (s < 60) std::snprintf(b, sizeof b, "%.1fs", s);
    else if (s < 3600) std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    else std::snprintf(b, sizeof b, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
    return b;
}

// The progress line of `v` in at most `width` columns (ASCII only, so bytes
// are columns; 0 = no limit and no bar: a plain line for a log). Fields are dropped from the least useful (the
// bar, then the earlier run, ETA, elapsed, rate) and the step's name is cut
// in the middle before the counts are.
DATACHAIN_INLINE std::string progress_text(const progress_view& v, std::size_t width) {
    const double rate = v.seconds > 0 ? static_cast<double>(v.computed) / v.seconds : 0.0;
    std::string counts = std::to_string(v.done);
    if (v.total) counts += "/" + std::to_string(*v.total);
    counts += " " + v.unit;
    double frac = -1;
    if (v.total && *v.total > 0) {
        frac = std::min(1.0, static_cast<double>(v.done) / static_cast<double>(*v.total));
        counts += " " + std::to_string(static_cast<int>(frac * 100)) + "%";
    } else if (v.total) {
        frac = 1.0;
    }
    char b[64];
    std::vector<std::string> extra;  // in the order shown, dropped from the back
    std::snprintf(b, sizeof b, "%.0f %s/s", rate, v.unit.c_str());
    extra.emplace_back(b);
    extra.push_back(duration_text(v.seconds));
    if (v.total && rate > 0 && *v.total > v.done)
        extra.push_back("ETA " + duration_text(static_cast<double>(*v.total - v.done) / rate));
    if (v.earlier) extra.push_back(std::to_string(v.earlier) + " done by an earlier run");

    auto join = [&](std::size_t n, std::size_t bar) {
        std::string s = counts;
        if (bar >= 3) {
            std::size_t inner = bar - 2, full = static_cast<std::size_t>(frac * static_cast<double>(inner));
            s += " [" + std::string(full, '#') + std::string(inner - full, '.') + "]";
        }
        for (std::size_t i = 0; i < n; ++i) s += ", " + extra[i];
        return s;
    };
    std::string head = v.step + ": ";
    if (width == 0) return head + join(extra.size(), 0);
    const std::size_t limit = width > 1 ? width - 1 : 1;  // never the last column: no wrap
    // The most extras that fit beside the full name (or beside a name cut to 16).
    std::size_t n = extra.size();
    while (n > 0 && std::min<std::size_t>(head.size(), 18) + join(n, 0).size() > limit) --n;
    std::string tail = join(n, 0);
    if (frac >= 0 && head.size() + tail.size() + 1 + 12 <= limit) {
        std::size_t bar = std::min<std::size_t>(32, limit - head.size() - tail.size() - 1);
        tail = join(n, bar);
    }
    if (head.size() + tail.size() > limit) {  // cut the name in the middle
        std::size_t room = limit > tail.size() + 2 ? limit - tail.size() - 2 : 0;
        std::string name = v.step;
        if (room < 5) name = name.substr(0, room);
        else if (name.size() > room) name = name.substr(0, (room - 3) / 2 + (room - 3) % 2) + "..." +
                                            name.substr(name.size() - (room - 3) / 2);
        head = name + ": ";
    }
    std::string s = head + tail;
    if (s.size() > limit) s.resize(limit);
    return s;
}

// The summary line of a UDF step.
DATACHAIN_INLINE std::string progress_summary(const progress_view& v, std::uint64_t reused,
                                              const std::string& reused_from, bool failed) {
    char b[96];
    const double rate = v.seconds > 0 ? static_cast<double>(v.computed) / v.seconds : 0.0;
    const std::string one = v.unit.ends_with('s') ? v.unit.substr(0, v.unit.size() - 1) : v.unit;
    std::string s = v.step + (failed ? ": failed after " : ": ") + std::to_string(v.computed) + " " + (v.computed == 1 ? one : v.unit) +
                    " computed, " + std::to_string(reused) + " reused " +
                    (reused_from.empty() ? "from an earlier run" : "(" + reused_from + ")");
    std::snprintf(b, sizeof b, ", %.2fs (%.0f %s/s)", v.seconds, rate, v.unit.c_str());
    return s + b;
}

DATACHAIN_INLINE progress_ticker::~progress_ticker() {
    std::unique_lock l(m_);
    items_.clear();
    if (stop_) *stop_ = true;
    cv_.notify_all();
    l.unlock();
    if (thread_.joinable()) thread_.join();
}

DATACHAIN_INLINE void progress::poll(clock::time_point t, bool lines) {
    std::lock_guard l(poll_m_);
    if (status_ && status_kept_ != kept() && t - last_status_ >= status_every) {
        status_kept_ = kept();
        status_->rows(step_, total_, earlier_, *status_kept_, unit());
        last_status_ = t;
    }
    if (plain_ && lines && t - last_plain_ >= cfg_.progress_every) {
        last_plain_ = t;
        emit_line(cfg_, {output_line::kind::progress, progress_text(view(t), 0), false});
    }
}

DATACHAIN_INLINE void progress::status_now() {
    std::lock_guard l(poll_m_);
    if (!status_ || status_kept_ == kept()) return;
    const auto t = now();
    if (status_kept_ && t - last_status_ < status_every) return;  // the ticker writes it
    status_kept_ = kept();
    status_->rows(step_, total_, earlier_, *status_kept_, unit());
    last_status_ = t;
}

DATACHAIN_INLINE void progress::finish() {
    if (finished_) return;
    finished_ = true;
    if (ticked_) progress_ticker::get().remove(this);
    if (status_) {
        std::lock_guard l(poll_m_);
        status_->rows(step_, total_, earlier_, kept(), unit());
    }
    if (!on_ || kind_ != progress_kind::udf) return;
    auto v = view();
    std::string line = progress_summary(v, reused_, reused_from_, failed_);
    if (tty_) {  // fit the terminal: drop the rate, then cut the name
        const std::size_t w = terminal_width(), prefix = 11;  // "datachain: "
        if (line.size() + prefix >= w) line = line.substr(0, line.rfind(" ("));
        if (line.size() + prefix >= w && w > prefix + 40) {
            std::size_t cut = line.size() + prefix - (w - 1) + 3;
            if (cut + 8 < v.step.size()) line = v.step.substr(0, v.step.size() - cut) + "..." + line.substr(v.step.size());
        }
    }
    emit_line(cfg_, {output_line::kind::progress, line, true});
}

DATACHAIN_INLINE progress_view progress::view(clock::time_point t) const {
    progress_view v;
    v.step = step_;
    v.unit = unit();
    v.computed = computed_ + pending_;
    v.done = v.computed + reused_;
    v.total = total_;
    v.earlier = earlier_;
    v.seconds = seconds(t);
    return v;
}

DATACHAIN_INLINE void progress_ticker::add(progress* p) {
    std::lock_guard l(m_);
    items_.push_back(p);
    // Drawn once now, so that every piece of work shows (however short).
    if (p->on_terminal()) status_line::get().draw(progress_text(p->view(), terminal_width()));
    if (!thread_.joinable()) {
        stop_ = std::make_shared<bool>(false);
        thread_ = std::thread([this, s = stop_] { run(s); });
    }
}

DATACHAIN_INLINE void progress_ticker::remove(progress* p) {
    std::unique_lock l(m_);
    items_.erase(std::remove(items_.begin(), items_.end(), p), items_.end());
    if (!items_.empty() || !thread_.joinable()) return;
    *stop_ = true;
    cv_.notify_all();
    std::thread t = std::move(thread_);
    l.unlock();
    t.join();  // it clears the line on its way out
}

DATACHAIN_INLINE progress* progress_ticker::shown() const {
    progress* phase = nullptr;
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
        if (!(*it)->on_terminal()) continue;
        if ((*it)->kind() == progress_kind::udf) return *it;
        if (!phase) phase = *it;
    }
    return phase;
}

DATACHAIN_INLINE void progress_ticker::run(const std::shared_ptr<bool>& stop) {
    std::unique_lock l(m_);
    while (!*stop) {
        // Under the lock: remove() cannot return while an item is in use.
        const bool udf = std::any_of(items_.begin(), items_.end(),
                                     [](const progress* p) { return p->kind() == progress_kind::udf; });
        for (auto* p : items_) p->poll(p->now(), !udf || p->kind() == progress_kind::udf);
        if (auto* p = items_.empty() ? nullptr : shown())
            status_line::get().draw(progress_text(p->view(), terminal_width()));
        cv_.wait_for(l, every);
    }
    status_line::get().clear();
}

} // namespace datachain::detail
