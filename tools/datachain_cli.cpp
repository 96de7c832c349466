// datachain: look into a datachain-cpp store from the command line (CLI11).
//
//   datachain ls [NAME]                         datasets: versions, rows, bytes, created (UTC), job
//   datachain show NAME[@VERSION] [--limit N] [--columns A,B] [--schema]
//   datachain export NAME[@VERSION] --format csv|jsonl [-o FILE] [--columns A,B] [--limit N]
//   datachain jobs                              every job: status, duration, stored error
//   datachain events [JOB]                      the decisions of a job (default: the latest)
//   datachain explain NAME[@VERSION]            what changed in the chain since the previous run of its program
//   datachain verify [NAME[@VERSION]]           read versions in full, check row counts and content digests
//   datachain rm NAME@VERSION                   remove a version (its number is never reused)
//   datachain gc --older-than 4h                drop checkpoints of jobs finished longer ago, compact
//   datachain status                            what the program using the store is doing
//
// Everywhere: --root DIR (default $DATACHAIN_ROOT, then ./.datachain), --json
// (one JSON document on stdout), --help. Exit codes: 0 done, 1 an error (no
// store, no such dataset, version or job, a damaged store, a status file that
// is not one), 2 a usage error, 3 `status`: the last job crashed, 4 `status`:
// the last job failed (either status is printed as for any other state). A
// value the user gave is echoed in messages with its control characters
// escaped (detail::quoted_value), and so is data printed as text (esc: names,
// steps, reasons, file names, paths); --json prints data as it is, JSON-escaped.
//
// The tool only opens an existing store: it never creates one and never
// touches a directory that is not a store. It starts no job and holds the
// store's lock while it runs, so no program is running on the store then: a
// job still marked running is shown crashed, with the step whose UDF it was
// in. `status` reads only the status file the running program keeps in the
// store directory (status_file.hpp). A listing is complete or an error: `ls`
// lists a version whose rows cannot be read as damaged, then exits 1 naming it.
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/dynamic_dataset.hpp>
#include <datachain/runtime/export.hpp>
#include <datachain/runtime/gc.hpp>
#include <datachain/runtime/listing_record.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/status_file.hpp>
#include <datachain/runtime/text_format.hpp>

#include <CLI/CLI.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dc = datachain;

