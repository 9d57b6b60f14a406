/*
 * realm_scale: the C side of the scale benchmark (issue 12), public C API only.
 * Run everything with scripts/bench-scale; bench/scale/scale.py and scale.mjs
 * do the same work through the Python and Node SDKs.
 *
 *   realm_scale --url ws://127.0.0.1:PORT --case CASE [--n N] [options]
 *
 * Every client uses the default options (only the URL is set). Cases:
 *   streams  N concurrent streams x --tokens (100) on one client (one
 *            connection), all started at once: one warm-up wave of N, then
 *            stream_waves(N) measured waves (at least 3, and 10,000 streams
 *            in all); per wave the time from the first start to the last
 *            terminal event, the median wave reported (secs, with the
 *            client CPU per wave)
 *   conns    N clients in this process, each connects and runs one request
 *            (generate, not streamed: realm-server answers one short text),
 *            submitted right after the connect call (it waits in the
 *            client's queue until the connection is ready); time from
 *            creating the first client to the last terminal event, failures
 *   idle     RSS of N connected idle clients: RSS after one warm client
 *            (baseline), after creating N more (rss_created) and once those
 *            are connected and have sat idle for a second; (after - before) / N
 *   soak     N small requests (generate, max_tokens 1, not streamed) on one
 *            client, at most --window (100) in flight (refilled whenever half
 *            of them have ended); RSS sampled, with nothing in flight, after
 *            the warm-up (min(200,000, N/6) requests), every tenth of the rest
 *            (listed on stderr) and at the end; drift = end vs warm-up. With
 *            --budget S (seconds, 0 = none) N shrinks, after the warm-up, to
 *            what the warm-up's rate gets done in S seconds (a multiple of
 *            10,000)
 *
 * Prints one line: RESULT lang=c case=CASE key=value ...; exit status 0 when
 * every request completed. RLIMIT_NOFILE is raised to its hard limit first
 * (the shared event thread sizes itself from it when the first client starts).
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "realm/realm.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static long g_ended;       /* terminal events seen */
static long g_complete;    /* ... of which complete */
static long g_connected;   /* connect callbacks with REALM_OK */
static long g_connect_done;
static long g_inflight;    /* soak: accepted, not ended */
static long g_wake_below;  /* soak: on_done signals when g_inflight drops to this */
static int64_t g_tokens;   /* tokens seen by on_tokens */
static long g_bad_count;   /* completed with an unexpected token count */
static int64_t g_expect;   /* expected tokens_generated of each request; 0 = any > 0, -1 = unchecked */
static char g_first_error[256];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double secs_since(uint64_t t0) { return (double)(now_ns() - t0) / 1e9; }

/* user + system CPU time of this process (every thread), seconds */
static double cpu_secs(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Resident set size of this process, KiB (/proc/self/statm). */
static long rss_kib(void) {
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void note_error(const char *what, const realm_error_t *e, realm_status_t st) {
    /* callers hold g_mu */
    if (!g_first_error[0])
        snprintf(g_first_error, sizeof g_first_error, "%s %s: %s", what,
                 e ? realm_error_code(e) : realm_status_name(st), e ? realm_error_message(e) : realm_strerror(st));
}

static void on_tokens(void *user, realm_request_t *req, const realm_token_t *t, size_t n) {
    (void)user;
    (void)req;
    (void)t;
    __atomic_add_fetch(&g_tokens, (int64_t)n, __ATOMIC_RELAXED);
}

static void on_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    (void)user;
    (void)req;
    int64_t got = result ? realm_result_tokens_generated(result) : -1;
    pthread_mutex_lock(&g_mu);
    ++g_ended;
    if (outcome == REALM_OUTCOME_COMPLETE) {
        ++g_complete;
        if ((g_expect > 0 && got != g_expect) || (g_expect == 0 && got <= 0)) ++g_bad_count;
    } else {
        note_error("request", error, REALM_ERR_INTERNAL);
    }
    long left = --g_inflight;
    int wake = left <= g_wake_below;
    pthread_mutex_unlock(&g_mu);
    if (wake) pthread_cond_signal(&g_cv);
}

static void on_connect(void *user, realm_client_t *client, realm_status_t st, const realm_error_t *e) {
    (void)user;
    (void)client;
    pthread_mutex_lock(&g_mu);
    ++g_connect_done;
    if (st == REALM_OK)
        ++g_connected;
    else
        note_error("connect", e, st);
    pthread_mutex_unlock(&g_mu);
    pthread_cond_signal(&g_cv);
}

/* Waits until `*counter >= target` or `timeout_s` passed; returns 1 if reached. */
static int wait_for(const long *counter, long target, double timeout_s) {
    uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
    pthread_mutex_lock(&g_mu);
    while (*counter < target) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L; /* re-check every 100 ms */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec += 1;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g_cv, &g_mu, &ts);
        if (now_ns() > deadline) break;
    }
    int ok = *counter >= target;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static void reset_counters(int64_t expect) {
    pthread_mutex_lock(&g_mu);
    g_ended = g_complete = g_connected = g_connect_done = g_inflight = g_bad_count = 0;
    g_wake_below = 0;
    g_tokens = 0;
    g_expect = expect;
    pthread_mutex_unlock(&g_mu);
}

