/* vep_tap.c - tap://IFNAME: a Linux tap interface (IFF_TAP|IFF_NO_PI),
 * one frame per read or write; made if it does not exist (root or
 * CAP_NET_ADMIN), attached to if it is a persistent tap we may use. */
#include "vep.h"
#include "log.h"
#include "tun.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

static int tap_check(const char *name, const struct vnl *v)
{
	size_t n = strlen(v->addr);

	if (v->nopt) {
		log_err("%s: tap:// takes no options", name);
		return -1;
	}
	if (n == 0 || n >= IFNAMSIZ) {
		log_err("tap %s: interface name must be 1..%d characters (got %zu)", v->addr, IFNAMSIZ - 1, n);
		return -1;
	}
	return 0;
}

static int tap_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	int vnet, fd;

	(void)a;
	if (v->nopt) {
		log_err("%s: tap:// takes no options", e->name);
		return -1;
	}
	if ((fd = tun_open_tap(v->addr, 0, &vnet)) < 0)
		return -1;
	e->fd_in = e->fd_out = fd;
	e->maxsend = 65535;
	return 0;
}

static int tap_recv(struct vep *e, struct iovec *v, int n)
{
	int got = 0;

	while (got < n) {
		ssize_t r = read(e->fd_in, v[got].iov_base, v[got].iov_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EIO) /* down: nothing to read */
				break;
			if (errno == EBADFD) {
				log_err("tap %s: interface gone", e->name);
				return vep_end(e, 1);
			}
			log_err("read %s:", e->name);
			return vep_end(e, 1);
		}
		v[got++].iov_len = (size_t)r;
	}
	return got;
}

static int tap_send(struct vep *e, const struct iovec *v, int n)
{
	int done = 0;

	while (done < n) {
		ssize_t r = write(e->fd_out, v[done].iov_base, v[done].iov_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EBADFD) {
				log_err("tap %s: interface gone", e->name);
				return vep_end(e, 1);
			}
			/* down (EIO), too big (EINVAL), no buffers: lost frame */
		}
		done++;
	}
	return done;
}

static void tap_close(struct vep *e)
{
	close(e->fd_in);
}

const struct vep_kind vep_kind_tap = {
	.scheme = "tap",
	.help = "tap://IFNAME             a tap interface (made when missing; root)",
	.open = tap_open,
	.check = tap_check,
	.recv = tap_recv,
	.send = tap_send,
	.close = tap_close,
};