namespace {

// A failure the tool reports: message on stderr, exit code 1 or 2.
struct cli_error {
    int code;
    std::string msg;
};

// `datachain status`: the job the status file names crashed (its process is
// gone and it never finished), or failed (it ended with an error, which
// `datachain jobs` shows). Not errors of the tool: the status is printed
// (text or --json) as for any other state.
constexpr int exit_crashed = 3;
constexpr int exit_failed = 4;

// A value the user gave, quoted for a message, control characters escaped.
std::string q(std::string_view v) { return dc::detail::quoted_value(v); }
// Data from the store or the status file in human-facing text (a job's name,
// an event's step and reason, a chain's steps, the file names a change
// names, a status's step and unit): control characters escaped, so a name
// holding a newline or an escape sequence cannot forge a line or drive the
// terminal. --json prints the data as it is (JSON escapes it).
std::string esc(std::string_view v) { return dc::detail::escaped(v); }

std::string when(std::int64_t ns) {
    if (ns == 0) return "-";
    std::time_t t = static_cast<std::time_t>(ns / 1000000000);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::string fixed3(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}
std::string seconds_text(double s) { return fixed3(s) + "s"; }

std::string bytes_text(std::uint64_t b) {
    const char* unit[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1000 && u < 4) v /= 1000, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

// ---- output: a table with a header row, or JSON -------------------------------

// Columns a code point takes on a terminal: 0 for combining marks and
// zero-width characters, 2 for East Asian wide and fullwidth characters and
// emoji, else 1 (the common cases of wcwidth, without the locale).
int columns_of(char32_t c) {
    auto in = [c](char32_t a, char32_t b) { return c >= a && c <= b; };
    if (in(0x0300, 0x036F) || in(0x1AB0, 0x1AFF) || in(0x1DC0, 0x1DFF) || in(0x200B, 0x200F) ||
        in(0x20D0, 0x20FF) || in(0xFE00, 0xFE0F) || in(0xFE20, 0xFE2F) || in(0xE0100, 0xE01EF))
        return 0;
    if (in(0x1100, 0x115F) || in(0x2E80, 0x303E) || in(0x3041, 0x33FF) || in(0x3400, 0x4DBF) ||
        in(0x4E00, 0x9FFF) || in(0xA000, 0xA4CF) || in(0xAC00, 0xD7A3) || in(0xF900, 0xFAFF) ||
        in(0xFE30, 0xFE4F) || in(0xFF00, 0xFF60) || in(0xFFE0, 0xFFE6) || in(0x1F300, 0x1F64F) ||
        in(0x1F900, 0x1F9FF) || in(0x1FA70, 0x1FAFF) || in(0x20000, 0x3FFFD))
        return 2;
    return 1;
}

// Display width of UTF-8 text (cells are valid UTF-8: strings are escaped
// as in JSON): the columns of its code points, not its bytes.
std::size_t width(std::string_view s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        char32_t c = n == 1 ? b : b & (0x7F >> n);
        for (std::size_t k = 1; k < n && i + k < s.size(); ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        w += static_cast<std::size_t>(columns_of(c));
        i += n;
    }
    return w;
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) w[i] = width(header[i]);
    for (auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
    auto line = [&](const std::vector<std::string>& r) {
        std::string s;
        for (std::size_t i = 0; i < r.size(); ++i) {
            s += r[i];
            if (i + 1 < r.size()) s += std::string(w[i] - width(r[i]) + 2, ' ');
        }
        std::printf("%s\n", s.c_str());
    };
    line(header);
    for (auto& r : rows) line(r);
}

std::string js(std::string_view s) {
    std::string out;
    dc::detail::json_string(out, s);
    return out;
}

// A JSON object built field by field, in order.
struct jobj {
    std::string s = "{";
    jobj& raw(std::string_view k, const std::string& v) {
        if (s.size() > 1) s += ",";
        s += js(k) + ":" + v;
        return *this;
    }
    jobj& str(std::string_view k, std::string_view v) { return raw(k, js(v)); }
    jobj& num(std::string_view k, std::uint64_t v) { return raw(k, std::to_string(v)); }
    jobj& time(std::string_view k, std::int64_t ns) { return raw(k, ns ? js(when(ns)) : "null"); }
    std::string done() const { return s + "}"; }
};

void print_json_array(const std::vector<std::string>& items) {
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ",\n " : "") + items[i];
    std::printf("%s]\n", s.c_str());
}

// A cell of `show`: strings with control characters escaped, long text cut.
std::string cell(const dc::value& v, const dc::field_type& t) {
    std::string s;
    if (v.is_null()) return "null";
    if (v.is_string()) {
        s = js(v.as_string());
        s = s.substr(1, s.size() - 2);
    } else if (v.is_list() || v.is_record()) {
        dc::detail::json_value(s, v, t);
    } else {
        dc::detail::csv_value(s, v, t);
    }
    if (width(s) > 40) {
        std::size_t n = 0, i = 0;
        for (; i < s.size() && n < 39; ++i)
            if ((s[i] & 0xC0) != 0x80) ++n;
        while (i < s.size() && (s[i] & 0xC0) == 0x80) ++i;
        s = s.substr(0, i) + "\xe2\x80\xa6";  // …
    }
    return s;
}

// ---- the store ---------------------------------------------------------------

std::shared_ptr<dc::store> open_existing(const std::string& root) {
    // Never creates a store, and never touches a directory that is not one.
    std::shared_ptr<dc::store> db =
        dc::open_leveldb_store(root, {.create_if_missing = false, .root_hint = "--root DIR or DATACHAIN_ROOT"});
    if (!db->get(dc::detail::rec::format_key()))
        throw dc::error(dc::error_kind::store_format,
                        "datachain: " + q(root) +
                            " holds no datachain format record: it is not a datachain store; nothing was written "
                            "by datachain (LevelDB's own recovery may have compacted the database's log on opening "
                            "it)");
    dc::detail::check_format(*db);  // the record is there: only checks the version, writes nothing
    return db;
}

// NAME[@VERSION]
std::pair<std::string, std::string> name_version(const std::string& arg) {
    std::string name = arg, version;
    if (auto at = name.find('@'); at != std::string::npos) {
        version = name.substr(at + 1);
        name.resize(at);
        if (version.empty()) throw cli_error{2, q(arg) + ": nothing after '@'; write NAME@1.0.2 or NAME"};
        dc::session::parse_version(version);
    }
    dc::check_dataset_name(name);
    return {name, version};
}

dc::dataset_record find(const dc::store& db, const std::string& arg) {
    auto [name, version] = name_version(arg);
    auto r = dc::detail::find_version(db, name, version);
    if (r) return *r;
    if (!version.empty() && !dc::catalog::datasets(db, name).empty())
        throw cli_error{1, "no version " + version + " of dataset '" + name + "' in the store at " + q(db.location()) +
                               "; list its versions with 'datachain ls " + name + "'"};
    throw cli_error{1, "no dataset '" + name + "' in the store at " + q(db.location()) +
                           "; list the datasets with 'datachain ls'"};
}

// A few words for a damaged version in a table cell ("checksum mismatch").
std::string short_reason(const std::string& why) {
    for (const char* w : {"checksum mismatch", "bad block", "truncated", "missing", "No such file", "Permission denied",
                          "Too many open files", "IO error", "Corruption"})
        if (why.find(w) != std::string::npos) return w;
    return "unreadable";
}

std::uint64_t table_bytes(const dc::store& db, std::uint64_t table) {
    std::uint64_t n = 0;
    for (auto c = dc::detail::scan_table(db, table); c->valid(); c->next())  // through its segments: the version's size
        n += c->key().size() + c->value().size();
    return n;
}

// "30s", "15m", "4h", "7d", "3600" (seconds). nullopt, with the reason in
// `why`, for anything else: no sign, no fraction, no spaces, and at most
// what nanoseconds in 64 bits hold (about 292 years).
std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::string& why) {
    constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / 1000000000;
    std::size_t i = 0;
    std::int64_t n = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (n > (max_seconds - (text[i] - '0')) / 10) {
            why = "it is too large (at most " + std::to_string(max_seconds / 86400) + "d)";
            return std::nullopt;
        }
        n = n * 10 + (text[i] - '0');
    }
    if (i == 0) {
        why = text.empty() || (text[0] != '-' && text[0] != '+') ? "it does not start with a whole number"
                                                                  : "it has a sign; a duration is never negative";
        return std::nullopt;
    }
    std::int64_t unit = 1;
    if (i < text.size()) {
        switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: why = q(text.substr(i)) + " is not a unit (s, m, h, d)"; return std::nullopt;
        }
        if (i + 1 != text.size()) {
            why = q(text.substr(i)) + " is not a unit (s, m, h, d)";
            return std::nullopt;
        }
    }
    if (n > max_seconds / unit) {
        why = "it is too large (at most " + std::to_string(max_seconds / 86400) + "d)";
        return std::nullopt;
    }
    return std::chrono::seconds(n * unit);
}

