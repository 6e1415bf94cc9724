/* vep_vxvde.c - vxvde://[GROUP][/vni=N/port=P/ttl=T/if=IF/v4/v6/grp=G/
 * bind=IP/hashsize=N/expiretime=S/rcvbuf=N]: vdeplug4's "VXLAN for VDE"
 * (libvdeplug_vxvde, 4.0.1), on its wire, so an existing vxvde network
 * takes us in:
 *   - the VXLAN header (flags 0x08, the VNI), all its other bytes zero;
 *   - every process has a unicast socket of its own (any port, or
 *     bind=IP) and sends everything from it: unknown and broadcast frames
 *     to GROUP:PORT (default 239.0.0.1 or ff05:56de::1, port 14789), known
 *     ones to the sender address it learned (that socket's IP:port);
 *   - the group socket hears our own multicast too: a datagram from our
 *     unicast port and a local address is ours, dropped;
 *   - leaving, a header alone goes to the group: the others forget every
 *     MAC learned from our address.
 * grp=G (a group name or number) sets the VNI and the group address's
 * last three bytes to G's id, as vdeplug4 does. */
#include "vep.h"
#include "log.h"
#include "util.h"
#include "vx_addr.h"
#include "csum.h"
#include "vxlan.h"

#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define VXVDE_PORT 14789
#define VXVDE_BATCH 32

struct vxvde {
	int multifd, unifd;
	uint8_t hdr[VXLAN_HDR];
	struct sockaddr_storage group;
	socklen_t grouplen;
	in_port_t uniport;
	struct vxlan_table tab;
	uint64_t rx, tx, floods, bad, left;
};

/* vni=, grp=: a number, or a group name (its gid). -1 after a message. */
static long vni_of(const char *name, const char *key, const char *s)
{
	struct group *g;
	long n;

	if (parse_long(s, 0, VXLAN_VNI_MAX, &n) == 0)
		return n;
	if ((g = getgrnam(s)) && g->gr_gid <= VXLAN_VNI_MAX)
		return (long)g->gr_gid;
	log_err("%s: %s=%s: not a number in 0..%d nor a group", name, key, s, VXLAN_VNI_MAX);
	return -1;
}

struct vxvde_cfg {
	long vni, grp;
	int family, ttl, ifindex;
	in_port_t port;
	struct sockaddr_storage group, bind;
	socklen_t grouplen, bindlen;
	long hashsize, expire, rcvbuf;
};

