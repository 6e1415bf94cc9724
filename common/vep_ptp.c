/* vep_ptp.c - ptp://PATH: a point-to-point link of two processes over
 * Unix datagram sockets, vdeplug4 4.0.1's wire (libvdeplug_ptp.c), so
 * either end may be Debian's vde_plug:
 *   - the first to open binds PATH and sends to PATH+;
 *   - the second finds PATH taken (a connect to it succeeds), connects to
 *     PATH, binds PATH+ and sends to PATH.
 * A socket file nobody listens on (connect refused) is stale and
 * replaced.  Each end removes the name it bound when it closes.  The
 * socket is born with -m MODE (default 0700) and -g GROUP. */
#include "vep.h"
#include "log.h"
#include "request.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct ptp_ep {
	struct sockaddr_un me, peer;
};

static void sun_set(struct sockaddr_un *sa, const char *path, const char *suffix)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path); /* lengths checked by the caller */
	strcat(sa->sun_path, suffix);
}

/* 1: a live socket answers at sa; 0: nothing there (a stale socket file
 * is removed). */
static int in_use(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (r < 0 && errno == ECONNREFUSED)
		unlink(sa->sun_path);
	close(fd);
	return r == 0;
}

static int ptp_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct ptp_ep *p = e->priv;
	mode_t mode = a->mode ? a->mode : 0700;
	unsigned gid = 0;
	int fd, r;

	if (v->nopt) {
		log_err("%s: ptp:// takes no options", e->name);
		return -1;
	}
	if (!*v->addr || strlen(v->addr) + 2 > sizeof(p->me.sun_path)) {
		log_err("%s: PATH must be 1..%zu bytes", e->name, sizeof(p->me.sun_path) - 2);
		return -1;
	}
	if (a->group && vep_group(a->group, &gid) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_err("socket:");
		return -1;
	}
	sun_set(&p->me, v->addr, "");
	sun_set(&p->peer, v->addr, "+");
	errno = 0;
	r = in_use(&p->me) ? -1 : unix_bind_born(fd, &p->me, mode, a->group != NULL, gid);
	if (r == -2 || (r == -1 && errno != EADDRINUSE && errno != 0)) {
		log_err("%s: %s %s:", e->name, r == -2 ? "set the group of" : "bind", p->me.sun_path);
		close(fd);
		return -1;
	}
	if (r < 0) { /* PATH is the other end's: we are the second */
		struct sockaddr_un first = p->me;
		if (connect(fd, (struct sockaddr *)&first, sizeof(first)) < 0) {
			log_err("%s: connect %s:", e->name, first.sun_path);
			close(fd);
			return -1;
		}
		p->me = p->peer;
		p->peer = first;
		if (in_use(&p->me)) {
			log_err("%s: both ends are taken (%s and %s in use)", e->name,
				p->peer.sun_path, p->me.sun_path);
			close(fd);
			return -1;
		}
		r = unix_bind_born(fd, &p->me, mode, a->group != NULL, gid);
		if (r < 0) {
			log_err("%s: bind %s:", e->name, p->me.sun_path);
			close(fd);
			return -1;
		}
	}
	e->fd_in = e->fd_out = fd;
	e->maxsend = VDE_STREAM_MAX;
	return 0;
}

static enum vep_err ptp_classify(int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
		return VEP_E_RETRY;
	case ENOENT:       /* the other end is not there (yet, or any more) */
	case ECONNREFUSED:
	case ECONNRESET:
	case ENOTCONN:
	case EACCES:
	case EPERM:
		return VEP_E_DROP;
	default:
		return VEP_E_FAIL;
	}
}

static int ptp_recv(struct vep *e, struct iovec *v, int n)
{
	return vep_dgram_recv(e, e->fd_in, v, n, ptp_classify);
}

static int ptp_send(struct vep *e, const struct iovec *v, int n)
{
	struct ptp_ep *p = e->priv;

	return vep_dgram_send(e, e->fd_out, &p->peer, sizeof(p->peer), v, n, ptp_classify);
}

static void ptp_close(struct vep *e)
{
	struct ptp_ep *p = e->priv;

	close(e->fd_in);
	unlink(p->me.sun_path);
}

const struct vep_kind vep_kind_ptp = {
	.scheme = "ptp",
	.help = "ptp://PATH               a point-to-point link to another ptp://PATH end\n"
		"                           (Unix datagrams at PATH and PATH+, vdeplug4 4.0.1)",
	.priv_size = sizeof(struct ptp_ep),
	.open = ptp_open,
	.recv = ptp_recv,
	.send = ptp_send,
	.close = ptp_close,
};