static realm_client_t *new_client(const char *url) {
    realm_options_t *o = realm_options_new();
    realm_client_t *c = NULL;
    realm_error_t *err = NULL;
    if (!o || realm_options_set_url(o, url) != REALM_OK) {
        fprintf(stderr, "realm_scale: bad url %s\n", url);
        exit(2);
    }
    realm_status_t st = realm_client_new(o, &c, &err);
    realm_options_destroy(o);
    if (st != REALM_OK) {
        fprintf(stderr, "realm_scale: realm_client_new: %s\n", err ? realm_error_message(err) : realm_strerror(st));
        realm_error_destroy(err);
        return NULL;
    }
    return c;
}

static realm_client_t *connected_client(const char *url) {
    realm_client_t *c = new_client(url);
    realm_error_t *err = NULL;
    if (!c) exit(1);
    realm_status_t st = realm_client_connect_wait(c, 0, &err);
    if (st != REALM_OK) {
        fprintf(stderr, "realm_scale: connect: %s\n", err ? realm_error_message(err) : realm_strerror(st));
        exit(1);
    }
    return c;
}

/* Starts one generate; returns 1 if accepted (counted in g_inflight). */
static int start_generate(realm_client_t *c, int64_t max_tokens, int stream) {
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "Scale";
    p.max_tokens = max_tokens;
    p.stream = stream;
    realm_handler_t h = REALM_HANDLER_INIT;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    pthread_mutex_lock(&g_mu);
    ++g_inflight;
    pthread_mutex_unlock(&g_mu);
    realm_error_t *err = NULL;
    realm_status_t st = realm_generate(c, &p, NULL, &h, NULL, &err);
    if (st != REALM_OK) {
        pthread_mutex_lock(&g_mu);
        --g_inflight;
        note_error("refused", err, st);
        pthread_mutex_unlock(&g_mu);
        realm_error_destroy(err);
        return 0;
    }
    return 1;
}

/* One request on a connected client, waited for (warm-up). */
static void warm_up(realm_client_t *c, int64_t tokens, int stream) {
    reset_counters(stream ? tokens : 0);
    if (!start_generate(c, tokens, stream) || !wait_for(&g_ended, 1, 60) || g_complete != 1) {
        fprintf(stderr, "realm_scale: warm-up request failed: %s\n", g_first_error);
        exit(1);
    }
}

static void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static long nofile(void) {
    struct rlimit rl;
    return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : -1;
}

/* Measured waves of n streams (scale.py and scale.mjs alike): at least 3, and
   10,000 streams in all, so that a small size is not one 0.1-second sample
   at the mercy of the machine's moment. */
static long stream_waves(long n) {
    long w = (10000 + n - 1) / n;
    return w < 3 ? 3 : w;
}

/* One wave: n streams started at once, waited for; their time in *secs.
   Returns the streams that completed with every token; *finished = 0 if
   the wave hit its 600-second limit. */