// --limit N: a whole number of rows, 0 or more (CLI11 would take "-1" for a
// huge unsigned number, or answer with the double range). Its message goes
// through CLI11's, which main() escapes whole: the value is quoted as given.
const CLI::Validator row_count(
    [](std::string& s) -> std::string {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
            return "'" + s + "' is not a number of rows; give a whole number, 0 or more";
        return {};
    },
    "N");

// ---- the commands --------------------------------------------------------------

struct options {
    std::string root;
    bool json = false;
    std::string target;          // NAME[@VERSION] or NAME
    std::string job;             // events
    std::string extra;           // rm NAME VERSION (the older form)
    std::string age, age_flag;   // gc
    std::size_t limit = 20;      // show
    std::optional<std::uint64_t> export_limit;
    std::vector<std::string> columns;
    bool schema = false;
    std::string format, output;  // export
};

int cmd_ls(const dc::store& db, const options& o) {
    std::string name;
    if (!o.target.empty()) {
        name = o.target;
        dc::check_dataset_name(name);
    }
    auto all = dc::catalog::datasets(db, name);
    if (!name.empty() && all.empty())
        throw cli_error{1, "no dataset '" + name + "' in the store at " + q(db.location()) +
                               "; list the datasets with 'datachain ls'"};
    std::vector<std::string> items, damaged;
    std::vector<std::vector<std::string>> rows;
    for (auto& d : all) {
        // A version whose rows cannot be read is listed all the same, marked;
        // the listing then ends with an error naming it.
        std::optional<std::uint64_t> bytes;
        std::string why;
        try {
            bytes = table_bytes(db, d.table);
        } catch (const dc::error& e) {
            why = e.what();
            damaged.push_back(d.name + "@" + d.version + ": " + why);
        }
        if (o.json)
            items.push_back(jobj{}.str("name", d.name).str("version", d.version).num("rows", d.rows)
                                .raw("bytes", bytes ? std::to_string(*bytes) : "null").time("created", d.created)
                                .num("job", d.job).str("schema", d.schema_text)
                                .raw("damaged", bytes ? "null" : js(why)).done());
        else
            rows.push_back({d.name, d.version, std::to_string(d.rows),
                            bytes ? bytes_text(*bytes) : "damaged: " + short_reason(why), when(d.created),
                            std::to_string(d.job), d.schema_text});
    }
    if (o.json) print_json_array(items);
    else print_table({"NAME", "VERSION", "ROWS", "SIZE", "CREATED (UTC)", "JOB", "COLUMNS"}, rows);
    if (damaged.empty()) return 0;
    std::string msg = std::to_string(damaged.size()) + " of " + std::to_string(all.size()) +
                      " versions listed cannot be read (the others are fine):";
    for (auto& d : damaged) msg += "\n  " + d;
    // A version whose rows differ from its record (the library's "' is
    // damaged: ") can be removed and saved anew: reuse checks the table it
    // used (docs/storage.md, "Checked reuse"). A file LevelDB cannot read
    // (a checksum mismatch) is not fixed by rm: a rerun may reuse the same
    // damaged table, and once LevelDB meets the damage while compacting it
    // refuses every write (gc, reruns): only a sound copy gets out.
    bool unreadable = false;
    for (auto& d : damaged) unreadable = unreadable || d.find("' is damaged: ") == std::string::npos;
    msg += "\n'datachain verify NAME' reads a dataset in full; ";
    if (unreadable)
        msg += "the store's files are damaged (removing a version does not repair them, and LevelDB may refuse "
               "further writes): restore the store from a backup, or start a fresh store (another --root or "
               "DATACHAIN_ROOT; 'datachain export' what still reads) and run the programs again";
    else
        msg += "restore the store from a backup, or 'datachain rm NAME@VERSION' the damaged versions and run "
               "their chains again";
    throw cli_error{1, msg};
}

dc::dynamic_dataset open_dynamic(const std::shared_ptr<dc::store>& db, const std::string& arg) {
    auto r = find(*db, arg);
    try {
        return dc::open_dataset_dynamic(db, r.name, r.version);
    } catch (const dc::error& e) {
        if (e.kind() == dc::error_kind::not_found) throw cli_error{1, e.what()};
        throw;
    }
}

