// One HTTP request through libcurl: method, URL, headers, body in; status,
// response headers (names lower-cased) and body out. No retries here (the
// S3 client decides what to retry); a transfer that fails without an HTTP
// status (connection refused, timeout, DNS) comes back as status 0 with
// curl's message in `error`.
//
//   http_response r = http_request({.method = "GET", .url = "http://127.0.0.1:4568/b/k"});
//   if (r.status == 200) use(r.body);
//
// Each thread keeps one curl handle (connections are reused between its
// requests); curl_global_init runs once per process.
#pragma once

#include <curl/curl.h>

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail::objstore {

struct http_request_spec {
    std::string method = "GET";
    std::string url = {};
    std::vector<std::pair<std::string, std::string>> headers = {};
    std::string body = {};
    long timeout_ms = 30000;         // whole transfer
    long connect_timeout_ms = 10000;
};

struct http_response {
    long status = 0;  // 0: no HTTP response (see `error`)
    std::map<std::string, std::string> headers;
    std::string body;
    std::string error;  // curl's message when status is 0
    CURLcode code = CURLE_OK;
    int attempts = 1;   // set by the S3 client's retries
};

namespace http_impl {

inline void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct handle_deleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

inline CURL* thread_handle() {
    global_init();
    thread_local std::unique_ptr<CURL, handle_deleter> h(curl_easy_init());
    return h.get();
}

inline std::size_t on_body(char* p, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}

inline std::size_t on_header(char* p, std::size_t size, std::size_t n, void* out) {
    std::string_view line(p, size * n);
    auto& headers = *static_cast<std::map<std::string, std::string>*>(out);
    if (line.starts_with("HTTP/")) headers.clear();  // a new response (after 100 Continue, a redirect)
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
        headers[name] = std::string(v);
    }
    return size * n;
}

struct slist {
    curl_slist* p = nullptr;
    ~slist() { curl_slist_free_all(p); }
};

} // namespace http_impl

inline http_response http_request(const http_request_spec& req) {
    http_response out;
    CURL* c = http_impl::thread_handle();
    if (!c) {
        out.error = "curl_easy_init failed";
        out.code = CURLE_FAILED_INIT;
        return out;
    }
    curl_easy_reset(c);
    char errbuf[CURL_ERROR_SIZE] = {0};
    http_impl::slist hl;
    for (auto& [k, v] : req.headers) hl.p = curl_slist_append(hl.p, (k + ": " + v).c_str());
    hl.p = curl_slist_append(hl.p, "Expect:");  // no 100-continue round trip for PUT bodies
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl.p);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &http_impl::on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &http_impl::on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (req.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        if (req.method == "PUT" || req.method == "POST" || !req.body.empty()) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        }
    }
    out.code = curl_easy_perform(c);
    if (out.code != CURLE_OK) {
        out.error = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(out.code));
        out.status = 0;
        return out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    return out;
}

} // namespace datachain::detail::objstore
