/* endpoint.c - what every endpoint kind shares: its watches and their
 * events, closing, and the receive buffers frames are read into (see
 * endpoint.h for the kinds). */
#include "endpoint.h"
#include "forward.h"
#include "port.h"
#include "portimpair.h"
#include "tx.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/proto.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t (*rxbufs)[EP_RXBUF];

uint8_t (*ep_rxbufs(void))[EP_RXBUF]
{
	if (!rxbufs)
		rxbufs = malloc(sizeof(*rxbufs) * SW_BATCH);
	return rxbufs;
}

void ep_rx_frame(struct endpoint *ep, uint8_t *buf, size_t n, int truncated)
{
	if (n < ETH_HDR_LEN || truncated || n > sw.max_frame) {
		ep->port->drops++; /* runt or giant: counted, not forwarded */
		return;
	}
	ep_forward(ep->port, buf + SW_HEADROOM, n, NULL);
}

void ep_forward(struct port *p, uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	if (p->impair && portimpair_in(p, f, len, vh))
		return; /* the port's bad wire has it: it comes later, or never */
	forward_frame(p, f, len, vh);
}

/* Light traffic (one frame per wakeup, e.g. ping-pong): reading until
 * "nothing left" would cost a second, empty system call per frame, on
 * the frame's way (a tap's frame is written after it).  After 4 such
 * wakeups in a row read one frame per wakeup (level-triggered epoll
 * calls again if there is more); every 8th wakeup probes with a whole
 * batch to notice a busier link. */
int ep_rx_budget(struct endpoint *ep)
{
	return ep->rx_singles >= 4 && (++ep->rx_wakeups & 7) ? 1 : SW_BATCH;
}

void ep_rx_learn(struct endpoint *ep, int budget, int got)
{
	if (budget > 1)
		ep->rx_singles = got <= 1 ? ep->rx_singles + 1 : 0;
}

void ep_reap(void)
{
	struct endpoint *ep;

	while ((ep = tx_next_dead()))
		ep_close(ep, ep->ops ? ep->ops->lost : "gone");
}

/* Room to write: the kind's own buffer first, then our queue. */
static void writable(struct endpoint *ep)
{
	int more = ep->ops->flush ? ep->ops->flush(ep) : 0;

	if (more < 0) {
		tx_mark_dead(ep);
		return;
	}
	if (more == 0)
		tx_resume(ep);
	else
		ep_poll_out(ep, 1);
}

static void data_event(struct watch *w, uint32_t events)
{
	struct endpoint *ep = (struct endpoint *)((char *)w - offsetof(struct endpoint, data));

	if (events & EPOLLOUT)
		writable(ep);
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		ep->ops->receive(ep);
	ep_reap();
}

static void out_event(struct watch *w, uint32_t events)
{
	struct endpoint *ep = (struct endpoint *)((char *)w - offsetof(struct endpoint, out));

	if (events & (EPOLLERR | EPOLLHUP)) /* nobody reads any more */
		tx_mark_dead(ep);
	else if (events & EPOLLOUT)
		writable(ep);
	ep_reap();
}

static void ctl_event(struct watch *w, uint32_t events)
{
	struct endpoint *ep = (struct endpoint *)((char *)w - offsetof(struct endpoint, ctl));
	char buf[512];
	ssize_t n;

	(void)events;
	/* After the handshake the control connection is silent; anything the
	 * far end still sends is read and ignored, EOF means it left. */
	n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	ep_close(ep, n == 0 ? "left" : "control connection error");
	ep_reap();
}

