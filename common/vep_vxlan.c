/* vep_vxlan.c - vxlan://[GROUP][/vni=N/port=P/ttl=T/if=IF/v4/v6/...]:
 * the Ethernet segment of a VXLAN (RFC 7348) network, as the Linux
 * kernel's vxlan, Open vSwitch and vdeplug4 speak it: each frame in a
 * UDP datagram after an 8-byte header with the VNI.
 *
 * Frames from a VTEP teach us which VTEP each source MAC sits behind
 * (IPv4 or IPv6; entries age out); a frame for a known MAC goes to its
 * VTEP alone, anything else is flooded: to the multicast GROUP, or with
 * remote=IP[,IP...] to each listed VTEP in turn (head-end replication,
 * for networks without multicast).  Replies go to the VTEP's address at
 * the VXLAN port, as the kernel sends them, whatever source port it used.
 * Options as vdeplug4's (vni=1, port=4789, ttl=1, group 239.0.0.1 or
 * ff05:56de::1, hashsize=1024, expiretime=128 s, if=, v4, v6, rcvbuf=)
 * plus remote=, local=IP (bind and send from it). */
#include "vep.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"
#include "csum.h"
#include "vxlan.h"
#include "vx_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VX_GROUP4 "239.0.0.1"
#define VX_GROUP6 "ff05:56de::1"
#define VX_REMOTES_MAX 64
#define VX_SRC_SOCKETS 16

struct vx {
	uint32_t vni;
	int family;
	struct sockaddr_storage group;  /* flood here unless remotes */
	socklen_t grouplen;
	int have_group;
	struct sockaddr_storage remote[VX_REMOTES_MAX];
	socklen_t remotelen[VX_REMOTES_MAX];
	int nremotes;
	in_port_t port;                 /* network order */
	long hashsize, expire, rcvbuf;  /* the options, checked */
	struct vxlan_table tab;
	uint64_t rx, tx, floods, bad, other_vni, csums, oversize;
	/* srcport=LO-HI: frames leave from one of these sockets, bound to
	 * ports spread over the range, chosen by a hash of the inner flow
	 * (as the kernel picks a source port, so ECMP spreads the flows). */
	int srcfd[VX_SRC_SOCKETS];
	int nsrc;
	unsigned int srclo, srchi;
};

/* remote=A,B,C */
static int parse_remotes(const char *name, struct vx *x, const char *list)
{
	char buf[VNL_MAX + 1], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (x->nremotes == VX_REMOTES_MAX) {
			log_err("%s: more than %d remote= VTEPs", name, VX_REMOTES_MAX);
			return -1;
		}
		if (vx_ip_addr(name, "remote", t, x->family, x->port, &x->remote[x->nremotes],
			    &x->remotelen[x->nremotes]) < 0)
			return -1;
		x->family = x->remote[x->nremotes++].ss_family; /* the first decides */
	}
	if (!x->nremotes) {
		log_err("%s: remote= names no VTEP", name);
		return -1;
	}
	return 0;
}

/* Everything from the VNL, nothing opened: the check and the open share it. */
static int vx_config(const char *name, const struct vnl *v, struct vx *x, int *ifindex, int *ttl,
		     struct sockaddr_storage *local, socklen_t *locallen)
{
	const char *ifname = vnl_get(v, "if"), *rem = vnl_get(v, "remote"), *loc = vnl_get(v, "local");
	static const char *const keys[] = { "vni", "port", "ttl", "if", "v4", "v6", "hashsize", "expiretime",
					    "rcvbuf", "remote", "local", "srcport", NULL };
	int err = 0;