static long stream_wave(realm_client_t *c, long n, int64_t tokens, double *secs, int *finished) {
    reset_counters(tokens);
    uint64_t t0 = now_ns();
    long accepted = 0;
    for (long i = 0; i < n; ++i) accepted += start_generate(c, tokens, 1);
    *finished = wait_for(&g_ended, accepted, 600);
    *secs = secs_since(t0);
    pthread_mutex_lock(&g_mu);
    long complete = g_complete - g_bad_count;
    int64_t seen = g_tokens;
    pthread_mutex_unlock(&g_mu);
    if (complete == n && seen != (int64_t)n * tokens) complete = n - 1; /* a token went missing: a failure */
    return complete;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int case_streams(const char *url, long n, int64_t tokens) {
    realm_client_t *c = connected_client(url);
    double secs;
    int finished;
    stream_wave(c, n, tokens, &secs, &finished); /* warm-up: the allocators sized for n streams */
    long waves = stream_waves(n), ok = 0, done = 0;
    double *times = calloc((size_t)waves, sizeof *times);
    if (!times) exit(1);
    double cpu0 = cpu_secs();
    while (done < waves && finished) ok += stream_wave(c, n, tokens, &times[done++], &finished);
    double cpu = (cpu_secs() - cpu0) / (double)done;
    qsort(times, (size_t)done, sizeof *times, cmp_double);
    secs = times[done / 2];
    free(times);
    long total = n * waves;
    printf("RESULT lang=c case=streams n=%ld tokens=%lld waves=%ld ok=%ld failed=%ld secs=%.3f us_per_stream=%.1f "
           "cpu_s=%.3f finished=%d\n",
           n, (long long)tokens, done, ok, total - ok, secs, secs * 1e6 / (double)n, cpu, finished);
    fflush(stdout);
    if (ok != total) fprintf(stderr, "realm_scale: first error: %s\n", g_first_error);
    realm_client_destroy(c);
    return ok == total ? 0 : 1;
}

static int case_conns(const char *url, long n, int64_t tokens) {
    realm_client_t **cs = calloc((size_t)n, sizeof *cs);
    if (!cs) return 1;
    /* The event thread starts with the first client: one warm client first, so
     * the timing does not include the library's start. */
    realm_client_t *warm = connected_client(url);
    warm_up(warm, tokens, 0);
    reset_counters(0); /* not streamed: realm-server answers a fixed text */
    uint64_t t0 = now_ns();
    long accepted = 0, created = 0;
    for (long i = 0; i < n; ++i) {
        cs[i] = new_client(url);
        if (!cs[i]) continue;
        ++created;
        if (realm_client_connect(cs[i], on_connect, NULL) != REALM_OK) continue;
        /* queued until the connection is ready */
        accepted += start_generate(cs[i], tokens, 0);
    }
    int finished = wait_for(&g_ended, accepted, 600);
    double secs = secs_since(t0);
    pthread_mutex_lock(&g_mu);
    long complete = g_complete - g_bad_count, connected = g_connected;
    pthread_mutex_unlock(&g_mu);
    printf("RESULT lang=c case=conns n=%ld ok=%ld failed=%ld connect_failed=%ld secs=%.3f nofile=%ld finished=%d\n",
           n, complete, n - complete, created - connected, secs, nofile(), finished);
    fflush(stdout);
    if (complete != n) fprintf(stderr, "realm_scale: first error: %s\n", g_first_error);
    uint64_t t1 = now_ns();
    for (long i = 0; i < n; ++i) realm_client_destroy(cs[i]);
    fprintf(stderr, "realm_scale: destroyed %ld clients in %.2f s\n", n, secs_since(t1));
    free(cs);
    realm_client_destroy(warm);
    return complete == n ? 0 : 1;
}

static int case_idle(const char *url, long n) {
    realm_client_t **cs = calloc((size_t)n, sizeof *cs);
    if (!cs) return 1;
    realm_client_t *warm = connected_client(url);
    warm_up(warm, 10, 1);
    usleep(300 * 1000);
    long before = rss_kib();
    reset_counters(-1);
    for (long i = 0; i < n; ++i) cs[i] = new_client(url);
    long created = rss_kib();
    for (long i = 0; i < n; ++i)
        if (cs[i]) realm_client_connect(cs[i], on_connect, NULL);
    wait_for(&g_connect_done, n, 120);
    sleep(1);
    long after = rss_kib();
    pthread_mutex_lock(&g_mu);
    long connected = g_connected;
    pthread_mutex_unlock(&g_mu);
    double per = connected ? (double)(after - before) / (double)connected : 0.0;
    printf("RESULT lang=c case=idle n=%ld connected=%ld rss_before_kib=%ld rss_created_kib=%ld rss_after_kib=%ld "
           "kib_per_conn=%.1f\n",
           n, connected, before, created, after, per);
    fflush(stdout);
    if (connected != n) fprintf(stderr, "realm_scale: first error: %s\n", g_first_error);
    for (long i = 0; i < n; ++i) realm_client_destroy(cs[i]);
    free(cs);
    realm_client_destroy(warm);
    return connected == n ? 0 : 1;
}

static int case_soak(const char *url, long n, long window, double budget) {
    realm_client_t *c = connected_client(url);
    warm_up(c, 1, 0);
    long warm = n / 6 < 200000 ? n / 6 : 200000;
    long step = (n - warm) / 10 > 0 ? (n - warm) / 10 : 1;
    long limit = warm > 0 ? warm : n; /* next sampling point: every request before it has ended */
    long samples[16];
    int nsamples = 0;
    reset_counters(0);
    pthread_mutex_lock(&g_mu);
    g_wake_below = window / 2; /* refill once half the window has ended */
    pthread_mutex_unlock(&g_mu);
    uint64_t t0 = now_ns();
    long submitted = 0, refused = 0;
    while (submitted < n) {
        pthread_mutex_lock(&g_mu);
        while (g_inflight > g_wake_below) pthread_cond_wait(&g_cv, &g_mu);
        long room = window - g_inflight;
        pthread_mutex_unlock(&g_mu);
        for (long i = 0; i < room && submitted < limit; ++i, ++submitted) refused += !start_generate(c, 1, 0);
        if (refused > 0) break;
        if (submitted < limit) continue;
        wait_for(&g_ended, submitted, 120);
        if (nsamples < 16) samples[nsamples++] = rss_kib();
        if (limit == warm && budget > 0) {
            double rate = (double)warm / secs_since(t0);
            long fit = (long)(rate * budget) / 10000 * 10000;
            if (fit < 2 * warm) fit = 2 * warm;
            if (fit < n) {
                n = fit;
                step = (n - warm) / 10 > 0 ? (n - warm) / 10 : 1;
            }
        }
        limit = limit + step < n ? limit + step : n;
    }
    wait_for(&g_ended, submitted - refused, 120);
    double secs = secs_since(t0);
    long end = rss_kib();
    long start = nsamples ? samples[0] : end, rss_max = end;
    for (int i = 0; i < nsamples; ++i)
        if (samples[i] > rss_max) rss_max = samples[i];
    pthread_mutex_lock(&g_mu);
    long complete = g_complete - g_bad_count;
    pthread_mutex_unlock(&g_mu);
    printf("RESULT lang=c case=soak n=%ld window=%ld ok=%ld failed=%ld secs=%.2f req_s=%.0f warm=%ld "
           "rss_start_kib=%ld rss_end_kib=%ld rss_max_kib=%ld drift_pct=%.2f\n",
           n, window, complete, n - complete, secs, (double)complete / secs, warm, start, end, rss_max,
           start > 0 ? 100.0 * (double)(end - start) / (double)start : 0.0);
    fflush(stdout);
    fprintf(stderr, "realm_scale: soak RSS samples (KiB):");
    for (int i = 0; i < nsamples; ++i) fprintf(stderr, " %ld", samples[i]);
    fprintf(stderr, "\n");
    if (complete != n) fprintf(stderr, "realm_scale: first error: %s\n", g_first_error);
    realm_client_destroy(c);
    return complete == n ? 0 : 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: realm_scale --url URL --case streams|conns|idle|soak [--n N] [--tokens T]\n"
            "                   [--window W] [--budget SECONDS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *url = NULL, *which = NULL;
    long n = 0, window = 100;
    int64_t tokens = -1;
    double budget = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (i + 1 >= argc) usage();
        if (!strcmp(a, "--url"))
            url = argv[++i];
        else if (!strcmp(a, "--case"))
            which = argv[++i];
        else if (!strcmp(a, "--n"))
            n = atol(argv[++i]);
        else if (!strcmp(a, "--tokens"))
            tokens = atoll(argv[++i]);
        else if (!strcmp(a, "--window"))
            window = atol(argv[++i]);
        else if (!strcmp(a, "--budget"))
            budget = atof(argv[++i]);
        else
            usage();
    }
    if (!url || !which || n <= 0 || window < 2) usage();
    raise_nofile();
    if (!strcmp(which, "streams")) return case_streams(url, n, tokens < 0 ? 100 : tokens);
    if (!strcmp(which, "conns")) return case_conns(url, n, tokens < 0 ? 10 : tokens);
    if (!strcmp(which, "idle")) return case_idle(url, n);
    if (!strcmp(which, "soak")) return case_soak(url, n, window, budget);
    usage();
    return 2;
}
