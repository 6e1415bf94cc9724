/* ep_vep.c - endpoint kind: any network a VNL names, through the
 * endpoint kinds vde_plug uses (common/vep_*.c): another switch
 * (vde://), a command's stdin/stdout (cmd://, a switch-native cable:
 * the switch speaks the stream framing itself), UDP, seqpacket://FD.
 * connect.c decides when one is opened and what happens when it ends
 * (ep->on_close). */
#include "endpoint.h"
#include "port.h"
#include "tx.h"
#include "common/log.h"
#include "common/vep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct vep_state {
	struct vep *v;
	uint64_t dropped_seen; /* v->dropped already on the port's drops */
};

static struct vep *vep_of(const struct endpoint *ep) { return ((struct vep_state *)ep->kind_state)->v; }

/* Frames a kind keeps in its own memory are copied into ours: forward.c
 * needs headroom before a frame and room after it.  max: the longest
 * iov_len the buffer at buf takes. */
static int take(uint8_t *buf, struct iovec *iov, size_t max)
{
	uint8_t *mine = buf + SW_HEADROOM;

	if (iov->iov_len == 0 || iov->iov_len > max)
		return -1; /* truncated, or more than any buffer of ours */
	if (iov->iov_base != mine)
		memmove(mine, iov->iov_base, iov->iov_len);
	return 0;
}

/* A cable to another of our switches that takes vnet headers (vde://
 * granted VDE_EXT_VNET, or a stream agreed to them): its frames may be
 * super-frames, read into the big buffers.  Returns the frames read. */
static int receive_vnet(struct endpoint *ep, struct vep *v)
{
	uint8_t (*bufs)[EP_VNETBUF] = ep_vnetbufs();
	struct iovec iov[EP_VNET_BATCH];
	int n;

	for (int i = 0; i < EP_VNET_BATCH; i++)
		iov[i] = (struct iovec){ bufs[i] + SW_HEADROOM, EP_VNET_MAXREAD };
	n = v->kind->recv(v, iov, EP_VNET_BATCH);
	if (n < 0) {
		tx_mark_dead(ep);
		return 0;
	}
	tx_batch_begin();
	for (int i = 0; i < n && ep->ops; i++) {
		if (take(bufs[i], &iov[i], EP_VNET_MAXREAD - 1) < 0)
			ep->port->drops++; /* truncated */
		else
			ep_rx_vnet(ep, bufs[i], iov[i].iov_len);
	}
	tx_batch_end();
	return n;
}

static int receive_plain(struct endpoint *ep, struct vep *v, int budget)
{
	uint8_t (*bufs)[EP_RXBUF] = ep_rxbufs();
	struct iovec iov[SW_BATCH];
	int n;

	for (int i = 0; i < budget; i++)
		iov[i] = (struct iovec){ bufs[i] + SW_HEADROOM, VDE_FRAME_MAX + 1 };
	n = v->kind->recv(v, iov, budget);
	if (n < 0) {
		tx_mark_dead(ep);
		return 0;
	}
	tx_batch_begin();
	for (int i = 0; i < n && ep->ops; i++) {
		int bad = take(bufs[i], &iov[i], VDE_FRAME_MAX + 1);
		ep_rx_frame(ep, bufs[i], iov[i].iov_len, bad);
	}
	tx_batch_end();
	return n;
}

/* A stream's far end agreed to take vnet records: switch over once
 * nothing plain of ours waits, so no frame is framed the old way after
 * the new one (tx.c adds the header from now on). */
static void maybe_vnet_out(struct endpoint *ep, struct vep *v)
{
	if (!v->vnet_out_ready || !tx_idle(ep))
		return;
	vep_stream_vnet_out(v);
	ep->vnet = 1;
	ep->maxsend = VNET_MAX_FRAME;
}

static void vep_receive(struct endpoint *ep)
{
	struct vep *v = vep_of(ep);
	int budget = ep_rx_budget(ep), n, total = 0;

	/* A stream kind deframes a read at a time: what it holds (at most
	 * its input buffer) is taken now, as epoll will not say it again.
	 * It may turn to vnet records between two calls (stream.h). */
	do {
		n = v->vnet_in ? receive_vnet(ep, v) : receive_plain(ep, v, budget);
		total += n;
	} while (n > 0 && v->in_buffered && ep->ops && v->rc == 0);
	if (!ep->ops)
		return;
	ep_rx_learn(ep, v->vnet_in ? EP_VNET_BATCH : budget, total);
	maybe_vnet_out(ep, v);
	if (v->kind->wants_out && v->kind->wants_out(v))
		ep_poll_out(ep, 1); /* the negotiation's answers wait */
	struct vep_state *st = ep->kind_state;
	if (v->dropped != st->dropped_seen && ep->port) { /* the kind's own drops count too */
		ep->port->drops += v->dropped - st->dropped_seen;
		st->dropped_seen = v->dropped;
	}
}

/* A kind's "frames taken" (fewer: no room now, -1: ended) as write(2)
 * for tx.c: EAGAIN, and EPIPE for the end; output the kind holds is
 * written on POLLOUT. */
