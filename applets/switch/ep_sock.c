/* ep_sock.c - endpoint kind: a client's data socket.  The control
 * socket (ctlsock.c) makes it after the handshake: a datagram socket
 * bound at DIR/NNN.FD (or abstract), connected to the client's, with the
 * control connection beside it, whose EOF means the client left.
 * Frames come in batches (recvmmsg) and leave in batches (sendmmsg).
 * A client of ours that took VDE_EXT_VNET (a cable from another of our
 * switches) sends and gets [vnet header][frame], super-frames whole. */
#include "endpoint.h"
#include "port.h"
#include "tx.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sock_state {
	char path[SW_PATH_MAX + 1]; /* our data socket file, "" if none */
};

static void sock_receive(struct endpoint *ep)
{
	uint8_t (*bufs)[EP_RXBUF] = ep_rxbufs();
	uint8_t (*vbufs)[EP_VNETBUF] = ep->vnet ? ep_vnetbufs() : NULL;
	struct mmsghdr msgs[SW_BATCH];
	struct iovec iov[SW_BATCH];
	int budget = ep_rx_budget(ep), n;

	if (ep->vnet && budget > EP_VNET_BATCH)
		budget = EP_VNET_BATCH;
	for (int i = 0; i < budget; i++) {
		iov[i].iov_base = (vbufs ? vbufs[i] : bufs[i]) + SW_HEADROOM;
		iov[i].iov_len = vbufs ? EP_VNET_MAXREAD : VDE_FRAME_MAX + 1; /* one more: detects giants */
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(ep->data.fd, msgs, (unsigned)budget, MSG_DONTWAIT, NULL);
	if (n < 0) {
		/* Anything but "nothing to read" means the client's socket is
		 * gone; level-triggered epoll would report it forever. */
		if (errno != EAGAIN && errno != EINTR) {
			log_debug("recv port %d:", ep->port->index);
			tx_mark_dead(ep);
		}
		return;
	}
	ep_rx_learn(ep, budget, n);
	tx_batch_begin();
	for (int i = 0; i < n && ep->ops; i++) {
		/* A zero-length datagram is vde2's "closing" hint: ignore.
		 * On a seqpacket port it is the peer's EOF. */
		if (msgs[i].msg_len == 0) {
			if (ep->msg_eof) {
				tx_mark_dead(ep);
				break;
			}
			continue;
		}
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			ep->port->drops++; /* a giant */
		else if (vbufs)
			ep_rx_vnet(ep, vbufs[i], msgs[i].msg_len);
		else
			ep_rx_frame(ep, bufs[i], msgs[i].msg_len, 0);
	}
	tx_batch_end();
}

static ssize_t sock_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

	return sendmsg(ep->data.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static int sock_write_batch(struct endpoint *ep, struct iovec *v, int n)
{
	return ep_send_batch(ep->data.fd, v, n, ep->vnet); /* vnet: a cable to a switch of ours */
}

static int sock_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE ||
	       err == EBADF || err == EIO || err == EDESTADDRREQ;
}

static void sock_close(struct endpoint *ep)
{
	struct sock_state *st = ep->kind_state;

	if (st && st->path[0]) /* first: a client seeing EOF finds the file gone */
		unlink(st->path);
	free(st);
	if (ep->data.fd >= 0)
		close(ep->data.fd);
	if (ep->ctl.fd >= 0)
		close(ep->ctl.fd);
}

static const struct ep_ops sock_ops = {
	.module = "unix prog",
	.lost = "data socket gone",
	.receive = sock_receive,
	.write = sock_write,
	.write_batch = sock_write_batch,
	.gone = sock_gone,
	.close = sock_close,
};

struct endpoint *ep_sock_new(int datafd, int ctlfd, uid_t uid, const char *descr, const char *path, int vnet)
{
	struct sock_state *st = calloc(1, sizeof(*st));
	struct endpoint *ep;

	if (!st) {
		log_err("cannot add endpoint: out of memory");
		return NULL;
	}
	snprintf(st->path, sizeof(st->path), "%s", path ? path : "");
	if (!(ep = ep_new(&sock_ops, datafd, -1, ctlfd, uid, descr))) {
		free(st);
		return NULL;
	}
	ep->kind_state = st;
	if (vnet) { /* ctlsock.c made the buffers before it granted this */
		ep->vnet = 1; /* frames out carry the header; tx.c sends them one by one */
		ep_vnet_sndbuf(datafd);
		ep->maxsend = VNET_MAX_FRAME;
	}
	return ep;
}
