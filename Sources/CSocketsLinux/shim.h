// Linux socket APIs that Swift's Glibc module does not export (epoll, eventfd, accept4).
// Header-only: a system-library module, nothing to compile.
#ifndef CSOCKETSLINUX_SHIM_H
#define CSOCKETSLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// accept4 is behind _GNU_SOURCE in <sys/socket.h>, which Glibc already imported without it.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int csockets_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags) {
    return accept4(fd, addr, addrlen, flags);
}

// epoll_event is packed on x86_64; these accessors keep Swift away from its layout.
static inline void csockets_event_set(struct epoll_event *event, uint32_t events, uint64_t token) {
    event->events = events;
    event->data.u64 = token;
}
static inline uint32_t csockets_event_flags(const struct epoll_event *events, int index) {
    return events[index].events;
}
static inline uint64_t csockets_event_token(const struct epoll_event *events, int index) {
    return events[index].data.u64;
}

#endif
