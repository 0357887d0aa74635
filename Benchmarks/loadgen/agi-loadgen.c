/*
 * agi-loadgen: a FastAGI load generator that plays Asterisk 22.
 *
 * Each session connects to the server under test, sends an environment block shaped
 * like the ones recorded from Asterisk 22.10.1 (Tests/AGITests/Fixtures/asterisk/), then
 * answers every command of the `bench` or `hold` script of
 * /work/shared/bench/REFERENCE.md with the `200 result=...` line Asterisk would send.
 * In hold mode `WAIT FOR DIGIT T` is answered only after T ms, so sessions stay open
 * like calls on hold. A session is OK when the server sent exactly the expected
 * commands and then closed the connection; anything else is a failure with a reason.
 *
 * Timing ("server time"): from the moment the loadgen's write of an answer returned to
 * the moment the next command line was read. `env` is the same for the environment
 * block -> first command, `close` for the HANGUP answer -> EOF.
 *
 * One epoll loop, non-blocking sockets, closed loop: `--concurrency N` sessions are kept
 * in flight (optionally ramped up with `--connect-rate`). Bounded: `--duration S` or
 * `--sessions N`, a per-session timeout and a hard `--max-time`. Only loopback targets.
 *
 * Output: human text on stderr and one machine-readable line on stdout:
 *   RESULT label=... script=bench concurrency=50 sessions_ok=... sessions_per_s=... cmd_p50_us=...
 *
 * Build: gcc -O2 -Wall -Wextra -o agi-loadgen agi-loadgen.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- time */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- histogram (µs) */

/* Log-linear: exact below 64 µs, then 32 buckets per power of two (about 3% wide). */
#define H_EXACT 64
#define H_SUB 32
#define H_SIZE (H_EXACT + 40 * H_SUB)

struct histogram {
    uint64_t count, max, sum;
    uint64_t buckets[H_SIZE];
};

static int h_index(uint64_t v) {
    if (v < H_EXACT) return (int)v;
    int e = 63 - __builtin_clzll(v); /* >= 6 */
    int idx = H_EXACT + (e - 6) * H_SUB + (int)((v >> (e - 5)) & (H_SUB - 1));
    return idx < H_SIZE ? idx : H_SIZE - 1;
}

static uint64_t h_value(int idx) { /* middle of the bucket */
    if (idx < H_EXACT) return (uint64_t)idx;
    int e = (idx - H_EXACT) / H_SUB + 6;
    uint64_t sub = (uint64_t)((idx - H_EXACT) % H_SUB) + H_SUB;
    uint64_t lo = sub << (e - 5), width = 1ull << (e - 5);
    return lo + width / 2;
}

static void h_add(struct histogram *h, uint64_t v) {
    h->count++;
    h->sum += v;
    if (v > h->max) h->max = v;
    h->buckets[h_index(v)]++;
}