	if (vx_known_opts(name, v, keys) < 0)
		return -1;
	x->family = vnl_get(v, "v6") ? AF_INET6 : vnl_get(v, "v4") ? AF_INET : AF_UNSPEC;
	x->vni = (uint32_t)vx_num_opt(name, v, "vni", 1, 0, VXLAN_VNI_MAX, &err);
	x->port = htons((uint16_t)vx_num_opt(name, v, "port", 4789, 1, 65535, &err));
	*ttl = (int)vx_num_opt(name, v, "ttl", 1, 0, 255, &err);
	x->hashsize = vx_num_opt(name, v, "hashsize", 1024, 1, 1 << 20, &err);
	x->expire = vx_num_opt(name, v, "expiretime", 128, 1, 1 << 24, &err);
	x->rcvbuf = vx_num_opt(name, v, "rcvbuf", 0, 0, 1 << 30, &err);
	if (err)
		return -1;
	const char *sp = vnl_get(v, "srcport");
	x->srclo = x->srchi = 0;
	if (sp) {
		char lo[16], hi[16];
		long a, b;
		const char *dash = strchr(sp, '-');
		if (!dash || (size_t)(dash - sp) >= sizeof(lo) || strlen(dash + 1) >= sizeof(hi)) {
			log_err("%s: srcport=%s: expected LO-HI", name, sp);
			return -1;
		}
		memcpy(lo, sp, (size_t)(dash - sp));
		lo[dash - sp] = 0;
		strcpy(hi, dash + 1);
		if (parse_long(lo, 1, 65535, &a) < 0 || parse_long(hi, a, 65535, &b) < 0) {
			log_err("%s: srcport=%s: expected LO-HI, 1 <= LO <= HI <= 65535", name, sp);
			return -1;
		}
		x->srclo = (unsigned)a;
		x->srchi = (unsigned)b;
	}
	*ifindex = 0;
	if (ifname && !(*ifindex = (int)if_nametoindex(ifname))) {
		log_err("%s: if=%s: no such interface", name, ifname);
		return -1;
	}
	*locallen = 0;
	if (loc && vx_ip_addr(name, "local", loc, x->family, x->port, local, locallen) < 0)
		return -1;
	if (loc)
		x->family = local->ss_family;
	if (rem && parse_remotes(name, x, rem) < 0)
		return -1;
	if (*v->addr || !rem) { /* a group: given, or the default without remote= */
		const char *g = *v->addr ? v->addr : x->family == AF_INET6 ? VX_GROUP6 : VX_GROUP4;
		if (vx_ip_addr(name, "group", g, x->family, x->port, &x->group, &x->grouplen) < 0)
			return -1;
		x->family = x->group.ss_family;
		x->have_group = 1;
	}
	for (int i = 0; i < x->nremotes; i++)
		if (x->remote[i].ss_family != x->family) {
			log_err("%s: IPv4 and IPv6 mixed in one VXLAN", name);
			return -1;
		}
	if (*locallen && local->ss_family != x->family) {
		log_err("%s: local= is not of the VXLAN's address family", name);
		return -1;
	}
	return 0;
}

static int vx_check(const char *name, const struct vnl *v)
{
	static struct vx x;
	struct sockaddr_storage local;
	socklen_t locallen;
	int ifindex, ttl;

	memset(&x, 0, offsetof(struct vx, tab));
	return vx_config(name, v, &x, &ifindex, &ttl, &local, &locallen);
}

static void vx_close(struct vep *e);

/* A socket of the VXLAN's family bound at addr (port in it), with TTL
 * and multicast interface set for what it sends. */
static int vx_socket(struct vep *e, struct vx *x, struct sockaddr_storage *addr, socklen_t len, int ttl,
		     int ifindex)
{
	int one = 1, fd = socket(x->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		log_err("%s: socket:", e->name);
		return -1;
	}
	/* Several VTEPs of one host may share the port and the group. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (x->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	else /* RFC 7348: IPv4 VXLAN SHOULD carry UDP checksum 0, as the kernel's */
		setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)addr, len) < 0) {
		log_err("%s: bind port %u:", e->name,
			ntohs(x->family == AF_INET ? ((struct sockaddr_in *)addr)->sin_port
						   : ((struct sockaddr_in6 *)addr)->sin6_port));
		close(fd);
		return -1;
	}
	if (x->family == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = ifindex };
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
		if (ifindex)
			setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
		if (ifindex)
			setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	}
	return fd;
}

static void set_port(struct sockaddr_storage *ss, in_port_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
}

static int vx_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct vx *x = e->priv;
	struct sockaddr_storage local;
	socklen_t locallen;
	int ifindex, ttl, tiny = 1, fd;

	(void)a;
	for (int i = 0; i < VX_SRC_SOCKETS; i++)
		x->srcfd[i] = -1;
	if (vx_config(e->name, v, x, &ifindex, &ttl, &local, &locallen) < 0)
		return -1;
	if (vxlan_table_init(&x->tab, (size_t)x->hashsize, (unsigned)(x->expire * 1000)) < 0) {
		log_err("%s: out of memory", e->name);
		return -1;
	}
	if (!locallen) { /* any address, at the VXLAN port */
		memset(&local, 0, sizeof(local));
		local.ss_family = (sa_family_t)x->family;
		locallen = x->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	set_port(&local, x->port);
	if ((fd = vx_socket(e, x, &local, locallen, ttl, ifindex)) < 0)
		goto fail;
	e->fd_in = e->fd_out = fd;
	if (x->rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &x->rcvbuf, sizeof(x->rcvbuf));
	if (x->have_group && vx_is_multicast(&x->group) && vx_join_group(e->name, &x->group, fd, ifindex, ttl, 0) < 0)
		goto fail;
	if (x->srchi) { /* send-only sockets: their input is never read */
		unsigned span = x->srchi - x->srclo + 1;
		x->nsrc = span < VX_SRC_SOCKETS ? (int)span : VX_SRC_SOCKETS;
		for (int i = 0; i < x->nsrc; i++) {
			set_port(&local, htons((uint16_t)(x->srclo + (unsigned)i * span / (unsigned)x->nsrc)));
			if ((x->srcfd[i] = vx_socket(e, x, &local, locallen, ttl, ifindex)) < 0)
				goto fail;
			setsockopt(x->srcfd[i], SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny));
		}
	}
	e->maxsend = VDE_FRAME_MAX;
	return 0;
