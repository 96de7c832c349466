// An S3 (and S3-compatible: GCS's XML API, s3rver, MinIO) client: where to
// send a request, signing it (sigv4.hpp), retrying it, and turning a failed
// one into an error that names the bucket, the key, the HTTP status and what
// to do.
//
//   auto cfg = s3_config::resolve("s3", "my-bucket", opts);   // options, then environment
//   auto r = s3_call(cfg, {.method = "GET", .key = "a/b.jpg"}, "reading s3://my-bucket/a/b.jpg");
//
// Endpoint: storage_options::endpoint, else (s3://) AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL, else https://<bucket>.s3.<region>.amazonaws.com; gs://
// uses https://storage.googleapis.com. An endpoint given by option or
// environment is addressed path-style (<endpoint>/<bucket>/<key>).
// Region: storage_options::region, AWS_REGION, AWS_DEFAULT_REGION, us-east-1
// ("auto" for gs://). Credentials (not with .anon): s3:// from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; gs:// from
// GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY (GCS HMAC keys). Without
// credentials requests go unsigned (anonymous).
// An endpoint must be an http:// or https:// URL (else error_kind::usage
// naming the setting it came from, before any request).
// Retried with exponential backoff: no response (connection refused, reset,
// timeout), 429, 500, 502, 503, 504, and SlowDown. Not retried, and worded
// as configuration errors (error_kind::usage) naming the setting: a host
// that cannot be resolved (a misspelled endpoint does not heal; a resolver
// that is down for a moment is the rarer case, and the message mentions
// it), a failed TLS handshake (https:// to a plain-HTTP server) or a TLS
// certificate that is not accepted, a URL curl refuses.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/object_store/http.hpp>
#include <datachain/runtime/object_store/sigv4.hpp>
#include <datachain/sources/read_storage.hpp>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace datachain::detail::objstore {

struct s3_config {
    std::string scheme;    // "s3" or "gs"
    std::string bucket;
    std::string endpoint;  // scheme://host[:port], no trailing '/'
    bool path_style = true;
    std::string region;
    credentials creds;     // empty: unsigned requests
    storage_options opts;
    std::string origin;    // where the endpoint came from, for messages

    // `endpoint_origin` names where o.endpoint came from, for messages.
    static s3_config resolve(std::string_view scheme, std::string_view bucket, const storage_options& o,
                             std::string_view endpoint_origin = "storage_options::endpoint") {
        auto env = [](const char* n) -> std::string {
            const char* v = std::getenv(n);
            return v ? std::string(v) : std::string();
        };
        s3_config c;
        c.scheme = scheme;
        c.bucket = bucket;
        c.opts = o;
        const bool gs = scheme == "gs";
        c.region = !o.region.empty() ? o.region : gs ? "auto" : !env("AWS_REGION").empty() ? env("AWS_REGION")
                   : !env("AWS_DEFAULT_REGION").empty() ? env("AWS_DEFAULT_REGION") : "us-east-1";
        std::string ep = o.endpoint;
        c.origin = endpoint_origin;
        if (ep.empty() && !gs) {
            c.origin = !env("AWS_ENDPOINT_URL_S3").empty() ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
            ep = env(c.origin.c_str());
        }
        if (!ep.empty()) {
            if (ep.find("://") == std::string::npos) ep = "https://" + ep;
            while (ep.ends_with('/')) ep.pop_back();
            c.endpoint = ep;
            c.check_endpoint();
        } else if (gs) {
            c.endpoint = "https://storage.googleapis.com";
            c.origin = "the GCS default";
        } else {
            c.origin = "the AWS default (no storage_options::endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)";
            if (bucket.find('.') == std::string_view::npos) {
                c.endpoint = "https://" + std::string(bucket) + ".s3." + c.region + ".amazonaws.com";
                c.path_style = false;
            } else {
                c.endpoint = "https://s3." + c.region + ".amazonaws.com";  // dots break the TLS name of vhost style
            }
        }
        if (!o.anon) {
            if (gs) c.creds = {env("GS_ACCESS_KEY_ID"), env("GS_SECRET_ACCESS_KEY"), ""};
            else c.creds = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
            if (c.creds.secret_key.empty()) c.creds = {};
        }
        return c;
    }
    // An http:// or https:// URL with a host, else error_kind::usage naming `origin`.
    void check_endpoint() const {
        auto p = endpoint.find("://");
        std::string scheme = endpoint.substr(0, p);
        for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if ((scheme == "http" || scheme == "https") && p + 3 < endpoint.size()) return;
        throw error(error_kind::usage, "datachain: the endpoint '" + endpoint + "' for " + where() + " (from " +
                                           origin + ") is not an http:// or https:// URL; set " + origin +
                                           " to the server's URL, e.g. http://127.0.0.1:9000 (a configuration "
                                           "error: nothing was sent)");
    }
    std::string host() const {
        auto p = endpoint.find("://");
        return endpoint.substr(p == std::string::npos ? 0 : p + 3);
    }
    // The URI-encoded path of a key ("" for the bucket itself).
    std::string path(std::string_view key) const {
        std::string p = path_style ? "/" + s3_uri_encode(bucket, false) : std::string();
        if (!key.empty() || path_style) p += "/" + s3_uri_encode(key, true);
        return p.empty() ? "/" : p;
    }
    std::string where() const { return scheme + "://" + bucket; }
};

