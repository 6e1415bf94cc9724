/* ctlsock.h - the control socket DIR/ctl: vde2's handshake, stale-socket
 * detection, the fd reserve; each accepted client becomes a data-socket
 * endpoint (ep_sock.c) on a port. */
#ifndef VDE_CTLSOCK_H
#define VDE_CTLSOCK_H

#include <stdint.h>
#include <sys/types.h>

#include "common/loop.h"

int ctlsock_init(void);
/* Is a switch answering on our ctl already?  Logs and says 1 if so: a
 * check with no side effects, made before the pid file is touched. */
int ctlsock_busy(void);
void ctlsock_expire(uint64_t now); /* drop stalled handshakes */
/* Bind a unix socket of type (SOCK_STREAM, SOCK_DGRAM) at path, mode and
 * group as given, replacing a stale socket; its parent directories must
 * be out of other users' reach.  The fd (non-blocking), or -1 logged. */
int ctlsock_bind(const char *path, int type, mode_t mode, gid_t gid);
/* The uid of a unix socket's peer (SO_PEERCRED), (uid_t)-1 if unknown. */
uid_t ctlsock_peer_uid(int fd);
/* Listen on a unix stream socket, replacing a stale one (also -M). */
int ctlsock_listen(const char *path, mode_t mode, gid_t gid, struct watch *w, watch_fn *fn);
void ctlsock_cleanup(void);
/* accept4() on a listener with the fd reserve applied: a connection from
 * uid (put in *uid) that is not exempt may not take one of the last
 * sw.fd_reserve descriptors (on DIR/ctl nobody may take the very last
 * ones: they are the console's), and when none is left at all the
 * listener sheds the connection (accepts and closes it with a spare fd)
 * or, without a spare, is paused until the next tick instead of spinning.
 * Returns the fd, or -1 (errno EAGAIN: nothing more to do now). */
int ctlsock_accept(struct watch *w, const char *what, uid_t *uid);

#endif