struct endpoint *ep_new(const struct ep_ops *ops, int datafd, int outfd, int ctlfd, uid_t uid,
			const char *descr)
{
	struct endpoint *ep = calloc(1, sizeof(*ep));

	if (!ep_rxbufs())
		goto fail;
	if (!ep || !(ep->descr = strdup(descr ? descr : "")))
		goto fail;
	ep->ops = ops;
	ep->uid = uid;
	ep->id = ctlfd >= 0 ? ctlfd : datafd;
	ep->data.fd = ep->out.fd = ep->ctl.fd = -1;
	/* datafd -1: frames reach it through another's fd (ep_qdgram.c) */
	if (datafd >= 0 && loop_add(&ep->data, datafd, EPOLLIN, data_event) < 0)
		goto fail;
	if (outfd >= 0 && outfd != datafd && loop_add(&ep->out, outfd, 0, out_event) < 0)
		goto fail_data;
	if (ctlfd >= 0 && loop_add(&ep->ctl, ctlfd, EPOLLIN | EPOLLRDHUP, ctl_event) < 0)
		goto fail_out;
	return ep;
fail_out:
	if (ep->out.fd >= 0)
		loop_del(&ep->out);
fail_data:
	if (ep->data.fd >= 0)
		loop_del(&ep->data);
fail:
	log_err("cannot add endpoint: out of memory or fds");
	if (ep)
		free(ep->descr);
	free(ep);
	return NULL;
}

void ep_close(struct endpoint *ep, const char *why)
{
	if (!ep->ops)
		return; /* already closed in this batch */
	log_info("port %d: endpoint %d %s (%s)", ep->port ? ep->port->index : -1, ep->id,
		 why, ep->descr);
	tx_forget(ep);
	if (ep->port)
		port_detach(ep);
	/* Out of epoll before the kind closes the fds (a copy of one that a
	 * child still holds would keep reporting), the numbers kept for it. */
	struct watch *w[] = { &ep->data, &ep->out, &ep->ctl };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		int fd = w[i]->fd;
		loop_del(w[i]);
		w[i]->fd = fd;
	}
	ep->ops->close(ep);
	ep->data.fd = ep->out.fd = ep->ctl.fd = -1;
	ep->ops = NULL;
	if (ep->on_close)
		ep->on_close(ep->on_close_ctx, ep);
	free(ep->descr);
	ep->descr = NULL;
	loop_defer_free(ep);
}

static uint8_t (*vnetbufs)[EP_VNETBUF];

uint8_t (*ep_vnetbufs(void))[EP_VNETBUF]
{
	if (!vnetbufs)
		vnetbufs = malloc(sizeof(*vnetbufs) * EP_VNET_BATCH);
	return vnetbufs;
}

void ep_vnet_sndbuf(int fd)
{
	int size = EP_VNET_SNDBUF;

	/* root may pass net.core.wmem_max; anyone else gets what it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

void ep_vnet_pairs(struct iovec (*two)[2], const struct iovec *v, int n)
{
	static const struct vnet_hdr plain;

	for (int i = 0; i < n; i++) {
		two[i][0] = (struct iovec){ (void *)&plain, sizeof(plain) };
		two[i][1] = v[i];
	}
}

int ep_send_batch(int fd, const struct iovec *v, int n, int vnet)
{
	struct mmsghdr msgs[SW_BATCH];
	struct iovec two[SW_BATCH][2];

	if (n > SW_BATCH)
		n = SW_BATCH;
	if (vnet)
		ep_vnet_pairs(two, v, n);
	memset(msgs, 0, sizeof(msgs[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		msgs[i].msg_hdr.msg_iov = vnet ? two[i] : (struct iovec *)&v[i];
		msgs[i].msg_hdr.msg_iovlen = vnet ? 2 : 1;
	}
	return sendmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void ep_rx_vnet(struct endpoint *ep, uint8_t *buf, size_t n)
{
	struct vnet_hdr vh;
	uint8_t *f = buf + SW_HEADROOM + sizeof(vh);
	size_t len;

	if (n < sizeof(vh) + ETH_HDR_LEN) {
		ep->port->drops++;
		return;
	}
	memcpy(&vh, buf + SW_HEADROOM, sizeof(vh));
	len = n - sizeof(vh);
	if (vh.gso_type == VNET_GSO_NONE && !(vh.flags & VNET_F_NEEDS_CSUM)) {
		ep_rx_frame(ep, f - SW_HEADROOM, len, 0); /* a plain frame */
		return;
	}
	if (!offload_hdr_ok(&vh, len, sw.max_frame)) {
		ep->port->drops++;
		return;
	}
	ep_forward(ep->port, f, len, &vh);
}

void ep_free_buffers(void)
{
	free(rxbufs);
	rxbufs = NULL;
	free(vnetbufs);
	vnetbufs = NULL;
	tx_free();
}