struct s3_call_spec {
    std::string method = "GET";
    std::string key = {};  // "" for bucket-level requests
    std::vector<std::pair<std::string, std::string>> query = {};
    std::vector<std::pair<std::string, std::string>> headers = {};
    std::string body = {};
};

// Text between <tag> and </tag> from `from` on ("" if absent); `pos` moves past it.
inline std::string xml_text(std::string_view xml, std::string_view tag, std::size_t from = 0,
                            std::size_t* pos = nullptr) {
    const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    auto a = xml.find(open, from);
    if (a == std::string_view::npos) return {};
    auto b = xml.find(close, a + open.size());
    if (b == std::string_view::npos) return {};
    if (pos) *pos = b + close.size();
    return std::string(xml.substr(a + open.size(), b - a - open.size()));
}

// XML character references and the five predefined entities.
inline std::string xml_unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out.push_back(s[i]);
            continue;
        }
        auto semi = s.find(';', i);
        if (semi == std::string_view::npos) {
            out.push_back('&');
            continue;
        }
        auto ent = s.substr(i + 1, semi - i - 1);
        unsigned long cp = 0;
        bool num = false;
        if (ent == "amp") out += '&';
        else if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (ent.starts_with("#x") || ent.starts_with("#X"))
            num = true, cp = std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16);
        else if (ent.starts_with("#")) num = true, cp = std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
        else {
            out.push_back('&');
            continue;
        }
        if (num) {  // UTF-8
            if (cp < 0x80) out.push_back(static_cast<char>(cp));
            else if (cp < 0x800) out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
            else if (cp < 0x10000)
                out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                        static_cast<char>(0x80 | (cp & 0x3F))};
            else
                out += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                        static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
        }
        i = semi;
    }
    return out;
}

// A request that failed without a response for a reason that waiting does
// not cure: the endpoint (or the machine's setup) has to change.
inline bool configuration_failure(const http_response& r) {
    switch (r.code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:  // e.g. "wrong version number": https:// to a plain-HTTP server
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: return r.status == 0;
    default: return false;
    }
}

// The endpoint came from a record a listing left in a store (source_record.hpp).
inline bool from_record(const s3_config& c) { return c.origin.starts_with("the record "); }
inline std::string override_advice(const s3_config& c) {
    return (c.scheme == "gs" ? std::string("storage_options::endpoint of a new listing")
                             : std::string("AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) in the reading process, "
                                           "which overrides the record")) +
           ", or list the bucket again where it is now";
}

// What to change, for a configuration_failure.
inline std::string configuration_advice(const http_response& r, const s3_config& c) {
    const std::string from = " of the endpoint " + c.endpoint + " (from " + c.origin + ")";
    std::string setting = c.origin;
    if (from_record(c)) setting = override_advice(c);
    else if (c.origin.starts_with("the "))
        setting = c.scheme == "gs" ? "storage_options::endpoint (gs:// does not read AWS_ENDPOINT_URL)"
                                   : "AWS_ENDPOINT_URL or storage_options::endpoint";
    std::string host = c.host();
    if (auto colon = host.rfind(':'); colon != std::string::npos && !host.ends_with(']')) host.erase(colon);
    if (r.code == CURLE_COULDNT_RESOLVE_HOST)
        return "cannot resolve the host '" + host + "'" + from + ": a configuration error, not retried; check " +
               setting + " (a misspelled host?), or this machine's DNS if the name is right";
    if (r.code == CURLE_COULDNT_RESOLVE_PROXY)
        return "cannot resolve the proxy (" + r.error + "): a configuration error, not retried; check the proxy "
               "settings (https_proxy, http_proxy)";
    if (r.code == CURLE_SSL_CONNECT_ERROR)
        return "the TLS handshake" + from + " failed (" + r.error + "): a configuration error, not retried; if "
               "the server speaks plain HTTP, write the endpoint as http://" + c.host() + " (an endpoint without "
               "a scheme is https://); check " + setting;
    if (r.code == CURLE_PEER_FAILED_VERIFICATION || r.code == CURLE_SSL_CACERT_BADFILE ||
        r.code == CURLE_SSL_CERTPROBLEM)
        return "the TLS certificate" + from + " was not accepted (" + r.error + "): a configuration error, not "
               "retried; check " + setting + " and the system's CA certificates";
    return "curl refused the URL" + from + " (" + r.error + "): a configuration error, not retried; check " + setting;
}

