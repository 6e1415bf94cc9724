/* vep_udp.c - udp://[SRC:]PORT->HOST:PORT: one raw frame per UDP
 * datagram, the wire of vdeplug4's udp plugin and QEMU's -netdev dgram.
 * We bind SRC:PORT (any address when SRC is left out) and send to
 * HOST:PORT; datagrams from anybody are taken, as both of those do.
 * IPv6 addresses may be written bare or in brackets:
 *   udp://5000->192.0.2.1:5001   udp://[::1]:5000->[::1]:5001 */
#include "vep.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct udp_ep {
	struct sockaddr_storage to;
	socklen_t tolen;
};

static int check_port(const char *name, const char *what, const char *s, long min)
{
	long n;

	if (parse_long(s, min, 65535, &n) < 0) {
		log_err("%s: bad %s port '%s' (%ld..65535)", name, what, s, min);
		return -1;
	}
	return 0;
}

/* [SRC:]PORT->HOST:PORT split into buf (VNL_MAX + 1 bytes); 0 or -1
 * after one line. */
static int udp_split(const char *name, const char *addr, char *buf, char **sh, char **sp, char **dh,
		     char **dp)
{
	char *arrow;

	strcpy(buf, addr);
	arrow = strstr(buf, "->");
	if (!arrow) {
		log_err("%s: expected udp://[SRC:]PORT->HOST:PORT", name);
		return -1;
	}
	*arrow = 0;
	if (netaddr_split(arrow + 2, dh, dp) < 0 || !*dh) {
		log_err("%s: no HOST:PORT after '->'", name);
		return -1;
	}
	if (netaddr_split(buf, sh, sp) < 0) {
		log_err("%s: no [SRC:]PORT before '->'", name);
		return -1;
	}
	if (check_port(name, "local", *sp, 0) < 0 || check_port(name, "remote", *dp, 1) < 0)
		return -1;
	return 0;
}

static int udp_check(const char *name, const struct vnl *v)
{
	char buf[VNL_MAX + 1], *sh, *sp, *dh, *dp;

	return udp_split(name, v->addr, buf, &sh, &sp, &dh, &dp);
}

static int udp_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct udp_ep *u = e->priv;
	char buf[VNL_MAX + 1], *sh, *sp, *dh, *dp;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *dst = NULL, *src = NULL, *rp;
	int r, fd = -1;

	(void)a;
	if (udp_split(e->name, v->addr, buf, &sh, &sp, &dh, &dp) < 0)
		return -1;
	r = getaddrinfo(dh, dp, &hints, &dst);
	if (r) {
		log_err("%s: %s: %s", e->name, dh, gai_strerror(r));
		return -1;
	}
	hints.ai_flags |= AI_PASSIVE;
	hints.ai_family = dst->ai_family;
	r = getaddrinfo(sh, sp, &hints, &src);
	if (r) {
		log_err("%s: %s: %s", e->name, sh ? sh : "any address", gai_strerror(r));
		freeaddrinfo(dst);
		return -1;
	}
	for (rp = src; rp; rp = rp->ai_next) {
		fd = socket(rp->ai_family, rp->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, rp->ai_protocol);
		if (fd >= 0 && bind(fd, rp->ai_addr, rp->ai_addrlen) == 0)
			break;
		if (fd >= 0) {
			int err = errno;
			close(fd);
			errno = err;
		}
		fd = -1;
	}
	freeaddrinfo(src);
	if (fd < 0) {
		log_err("%s: bind %s port %s:", e->name, sh ? sh : "any address", sp);
		freeaddrinfo(dst);
		return -1;
	}
	memcpy(&u->to, dst->ai_addr, dst->ai_addrlen);
	u->tolen = dst->ai_addrlen;
	freeaddrinfo(dst);
	e->fd_in = e->fd_out = fd;
	e->maxsend = VDE_STREAM_MAX;
	return 0;
}

static enum vep_err udp_classify(int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
		return VEP_E_RETRY;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EPERM:
	case EACCES:
	case EADDRNOTAVAIL:
		return VEP_E_DROP; /* the network lost this one */
	default:
		return VEP_E_FAIL;
	}
}

static int udp_recv(struct vep *e, struct iovec *v, int n)
{
	return vep_dgram_recv(e, e->fd_in, v, n, udp_classify);
}

static int udp_send(struct vep *e, const struct iovec *v, int n)
{
	struct udp_ep *u = e->priv;

	return vep_dgram_send(e, e->fd_out, &u->to, u->tolen, v, n, udp_classify);
}

static void udp_close(struct vep *e)
{
	close(e->fd_in);
}

const struct vep_kind vep_kind_udp = {
	.scheme = "udp",
	.help = "udp://[SRC:]PORT->HOST:PORT  a raw frame per UDP datagram (QEMU -netdev dgram)",
	.vnl_flags = VNL_RAW,
	.priv_size = sizeof(struct udp_ep),
	.open = udp_open,
	.check = udp_check,
	.recv = udp_recv,
	.send = udp_send,
	.close = udp_close,
};
