/*
 * fastagi-c-baseline: a minimal single-threaded epoll FastAGI server.
 *
 * It is the yardstick of BENCHMARKS.md: about the least work a FastAGI server can do
 * for the `bench` and `hold` scripts of /work/shared/bench/REFERENCE.md. Non-blocking
 * sockets, one epoll loop, one fixed-size state block per connection, no allocation
 * per command. It reads the environment block up to the empty line, takes the script
 * from `agi_network_script`, sends one command at a time and waits for its `200`/`5xx`
 * reply line, skips unsolicited `HANGUP` lines, and closes the connection after the
 * reply to its own HANGUP command.
 *
 * Build:  gcc -O2 -Wall -Wextra -o fastagi-c-baseline fastagi-c-baseline.c
 * Run:    fastagi-c-baseline --listen 127.0.0.1:4573
 *
 * Not a product: no allow list, no timeouts, no limits beyond the buffer size (a line
 * longer than the buffer, or an unknown script, closes the connection).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define INBUF 2048  /* one line at a time; Asterisk's own line buffer is 2048 too */
#define OUTBUF 128

static const char *const bench_script[] = {
    "ANSWER\n",
    "GET DATA ciba/enter-ssn 5000 12\n",
    "SET VARIABLE CIBA_STATUS \"VERIFIED\"\n",
    "STREAM FILE ciba/verified \"\"\n",
    "HANGUP\n",
};

static const char *const hold_script[] = {
    "ANSWER\n",
    "SET MUSIC ON default\n",
    "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n",
    "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n",
    "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n", "WAIT FOR DIGIT 1000\n",
    "WAIT FOR DIGIT 1000\n",
    "SET MUSIC OFF\n",
    "HANGUP\n",
};

struct conn {
    int fd;
    int in_env;                 /* still reading the environment block */
    const char *const *script;  /* NULL until the environment names it */
    int script_len;
    int step;                   /* index of the command whose reply we wait for */
    size_t in_len;
    size_t out_len, out_off;
    char in[INBUF];
    char out[OUTBUF];
};

static int epfd;

static void conn_close(struct conn *c) {
    close(c->fd);  /* close() removes the fd from the epoll set */
    free(c);
}

/* Returns 0 when everything queued was written, 1 when it must wait for EPOLLOUT, -1 on error. */
static int flush_out(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n > 0) { c->out_off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
            epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
            return 1;
        }
        return -1;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static int send_step(struct conn *c) {
    const char *cmd = c->script[c->step];
    size_t len = strlen(cmd);
    memcpy(c->out + c->out_len, cmd, len);
    c->out_len += len;
    return flush_out(c) < 0 ? -1 : 0;
}

/* Handles one complete line (without its '\n'). Returns -1 to close the connection. */
static int handle_line(struct conn *c, char *line, size_t len) {
    if (len > 0 && line[len - 1] == '\r') line[--len] = 0;
    if (c->in_env) {
        if (len == 0) {
            c->in_env = 0;
            if (!c->script) return -1;
            c->step = 0;
            return send_step(c);
        }
        static const char key[] = "agi_network_script: ";
        if (len >= sizeof key - 1 && memcmp(line, key, sizeof key - 1) == 0) {
            const char *name = line + sizeof key - 1;
            size_t nlen = strcspn(name, "?");
            if (nlen == 5 && memcmp(name, "bench", 5) == 0) {
                c->script = bench_script;
                c->script_len = (int)(sizeof bench_script / sizeof *bench_script);
            } else if (nlen == 4 && memcmp(name, "hold", 4) == 0) {
                c->script = hold_script;
                c->script_len = (int)(sizeof hold_script / sizeof *hold_script);
            }
        }
        return 0;
    }
    if (len == 6 && memcmp(line, "HANGUP", 6) == 0) return 0;  /* unsolicited hang-up notice */
    if (len < 4 || line[0] < '1' || line[0] > '5') return -1;  /* not a reply line */
    if (line[3] == '-') return 0;                               /* 520- usage continuation */
    if (line[0] == '1') return 0;                               /* 100 Trying... */
    c->step++;
    if (c->step >= c->script_len) return -1;                    /* reply to HANGUP: done */
    return send_step(c);
}

/* Returns -1 when the connection must be closed. */
static int on_readable(struct conn *c) {
    for (;;) {
        if (c->in_len == INBUF) return -1;  /* line too long */
        ssize_t n = read(c->fd, c->in + c->in_len, INBUF - c->in_len);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        c->in_len += (size_t)n;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(c->in + start, '\n', c->in_len - start);
            if (!nl) break;
            size_t len = (size_t)(nl - (c->in + start));
            *nl = 0;
            if (handle_line(c, c->in + start, len) < 0) return -1;
            start += len + 1;
        }
        if (start > 0) {
            memmove(c->in, c->in + start, c->in_len - start);
            c->in_len -= start;
        }
        if ((size_t)n < INBUF / 2) return 0;  /* short read: the socket is drained */
    }
}

static int parse_listen(const char *text, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof host) return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv) {
    const char *listen_at = "127.0.0.1:4573";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) listen_at = argv[++i];
        else { fprintf(stderr, "usage: %s [--listen 127.0.0.1:PORT]\n", argv[0]); return 2; }
    }
    struct sockaddr_in sa;
    if (parse_listen(listen_at, &sa) < 0) { fprintf(stderr, "bad --listen %s\n", listen_at); return 2; }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    fprintf(stderr, "fastagi-c-baseline listening on %s\n", listen_at);

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;  /* EAGAIN, or EMFILE: retried on the next event */
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    if (!nc) { close(fd); continue; }
                    nc->fd = fd;
                    nc->in_env = 1;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) { close(fd); free(nc); }
                }
                continue;
            }
            int closing = 0;
            if (events[i].events & EPOLLOUT) {
                int r = flush_out(c);
                if (r < 0) closing = 1;
                else if (r == 0) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }
            if (!closing && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                closing = on_readable(c) < 0;
            if (closing) conn_close(c);
        }
    }
}