int cmd_show(const std::shared_ptr<dc::store>& db, const options& o) {
    auto ds = open_dynamic(db, o.target);
    const auto cols = dc::select_columns(ds.schema(), o.columns);
    if (o.schema) {
        if (o.json) {
            std::vector<std::string> cs;
            for (auto& c : cols) cs.push_back(jobj{}.str("name", c.path).str("type", c.type.text()).done());
            std::string arr = "[";
            for (std::size_t i = 0; i < cs.size(); ++i) arr += (i ? "," : "") + cs[i];
            std::printf("%s\n", jobj{}.str("name", ds.name()).str("version", ds.version()).num("rows", ds.size())
                                    .num("codec", ds.schema().codec).raw("columns", arr + "]").done().c_str());
        } else {
            std::printf("%s@%s  %llu rows  row codec %u\n", ds.name().c_str(), ds.version().c_str(),
                        static_cast<unsigned long long>(ds.size()), ds.schema().codec);
            std::vector<std::vector<std::string>> rows;
            for (auto& c : cols) rows.push_back({c.path, c.type.text()});
            print_table({"COLUMN", "TYPE"}, rows);
        }
        return 0;
    }
    if (o.json) {
        std::ostringstream out;
        dc::export_jsonl(ds, out, {.columns = o.columns, .limit = o.limit});
        std::string lines = out.str(), arr = "[";
        for (std::size_t a = 0, b; (b = lines.find('\n', a)) != std::string::npos; a = b + 1)
            arr += (a ? ",\n " : "") + lines.substr(a, b - a);
        std::printf("%s]\n", arr.c_str());
        return 0;
    }
    std::vector<std::string> header;
    for (auto& c : cols) header.push_back(c.path);
    std::vector<std::vector<std::string>> rows;
    if (o.limit > 0)
        for (const auto& r : ds) {
            std::vector<std::string> line;
            for (auto& c : cols) line.push_back(cell(dc::flat_value(r.values, c), c.type));
            rows.push_back(std::move(line));
            if (rows.size() == o.limit) break;
        }
    print_table(header, rows);
    if (rows.size() < ds.size())
        std::printf("(%zu of %llu rows; --limit N shows more)\n", rows.size(),
                    static_cast<unsigned long long>(ds.size()));
    return 0;
}

int cmd_export(const std::shared_ptr<dc::store>& db, const options& o) {
    auto fmt = dc::export_format_named(o.format);
    if (!fmt) throw cli_error{2, q(o.format) + " is not a format; use --format csv or --format jsonl"};
    auto ds = open_dynamic(db, o.target);
    (void)dc::select_columns(ds.schema(), o.columns);  // a wrong --columns creates no file
    dc::export_options opt{.columns = o.columns};
    if (o.export_limit) opt.limit = *o.export_limit;
    std::uint64_t n;
    if (o.output.empty() || o.output == "-") {
        n = *fmt == dc::export_format::csv ? dc::export_csv(ds, std::cout, opt) : dc::export_jsonl(ds, std::cout, opt);
    } else {
        n = *fmt == dc::export_format::csv ? dc::export_csv(ds, std::filesystem::path(o.output), opt)
                                           : dc::export_jsonl(ds, std::filesystem::path(o.output), opt);
        std::fprintf(stderr, "datachain export: %llu rows of %s@%s written to %s\n", static_cast<unsigned long long>(n),
                     ds.name().c_str(), ds.version().c_str(), q(o.output).c_str());
    }
    return 0;
}

// A job still marked running while we hold the store's lock: its process is
// gone. Made to read as the next program will record it (jobs.hpp): crashed,
// with crash_text as its error, the status file's last word on it included.
dc::job_record as_seen(const dc::store& db, dc::job_record j) {
    if (j.state() != dc::job_status::running) return j;
    j.status = static_cast<std::uint8_t>(dc::job_status::crashed);
    if (j.error.empty()) j.error = dc::detail::crash_text(db, j, dc::detail::last_report(db, j.id));
    return j;
}

int cmd_jobs(const dc::store& db, const options& o) {
    std::vector<std::string> items;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> damaged;  // records that do not decode: listed as damaged, exit 1
    for (auto j : dc::catalog::jobs(db, &damaged)) {
        j = as_seen(db, j);
        const auto state = j.state();
        const bool ended = j.finished != 0;
        const double secs = ended ? static_cast<double>(j.finished - j.started) / 1e9 : 0;
        if (o.json) {
            items.push_back(jobj{}.num("id", j.id).str("status", dc::to_string(state)).num("parent", j.parent)
                                .time("started", j.started).time("finished", j.finished)
                                .raw("seconds", ended ? fixed3(secs) : "null")
                                .str("name", j.name).raw("error", j.error.empty() ? "null" : js(j.error)).done());
        } else {
            rows.push_back({std::to_string(j.id), dc::to_string(state), j.parent ? std::to_string(j.parent) : "-",
                            when(j.started), ended ? seconds_text(secs) : "-", esc(j.name)});
            if (!j.error.empty()) rows.push_back({"", "", "", "", "", "error: " + j.error});
        }
    }
    for (const auto& d : damaged) {
        const auto id = d.substr(4, d.find(' ', 4) - 4);
        if (o.json) items.push_back(jobj{}.raw("id", id).str("status", "damaged").raw("error", js(d)).done());
        else rows.push_back({id, "damaged", "-", "-", "-", "error: " + d});
    }
    if (o.json) print_json_array(items);
    else print_table({"JOB", "STATUS", "PARENT", "STARTED (UTC)", "DURATION", "NAME"}, rows);
    if (damaged.empty()) return 0;
    std::fprintf(stderr, "datachain jobs: %zu job record%s cannot be read (listed as damaged); "
                         "'datachain rm --job ID' removes one\n", damaged.size(), damaged.size() == 1 ? "" : "s");
    return 1;
}

// A job id, checked before the store is opened.
std::uint64_t job_id(const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const auto job = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || text.empty() || text[0] == '-' || text[0] == '+' || job == 0)
        throw cli_error{2, q(text) + " is not a job id; list them with 'datachain jobs'"};
    return job;
}