static int config(const char *name, const struct vnl *v, struct vxvde_cfg *c)
{
	const char *s, *ifname = vnl_get(v, "if"), *b = vnl_get(v, "bind");
	static const char *const keys[] = { "vni", "grp", "port", "ttl", "if", "v4", "v6", "hashsize",
					    "expiretime", "rcvbuf", "bind", NULL };
	int err = 0;

	if (vx_known_opts(name, v, keys) < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	c->family = vnl_get(v, "v6") ? AF_INET6 : vnl_get(v, "v4") ? AF_INET : AF_UNSPEC;
	c->port = htons((uint16_t)vx_num_opt(name, v, "port", VXVDE_PORT, 1, 65535, &err));
	c->ttl = (int)vx_num_opt(name, v, "ttl", 1, 0, 255, &err);
	c->hashsize = vx_num_opt(name, v, "hashsize", 1024, 1, 1 << 20, &err);
	c->expire = vx_num_opt(name, v, "expiretime", 128, 1, 1 << 24, &err);
	c->rcvbuf = vx_num_opt(name, v, "rcvbuf", 0, 0, 1 << 30, &err);
	if (err)
		return -1;
	c->grp = -1;
	if ((s = vnl_get(v, "grp")) && (c->grp = vni_of(name, "grp", s)) < 0)
		return -1;
	c->vni = c->grp >= 0 ? c->grp : 1;
	if ((s = vnl_get(v, "vni")) && (c->vni = vni_of(name, "vni", s)) < 0)
		return -1;
	if (ifname && !(c->ifindex = (int)if_nametoindex(ifname))) {
		log_err("%s: if=%s: no such interface", name, ifname);
		return -1;
	}
	s = *v->addr ? v->addr : c->family == AF_INET6 ? "ff05:56de::1" : "239.0.0.1";
	if (vx_ip_addr(name, "group", s, c->family, c->port, &c->group, &c->grouplen) < 0)
		return -1;
	c->family = c->group.ss_family;
	if (c->grp >= 0) { /* vdeplug4: the group's id in the address's last 3 bytes */
		uint8_t *a = c->family == AF_INET ? (uint8_t *)&((struct sockaddr_in *)&c->group)->sin_addr
						  : (uint8_t *)&((struct sockaddr_in6 *)&c->group)->sin6_addr;
		size_t n = c->family == AF_INET ? 4 : 16;
		a[n - 1] = (uint8_t)c->grp;
		a[n - 2] = (uint8_t)(c->grp >> 8);
		a[n - 3] = (uint8_t)(c->grp >> 16);
	}
	if (!vx_is_multicast(&c->group)) {
		log_err("%s: %s is not a multicast group", name, s);
		return -1;
	}
	if (b && vx_ip_addr(name, "bind", b, c->family, 0, &c->bind, &c->bindlen) < 0)
		return -1;
	return 0;
}

static int vxvde_check(const char *name, const struct vnl *v)
{
	struct vxvde_cfg c;

	return config(name, v, &c);
}

static int sockets(struct vep *e, struct vxvde *x, const struct vxvde_cfg *c)
{
	struct sockaddr_storage me = c->bind;
	socklen_t melen = c->bindlen;
	int one = 1, ep;

	x->multifd = socket(c->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	x->unifd = socket(c->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (x->multifd < 0 || x->unifd < 0) {
		log_err("%s: socket:", e->name);
		return -1;
	}
	setsockopt(x->multifd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c->family == AF_INET6)
		setsockopt(x->multifd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (c->family == AF_INET)
		setsockopt(x->multifd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(x->multifd, (const struct sockaddr *)&c->group, c->grouplen) < 0) {
		log_err("%s: bind the group's port:", e->name);
		return -1;
	}
	if (vx_join_group(e->name, &c->group, x->multifd, c->ifindex, c->ttl, 1) < 0 ||
	    vx_join_group(e->name, &c->group, x->unifd, c->ifindex, c->ttl, 1) < 0)
		return -1;
	/* unifd is no member: the second join only set its interface and
	 * TTL; leave the membership it took. */
	if (c->family == AF_INET) {
		struct ip_mreqn mr = { .imr_multiaddr = ((const struct sockaddr_in *)&c->group)->sin_addr,
				       .imr_ifindex = c->ifindex };
		setsockopt(x->unifd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof(mr));
		setsockopt(x->unifd, IPPROTO_IP, IP_TTL, &c->ttl, sizeof(c->ttl));
	} else {
		struct ipv6_mreq mr6 = { .ipv6mr_multiaddr = ((const struct sockaddr_in6 *)&c->group)->sin6_addr,
					 .ipv6mr_interface = (unsigned)c->ifindex };
		setsockopt(x->unifd, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mr6, sizeof(mr6));
		setsockopt(x->unifd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &c->ttl, sizeof(c->ttl));
		setsockopt(x->unifd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (c->rcvbuf)
		setsockopt(x->unifd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf, sizeof(c->rcvbuf));
	if (!melen) {
		memset(&me, 0, sizeof(me));
		me.ss_family = (sa_family_t)c->family;
		melen = c->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	if (bind(x->unifd, (struct sockaddr *)&me, melen) < 0 ||
	    getsockname(x->unifd, (struct sockaddr *)&me, &melen) < 0) {
		log_err("%s: bind the unicast socket:", e->name);
		return -1;
	}
	x->uniport = c->family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
					  : ((struct sockaddr_in6 *)&me)->sin6_port;
	/* One fd to wait on for both sockets: an epoll of our own. */
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_err("%s: epoll:", e->name);
		return -1;
	}
	e->fd_in = ep;
	e->fd_out = x->unifd;
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = x->multifd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, x->multifd, &ev) < 0)
		return -1;
	ev.data.fd = x->unifd;
	return epoll_ctl(ep, EPOLL_CTL_ADD, x->unifd, &ev);
}

static void vxvde_close(struct vep *e)
{
	struct vxvde *x = e->priv;

	if (x->unifd >= 0) /* the leave message: forget us */
		sendto(x->unifd, x->hdr, VXLAN_HDR, MSG_DONTWAIT, (struct sockaddr *)&x->group, x->grouplen);
	if (x->multifd >= 0)
		close(x->multifd);
	if (x->unifd >= 0)
		close(x->unifd);
	if (e->fd_in >= 0)
		close(e->fd_in);
	vxlan_table_free(&x->tab);
}

static int vxvde_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct vxvde *x = e->priv;
	struct vxvde_cfg c;

	(void)a;
	x->multifd = x->unifd = -1;
	if (config(e->name, v, &c) < 0)
		return -1;
	vxlan_hdr_put(x->hdr, (uint32_t)c.vni);
	x->group = c.group;
	x->grouplen = c.grouplen;
	if (vxlan_table_init(&x->tab, (size_t)c.hashsize, (unsigned)(c.expire * 1000)) < 0) {
		log_err("%s: out of memory", e->name);
		return -1;
	}
	if (sockets(e, x, &c) < 0) {
		vxvde_close(e);
		e->fd_in = e->fd_out = -1;
		return -1;
	}
	e->maxsend = VDE_FRAME_MAX;
	return 0;
}

/* Is a in one of our interfaces' addresses (IPv6 gives no pktinfo with
 * the local address a datagram came in on)? */
static int local_addr(const struct sockaddr_storage *a)
{
	struct ifaddrs *list;
	int found = 0;

	if (getifaddrs(&list) < 0)
		return 0;
	for (struct ifaddrs *i = list; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == a->ss_family) {
			if (a->ss_family == AF_INET)
				found = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
					((const struct sockaddr_in *)a)->sin_addr.s_addr;
			else
				found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
						&((const struct sockaddr_in6 *)a)->sin6_addr, 16);
		}
	freeifaddrs(list);
	return found;
}

/* Our own multicast, heard on the group socket? */
static int from_us(struct vxvde *x, const struct sockaddr_storage *from, struct msghdr *m)
{
	in_port_t port = from->ss_family == AF_INET ? ((const struct sockaddr_in *)from)->sin_port
						    : ((const struct sockaddr_in6 *)from)->sin6_port;

	if (port != x->uniport)
		return 0;
	if (from->ss_family == AF_INET)
		for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				return pi.ipi_spec_dst.s_addr == ((const struct sockaddr_in *)from)->sin_addr.s_addr;
			}
	return local_addr(from);
}

/* One datagram from fd into v (the header apart): 1 a frame, 0 none
 * (nothing there, or not one for us), -1 the socket failed. */
static int take(struct vep *e, int fd, struct iovec *v)
{
	struct vxvde *x = e->priv;
	uint8_t hdr[VXLAN_HDR];
	struct iovec iov[2] = { { hdr, VXLAN_HDR }, *v };
	struct sockaddr_storage from;
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = iov,
			    .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNREFUSED ? 0 : -1;
	if (r < VXLAN_HDR || memcmp(hdr, x->hdr, VXLAN_HDR) != 0 || (m.msg_flags & MSG_TRUNC)) {
		x->bad++; /* another VNI or a header that is not vxvde's */
		return 0;
	}
	if (fd == x->multifd && from_us(x, &from, &m))
		return 0;
	if (r == VXLAN_HDR) { /* a leave message */
		x->left += vxlan_forget_addr(&x->tab, (struct sockaddr *)&from, m.msg_namelen);
		return 0;
	}
	if (r < VXLAN_HDR + 14) {
		x->bad++;
		return 0;
	}
	vxlan_learn(&x->tab, (const uint8_t *)v->iov_base + 6, (struct sockaddr *)&from, m.msg_namelen, now_ms());
	v->iov_len = (size_t)r - VXLAN_HDR;
	csum_fix_partial(v->iov_base, v->iov_len); /* as vxlan:// does */
	x->rx++;
	return 1;
}

static int vxvde_recv(struct vep *e, struct iovec *v, int n)
{
	struct vxvde *x = e->priv;
	int got = 0, fds[2] = { x->multifd, x->unifd };

	for (int round = 0; round < VXVDE_BATCH && got < n; round++) {
		int any = 0;
		for (int i = 0; i < 2 && got < n; i++) {
			int r = take(e, fds[i], &v[got]);
			if (r < 0) {
				log_err("receive %s:", e->name);
				return vep_end(e, 1);
			}
			got += r;
			any |= r;
		}
		if (!any)
			break;
	}
	return got;
}

static int vxvde_send(struct vep *e, const struct iovec *v, int n)
{
	struct vxvde *x = e->priv;
	int done = 0;

	for (; done < n; done++) {
		const uint8_t *f = v[done].iov_base;
		const struct vxlan_entry *to = v[done].iov_len >= 14 ? vxlan_lookup(&x->tab, f, now_ms()) : NULL;
		struct iovec iov[2] = { { x->hdr, VXLAN_HDR }, v[done] };
		struct msghdr m = { .msg_name = to ? (void *)&to->addr : (void *)&x->group,
				    .msg_namelen = to ? to->alen : x->grouplen, .msg_iov = iov, .msg_iovlen = 2 };
		if (v[done].iov_len < 14)
			continue;
		if (sendmsg(x->unifd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR) {
				done--;
				continue;
			}
			/* refused, unreachable, too big: one frame lost */
		}
		x->floods += !to;
		x->tx++;
	}
	return done;
}

static int vxvde_describe(const struct vep *e, char *buf, size_t len)
{
	const struct vxvde *x = e->priv;

	return snprintf(buf, len, "vni %u, unicast port %u, %zu MACs learned (table %zu), in %llu out %llu "
			"flooded %llu, dropped: %llu not ours, %llu forgotten by leave messages",
			(unsigned)(x->hdr[4] << 16 | x->hdr[5] << 8 | x->hdr[6]), ntohs(x->uniport),
			vxlan_count(&x->tab, now_ms()), x->tab.size, (unsigned long long)x->rx,
			(unsigned long long)x->tx, (unsigned long long)x->floods, (unsigned long long)x->bad,
			(unsigned long long)x->left);
}

static void vxvde_list(const struct vep *e, void (*line)(void *ctx, const char *text), void *ctx)
{
	const struct vxvde *x = e->priv;

	vx_list_table(&x->tab, line, ctx);
}

const struct vep_kind vep_kind_vxvde = {
	.scheme = "vxvde",
	.help = "vxvde://[GROUP][/vni=N/port=P/grp=G/bind=IP/...]  vdeplug4's vxvde (port 14789)",
	.vnl_flags = VNL_SLASH | VNL_NOPATH,
	.priv_size = sizeof(struct vxvde),
	.open = vxvde_open,
	.check = vxvde_check,
	.recv = vxvde_recv,
	.send = vxvde_send,
	.describe = vxvde_describe,
	.list = vxvde_list,
	.close = vxvde_close,
};
