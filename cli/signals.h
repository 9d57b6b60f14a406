// Ctrl-C handling. SIGINT sets a flag and writes a byte to a self-pipe, so
// the main thread notices it in poll() (while a request runs) or as EINTR
// (while libedit reads a line: the handler is installed without SA_RESTART).
// librealm's event thread is started with SIGINT blocked (see
// BlockSigintInNewThreads) so the signal always lands on the main thread.
#pragma once

namespace realm_cli {

// Installs the handler (idempotent). Until then SIGINT keeps its default.
void install_sigint_handler();
// The read end of the self-pipe (-1 before install).
int sigint_fd();
// true if SIGINT arrived since the last call; empties the pipe.
bool take_sigint();

// RAII: blocks SIGINT in the calling thread for its lifetime, so that
// threads created meanwhile (librealm's event thread) inherit the mask.
class BlockSigintInNewThreads {
public:
    BlockSigintInNewThreads();
    ~BlockSigintInNewThreads();
    BlockSigintInNewThreads(const BlockSigintInNewThreads &) = delete;
    BlockSigintInNewThreads &operator=(const BlockSigintInNewThreads &) = delete;
};

}  // namespace realm_cli
