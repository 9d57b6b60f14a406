// realm bench [PROMPT|-] -n N -c C: N streamed generations, C at a time, on
// one client; live progress on a terminal, then a table (or --json).
// Timings are the core's: realm_result_first_token_ms / realm_result_elapsed_ms.
#include "bench_report.h"
#include "bench_stats.h"
#include "client.h"
#include "commands.h"
#include "exit_codes.h"
#include "output.h"
#include "signals.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace realm_cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int64_t tokens_of(const realm_result_t *r) {
    if (int64_t n = realm_result_completion_tokens(r); n >= 0) return n;
    if (int64_t n = realm_result_tokens_generated(r); n >= 0) return n;
    return realm_result_streamed_tokens(r);
}

}  // namespace

int cmd_bench(const CommandLine &cl) {
    Printer printer(cl.global.json);
    if (cl.args.size() > 1) {
        print_message("bench: too many arguments (realm bench [PROMPT] -n N -c C; see realm bench --help)");
        return kExitUsage;
    }
    std::string prompt = cl.args.empty() ? "Hello" : cl.args[0];
    if (prompt == "-") {
        prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
    }
    if (prompt.empty()) {
        print_message("bench: the prompt is empty");
        return kExitUsage;
    }
    const int64_t total = cl.requests, concurrency = std::min(cl.concurrency, cl.requests);

    install_sigint_handler();
    Client client(cl.global, printer);
    // Pooled dialects (openai-ws, openai-http) get one connection per concurrent request.
    std::string pool = std::to_string(std::min<int64_t>(concurrency, 1024));
    if (int rc = client.open(false, {{"max_connections", pool}})) return rc;
    if (int rc = client.connect()) return rc;

    realm_generate_params_t p = generate_params(cl.global);
    std::vector<realm_message_t> messages;
    if (cl.global.system || cl.chat) {
        if (cl.global.system) messages.push_back({"system", cl.global.system->c_str()});
        messages.push_back({"user", prompt.c_str()});
        p.messages = messages.data();
        p.message_count = messages.size();
    } else {
        p.prompt = prompt.c_str();
    }

    BenchStats stats;
    std::map<realm_status_t, size_t> statuses;
    std::vector<realm_request_t *> reqs(static_cast<size_t>(total), nullptr);
    int64_t started = 0, in_flight = 0;
    bool interrupted = false;
    const bool progress = isatty(STDERR_FILENO);
    const Clock::time_point t0 = Clock::now();
    Clock::time_point last_progress = t0;

    auto on_event = [&](const realm_queue_event_t &ev) {
        if (ev.kind == REALM_QEV_TOKENS) stats.add_streamed(ev.token_count);
        if (ev.kind != REALM_QEV_DONE) return;
        auto i = reinterpret_cast<intptr_t>(ev.user);
        if (ev.outcome == REALM_OUTCOME_COMPLETE) {
            stats.add_ok(realm_result_first_token_ms(ev.result), realm_result_elapsed_ms(ev.result),
                         tokens_of(ev.result));
        } else {
            stats.add_error(realm_error_code(ev.error));
            statuses[realm_error_status(ev.error)]++;
        }
        realm_request_release(reqs[static_cast<size_t>(i)]);
        reqs[static_cast<size_t>(i)] = nullptr;
        in_flight--;
    };

    while (stats.done() < static_cast<size_t>(total)) {
        while (!interrupted && started < total && in_flight < concurrency) {
            intptr_t i = static_cast<intptr_t>(started++);
            realm_handler_t h = client.handler(reinterpret_cast<void *>(i));
            realm_error_t *err = nullptr;
            realm_status_t st = realm_generate(client.get(), &p, nullptr, &h, &reqs[static_cast<size_t>(i)], &err);
            if (st == REALM_OK) {
                in_flight++;
            } else {
                stats.add_error(err ? realm_error_code(err) : realm_status_name(st));
                statuses[st]++;
                realm_error_destroy(err);
            }
        }
        if (in_flight == 0) break;  // interrupted, or every start failed
        Wake w = pump(client.queue(), progress ? 200 : -1, on_event);
        if (w == Wake::Interrupted && !interrupted) {
            interrupted = true;  // stop starting; cancel what runs
            for (realm_request_t *r : reqs)
                if (r) realm_request_cancel(r);
        }
        if (progress && (Clock::now() - last_progress > std::chrono::milliseconds(200))) {
            last_progress = Clock::now();
            std::fprintf(stderr, "\r\033[K%s", bench_progress_line(stats, total, seconds_since(t0)).c_str());
            std::fflush(stderr);
        }
    }
    stats.set_wall_seconds(seconds_since(t0));
    if (progress) std::fprintf(stderr, "\r\033[K");

    BenchSetup setup{cl.global.url, cl.global.dialect.empty() ? "auto" : cl.global.dialect, prompt, total,
                     concurrency, interrupted};
    if (cl.global.json) std::printf("%s\n", bench_json(setup, stats).c_str());
    else std::printf("%s", bench_table(setup, stats).c_str());
    std::fflush(stdout);

    if (interrupted) return exit_code_for_category(REALM_CATEGORY_CANCELLED);
    if (stats.errors() == 0) return kExitOk;
    // The category of the most frequent error.
    realm_status_t worst = REALM_OK;
    size_t n = 0;
    for (const auto &[st, count] : statuses)
        if (count > n) worst = st, n = count;
    return exit_code_for_status(worst);
}

}  // namespace realm_cli
