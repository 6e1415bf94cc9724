/* connect.h - networks the switch keeps on its ports (--port VNL, -tap,
 * port/connect): opened by the switch itself, and when one ends (the far
 * end died, the ssh of a cable lost its link) opened again after a
 * backoff of 1 s, doubling up to 60 s; one that stayed up for a minute
 * starts at 1 s again.  Inherited fds (seqpacket://FD, stdio://) and taps
 * (one that fails was deleted) are not reopened: their port is released. */
#ifndef VDE_CONNECT_H
#define VDE_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#define CONNECT_RETRY_MIN_MS 1000
#define CONNECT_RETRY_MAX_MS 60000

/* Keep vnl on port (0: the first free one).  at_start: a failed first
 * open is retried (the far end may come up later) rather than refused.
 * Returns 0 (and the port in *got, when not NULL), or an errno value:
 * EINVAL a malformed VNL or port number, EPROTONOSUPPORT an unknown
 * scheme or one a switch port cannot be, EADDRINUSE the port is in use,
 * ENOSPC no free port, EIO the first open failed (logged why). */
int connect_port(int port, const char *vnl, int at_start, int *got);
/* Stop keeping a network on port: 0, or ENXIO when none is kept there. */
int connect_remove(int port);
/* Reopen what is due (the switch's tick). */
void connect_tick(uint64_t now_ms);
/* For port/print: "vde:///tmp/b (up 12 s)", "... (down, retry in 4 s,
 * 3 failures)"; 0 when nothing is kept on port. */
int connect_describe(int port, char *buf, size_t len);
void connect_free(void); /* at exit: close everything */

#endif
