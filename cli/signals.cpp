#include "signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace realm_cli {
namespace {

int g_pipe[2] = {-1, -1};
volatile sig_atomic_t g_pending = 0;

void on_sigint(int) {
    int saved = errno;
    g_pending = 1;
    if (g_pipe[1] >= 0) {
        char b = 1;
        ssize_t r = write(g_pipe[1], &b, 1);
        (void)r;
    }
    errno = saved;
}

}  // namespace

void install_sigint_handler() {
    if (g_pipe[0] >= 0) return;
    if (pipe(g_pipe) != 0) return;
    for (int fd : g_pipe) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa = {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read() returns EINTR
    sigaction(SIGINT, &sa, nullptr);
}

int sigint_fd() { return g_pipe[0]; }

bool take_sigint() {
    bool got = g_pending != 0;
    g_pending = 0;
    if (g_pipe[0] >= 0) {
        char buf[64];
        while (read(g_pipe[0], buf, sizeof buf) > 0) got = true;
    }
    return got;
}

BlockSigintInNewThreads::BlockSigintInNewThreads() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

BlockSigintInNewThreads::~BlockSigintInNewThreads() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace realm_cli