static uint64_t h_percentile(const struct histogram *h, double p) {
    if (h->count == 0) return 0;
    uint64_t rank = (uint64_t)(p * (double)h->count + 0.999999);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < H_SIZE; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = h_value(i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

/* ---------------------------------------------------------------- scripts */

struct step {
    int name_words;          /* leading words compared case-insensitively */
    const char *words[8];    /* expected words after Asterisk-style unquoting */
    const char *reply;       /* what Asterisk answers */
    int delay_ms;            /* answer only after this long (WAIT FOR DIGIT in hold mode) */
};

#define WAIT1000 {3, {"WAIT", "FOR", "DIGIT", "1000"}, "200 result=0\n", 1000}
static const struct step bench_steps[] = {
    {1, {"ANSWER"}, "200 result=0\n", 0},
    {2, {"GET", "DATA", "ciba/enter-ssn", "5000", "12"}, "200 result=196802020575\n", 0},
    {2, {"SET", "VARIABLE", "CIBA_STATUS", "VERIFIED"}, "200 result=1\n", 0},
    {2, {"STREAM", "FILE", "ciba/verified", ""}, "200 result=0 endpos=10240\n", 0},
    {1, {"HANGUP"}, "200 result=1\nHANGUP\n", 0},
};
static const struct step hold_steps[] = {
    {1, {"ANSWER"}, "200 result=0\n", 0},
    {3, {"SET", "MUSIC", "ON", "default"}, "200 result=0\n", 0},
    WAIT1000, WAIT1000, WAIT1000, WAIT1000, WAIT1000,
    WAIT1000, WAIT1000, WAIT1000, WAIT1000, WAIT1000,
    {3, {"SET", "MUSIC", "OFF"}, "200 result=0\n", 0},
    {1, {"HANGUP"}, "200 result=1\nHANGUP\n", 0},
};

/* Splits a command line into words the way Asterisk's parse_args() does: blanks separate,
 * '"' toggles quoting (removed), '\' makes the next character literal. */
static int split_words(const char *line, char *scratch, const char **words, int max_words) {
    int n = 0, in_word = 0, quoted = 0, escaped = 0;
    char *out = scratch;
    for (const char *p = line; *p; p++) {
        char ch = *p;
        if (escaped) { escaped = 0; goto literal; }
        if (ch == '\\') { escaped = 1; goto start_word; }
        if (ch == '"') { quoted = !quoted; goto start_word; }
        if ((ch == ' ' || ch == '\t') && !quoted) {
            if (in_word) { *out++ = 0; in_word = 0; }
            continue;
        }
    literal:
        if (!in_word) {
            if (n == max_words) return -1;
            words[n++] = out;
            in_word = 1;
        }
        *out++ = ch;
        continue;
    start_word:
        if (!in_word) {
            if (n == max_words) return -1;
            words[n++] = out;
            in_word = 1;
        }
    }
    if (in_word) *out = 0;
    return n;
}

static int step_matches(const struct step *s, const char *line) {
    char scratch[1024];
    const char *words[8];
    if (strlen(line) >= sizeof scratch) return 0;
    int n = split_words(line, scratch, words, 8);
    int expected = 0;
    while (expected < 8 && s->words[expected]) expected++;
    if (n != expected) return 0;
    for (int i = 0; i < n; i++) {
        int same = i < s->name_words ? strcasecmp(words[i], s->words[i]) == 0
                                     : strcmp(words[i], s->words[i]) == 0;
        if (!same) return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- failures */

enum reason {
    R_CONNECT, R_EARLY_CLOSE, R_RESET, R_UNEXPECTED, R_EXTRA, R_TIMEOUT,
    R_WRITE, R_LINE_TOO_LONG, R_ABORTED, R_COUNT
};
static const char *const reason_names[R_COUNT] = {
    "connect", "early_close", "reset", "unexpected_command", "extra_after_hangup",
    "timeout", "write", "line_too_long", "aborted"
};

/* ---------------------------------------------------------------- sessions */

enum state { S_FREE, S_CONNECTING, S_RUNNING, S_AWAIT_CLOSE };

struct session {
    int fd;
    enum state state;
    int step;             /* index of the next expected command */
    int holding;          /* between SET MUSIC ON and SET MUSIC OFF */
    uint32_t gen;         /* bumps when the slot is reused (stale timers) */
    uint64_t started_ns, last_write_ns;
    size_t in_len;
    char in[1024];
};

struct timer { uint64_t due_ns; uint32_t slot, gen; };

static struct {
    const struct step *steps;
    int nsteps;
    const char *script;
    struct sockaddr_in target;
    int concurrency;
    double duration_s, warmup_s, connect_rate, timeout_s, max_time_s;
    long sessions_limit;  /* 0 = duration mode */
    const char *label;
    int quiet;
} cfg;

static struct session *slots;
static int *free_stack, free_top;  /* free slots, used last-in first-out */
static int epfd;
static struct timer *heap;
static size_t heap_len, heap_cap;

static struct {
    long started, ok, failed, ok_in_window, reset_after_done;
    long ok_total;  /* never reset: warm-up included (for sessions per server CPU-second) */
    long reasons[R_COUNT];
    int active, max_active, holding, max_holding;
    struct histogram cmd, env, close;
} st;

static uint64_t session_counter;

static void heap_push(struct timer t) {
    if (heap_len == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 1024;
        heap = realloc(heap, heap_cap * sizeof *heap);
        if (!heap) { perror("realloc"); exit(1); }
    }
    size_t i = heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap[parent].due_ns <= t.due_ns) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = t;
}

static struct timer heap_pop(void) {
    struct timer top = heap[0], last = heap[--heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t mv = last.due_ns;
        if (l < heap_len && heap[l].due_ns < mv) { m = l; mv = heap[l].due_ns; }
        if (r < heap_len && heap[r].due_ns < mv) { m = r; }
        if (m == i) break;
        heap[i] = heap[m];
        i = m;
    }
    if (heap_len > 0) heap[i] = last;
    return top;
}

static uint64_t t0_ns, window_start_ns, window_end_ns;
static int in_window(uint64_t t) { return t >= window_start_ns && t < window_end_ns; }

static void finish(int slot, int ok, enum reason why) {
    struct session *s = &slots[slot];
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    if (s->holding) { s->holding = 0; st.holding--; }
    s->state = S_FREE;
    s->gen++;
    free_stack[free_top++] = slot;
    st.active--;
    if (ok) {
        st.ok++;
        st.ok_total++;
        if (cfg.sessions_limit == 0 && in_window(now_ns())) st.ok_in_window++;
    } else {
        st.failed++;
        st.reasons[why]++;
    }
}

static int write_all(struct session *s, const char *text) {
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(s->fd, text + off, len - off);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        return -1;  /* EAGAIN cannot happen for a few bytes to a server that reads */
    }
    s->last_write_ns = now_ns();
    return 0;
}

static void send_environment(int slot) {
    struct session *s = &slots[slot];
    uint64_t id = ++session_counter;
    char env[1024];
    int len = snprintf(env, sizeof env,
        "agi_network: yes\n"
        "agi_network_script: %s\n"
        "agi_request: agi://127.0.0.1:%u/%s\n"
        "agi_channel: PJSIP/trunk-%08llx\n"
        "agi_language: sv\n"
        "agi_type: PJSIP\n"
        "agi_uniqueid: 1795292841.%llu\n"
        "agi_version: 22.10.1\n"
        "agi_callerid: +46701234567\n"
        "agi_calleridname: unknown\n"
        "agi_callingpres: 0\n"
        "agi_callingani2: 0\n"
        "agi_callington: 0\n"
        "agi_callingtns: 0\n"
        "agi_dnid: 4687654321\n"
        "agi_rdnis: unknown\n"
        "agi_context: ivr\n"
        "agi_extension: s\n"
        "agi_priority: 2\n"
        "agi_enhanced: 0.0\n"
        "agi_accountcode: \n"
        "agi_threadid: %llu\n"
        "\n",
        cfg.script, ntohs(cfg.target.sin_port), cfg.script,
        (unsigned long long)id, (unsigned long long)id,
        140387685992128ull + (unsigned long long)(id % 100000) * 4096ull);
    (void)len;
    if (write_all(s, env) < 0) { finish(slot, 0, R_WRITE); return; }
    s->state = S_RUNNING;
    s->step = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)slot};
    epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

static void start_session(int slot) {
    struct session *s = &slots[slot];
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    st.started++;
    st.active++;
    if (st.active > st.max_active) st.max_active = st.active;
    s->state = S_CONNECTING;
    s->in_len = 0;
    s->holding = 0;
    s->started_ns = now_ns();
    if (s->fd < 0) { finish(slot, 0, R_CONNECT); return; }
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(s->fd, (struct sockaddr *)&cfg.target, sizeof cfg.target);
    if (r < 0 && errno != EINPROGRESS) { finish(slot, 0, R_CONNECT); return; }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)slot};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) { finish(slot, 0, R_CONNECT); return; }
    if (r == 0) send_environment(slot);
}

