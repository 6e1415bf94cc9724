/* ep_qdgram.c - endpoint kind: QEMU's -netdev dgram on one unix datagram
 * socket (--qemu-dgram PATH).  Each sender address becomes an endpoint
 * on a port of its own; frames are raw, one per datagram, and replies go
 * back to that address from the same socket.  A sender silent for
 * QEMU_DGRAM_IDLE_MS loses its port; senders are bounded by the ports
 * and the per-user quotas (the uid comes with each datagram,
 * SO_PASSCRED), so a flood from many addresses cannot grow memory. */
#include "qemu.h"
#include "ctlsock.h"
#include "endpoint.h"
#include "port.h"
#include "sw.h"
#include "tx.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct peer {
	struct peer *next;
	struct endpoint *ep;
	struct sockaddr_un addr;
	socklen_t addrlen;
	uint64_t last_ms;
};

static struct watch sock = { .fd = -1 };
static char sock_path[SW_PATH_MAX];
static struct peer *peers;
static struct log_rate rl_refused = { .what = "QEMU datagram senders refused" };

static struct peer *peer_of(const struct sockaddr_un *a, socklen_t len)
{
	for (struct peer *p = peers; p; p = p->next)
		if (p->addrlen == len && memcmp(&p->addr, a, len) == 0)
			return p;
	return NULL;
}

static ssize_t qd_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	struct peer *p = ep->kind_state;
	struct msghdr m = { .msg_name = &p->addr, .msg_namelen = p->addrlen,
			    .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
	ssize_t r = sendmsg(sock.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);

	/* One socket for every sender: nothing to wait on for one of them.
	 * A full receiver loses the datagram, as on any datagram link. */
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
		errno = ENOSPC;
	return r;
}

static int qd_gone(int err) { return err == ECONNREFUSED || err == ENOENT; }

static void qd_close(struct endpoint *ep)
{
	struct peer *p = ep->kind_state;

	for (struct peer **pp = &peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

static void qd_receive(struct endpoint *ep) { (void)ep; } /* the socket's event reads */

static const struct ep_ops qdgram_ops = {
	.module = "qemu dgram",
	.lost = "sender gone",
	.receive = qd_receive,
	.write = qd_write,
	.gone = qd_gone,
	.close = qd_close,
};

/* The uid SO_PASSCRED attached to a datagram, (uid_t)-1 if none. */
static uid_t sender_uid(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			return cr.uid;
		}
	return (uid_t)-1;
}

static struct peer *new_peer(const struct sockaddr_un *a, socklen_t len, uid_t uid)
{
	char name[SW_PATH_MAX + 1], descr[2 * SW_PATH_MAX + 32];
	struct port *port;
	struct peer *p;

	if (uid == (uid_t)-1)
		uid = QEMU_TCP_UID; /* no credentials: no exemption either */
	if (!(port = port_for_request(VDE_REQ_NEW_CONTROL, 0, uid))) {
		if (log_rate_due(&rl_refused, now_ms()))
			log_warn("--qemu-dgram %s: sender refused: %s", sock_path,
				 errno == ENOSPC ? "no free port (-n)" : errno == EDQUOT ? "over the user's port quota" : strerror(errno));
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	memcpy(&p->addr, a, len);
	p->addrlen = len;
	snprintf(name, sizeof(name), "%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path)), a->sun_path);
	snprintf(descr, sizeof(descr), "qemu dgram %s from %s", sock_path, name);
	if (!(p->ep = ep_new(&qdgram_ops, -1, -1, -1, uid, descr))) {
		free(p);
		return NULL;
	}
	static int next_id = 1;
	p->ep->kind_state = p;
	p->ep->raw_runts = 1; /* QEMU sends runts and takes them */
	p->ep->id = next_id++ & 0x7fffffff; /* no fd of its own to name it by */
	p->next = peers;
	peers = p;
	port_attach(port, p->ep);
	log_info("port %d: endpoint %d joined (%s)", port->index, p->ep->id, descr);
	return p;
}

static void sock_event(struct watch *w, uint32_t events)
{
	uint8_t (*bufs)[EP_RXBUF] = ep_rxbufs();
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} cm;

	(void)events;
	for (int i = 0; i < SW_BATCH; i++) {
		struct sockaddr_un from;
		struct iovec iov = { bufs[0] + SW_HEADROOM, VDE_FRAME_MAX + 1 };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		ssize_t n = recvmsg(w->fd, &m, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_err("receive on %s:", sock_path);
			break;
		}
		/* An unnamed sender cannot be answered: not a QEMU. */
		if (m.msg_namelen <= offsetof(struct sockaddr_un, sun_path) || from.sun_path[0] == 0)
			continue;
		struct peer *p = peer_of(&from, m.msg_namelen);
		if (!p && !(p = new_peer(&from, m.msg_namelen, sender_uid(&m))))
			continue;
		p->last_ms = now_ms();
		tx_batch_begin();
		ep_rx_frame(p->ep, bufs[0], (size_t)n, (m.msg_flags & MSG_TRUNC) != 0);
		tx_batch_end();
	}
	ep_reap();
}

int qemu_dgram_open(const char *path)
{
	int one = 1, fd;

	if (sock.fd >= 0) {
		log_err("--qemu-dgram %s: one datagram socket only (%s is open)", path, sock_path);
		return -1;
	}
	if (strlen(path) >= sizeof(sock_path)) {
		log_err("--qemu-dgram %s: path too long", path);
		return -1;
	}
	if ((fd = ctlsock_bind(path, SOCK_DGRAM, sw.mode, sw.gid)) < 0)
		return -1;
	strcpy(sock_path, path);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (ep_rxbufs() == NULL || loop_add(&sock, fd, EPOLLIN, sock_event) < 0) {
		log_err("--qemu-dgram %s: out of memory", path);
		close(fd);
		unlink(sock_path);
		return -1;
	}
	log_info("QEMU datagrams on unix %s", path);
	return 0;
}

void qemu_tick(uint64_t now)
{
	for (struct peer *p = peers, *next; p; p = next) {
		next = p->next;
		if (now - p->last_ms >= QEMU_DGRAM_IDLE_MS)
			ep_close(p->ep, "idle");
	}
	ep_reap();
}

void qemu_dgram_cleanup(void)
{
	while (peers)
		ep_close(peers->ep, "closed: switch exiting");
	if (sock.fd >= 0) {
		int fd = sock.fd;
		loop_del(&sock);
		close(fd);
		unlink(sock_path);
	}
}
