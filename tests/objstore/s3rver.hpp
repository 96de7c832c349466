// A real S3-compatible server for the tests: s3rver (npm, pinned by
// scripts/lib/deps.sh), started on 127.0.0.1 on a free port with its own
// temporary directory, and stopped (SIGTERM, then SIGKILL) when the fixture
// ends, also when a test fails; the child also gets SIGKILL if this process
// dies (PR_SET_PDEATHSIG).
//
//   auto srv = s3rver::find();                 // std::nullopt: DC_SKIP
//   s3rver_process p(*srv);  p.start();         // p.endpoint() == "http://127.0.0.1:PORT"
//   p.stop();  p.start();                       // same port, same data
//
// s3rver runs with NODE_OPTIONS=--openssl-legacy-provider (see start()).
// Where s3rver is: $DATACHAIN_S3RVER, else the path CMake found
// (DATACHAIN_S3RVER_PATH). Its launcher is a node script: `node` must be on
// PATH.
#pragma once

#include <datachain/object_storage.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace objstore_test {

namespace fs = std::filesystem;

inline bool on_path(const char* program) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::string p = path;
    for (std::size_t a = 0; a <= p.size();) {
        auto b = p.find(':', a);
        if (b == std::string::npos) b = p.size();
        if (::access((p.substr(a, b - a) + "/" + program).c_str(), X_OK) == 0) return true;
        a = b + 1;
    }
    return false;
}

// The s3rver launcher, or nullopt with the reason in `why`.
inline std::optional<std::string> find_s3rver(std::string& why) {
    std::string p;
    if (const char* e = std::getenv("DATACHAIN_S3RVER"); e && *e) p = e;
#ifdef DATACHAIN_S3RVER_PATH
    else p = DATACHAIN_S3RVER_PATH;
#endif
    if (p.empty() || ::access(p.c_str(), X_OK) != 0) {
        why = "s3rver not found (" + (p.empty() ? std::string("no path configured") : p) +
              "); scripts/test.sh installs it (npm install s3rver), or set DATACHAIN_S3RVER";
        return std::nullopt;
    }
    if (!on_path("node")) {
        why = "node is not on PATH (s3rver needs Node.js; apt-get install nodejs npm)";
        return std::nullopt;
    }
    return p;
}

struct s3rver_process {
    std::string program;
    fs::path dir;  // s3rver's data, kept across stop()/start()
    int port = 0;
    pid_t pid = -1;

    s3rver_process(std::string prog, fs::path data) : program(std::move(prog)), dir(std::move(data)) {}
    ~s3rver_process() { stop(); }
    s3rver_process(const s3rver_process&) = delete;
    s3rver_process& operator=(const s3rver_process&) = delete;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }

    // Starts s3rver (port 0 the first time: the kernel picks a free one, read
    // from its "listening on" line) and waits until it answers.
    void start() {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        const pid_t parent = ::getpid();
        pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(1);
            ::dup2(out[1], 1);
            int devnull = ::open("/dev/null", O_WRONLY);
            if (devnull >= 0) ::dup2(devnull, 2);
            // s3rver 3.7.1 makes its continuation tokens with DES, which
            // OpenSSL 3 (Node 17 and later) has only in the legacy provider:
            // without it every listing past 1,000 keys is a 500.
            ::setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
            const std::string port_s = std::to_string(port);
            ::execl(program.c_str(), program.c_str(), "-d", dir.c_str(), "-a", "127.0.0.1", "-p", port_s.c_str(),
                    "--silent", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        // "S3rver listening on 127.0.0.1:PORT"; a generous limit, only so that a
        // server that never starts fails the test instead of hanging it.
        std::string text;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        auto have_line = [&] {
            auto at = text.find("listening");
            return at != std::string::npos && text.find('\n', at) != std::string::npos;
        };
        while (!have_line() && std::chrono::steady_clock::now() < deadline) {
            pollfd pfd{out[0], POLLIN, 0};
            if (::poll(&pfd, 1, 200) <= 0) continue;
            char buf[256];
            ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n <= 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
        ::close(out[0]);
        auto colon = have_line() ? text.find(':', text.find("listening")) : std::string::npos;
        if (colon == std::string::npos) {
            stop();
            throw std::runtime_error("s3rver did not start (" + program + "): '" + text + "'");
        }
        port = std::stoi(text.substr(colon + 1));
        // It answers: an anonymous ListBuckets.
        for (int i = 0; i < 300; ++i) {
            datachain::detail::objstore::http_request_spec q;
            q.url = endpoint() + "/";
            auto r = datachain::detail::objstore::http_request(q);
            if (r.status == 200) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        stop();
        throw std::runtime_error("s3rver on " + endpoint() + " does not answer");
    }

    void stop() {
        if (pid <= 0) return;
        ::kill(pid, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid, nullptr, WNOHANG) == pid) {
                pid = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        pid = -1;
    }
};

} // namespace objstore_test