/* One complete command line from the server. Returns 0 to go on, -1 when the session ended. */
static int on_command(int slot, char *line, uint64_t t_read) {
    struct session *s = &slots[slot];
    uint64_t waited_us = (t_read - s->last_write_ns) / 1000;
    if (s->state == S_AWAIT_CLOSE) { finish(slot, 0, R_EXTRA); return -1; }
    const struct step *step = &cfg.steps[s->step];
    if (!step_matches(step, line)) {
        if (!cfg.quiet)
            fprintf(stderr, "unexpected command at step %d: '%s' (expected %s ...)\n",
                    s->step, line, step->words[0]);
        finish(slot, 0, R_UNEXPECTED);
        return -1;
    }
    if (s->step == 0) h_add(&st.env, waited_us); else h_add(&st.cmd, waited_us);
    if (step->name_words == 3 && strcasecmp(step->words[0], "SET") == 0) {
        int on = strcasecmp(step->words[2], "ON") == 0;
        if (on && !s->holding) {
            s->holding = 1;
            if (++st.holding > st.max_holding) st.max_holding = st.holding;
        } else if (!on && s->holding) {
            s->holding = 0;
            st.holding--;
        }
    }
    s->step++;
    if (step->delay_ms > 0) {
        heap_push((struct timer){t_read + (uint64_t)step->delay_ms * 1000000ull, (uint32_t)slot, s->gen});
        return 0;
    }
    if (write_all(s, step->reply) < 0) { finish(slot, 0, R_WRITE); return -1; }
    if (s->step == cfg.nsteps) s->state = S_AWAIT_CLOSE;
    return 0;
}