int cmd_events(const dc::store& db, const options& o) {
    std::uint64_t job = 0;
    if (!o.job.empty()) {
        job = job_id(o.job);
        if (!dc::catalog::job(db, job))
            throw cli_error{1, "no job " + std::to_string(job) + " in the store at " + q(db.location()) +
                                   "; list them with 'datachain jobs'"};
    } else {
        std::vector<std::string> damaged;  // skipped, and said: the latest job may be one of them
        auto all = dc::catalog::jobs(db, &damaged);
        for (const auto& d : damaged) std::fprintf(stderr, "datachain events: warning: %s\n", d.c_str());
        if (!all.empty()) job = all.back().id;
    }
    std::vector<std::string> items;
    std::vector<std::vector<std::string>> rows;
    auto events = dc::catalog::events(db, job);
    // A crashed job ends with a "crashed" event, which the next program
    // records when it marks the job (jobs.hpp). Not recorded yet (no program
    // has opened the store since), or the job was marked by a build that did
    // not record it: the line is made as that program would make it.
    const bool recorded = std::any_of(events.begin(), events.end(),
                                      [](const dc::event_record& e) { return e.type() == dc::event_kind::crashed; });
    if (auto j = job ? dc::catalog::job(db, job) : std::nullopt;
        j && !recorded && as_seen(db, *j).state() == dc::job_status::crashed)
        events.push_back(dc::detail::crash_event(db, as_seen(db, *j), dc::detail::last_report(db, job)));
    for (auto& e : events) {
        const std::string out = e.dataset.empty() ? "" : e.dataset + "@" + e.version;
        // The counts are rows, a gen's inputs or an agg's partitions: each says which.
        const std::string unit = e.unit();
        auto counted = [&](std::uint64_t n) {
            return std::to_string(n) + " " + (n == 1 ? unit.substr(0, unit.size() - 1) : unit);
        };
        if (o.json)
            items.push_back(jobj{}.num("job", job).str("kind", e.kind).str("step", e.step).str("output", out)
                                .num("rows_before", e.rows_before).num("rows_now", e.rows_now).str("unit", unit)
                                .raw("seconds", fixed3(e.seconds))
                                .time("time", e.time).str("change", e.change).str("why", e.why)
                                .num("from_job", e.from_job).done());
        else
            rows.push_back({esc(e.kind), esc(e.step + (out.empty() ? "" : " -> " + out)), counted(e.rows_before),
                            counted(e.rows_now), seconds_text(e.seconds), esc(e.why)});
    }
    if (o.json) print_json_array(items);
    else {
        std::printf("job %llu\n", static_cast<unsigned long long>(job));
        print_table({"EVENT", "STEP", "DONE EARLIER", "DONE NOW", "TIME", "WHY"}, rows);
    }
    return 0;
}

int cmd_explain(const dc::store& db, const options& o) {
    auto [name, version] = name_version(o.target);
    std::uint64_t job = 0;
    std::optional<dc::chain_record> now;
    if (!version.empty()) {
        auto r = find(db, o.target);
        job = r.job;
        now = dc::catalog::chain(db, job, name);
        if (!now) throw cli_error{1, "no recorded chain of job " + std::to_string(job) + " saves \"" + name + "\""};
    } else {
        auto cs = dc::catalog::chains(db, name);
        if (cs.empty()) throw cli_error{1, "no recorded chain saves \"" + name + "\""};
        job = cs.back().first;
        now = cs.back().second;
    }
    // Compared with the nearest earlier run of the same program (its lineage).
    auto prev = dc::catalog::previous_chain(db, job, name);
    std::string files;  // the files that changed, when both listings are kept
    if (prev) {
        auto a = dc::detail::chain_source_hash(prev->second), b = dc::detail::chain_source_hash(*now);
        if (a && b && *a != *b) files = dc::detail::describe_listing_change(db, *a, *b).value_or("");
    }
    const std::string change = prev ? dc::catalog::explain_change(prev->second, *now, files) : "";
    // A run that did not complete (failed, crashed) is said so, this one or
    // the one it is compared with: "unchanged" alone would read as if it had
    // saved the data.
    auto unfinished = [&](std::uint64_t id) -> std::optional<dc::job_record> {
        if (auto j = dc::catalog::job(db, id); j && as_seen(db, *j).state() != dc::job_status::complete)
            return as_seen(db, *j);
        return std::nullopt;
    };
    const auto this_job = unfinished(job);
    const auto prev_job = prev ? unfinished(prev->first) : std::nullopt;
    auto status_line = [](const dc::job_record& j) {
        return "job " + std::to_string(j.id) + " " + dc::to_string(j.state()) + (j.error.empty() ? "" : ": " + j.error);
    };
    if (o.json) {
        std::string steps = "[";
        for (std::size_t i = 0; i < now->steps.size(); ++i) steps += (i ? "," : "") + js(now->steps[i]);
        std::printf("%s\n", jobj{}.num("job", job).str("dataset", name).raw("steps", steps + "]")
                                .raw("status", this_job ? js(dc::to_string(this_job->state())) : js("complete"))
                                .raw("error", this_job && !this_job->error.empty() ? js(this_job->error) : "null")
                                .raw("compared_with", prev ? std::to_string(prev->first) : "null")
                                .raw("change", prev ? js(change) : "null")
                                .raw("compared_status", prev_job ? js(dc::to_string(prev_job->state())) : "null")
                                .raw("compared_error", prev_job && !prev_job->error.empty() ? js(prev_job->error) : "null")
                                .done().c_str());
        return 0;
    }
    std::printf("job %llu:\n", static_cast<unsigned long long>(job));
    for (auto& st : now->steps) std::printf("  %s\n", esc(st).c_str());
    if (!prev) std::printf("first recorded run of this chain in its lineage\n");
    else std::printf("compared with job %llu: %s\n", static_cast<unsigned long long>(prev->first), esc(change).c_str());
    if (prev_job) std::printf("%s\n", status_line(*prev_job).c_str());
    if (this_job) std::printf("%s\n", status_line(*this_job).c_str());
    return 0;
}

