/* creds.c - a unix socket peer's credentials, and taking its filesystem
 * identity for a moment (see creds.h).  Moved here from ctlsock.c so
 * the console's `load` uses the very same code. */
#include "creds.h"
#include "common/log.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <unistd.h>

int requester_get(int fd, struct requester *r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t some[64];

	memset(r, 0, sizeof(*r));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	r->uid = cred.uid;
	r->gid = cred.gid;
	len = sizeof(some);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, some, &len) < 0 && errno != ERANGE)
		return 0; /* old kernel: no supplementary groups, stricter */
	if (!(r->groups = malloc(len ? len : 1)))
		return -1;
	if (len <= sizeof(some))
		memcpy(r->groups, some, len);
	else if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, r->groups, &len) < 0)
		len = 0; /* changed under us: use none */
	r->ngroups = (int)(len / sizeof(gid_t));
	return 0;
}

/* setfsuid()/setfsgid() change only what permission checks on files
 * use (and take CAP_DAC_OVERRIDE out of them); supplementary groups are
 * process-wide, so they are swapped and put back as well (the switch is
 * one thread).  Failing to put them back would leave the switch with
 * somebody else's rights: that ends it. */
void fs_restore(struct saved_ids *sv)
{
	setfsuid(geteuid());
	setfsgid(getegid());
	if (setgroups((size_t)sv->ngroups, sv->groups) < 0 || (uid_t)setfsuid((uid_t)-1) != geteuid() ||
	    (gid_t)setfsgid((gid_t)-1) != getegid())
		die("restore own credentials after acting for a client:");
	free(sv->groups);
}

int fs_become(const struct requester *r, struct saved_ids *sv)
{
	sv->ngroups = getgroups(0, NULL);
	sv->groups = malloc(sizeof(gid_t) * (size_t)(sv->ngroups > 0 ? sv->ngroups : 1));
	if (sv->ngroups < 0 || !sv->groups || getgroups(sv->ngroups, sv->groups) != sv->ngroups) {
		free(sv->groups);
		return -1;
	}
	if (setgroups((size_t)r->ngroups, r->groups) < 0) {
		free(sv->groups);
		return -1;
	}
	setfsgid(r->gid);
	setfsuid(r->uid);
	if ((uid_t)setfsuid((uid_t)-1) != r->uid || (gid_t)setfsgid((gid_t)-1) != r->gid) {
		fs_restore(sv);
		return -1;
	}
	return 0;
}