static void on_readable(int slot) {
    struct session *s = &slots[slot];
    uint32_t gen = s->gen;
    for (;;) {
        if (s->in_len == sizeof s->in) { finish(slot, 0, R_LINE_TOO_LONG); return; }
        ssize_t n = read(s->fd, s->in + s->in_len, sizeof s->in - s->in_len);
        uint64_t t = now_ns();
        if (n == 0) {
            if (s->state == S_AWAIT_CLOSE) {
                h_add(&st.close, (t - s->last_write_ns) / 1000);
                finish(slot, 1, 0);
            } else {
                finish(slot, 0, R_EARLY_CLOSE);
            }
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (s->state == S_AWAIT_CLOSE) {  /* closed with our HANGUP line unread: RST */
                st.reset_after_done++;
                h_add(&st.close, (t - s->last_write_ns) / 1000);
                finish(slot, 1, 0);
            } else {
                finish(slot, 0, R_RESET);
            }
            return;
        }
        s->in_len += (size_t)n;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(s->in + start, '\n', s->in_len - start);
            if (!nl) break;
            size_t len = (size_t)(nl - (s->in + start));
            *nl = 0;
            if (len > 0 && s->in[start + len - 1] == '\r') s->in[start + len - 1] = 0;
            if (on_command(slot, s->in + start, t) < 0) return;
            if (s->gen != gen) return;
            start += len + 1;
        }
        if (start > 0) {
            memmove(s->in, s->in + start, s->in_len - start);
            s->in_len -= start;
        }
    }
}

static void on_writable(int slot) {
    struct session *s = &slots[slot];
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
        finish(slot, 0, R_CONNECT);
        return;
    }
    send_environment(slot);
}

static void fire_timers(uint64_t now) {
    while (heap_len > 0 && heap[0].due_ns <= now) {
        struct timer t = heap_pop();
        struct session *s = &slots[t.slot];
        if (s->gen != t.gen || s->state != S_RUNNING) continue;
        const struct step *answered = &cfg.steps[s->step - 1];
        if (write_all(s, answered->reply) < 0) { finish((int)t.slot, 0, R_WRITE); continue; }
        if (s->step == cfg.nsteps) s->state = S_AWAIT_CLOSE;
    }
}

static void check_timeouts(uint64_t now) {
    uint64_t limit = (uint64_t)(cfg.timeout_s * 1e9);
    for (int i = 0; i < cfg.concurrency; i++)
        if (slots[i].state != S_FREE && now - slots[i].started_ns > limit) finish(i, 0, R_TIMEOUT);
}

/* ---------------------------------------------------------------- main */

static void usage(const char *argv0) {
    fprintf(stderr,
        "usage: %s --target 127.0.0.1:PORT [--script bench|hold] [--concurrency N]\n"
        "          (--duration S [--warmup S] | --sessions N) [--connect-rate PER_S]\n"
        "          [--timeout S] [--max-time S] [--label TEXT] [--quiet]\n", argv0);
    exit(2);
}

static void reset_stats(void) {
    st.ok = st.failed = st.ok_in_window = st.reset_after_done = 0;
    memset(st.reasons, 0, sizeof st.reasons);
    memset(&st.cmd, 0, sizeof st.cmd);
    memset(&st.env, 0, sizeof st.env);
    memset(&st.close, 0, sizeof st.close);
}