int cmd_verify(const dc::store& db, const options& o) {
    std::vector<dc::dataset_record> todo;
    if (o.target.empty()) todo = dc::catalog::datasets(db);
    else if (o.target.find('@') != std::string::npos) todo.push_back(find(db, o.target));
    else {
        dc::check_dataset_name(o.target);
        todo = dc::catalog::datasets(db, o.target);
        if (todo.empty()) throw cli_error{1, "no dataset '" + o.target + "'"};
    }
    if (todo.empty() && !o.json) {
        std::printf("no datasets in the store at %s\n", q(db.location()).c_str());
        return 0;
    }
    int bad = 0;
    std::vector<std::string> items;
    for (auto& r : todo) {
        std::string why;
        try {
            dc::detail::verify_version(db, r);
        } catch (const dc::error& e) {
            ++bad;
            why = e.what();
        }
        if (o.json)
            items.push_back(jobj{}.str("name", r.name).str("version", r.version).num("rows", r.rows)
                                .raw("ok", why.empty() ? "true" : "false").raw("error", why.empty() ? "null" : js(why))
                                .done());
        else if (why.empty())
            std::printf("ok       %s@%s  %llu rows\n", r.name.c_str(), r.version.c_str(),
                        static_cast<unsigned long long>(r.rows));
        else
            std::printf("DAMAGED  %s@%s  %s\n", r.name.c_str(), r.version.c_str(), why.c_str());
    }
    if (o.json) print_json_array(items);
    return bad ? 1 : 0;
}

// rm --job ID: removes a job record that cannot be read (and only such a
// one), so that its damage no longer stops a program or a listing.
int cmd_rm_job(dc::store& db, const options& o) {
    const auto id = job_id(o.job);
    const auto k = dc::detail::rec::job_key(id);
    if (!db.get(k)) throw cli_error{1, "no job " + std::to_string(id) + " in the store at " + q(db.location())};
    try {
        (void)dc::catalog::job(db, id);
        throw cli_error{1, "job " + std::to_string(id) + " is readable; rm --job removes only a damaged job record"};
    } catch (const dc::error& e) {
        if (e.kind() != dc::error_kind::store_corrupt) throw;
    }
    db.del(k);
    if (o.json) std::printf("%s\n", jobj{}.num("removed_job", id).done().c_str());
    else std::printf("removed the damaged record of job %llu (its events and checkpoints stay; a job whose parent "
                     "it was starts its lineage anew)\n", static_cast<unsigned long long>(id));
    return 0;
}

int cmd_rm(dc::store& db, const options& o) {
    if (!o.job.empty()) {
        if (!o.target.empty()) throw cli_error{2, "give a dataset version or --job ID, not both"};
        return cmd_rm_job(db, o);
    }
    if (o.target.empty()) throw cli_error{2, "say what to remove: datachain rm NAME@VERSION (or rm --job ID)"};
    std::string arg = o.target;
    if (!o.extra.empty()) arg += "@" + o.extra;  // rm NAME VERSION, the older form
    if (arg.find('@') == std::string::npos) {
        dc::check_dataset_name(arg);  // a name, printed back as a command to type
        throw cli_error{2, "say which version: datachain rm " + arg + "@VERSION (list them with 'datachain ls " + arg + "')"};
    }
    auto r = find(db, arg);
    auto [a, b, c] = dc::session::parse_version(r.version);
    auto w = db.batch();
    w->del(dc::detail::rec::dataset_key(r.name, a, b, c));
    w->del(dc::detail::rec::version_schema_key(r.name, a, b, c));
    db.write(*w);
    if (o.json) std::printf("%s\n", jobj{}.str("removed", r.name + "@" + r.version).done().c_str());
    else std::printf("removed %s@%s (%llu rows; 'datachain gc' gives the space back)\n", r.name.c_str(),
                     r.version.c_str(), static_cast<unsigned long long>(r.rows));
    return 0;
}