static int as_written(struct endpoint *ep, struct vep *e, int r)
{
	if (r < 0) {
		errno = EPIPE;
		return -1;
	}
	if (e->kind->wants_out && e->kind->wants_out(e))
		ep_poll_out(ep, 1);
	if (r == 0) {
		errno = EAGAIN;
		return -1;
	}
	return r;
}

static int vep_send(struct endpoint *ep, struct iovec *v, int n)
{
	struct vep *e = vep_of(ep);

	return as_written(ep, e, e->kind->send(e, v, n));
}

static ssize_t vep_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	struct vep *e = vep_of(ep);

	if (e->vnet_out && (e->kind->flags & VEP_STREAM)) /* [header][frame]: one record */
		return as_written(ep, e, vep_stream_send_record(e, iov, n));
	if (e->vnet_out) { /* [header][frame]: one datagram (vde://) */
		struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
		ssize_t r = sendmsg(e->fd_out, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && vep_unix_classify(errno) == VEP_E_GONE)
			errno = EPIPE;
		return r;
	}
	return vep_send(ep, (struct iovec *)iov, 1); /* a frame is one piece here */
}

/* Plain frames to a cable that takes vnet records: a header with no
 * offload state before each, n records in one write (a stream) or n
 * datagrams in one sendmmsg (vde://). */
static int vep_write_vnet_batch(struct endpoint *ep, struct vep *e, struct iovec *v, int n)
{
	struct iovec two[SW_BATCH][2];
	int r;

	if (e->kind->flags & VEP_STREAM) {
		if (n > SW_BATCH)
			n = SW_BATCH;
		ep_vnet_pairs(two, v, n);
		return as_written(ep, e, vep_stream_send_records(e, two, n));
	}
	r = ep_send_batch(e->fd_out, v, n, 1);
	if (r < 0 && vep_unix_classify(errno) == VEP_E_GONE)
		errno = EPIPE;
	return r;
}

static int vep_write_batch(struct endpoint *ep, struct iovec *v, int n)
{
	struct vep *e = vep_of(ep);

	if (e->vnet_out)
		return vep_write_vnet_batch(ep, e, v, n);
	return vep_send(ep, v, n);
}

static int vep_gone(int err) { return err == EPIPE; }

static int vep_flush(struct endpoint *ep)
{
	struct vep *e = vep_of(ep);

	if (e->kind->flush && e->kind->flush(e) < 0)
		return -1;
	return e->kind->wants_out && e->kind->wants_out(e) ? 1 : 0;
}

static void vep_close_ep(struct endpoint *ep)
{
	struct vep_state *st = ep->kind_state;

	vep_close(st->v); /* its fds, its child */
	free(st);
}

int ep_vep_describe(const struct endpoint *ep, char *buf, size_t len)
{
	struct vep *e;

	if (!ep->ops || ep->ops->receive != vep_receive)
		return 0;
	e = vep_of(ep);
	return e->kind->describe ? e->kind->describe(e, buf, len) : 0;
}

int ep_vep_list(const struct endpoint *ep, void (*line)(void *ctx, const char *text), void *ctx)
{
	struct vep *e;

	if (!ep->ops || ep->ops->receive != vep_receive)
		return 0;
	e = vep_of(ep);
	if (!e->kind->list)
		return 0;
	e->kind->list(e, line, ctx);
	return 1;
}

static const struct ep_ops vep_ops = {
	.module = "vnl",
	.lost = "ended",
	.receive = vep_receive,
	.write = vep_write,
	.write_batch = vep_write_batch,
	.gone = vep_gone,
	.flush = vep_flush,
	.close = vep_close_ep,
};

struct endpoint *ep_vep_adopt(struct vep *v, uid_t uid, const char *descr)
{
	struct vep_state *st = calloc(1, sizeof(*st));
	struct endpoint *ep;

	if (v->fd_in < 0) {
		log_err("%s: no frames to wait for: not a switch port", v->name);
		ep = NULL;
	} else {
		ep = st ? ep_new(&vep_ops, v->fd_in, v->fd_out, v->fd_ctl, uid, descr) : NULL;
	}
	if (!ep) {
		free(st);
		vep_close(v);
		return NULL;
	}
	st->v = v;
	ep->kind_state = st;
	ep->maxsend = v->maxsend;
	ep->module = v->kind->scheme;
	ep->raw_runts = (v->kind->flags & VEP_RAW_RUNTS) != 0;
	if (v->vnet_out) { /* tx.c adds the header; super-frames pass whole */
		ep->vnet = 1;
		ep->maxsend = VNET_MAX_FRAME;
		ep_vnet_sndbuf(v->fd_out);
	}
	if (v->kind->wants_out && v->kind->wants_out(v))
		ep_poll_out(ep, 1); /* a stream's offer (stream.h) */
	return ep;
}

struct endpoint *ep_vep_open(const char *vnl, const char *descr)
{
	/* A far switch that accepts but never answers stalls us while we
	 * wait: not for long (the port is retried later anyway). */
	struct vep_args a = { .descr = descr, .timeout_ms = EP_VEP_HANDSHAKE_MS, .own_pgrp = 1,
			      .ext = sw.offload && ep_vnetbufs() ? VDE_EXT_VNET : 0 };
	struct vep *v;

	if (vep_open(vnl, &a, &v) < 0)
		return NULL;
	return ep_vep_adopt(v, (uid_t)-1, vnl);
}
