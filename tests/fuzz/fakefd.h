/* fakefd.h - in-memory descriptors for the switch harnesses (frame,
 * mgmt, gro), so that an input costs no system call.
 *
 * The harness is linked with -Wl,--wrap= for the calls the switch makes
 * on endpoint and console fds (send, sendmsg, sendmmsg, write, writev,
 * recv, recvmmsg, read, close, epoll_ctl, epoll_wait, accept4, getsockopt,
 * fstat; see
 * tests/fuzz/run).  A fake fd (fake_open) is the number of a /dev/null
 * descriptor held open from the first call on, so the kernel never hands
 * that number out and it is as small as real ones (the console shows
 * endpoint IDs, which the fuzzer then types); the wrappers serve those
 * numbers from buffers here and pass every other fd to the real call,
 * so files (`load`), the console's listening socket and libFuzzer's own
 * I/O work as before.
 *
 * A fake fd is a datagram socket (each write one message; a read takes
 * one, cut to the buffer with MSG_TRUNC set, as a unix SOCK_DGRAM or a
 * tap does) or a stream (bytes; a read returns at most what one
 * fake_push added, so the harness decides where reads cut the input).
 * What the switch writes is kept until fake_out_clear.  epoll_ctl on a
 * fake fd only records the watch and its events: the harness calls
 * w->fn itself with the events it finds ready (fake_ready). */
#ifndef VDE_FUZZ_FAKEFD_H
#define VDE_FUZZ_FAKEFD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/loop.h"

#define FAKE_NFD 16

int fake_open(int stream);   /* the lowest free fake fd; dies if none */
/* A regular file of len bytes (copied): reads give them, then 0; fstat
 * (wrapped) says S_IFREG, 0644, that size.  Returns the fd. */
int fake_open_file(const void *p, size_t len);
int fake_is_fake(int fd);
int fake_is_open(int fd);
/* Something for the switch to read: a datagram, or stream bytes. */
void fake_push(int fd, const void *p, size_t len);
size_t fake_in_pending(int fd); /* bytes not read yet */
size_t fake_in_msgs(int fd);    /* what fake_push gave, not (all) read yet */
void fake_eof(int fd);          /* the peer shut down writing: reads then give 0 */
/* Stream: the switch may leave at most this many bytes unread (a socket
 * buffer); a send beyond it is short, or EAGAIN.  0: unbounded. */
void fake_set_window(int fd, size_t bytes);
/* SO_PEERCRED of a fake socket: this process unless set here. */
void fake_set_peer(int fd, uid_t uid, gid_t gid);
/* Sends fail with err (EAGAIN: the client is busy) until set to 0. */
void fake_set_send_error(int fd, int err);

/* What the switch wrote: datagrams (stream: one per write call) */
size_t fake_out_count(int fd);
const uint8_t *fake_out_msg(int fd, size_t i, size_t *len);
const uint8_t *fake_out_bytes(int fd, size_t *len); /* all of it, in order */
void fake_out_clear(int fd);

/* epoll: the watch and events registered for a fake fd (NULL, 0 if none) */
struct watch *fake_watch(int fd, uint32_t *events);
/* Events epoll would report now for fd, among those registered. */
uint32_t fake_ready(int fd);

/* The accept4 wrapper: connections on this (real) listening fd are the
 * fake fds queued with fake_connect, never the kernel's. */
void fake_listen_on(int listen_fd);
/* The watch of the next real fd added to epoll goes to *w (e.g. the
 * console's listening socket, whose handler is static in mgmt.c). */
void fake_capture_add(struct watch **w);
void fake_connect(int fd);
/* While set, epoll_wait returns 0 at once: loop_run(0, tick) then only
 * runs its tick and frees what was deferred (loop_defer_free). */
void fake_epoll_nowait(int on);

/* Where stderr is /dev/null (libFuzzer's -close_fd_mask=2, applied
 * after LLVMFuzzerInitialize: call this from the first input), buffer
 * it, so the switch's log lines are still formatted but cost no system
 * call each.  Reports (sanitizers, FUZZ_CHECK) do not go through stdio. */
void fake_quiet_stderr(void);

#endif