// Exit 0, exit_crashed when the job the status file names crashed, or
// exit_failed when it failed. A
// status file that is there but cannot be read, does not parse, or has a
// newer format is an error (exit 1): read_status says which and what to do.
int cmd_status(const options& o) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(fs::path(o.root) / "CURRENT", ec))
        throw cli_error{1, "datachain: there is no datachain store at " + q(o.root) +
                               "; give its directory with --root DIR (or DATACHAIN_ROOT)"};
    auto st = dc::detail::read_status(o.root);
    const bool alive = st && st->state == "running" && dc::detail::writer_alive(*st);
    const std::string state = !st ? "none" : st->state == "running" && !alive ? "crashed" : st->state;
    auto exit_code = [](const std::string& s) {
        return s == "crashed" ? exit_crashed : s == "failed" ? exit_failed : 0;
    };
    if (o.json) {
        if (!st) std::printf("%s\n", jobj{}.str("state", state).done().c_str());
        else
            std::printf("%s\n", jobj{}.num("job", st->job).raw("pid", std::to_string(st->pid)).str("state", state)
                                    .str("step", st->step).num("done", st->done)
                                    .raw("total", st->total ? std::to_string(*st->total) : "null")
                                    .num("earlier", st->earlier).str("unit", st->unit).time("started", st->started)
                                    .time("updated", st->updated).done().c_str());
        return exit_code(state);
    }
    if (!st) {
        std::printf("no program has reported on the store at %s (a run writes its status there)\n", q(o.root).c_str());
        return 0;
    }
    std::string counts = std::to_string(st->done);
    if (st->total) {
        counts += "/" + std::to_string(*st->total);
        if (*st->total) counts += " (" + std::to_string(st->done * 100 / *st->total) + "%)";
    }
    if (state == "running")
        std::printf("job %llu (pid %lld) running since %s%s\n", static_cast<unsigned long long>(st->job),
                    static_cast<long long>(st->pid), when(st->started).c_str(),
                    dc::detail::pid_checkable(*st)
                        ? ""
                        : " (as its file says: it runs in another pid namespace, such as a container, so "
                          "its process cannot be checked from here)");
    else if (state == "crashed")
        std::printf("job %llu (pid %lld) crashed: no end was recorded (the program crashed, was killed, or could "
                    "not write its failure) and its process is gone (or its pid now names another process); "
                    "'datachain events %llu' shows what it did\n",
                    static_cast<unsigned long long>(st->job), static_cast<long long>(st->pid),
                    static_cast<unsigned long long>(st->job));
    else
        std::printf("no job is running; the last, job %llu, ended %s (%s)%s\n", static_cast<unsigned long long>(st->job),
                    esc(state).c_str(), when(st->updated).c_str(),
                    state == "failed" ? "; 'datachain jobs' shows its error" : "");
    if (!st->step.empty())
        std::printf("  step %s: %s %s%s, updated %s\n", esc(st->step).c_str(), counts.c_str(), esc(st->unit).c_str(),
                    st->earlier ? (" (" + std::to_string(st->earlier) + " done by an earlier run)").c_str() : "",
                    when(st->updated).c_str());
    return exit_code(state);
}

} // namespace

