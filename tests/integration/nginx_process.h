// Starts nginx (the one scripts/setup installs) as a TLS-terminating reverse
// proxy in front of realm-server: one `listen … ssl` server per certificate,
// each on its own free loopback port, all proxying to 127.0.0.1:<upstream>
// with HTTP/1.1, WebSocket upgrades (Upgrade/Connection headers) and
// proxy_buffering off (SSE). Config, logs and temp files live in a fresh temp
// folder (`-p`); nginx runs in the foreground without a master process and is
// stopped by PID.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace realm::test {

struct NginxSite {
    std::string cert, key;  // PEM files for this listener
};

class NginxProcess {
public:
    // Starts nginx with one listener per site. Fails the current test
    // (ADD_FAILURE, with nginx's error log) and returns false when nginx is
    // missing or does not come up.
    bool start(int upstream_port, const std::vector<NginxSite> &sites);
    // SIGTERM and wait (SIGKILL after 5 s); removes the temp folder.
    void stop();
    ~NginxProcess();

    // The loopback port of sites[i].
    int port(size_t i) const { return ports_.at(i); }
    pid_t pid() const { return pid_; }
    std::string error_log() const;

private:
    bool start_once(int upstream_port, const std::vector<NginxSite> &sites, std::string *why);
    pid_t pid_ = -1;
    std::string dir_;
    std::vector<int> ports_;
};

// The nginx binary: $REALM_NGINX, else /usr/sbin/nginx, else `nginx` on PATH;
// empty when there is none.
std::string nginx_binary();

}  // namespace realm::test