// What to do about a failed request, by status and S3 error code.
inline std::string s3_advice(long status, std::string_view code, const s3_config& c) {
    if (status == 0 || status >= 500 || status == 429 || code == "SlowDown")
        return "the server at " + c.endpoint + " did not answer or is overloaded; " +
               (from_record(c) ? "that endpoint came from " + c.origin + ": if the server moved, set " +
                                     override_advice(c) + "; else check the network and retry later"
                               : std::string("check the network and retry later"));
    if (status == 403 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch")
        return c.creds.empty()
                   ? "the request was anonymous: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (GS_ACCESS_KEY_ID "
                     "and GS_SECRET_ACCESS_KEY for gs://) for a private bucket"
                   : "check the credentials (access key '" + c.creds.access_key +
                         "' was refused or may not read this bucket), or use storage_options{.anon = true} for a "
                         "public bucket";
    if (code == "NoSuchBucket") return "the bucket does not exist at " + c.endpoint + "; check the bucket name";
    if (status == 404) return "check the path: the object may have been deleted since it was listed";
    if (status == 301 || code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect")
        return "the bucket is in another region; set AWS_REGION or storage_options::region";
    if (status == 412) return "the object changed since it was listed; run the chain again to list it anew";
    return "check the bucket, the path and the endpoint " + c.endpoint;
}

// Kinds: a configuration the user must change (an endpoint that does not
// resolve, a TLS failure, a URL curl refuses, credentials refused: 403, a
// wrong region) is error_kind::usage, as an ftp:// endpoint is; a missing
// bucket or object (404) is not_found; the rest (no response, 5xx, an
// object changed since its listing) is io.
[[noreturn]] inline void throw_s3(const s3_config& c, std::string_view what, const http_response& r, int attempts) {
    if (configuration_failure(r))
        throw error(error_kind::usage, "datachain: " + std::string(what) + ": " + configuration_advice(r, c));
    std::string code = r.status ? xml_unescape(xml_text(r.body, "Code")) : std::string();
    std::string msg = r.status ? xml_unescape(xml_text(r.body, "Message")) : r.error;
    std::string status = r.status ? "HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code)
                                  : "no response";
    const bool config = r.status == 403 || r.status == 301 || code == "InvalidAccessKeyId" ||
                        code == "SignatureDoesNotMatch" || code == "AuthorizationHeaderMalformed" ||
                        code == "PermanentRedirect";
    throw error(r.status == 404 ? error_kind::not_found : config ? error_kind::usage : error_kind::io,
                "datachain: " + std::string(what) + ": " + status + (msg.empty() ? "" : " (" + msg + ")") +
                    (attempts > 1 ? " after " + std::to_string(attempts) + " attempts" : "") + "; " +
                    s3_advice(r.status, code, c));
}

inline bool s3_retryable(const http_response& r) {
    if (r.status == 0) return !configuration_failure(r);
    if (r.status == 429 || r.status == 500 || r.status == 502 || r.status == 503 || r.status == 504) return true;
    return r.status == 400 && r.body.find("<Code>SlowDown</Code>") != std::string::npos;
}

inline std::string amz_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// One request, signed when there are credentials, retried as described
// above. Returns the last response; with `throw_on_error`, a status that is
// not 2xx throws (throw_s3).
inline http_response s3_call(const s3_config& c, const s3_call_spec& s, std::string_view what,
                             bool throw_on_error = true) {
    const std::string path = c.path(s.key);
    std::string url = c.endpoint + path;
    if (!s.query.empty()) url += "?" + canonical_query(s.query);
    const std::string payload = sha256_hex(s.body);
    http_response r;
    const unsigned attempts = 1 + c.opts.retries;
    thread_local std::minstd_rand jitter(std::random_device{}());
    unsigned i = 0;
    for (; i < attempts; ++i) {
        if (i > 0) {
            auto base = std::chrono::milliseconds(c.opts.retry_delay_ms) * (1u << std::min(i - 1, 10u));
            auto wait = std::min<std::chrono::milliseconds>(base, std::chrono::milliseconds(20000));
            std::this_thread::sleep_for(wait + std::chrono::milliseconds(jitter() % (wait.count() / 4 + 1)));
        }
        http_request_spec req{.method = s.method, .url = url, .headers = s.headers, .body = s.body,
                              .timeout_ms = c.opts.timeout_ms};
        if (!c.creds.empty()) {
            req.headers.emplace_back("host", c.host());
            req.headers.emplace_back("x-amz-date", amz_now());
            req.headers.emplace_back("x-amz-content-sha256", payload);
            if (!c.creds.session_token.empty()) req.headers.emplace_back("x-amz-security-token", c.creds.session_token);
            sigv4_request sr{.method = s.method, .path = path, .query = s.query, .headers = req.headers,
                             .payload_hash = payload};
            req.headers.emplace_back("Authorization", sigv4_authorization(sr, c.creds, c.region, "s3"));
        }
        r = http_request(req);
        r.attempts = static_cast<int>(i + 1);
        if (!s3_retryable(r)) break;
    }
    if (throw_on_error && (r.status < 200 || r.status >= 300)) throw_s3(c, what, r, r.attempts);
    return r;
}

} // namespace datachain::detail::objstore