int main(int argc, char** argv) {
    options o;
    const char* env_root = std::getenv("DATACHAIN_ROOT");
    o.root = env_root ? env_root : ".datachain";  // set but empty: refused below, unless --root is given
    CLI::App app{"datachain: look into a datachain-cpp store (datasets, jobs, events) and get data out of it.\n"
                 "Never creates a store; starts no job.",
                 "datachain"};
    app.fallthrough();  // --root and --json also after the command
    app.option_defaults()->always_capture_default();
    app.add_option("--root", o.root, "the store's directory (default: $DATACHAIN_ROOT, then ./.datachain)");
    app.add_flag("--json", o.json, "print one JSON document instead of a table");
    app.require_subcommand(1);
    app.footer("Exit codes: 0 done, 1 error (no store, no such dataset, version or job), 2 usage error,\n"
               "3 'status': the last job crashed, 4 'status': the last job failed.\n"
               "Run 'datachain COMMAND --help' for a command's options.");

    auto* ls = app.add_subcommand("ls", "list datasets: versions, rows, size, created (UTC), job, columns");
    ls->add_option("name", o.target, "only this dataset");
    auto* datasets = app.add_subcommand("datasets", "the same as ls");
    datasets->add_option("name", o.target, "only this dataset");
    auto* show = app.add_subcommand("show", "print a version's rows as a table (or its schema)");
    show->add_option("dataset", o.target, "NAME or NAME@VERSION (default: the latest version)")->required();
    show->add_option("--limit,-n", o.limit, "at most N rows")->check(row_count);
    show->add_option("--columns,-c", o.columns, "only these columns (a struct's name selects its members)")
        ->delimiter(',');
    show->add_flag("--schema", o.schema, "print the columns and their types instead of rows");
    auto* exp = app.add_subcommand("export", "write a version's rows as CSV (RFC 4180) or JSON Lines");
    exp->add_option("dataset", o.target, "NAME or NAME@VERSION (default: the latest version)")->required();
    exp->add_option("--format,-f", o.format, "csv or jsonl")->required();
    exp->add_option("--output,-o", o.output, "a new file (never overwritten; default: standard output)");
    exp->add_option("--columns,-c", o.columns, "only these columns, in this order")->delimiter(',');
    exp->add_option("--limit,-n", o.export_limit, "at most N rows")->check(row_count);
    app.add_subcommand("jobs", "list jobs: status, parent, start (UTC), duration, name, stored error");
    auto* events = app.add_subcommand("events", "the checkpoint decisions of a job");
    events->add_option("job", o.job, "a job id (default: the latest job)");
    auto* explain = app.add_subcommand("explain", "what changed in a dataset's chain since the previous run");
    explain->add_option("dataset", o.target, "NAME (its latest run) or NAME@VERSION (the run that saved it)")
        ->required();
    auto* verify = app.add_subcommand("verify", "read versions in full: row counts and content digests");
    verify->add_option("dataset", o.target, "NAME or NAME@VERSION (default: every version)");
    auto* rm = app.add_subcommand("rm", "remove a dataset version (its number is never reused)");
    rm->add_option("dataset", o.target, "NAME@VERSION");
    rm->add_option("--job", o.job, "ID: remove a job record that cannot be read ('datachain jobs' lists it as damaged)");
    rm->add_option("version", o.extra, "(the older form: rm NAME VERSION)");
    auto* gc = app.add_subcommand("gc", "drop checkpoints of jobs finished longer ago than an age, and the "
                                        "outputs nothing refers to; compacts the store");
    gc->add_option("age", o.age, "the same as --older-than");
    gc->add_option("--older-than", o.age_flag, "a whole number with a unit: 30s, 15m, 4h, 7d");
    app.add_subcommand("status", "what the program using the store is doing (readable while it runs); "
                                 "exit 3 when the last job crashed, 4 when it failed");

    // A word that is not a command: say so (CLI11 would say a command is missing).
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--root") {
            ++i;
            continue;
        }
        if (a.starts_with("-")) continue;
        std::string names;
        bool known = false;
        for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; })) {
            names += (names.empty() ? "" : ", ") + c->get_name();
            known = known || c->get_name() == a;
        }
        if (!known) {
            std::fprintf(stderr, "datachain: %s is not a command; the commands are: %s\nRun 'datachain --help' for usage.\n",
                         q(argv[i]).c_str(), names.c_str());
            return 2;
        }
        break;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11's message may hold a value as given ("not expected: ..."):
        // escaped as the tool's own messages escape values.
        std::fprintf(stderr, "datachain: %s\nRun 'datachain --help' for usage.\n",
                     dc::detail::escaped(e.what()).c_str());
        return 2;
    }
    if (env_root && !*env_root && app.get_option("--root")->count() == 0) {
        std::fprintf(stderr, "datachain: DATACHAIN_ROOT is set but empty; give the store's directory (--root DIR "
                             "or DATACHAIN_ROOT=DIR) or unset it for the default ./.datachain\n");
        return 2;
    }
    const std::string cmd = app.get_subcommands().at(0)->get_name();
    try {
        if (cmd == "status") return cmd_status(o);
        // gc's age is checked before anything is opened.
        std::chrono::seconds age{};
        if (cmd == "gc") {
            if (!o.age.empty() && !o.age_flag.empty()) throw cli_error{2, "give the age once (--older-than 4h)"};
            const std::string text = o.age.empty() ? o.age_flag : o.age;
            if (text.empty())
                throw cli_error{2, "say how old a finished job's checkpoints must be to go: "
                                   "datachain gc --older-than 4h (30s, 15m, 4h, 7d)"};
            std::string why;
            auto d = parse_duration(text, why);
            if (!d)
                throw cli_error{2, q(text) + " is not a valid age: " + why +
                                       ". Write a whole number with a unit: 30s, 15m, 4h, 7d (a plain number is "
                                       "seconds); nothing was removed"};
            age = *d;
        }
        if ((cmd == "events" || cmd == "rm") && !o.job.empty()) job_id(o.job);
        if (dc::detail::is_memory_root(o.root))
            throw cli_error{2, q(o.root) + " is an in-memory store: it lives only inside the process that "
                               "made it, so no other process (this tool included) can see it; give a directory"};
        auto db = open_existing(o.root);
        if (cmd == "ls" || cmd == "datasets") return cmd_ls(*db, o);
        if (cmd == "show") return cmd_show(db, o);
        if (cmd == "export") return cmd_export(db, o);
        if (cmd == "jobs") return cmd_jobs(*db, o);
        if (cmd == "events") return cmd_events(*db, o);
        if (cmd == "explain") return cmd_explain(*db, o);
        if (cmd == "verify") return cmd_verify(*db, o);
        if (cmd == "rm") return cmd_rm(*db, o);
        if (cmd == "gc") {
            // No job of its own: gc works on the store directly, so the latest
            // job (and 'events') stays the program's.
            db.reset();
            auto h = dc::detail::open_store_handle(o.root);
            auto st = dc::detail::collect_garbage(*h, age);
            h->db().compact();
            if (o.json)
                std::printf("%s\n", jobj{}.num("jobs", st.jobs).num("checkpoints", st.checkpoints)
                                        .num("tables", st.tables).num("rows", st.rows)
                                        .num("cache_entries", st.cache_entries).done().c_str());
            else
                std::printf("gc: removed %llu checkpoint records of %llu finished jobs (the jobs and their events "
                            "stay), %llu tables (%llu rows), %llu download-cache entries no kept job used; store "
                            "compacted\n",
                            static_cast<unsigned long long>(st.checkpoints), static_cast<unsigned long long>(st.jobs),
                            static_cast<unsigned long long>(st.tables), static_cast<unsigned long long>(st.rows),
                            static_cast<unsigned long long>(st.cache_entries));
            return 0;
        }
    } catch (const cli_error& e) {
        std::fprintf(stderr, "%s%s\n", e.msg.starts_with("datachain") ? "" : ("datachain " + cmd + ": ").c_str(),
                     e.msg.c_str());
        return e.code;
    } catch (const dc::error& e) {
        std::fprintf(stderr, "%s%s\n", e.what(),
                     e.kind() == dc::error_kind::store_locked ? "\n'datachain status' shows what it is doing" : "");
        return e.kind() == dc::error_kind::invalid_name || e.kind() == dc::error_kind::usage ? 2 : 1;
    }
    return 2;
}
