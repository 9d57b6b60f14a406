#include "upstream_feed.h"

#include "upstream_call.h"
#include "upstream_pool.h"

namespace realm::server {

UpstreamFeed::UpstreamFeed(std::shared_ptr<UpstreamCall> call) : call_(std::move(call)) {}

UpstreamFeed::~UpstreamFeed() {
    if (call_->state == UpstreamCall::State::Running) call_->pool->abandon(*call_);
    call_->wake = nullptr;
}

UpstreamFeed::Next UpstreamFeed::next(std::string *piece) {
    UpstreamCall &c = *call_;
    if (!c.pieces.empty()) {
        piece->swap(c.pieces.front());
        c.pieces.pop_front();
        ++c.handed;
        return Next::Piece;
    }
    switch (c.state) {
        case UpstreamCall::State::Running:
            return Next::Wait;
        case UpstreamCall::State::Finished:
            return Next::Finished;
        case UpstreamCall::State::Failed:
            break;
    }
    return Next::Failed;
}

bool UpstreamFeed::idle() const { return call_->pieces.empty() && call_->state == UpstreamCall::State::Running; }

bool UpstreamFeed::next_is_failure() const {
    return call_->pieces.empty() && call_->state == UpstreamCall::State::Failed;
}

void UpstreamFeed::watch(TimerHandle *timer) { call_->wake = timer; }

const std::string &UpstreamFeed::finish_reason() const { return call_->finish_reason; }
std::optional<uint64_t> UpstreamFeed::prompt_tokens() const { return call_->prompt_tokens; }
std::optional<uint64_t> UpstreamFeed::completion_tokens() const { return call_->completion_tokens; }
uint64_t UpstreamFeed::pieces() const { return call_->handed; }
const UpstreamError &UpstreamFeed::error() const { return call_->error; }

}  // namespace realm::server
