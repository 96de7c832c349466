// AWS Signature Version 4 (header-based, payload hashed in one chunk), as
// described in the AWS documentation ("Authenticating Requests: Using the
// Authorization Header", "Create a canonical request", "Create a string to
// sign", "Calculate the signature"). SHA-256 and HMAC-SHA256 come from
// OpenSSL's libcrypto: link datachain::object_storage.
//
//   sigv4_request r{.method = "GET", .path = "/bucket/a%20b.jpg"};
//   r.headers = {{"host", "127.0.0.1:4568"}, {"x-amz-date", "20130524T000000Z"},
//                {"x-amz-content-sha256", sha256_hex("")}};
//   std::string auth = sigv4_authorization(r, creds, "us-east-1", "s3");
//
// `path` is already URI-encoded (s3_uri_encode(key, false) per segment);
// `query` holds raw (unencoded) names and values: they are encoded and
// sorted here. Header names are lower-cased and values trimmed (inner runs
// of spaces collapsed) for signing; every header given is signed.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail::objstore {

struct credentials {
    std::string access_key = {};
    std::string secret_key = {};
    std::string session_token = {};  // sent as x-amz-security-token when set
    bool empty() const { return access_key.empty(); }
};

struct sigv4_request {
    std::string method = "GET";
    std::string path = "/";  // URI-encoded absolute path
    std::vector<std::pair<std::string, std::string>> query = {};    // raw
    std::vector<std::pair<std::string, std::string>> headers = {};  // must include host and x-amz-date
    std::string payload_hash = {};  // hex SHA-256 of the body; empty: x-amz-content-sha256's value
};

inline std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 15]);
    }
    return out;
}

inline std::string sha256_raw(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
    return std::string(reinterpret_cast<const char*>(md), len);
}

inline std::string sha256_hex(std::string_view data) {
    auto raw = sha256_raw(data);
    return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

inline std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), md, &len);
    return std::string(reinterpret_cast<const char*>(md), len);
}

// UriEncode() of the S3 documentation: every byte except A-Z a-z 0-9 - _ . ~
// becomes %XY (upper-case hex); '/' is kept when `keep_slash` (object keys in
// a path), encoded otherwise (query names and values).
inline std::string s3_uri_encode(std::string_view s, bool keep_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
            out.push_back(ch);
        else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

// name=value&... encoded and sorted by name, then value (byte order).
inline std::string canonical_query(std::vector<std::pair<std::string, std::string>> q) {
    for (auto& [k, v] : q) {
        k = s3_uri_encode(k, false);
        v = s3_uri_encode(v, false);
    }
    std::sort(q.begin(), q.end());
    std::string out;
    for (auto& [k, v] : q) {
        if (!out.empty()) out += '&';
        out += k + "=" + v;
    }
    return out;
}

inline std::string trim_header_value(std::string_view v) {
    std::string out;
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

struct sigv4_parts {
    std::string canonical_request;
    std::string signed_headers;  // "host;range;x-amz-date"
    std::string string_to_sign;
    std::string signature;  // hex
    std::string scope;      // "20130524/us-east-1/s3/aws4_request"
};

inline sigv4_parts sigv4_sign(const sigv4_request& r, const credentials& c, std::string_view region,
                              std::string_view service) {
    std::vector<std::pair<std::string, std::string>> h;
    std::string amz_date, payload = r.payload_hash;
    for (auto& [k, v] : r.headers) {
        std::string name = k;
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (name == "x-amz-date") amz_date = trim_header_value(v);
        if (name == "x-amz-content-sha256" && payload.empty()) payload = trim_header_value(v);
        h.emplace_back(std::move(name), trim_header_value(v));
    }
    std::sort(h.begin(), h.end());
    sigv4_parts p;
    std::string canon_headers;
    for (auto& [k, v] : h) {
        canon_headers += k + ":" + v + "\n";
        if (!p.signed_headers.empty()) p.signed_headers += ';';
        p.signed_headers += k;
    }
    p.canonical_request = r.method + "\n" + r.path + "\n" + canonical_query(r.query) + "\n" + canon_headers + "\n" +
                          p.signed_headers + "\n" + (payload.empty() ? sha256_hex("") : payload);
    const std::string date = amz_date.substr(0, 8);
    const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
    p.scope = scope;
    p.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(p.canonical_request);
    std::string k = hmac_sha256("AWS4" + c.secret_key, date);
    k = hmac_sha256(k, region);
    k = hmac_sha256(k, service);
    k = hmac_sha256(k, "aws4_request");
    auto sig = hmac_sha256(k, p.string_to_sign);
    p.signature = to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
    return p;
}

// The Authorization header's value.
inline std::string sigv4_authorization(const sigv4_request& r, const credentials& c, std::string_view region,
                                       std::string_view service) {
    auto p = sigv4_sign(r, c, region, service);
    return "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" + p.scope + ",SignedHeaders=" + p.signed_headers +
           ",Signature=" + p.signature;
}

} // namespace datachain::detail::objstore