int main(int argc, char **argv) {
    const char *target = NULL;
    cfg.script = "bench";
    cfg.concurrency = 1;
    cfg.timeout_s = -1;
    cfg.max_time_s = 600;
    cfg.label = "run";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) { cfg.quiet = 1; continue; }
        if (!v) usage(argv[0]);
        i++;
        if (strcmp(a, "--target") == 0) target = v;
        else if (strcmp(a, "--script") == 0) cfg.script = v;
        else if (strcmp(a, "--concurrency") == 0) cfg.concurrency = atoi(v);
        else if (strcmp(a, "--duration") == 0) cfg.duration_s = atof(v);
        else if (strcmp(a, "--warmup") == 0) cfg.warmup_s = atof(v);
        else if (strcmp(a, "--sessions") == 0) cfg.sessions_limit = atol(v);
        else if (strcmp(a, "--connect-rate") == 0) cfg.connect_rate = atof(v);
        else if (strcmp(a, "--timeout") == 0) cfg.timeout_s = atof(v);
        else if (strcmp(a, "--max-time") == 0) cfg.max_time_s = atof(v);
        else if (strcmp(a, "--label") == 0) cfg.label = v;
        else usage(argv[0]);
    }
    if (!target) usage(argv[0]);
    if (strcmp(cfg.script, "bench") == 0) {
        cfg.steps = bench_steps;
        cfg.nsteps = (int)(sizeof bench_steps / sizeof *bench_steps);
    } else if (strcmp(cfg.script, "hold") == 0) {
        cfg.steps = hold_steps;
        cfg.nsteps = (int)(sizeof hold_steps / sizeof *hold_steps);
    } else usage(argv[0]);
    if (cfg.concurrency < 1 || cfg.concurrency > 100000) { fprintf(stderr, "concurrency 1...100000\n"); return 2; }
    if ((cfg.duration_s > 0) == (cfg.sessions_limit > 0)) { fprintf(stderr, "give --duration or --sessions\n"); return 2; }
    if (cfg.duration_s > 3600 || cfg.sessions_limit > 100000000) { fprintf(stderr, "run too long\n"); return 2; }
    if (cfg.max_time_s <= 0 || cfg.max_time_s > 3600) cfg.max_time_s = 600;
    if (cfg.timeout_s <= 0) cfg.timeout_s = strcmp(cfg.script, "hold") == 0 ? 60 : 20;

    /* Target: loopback only (127.0.0.0/8). */
    char host[64];
    const char *colon = strrchr(target, ':');
    if (!colon || (size_t)(colon - target) >= sizeof host) usage(argv[0]);
    memcpy(host, target, (size_t)(colon - target));
    host[colon - target] = 0;
    if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
    cfg.target.sin_family = AF_INET;
    cfg.target.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &cfg.target.sin_addr) != 1 ||
        (ntohl(cfg.target.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "agi-loadgen only targets loopback addresses (127.0.0.0/8), not %s\n", host);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    slots = calloc((size_t)cfg.concurrency, sizeof *slots);
    if (!slots) { perror("calloc"); return 1; }
    free_stack = malloc((size_t)cfg.concurrency * sizeof *free_stack);
    if (!free_stack) { perror("malloc"); return 1; }
    for (int i = cfg.concurrency - 1; i >= 0; i--) { slots[i].fd = -1; free_stack[free_top++] = i; }
    epfd = epoll_create1(EPOLL_CLOEXEC);

    t0_ns = now_ns();
    uint64_t warmup_end = t0_ns + (uint64_t)(cfg.warmup_s * 1e9);
    int warm = cfg.warmup_s <= 0;
    window_start_ns = warmup_end;
    window_end_ns = cfg.duration_s > 0 ? warmup_end + (uint64_t)(cfg.duration_s * 1e9) : UINT64_MAX;
    uint64_t hard_end = t0_ns + (uint64_t)(cfg.max_time_s * 1e9);
    uint64_t next_check = t0_ns + 250000000ull, next_report = t0_ns + 1000000000ull;
    int aborted = 0;
    struct epoll_event events[512];

    for (;;) {
        uint64_t now = now_ns();
        if (!warm && now >= warmup_end) { reset_stats(); warm = 1; }

        /* Start sessions while allowed. */
        int more = cfg.sessions_limit > 0 ? st.started < cfg.sessions_limit : now < window_end_ns;
        if (now >= hard_end) more = 0;
        uint64_t next_start_ns = UINT64_MAX;
        while (more && st.active < cfg.concurrency) {
            if (cfg.connect_rate > 0) {
                uint64_t due = t0_ns + (uint64_t)((double)st.started / cfg.connect_rate * 1e9);
                if (due > now) { next_start_ns = due; break; }
            }
            if (free_top == 0) break;
            start_session(free_stack[--free_top]);
            more = cfg.sessions_limit > 0 ? st.started < cfg.sessions_limit : 1;
        }
        if (!more && st.active == 0) break;
        if (now >= hard_end) {
            for (int i = 0; i < cfg.concurrency; i++)
                if (slots[i].state != S_FREE) finish(i, 0, R_ABORTED);
            aborted = 1;
            break;
        }

        /* Wait for I/O, the next timer, the next ramp slot or housekeeping. */
        uint64_t wake = next_check;
        if (heap_len > 0 && heap[0].due_ns < wake) wake = heap[0].due_ns;
        if (next_start_ns < wake) wake = next_start_ns;
        if (!warm && warmup_end < wake) wake = warmup_end;
        if (more && window_end_ns < wake) wake = window_end_ns;
        int timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        int n = epoll_wait(epfd, events, 512, timeout_ms);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            int slot = (int)events[i].data.u32;
            struct session *s = &slots[slot];
            if (s->state == S_FREE) continue;
            if (s->state == S_CONNECTING) {
                if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(slot);
                if (s->state == S_CONNECTING || s->state == S_FREE) continue;
            }
            if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(slot);
        }
        now = now_ns();
        fire_timers(now);
        if (now >= next_check) {
            check_timeouts(now);
            next_check = now + 250000000ull;
        }
        if (!cfg.quiet && now >= next_report) {
            fprintf(stderr, "[%6.1fs] active=%d holding=%d ok=%ld failed=%ld\n",
                    (double)(now - t0_ns) / 1e9, st.active, st.holding, st.ok, st.failed);
            next_report = now + 1000000000ull;
        }
    }

    uint64_t end = now_ns();
    double elapsed = (double)(end - window_start_ns) / 1e9;
    double rate = cfg.sessions_limit > 0 ? (double)st.ok / elapsed : (double)st.ok_in_window / cfg.duration_s;

    fprintf(stderr,
        "%s: script=%s concurrency=%d %s: %ld ok, %ld failed, %.0f sessions/s\n"
        "  server time per command (answer written -> next command read), %llu samples:\n"
        "    p50 %llu us  p90 %llu us  p99 %llu us  max %llu us\n"
        "  environment -> first command: p50 %llu us  p99 %llu us;  last answer -> close: p50 %llu us  p99 %llu us\n"
        "  peak open sessions %d, peak holding %d, closed by RST after the script %ld\n",
        cfg.label, cfg.script, cfg.concurrency, aborted ? "ABORTED at --max-time" : "done",
        st.ok, st.failed, rate, (unsigned long long)st.cmd.count,
        (unsigned long long)h_percentile(&st.cmd, 0.50), (unsigned long long)h_percentile(&st.cmd, 0.90),
        (unsigned long long)h_percentile(&st.cmd, 0.99), (unsigned long long)st.cmd.max,
        (unsigned long long)h_percentile(&st.env, 0.50), (unsigned long long)h_percentile(&st.env, 0.99),
        (unsigned long long)h_percentile(&st.close, 0.50), (unsigned long long)h_percentile(&st.close, 0.99),
        st.max_active, st.max_holding, st.reset_after_done);
    for (int r = 0; r < R_COUNT; r++)
        if (st.reasons[r]) fprintf(stderr, "  failed (%s): %ld\n", reason_names[r], st.reasons[r]);

    printf("RESULT label=%s script=%s concurrency=%d sessions_ok=%ld sessions_failed=%ld"
           " sessions_per_s=%.1f elapsed_s=%.2f"
           " cmd_samples=%llu cmd_p50_us=%llu cmd_p90_us=%llu cmd_p99_us=%llu cmd_max_us=%llu"
           " env_p50_us=%llu env_p99_us=%llu close_p50_us=%llu close_p99_us=%llu"
           " max_open=%d max_holding=%d reset_after_done=%ld sessions_ok_total=%ld",
           cfg.label, cfg.script, cfg.concurrency, st.ok, st.failed, rate, elapsed,
           (unsigned long long)st.cmd.count,
           (unsigned long long)h_percentile(&st.cmd, 0.50), (unsigned long long)h_percentile(&st.cmd, 0.90),
           (unsigned long long)h_percentile(&st.cmd, 0.99), (unsigned long long)st.cmd.max,
           (unsigned long long)h_percentile(&st.env, 0.50), (unsigned long long)h_percentile(&st.env, 0.99),
           (unsigned long long)h_percentile(&st.close, 0.50), (unsigned long long)h_percentile(&st.close, 0.99),
           st.max_active, st.max_holding, st.reset_after_done, st.ok_total);
    for (int r = 0; r < R_COUNT; r++) printf(" fail_%s=%ld", reason_names[r], st.reasons[r]);
    printf("\n");
    return st.failed > 0 ? 1 : 0;
}
