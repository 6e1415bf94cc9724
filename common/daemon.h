/* daemon.h - going to the background so that failures still show: the
 * parent waits until the child says it is up (or dies), then exits with
 * 0 or the child's status.  vde_plug -d and wirefilter --daemon. */
#ifndef VDE_DAEMON_H
#define VDE_DAEMON_H

/* Fork; only the child returns, in a session of its own, with the fd
 * that daemon_ready() writes to.  Dies (exit 1) when it cannot fork. */
int daemon_start(void);
/* The child is up: stdin/stdout/stderr to /dev/null, logs to syslog,
 * the parent released; *ready_fd is closed and set to -1. */
void daemon_ready(int *ready_fd);

#endif