fail:
	vx_close(e);
	e->fd_in = e->fd_out = -1;
	return -1;
}

/* Errors of a datagram socket: a VTEP that refused (ICMP) costs one frame. */
static enum vep_err vx_classify(int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
		return VEP_E_RETRY;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EMSGSIZE:
	case ENOBUFS:
	case EPERM:
		return VEP_E_DROP;
	default:
		return VEP_E_FAIL;
	}
}

#define VX_BATCH 32

/* A batch of datagrams: each header into hdr[i], the frame straight into
 * the caller's buffer v[i] (no copy). */
static int vx_recv(struct vep *e, struct iovec *v, int n)
{
	struct vx *x = e->priv;
	struct mmsghdr m[VX_BATCH];
	struct iovec iov[VX_BATCH][2];
	struct sockaddr_storage from[VX_BATCH];
	uint8_t hdr[VX_BATCH][VXLAN_HDR + 14];
	uint64_t now = now_ms();
	int got, out = 0;

	if (n > VX_BATCH)
		n = VX_BATCH;
	memset(m, 0, sizeof(m[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		iov[i][0] = (struct iovec){ hdr[i], VXLAN_HDR };
		iov[i][1] = v[i];
		m[i].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof(from[i]),
						.msg_iov = iov[i], .msg_iovlen = 2 };
	}
	for (;;) {
		got = recvmmsg(e->fd_in, m, (unsigned)n, MSG_DONTWAIT, NULL);
		if (got >= 0)
			break;
		enum vep_err c = vx_classify(errno);
		if (c == VEP_E_FAIL) {
			log_err("receive %s:", e->name);
			return vep_end(e, 1);
		}
		if (c == VEP_E_RETRY && errno != EINTR)
			return 0;
	}
	for (int i = 0; i < got; i++) {
		size_t len = m[i].msg_len;
		enum vxlan_verdict vd;
		if ((m[i].msg_hdr.msg_flags & MSG_TRUNC) || len - (len < VXLAN_HDR ? 0 : VXLAN_HDR) > VDE_FRAME_MAX) {
			/* more than any frame of ours: a kernel VTEP over a veth
			 * passes its TCP super-frames on whole (ethtool -K vx0 tso off) */
			x->oversize++;
			continue;
		}
		/* vxlan_check wants header and frame together: the header and
		 * the Ethernet header are enough for it. */
		memcpy(hdr[i] + VXLAN_HDR, v[i].iov_base, len >= VXLAN_HDR + 14 ? 14 : 0);
		vd = vxlan_check(hdr[i], len, x->vni);
		if (vd != VXLAN_OK) {
			if (vd == VXLAN_OTHER_VNI)
				x->other_vni++;
			else
				x->bad++;
			continue;
		}
		/* Replies go to the VXLAN port: the kernel sends from any. */
		if (from[i].ss_family == AF_INET)
			((struct sockaddr_in *)&from[i])->sin_port = x->port;
		else if (from[i].ss_family == AF_INET6)
			((struct sockaddr_in6 *)&from[i])->sin6_port = x->port;
		vxlan_learn(&x->tab, (const uint8_t *)v[i].iov_base + 6, (struct sockaddr *)&from[i],
			    m[i].msg_hdr.msg_namelen, now);
		x->rx++;
		/* A kernel VTEP with checksum offload, over a veth, leaves inner
		 * TCP/UDP checksums partial for us to finish (a NIC would). */
		x->csums += (uint64_t)csum_fix_partial(v[i].iov_base, len - VXLAN_HDR);
		if (out != i) { /* close the gaps the dropped ones left */
			memmove(v[out].iov_base, v[i].iov_base, len - VXLAN_HDR);
		}
		v[out++].iov_len = len - VXLAN_HDR;
	}
	return out;
}

/* The inner flow: addresses, and for TCP/UDP over IPv4 or IPv6 the
 * addresses and ports of the packet, so one connection keeps one path. */
static unsigned flow_hash(const uint8_t *f, size_t len)
{
	uint32_t h = 2166136261u;
	size_t from = 0, to = len < 12 ? len : 12;

	if (len >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00 && (f[14] >> 4) == 4) {
		size_t ihl = (size_t)(f[14] & 15) * 4;
		from = 14 + 12; /* addresses, then the ports if there is room */
		to = 14 + ihl + 4 <= len && (f[23] == 6 || f[23] == 17) ? 14 + ihl + 4 : 14 + 20;
		if (to > len)
			to = 14 + 20;
	} else if (len >= 14 + 40 + 4 && f[12] == 0x86 && f[13] == 0xdd) {
		from = 14 + 8;
		to = f[20] == 6 || f[20] == 17 ? 14 + 40 + 4 : 14 + 40;
	}
	for (size_t i = from; i < to; i++)
		h = (h ^ f[i]) * 16777619u;
	return h;
}

static int send_to(struct vep *e, const struct sockaddr *to, socklen_t tolen, const struct iovec *frame)
{
	struct vx *x = e->priv;
	uint8_t hdr[VXLAN_HDR];
	struct iovec iov[2] = { { hdr, VXLAN_HDR }, *frame };
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = iov, .msg_iovlen = 2 };

	vxlan_hdr_put(hdr, x->vni);
	int fd = x->nsrc ? x->srcfd[flow_hash(frame->iov_base, frame->iov_len) % (unsigned)x->nsrc] : e->fd_out;
	for (;;) {
		if (sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 1;
		switch (vx_classify(errno)) {
		case VEP_E_RETRY:
			if (errno == EINTR)
				continue;
			return 0;
		case VEP_E_FAIL:
			log_err("send %s:", e->name);
			return vep_end(e, 1);
		default:
			return 1; /* lost, as on any datagram link */
		}
	}
}

static int vx_send(struct vep *e, const struct iovec *v, int n)
{
	struct vx *x = e->priv;
	int done = 0;

	for (; done < n; done++) {
		const uint8_t *f = v[done].iov_base;
		const struct vxlan_entry *to = v[done].iov_len >= 14 ? vxlan_lookup(&x->tab, f, now_ms()) : NULL;
		int r = 1;
		if (to) {
			r = send_to(e, (const struct sockaddr *)&to->addr, to->alen, &v[done]);
		} else if (x->nremotes) { /* head-end replication */
			x->floods++;
			for (int i = 0; i < x->nremotes && r >= 0; i++)
				r = send_to(e, (struct sockaddr *)&x->remote[i], x->remotelen[i], &v[done]);
			r = r < 0 ? r : 1; /* a busy socket loses a copy, not the frame */
		} else {
			x->floods++;
			r = send_to(e, (struct sockaddr *)&x->group, x->grouplen, &v[done]);
		}
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		x->tx++;
	}
	return done;
}

static int vx_describe(const struct vep *e, char *buf, size_t len)
{
	const struct vx *x = e->priv;

	return snprintf(buf, len, "vni %u, %zu MACs learned (table %zu), in %llu out %llu flooded %llu, "
			"dropped: %llu malformed, %llu other VNI, %llu oversize; %llu checksums finished",
			(unsigned)x->vni, vxlan_count(&x->tab, now_ms()),
			x->tab.size, (unsigned long long)x->rx, (unsigned long long)x->tx,
			(unsigned long long)x->floods, (unsigned long long)x->bad,
			(unsigned long long)x->other_vni, (unsigned long long)x->oversize,
			(unsigned long long)x->csums);
}

static void vx_close(struct vep *e)
{
	struct vx *x = e->priv;

	if (e->fd_in >= 0)
		close(e->fd_in);
	for (int i = 0; i < x->nsrc; i++)
		if (x->srcfd[i] >= 0)
			close(x->srcfd[i]);
	vxlan_table_free(&x->tab);
}

static void vx_list(const struct vep *e, void (*line)(void *ctx, const char *text), void *ctx)
{
	const struct vx *x = e->priv;

	vx_list_table(&x->tab, line, ctx);
}

const struct vep_kind vep_kind_vxlan = {
	.scheme = "vxlan",
	.help = "vxlan://[GROUP][/vni=N/port=P/ttl=T/if=IF/v4/v6/remote=IP,../local=IP/srcport=LO-HI]\n"
		"                           VXLAN (RFC 7348), with the Linux kernel and OVS",
	.vnl_flags = VNL_SLASH | VNL_NOPATH,
	.priv_size = sizeof(struct vx),
	.open = vx_open,
	.check = vx_check,
	.recv = vx_recv,
	.send = vx_send,
	.describe = vx_describe,
	.list = vx_list,
	.close = vx_close,
};
