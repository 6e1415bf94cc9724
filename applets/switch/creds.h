/* creds.h - who is at the other end of a unix socket, and acting with
 * their filesystem rights.  The control socket reaches a client's data
 * socket this way (ctlsock.c), the console's `load` opens its file this
 * way (mgmt.c): the switch, often root, then reaches nothing its client
 * could not reach itself. */
#ifndef VDE_CREDS_H
#define VDE_CREDS_H

#include <sys/types.h>

/* The peer: SO_PEERCRED's uid and gid, SO_PEERGROUPS' groups. */
struct requester {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* NULL: none known (then none are used); free() it */
	int ngroups;
};

/* 0, or -1 (errno) when even SO_PEERCRED fails. */
int requester_get(int fd, struct requester *r);

/* The switch's own supplementary groups while it acts as someone else. */
struct saved_ids {
	gid_t *groups;
	int ngroups;
};

/* Take r's filesystem identity (setfsuid, setfsgid, its groups): 0, or
 * -1 with nothing changed (not root, or no CAP_SETUID/CAP_SETGID). */
int fs_become(const struct requester *r, struct saved_ids *sv);
/* Back to the switch's own identity; dies if that fails. */
void fs_restore(struct saved_ids *sv);

#endif
