/* endpoint.c - one client connection (or tap) of a port.
 *
 * Receiving: frames are read in batches (recvmmsg) and handed to
 * forward_frame().  Sending never blocks: a frame goes straight to the
 * socket when its queue is empty; when the client is slow it waits in a
 * bounded per-endpoint ring and is flushed on EPOLLOUT.  Only a full
 * ring drops, and every drop is counted on the endpoint and its port.
 */
#include "switch.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* ---- output ring: records of [u32 length][frame] ---- */
struct outq {
	size_t cap, head, tail;
	size_t frames, bytes;
	uint8_t buf[];
};
#define WRAP_MARK 0xffffffffu
#define RECHDR 4

static struct outq *outq_new(size_t cap)
{
	struct outq *q = malloc(sizeof(*q) + cap);
	if (q) {
		q->cap = cap;
		q->head = q->tail = q->frames = q->bytes = 0;
	}
	return q;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Queue the concatenation of iov[0..n) as one record. */
static int outq_push(struct outq *q, const struct iovec *iov, int n)
{
	size_t len = 0, need;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	need = RECHDR + len;

	if (q->frames == 0)
		q->head = q->tail = 0;
	if (q->frames > 0 && q->tail <= q->head) { /* wrapped: free space in the middle */
		if (q->tail + need > q->head)
			return -1;
	} else if (q->tail + need > q->cap) { /* no room at the end: wrap */
		if (need >= q->head) /* keep tail != head while not empty */
			return -1;
		if (q->cap - q->tail >= RECHDR)
			put32(q->buf + q->tail, WRAP_MARK);
		q->tail = 0;
	}
	put32(q->buf + q->tail, (uint32_t)len);
	for (int i = 0, at = 0; i < n; at += (int)iov[i].iov_len, i++)
		memcpy(q->buf + q->tail + RECHDR + at, iov[i].iov_base, iov[i].iov_len);
	q->tail += need;
	q->frames++;
	q->bytes += len;
	return 0;
}

static const uint8_t *outq_front(struct outq *q, size_t *len)
{
	if (q->cap - q->head < RECHDR || get32(q->buf + q->head) == WRAP_MARK)
		q->head = 0;
	*len = get32(q->buf + q->head);
	return q->buf + q->head + RECHDR;
}

static void outq_pop(struct outq *q, size_t len)
{
	q->head += RECHDR + len;
	q->frames--;
	q->bytes -= len;
}

/* ---- memory for output queues: bounded in total and per user ----
 * A queue is allocated when its endpoint first falls behind and freed
 * once it drains, so memory follows congestion, not the number of
 * endpoints.  All queues together hold at most sw.queue_total bytes, and
 * one user's at most half of that (the switch's owner, root and taps
 * only the total), so clients that never read cannot pin unbounded
 * memory or starve everybody else's queues. */
struct qowner {
	uid_t uid;
	size_t bytes;
};
static struct qowner *qowners;
static size_t nqowners, capqowners, qtotal;

static struct qowner *qowner(uid_t uid, int make)
{
	for (size_t i = 0; i < nqowners; i++)
		if (qowners[i].uid == uid)
			return &qowners[i];
	if (!make)
		return NULL;
	if (nqowners == capqowners) {
		size_t cap = capqowners ? capqowners * 2 : 8;
		struct qowner *q = realloc(qowners, cap * sizeof(*q));
		if (!q)
			return NULL;
		qowners = q;
		capqowners = cap;
	}
	qowners[nqowners] = (struct qowner){ uid, 0 };
	return &qowners[nqowners++];
}

/* sw.queue_total, or the default where nobody set it (unit tests) */
static size_t queue_total(void) { return sw.queue_total ? sw.queue_total : SW_DEFAULT_QUEUE_TOTAL; }

static int qbudget_exempt(uid_t uid) { return uid == (uid_t)-1 || uid == 0 || uid == geteuid(); }

static int qbudget_take(uid_t uid, size_t bytes)
{
	struct qowner *o = NULL;

	if (qtotal + bytes > queue_total())
		return -1;
	if (!qbudget_exempt(uid)) {
		if (!(o = qowner(uid, 1)) || o->bytes + bytes > queue_total() / 2)
			return -1;
		o->bytes += bytes;
	}
	qtotal += bytes;
	return 0;
}

static void qbudget_give(uid_t uid, size_t bytes)
{
	struct qowner *o = qbudget_exempt(uid) ? NULL : qowner(uid, 0);

	qtotal -= bytes;
	if (o && (o->bytes -= bytes) == 0)
		*o = qowners[--nqowners];
}

size_t ep_queued_memory(void) { return qtotal; }

static void ep_free_queue(struct endpoint *ep)
{
	if (ep->q) {
		qbudget_give(ep->uid, ep->q->cap);
		free(ep->q);
		ep->q = NULL;
	}
}

/* ---- endpoints that failed while we were iterating: closed later ---- */
static struct endpoint **doomed;
static size_t ndoomed, capdoomed;

static void ep_doom(struct endpoint *ep)
{
	for (size_t i = 0; i < ndoomed; i++)
		if (doomed[i] == ep)
			return;
	if (ndoomed == capdoomed) {
		size_t cap = capdoomed ? capdoomed * 2 : 8;
		struct endpoint **d = realloc(doomed, cap * sizeof(*d));
		if (!d)
			return; /* it will be closed on its control EOF instead */
		doomed = d;
		capdoomed = cap;
	}
	doomed[ndoomed++] = ep;
}

void ep_reap(void)
{
	while (ndoomed > 0) {
		struct endpoint *ep = doomed[--ndoomed];
		ep_close(ep, ep->kind == EP_TAP ? "interface gone" : "data socket gone");
	}
}

void ep_reap_free(void)
{
	free(doomed);
	doomed = NULL;
	ndoomed = capdoomed = 0;
}

static int is_fatal_send_error(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE ||
	       err == EBADF || err == EIO || err == EDESTADDRREQ;
}

static void ep_count_drop(struct endpoint *ep)
{
	ep->drops++;
	ep->port->drops++;
}

/* ---- batched sending ----
 * While a batch of received frames is forwarded, frames for sockets are
 * collected per endpoint and leave in one sendmmsg() each at the end of
 * the batch.  They point into the receive buffers, which stay untouched
 * until then (forward.c flushes before it rewrites a frame in place). */
static int tx_deferring;
static struct endpoint **txlist;
static size_t ntxlist, captxlist;

static int transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EINTR;
}

static ssize_t ep_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

	if (ep->kind == EP_TAP)
		return writev(ep->data.fd, iov, n);
	return sendmsg(ep->data.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static int ep_queue(struct endpoint *ep, const struct iovec *iov, int n)
{
	if (!ep->q) {
		if (qbudget_take(ep->uid, sw.queue_bytes) < 0) {
			ep_count_drop(ep); /* the budget is spent: a congested link */
			return -1;
		}
		if (!(ep->q = outq_new(sw.queue_bytes))) {
			qbudget_give(ep->uid, sw.queue_bytes);
			ep_count_drop(ep);
			return -1;
		}
	}
	if (outq_push(ep->q, iov, n) < 0) {
		ep_count_drop(ep);
		return -1;
	}
	loop_mod(&ep->data, EPOLLIN | EPOLLOUT);
	return 0;
}

/* Send what ep collected in this batch: one sendmmsg, the rest (client
 * busy) into its queue, in order. */
static void tx_flush_ep(struct endpoint *ep)
{
	struct mmsghdr msgs[SW_BATCH];
	int n = ep->ntx, done = 0;

	ep->ntx = 0;
	if (ep->data.fd < 0)
		return;
	if (ep->gro)
		gro_flush(ep);
	if (ep->q && ep->q->frames > 0) {
		for (int i = 0; i < n; i++)
			ep_queue(ep, &ep->txv[i], 1);
		return;
	}
	memset(msgs, 0, sizeof(msgs[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		msgs[i].msg_hdr.msg_iov = &ep->txv[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = n - done == 1 ? (send(ep->data.fd, ep->txv[done].iov_base, ep->txv[done].iov_len,
					      MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ? 1 : -1)
				      : sendmmsg(ep->data.fd, msgs + done, (unsigned)(n - done),
						 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && !transient(errno)) {
			if (is_fatal_send_error(errno))
				ep_doom(ep);
			for (; done < n; done++)
				ep_count_drop(ep);
			return;
		}
		for (; done < n; done++)
			ep_queue(ep, &ep->txv[done], 1);
	}
}

void ep_flush_deferred(void)
{
	for (size_t i = 0; i < ntxlist; i++) {
		txlist[i]->listed = 0;
		tx_flush_ep(txlist[i]);
	}
	ntxlist = 0;
}

/* Put ep on the list flushed at the end of the batch. */
static int tx_list(struct endpoint *ep)
{
	if (ep->listed)
		return 0;
	if (ntxlist == captxlist) {
		size_t cap = captxlist ? captxlist * 2 : 16;
		struct endpoint **l = realloc(txlist, cap * sizeof(*l));
		if (!l)
			return -1;
		txlist = l;
		captxlist = cap;
	}
	txlist[ntxlist++] = ep;
	ep->listed = 1;
	return 0;
}

/* Collect a frame for the end of the batch; 0, or -1 if it can't be. */
static int ep_defer(struct endpoint *ep, const uint8_t *f, size_t len)
{
	if (ep->ntx == SW_BATCH || tx_list(ep) < 0)
		return -1;
	ep->txv[ep->ntx++] = (struct iovec){ (void *)f, len };
	return 0;
}

/* Send header (offloading taps only) + frame now, or queue it.  defer:
 * f stays valid until the end of the receive batch. */
static int ep_sendv(struct endpoint *ep, const struct vnet_hdr *vh, const uint8_t *f, size_t len,
		    int defer)
{
	static const struct vnet_hdr plain;
	struct iovec iov[2];
	int n = 0;

	if (ep->data.fd < 0)
		return -1;
	if (defer && tx_deferring && ep->kind == EP_UNIX && ep_defer(ep, f, len) == 0)
		return 0;
	if (ep->ntx > 0) /* keep the order: what was collected goes first */
		tx_flush_ep(ep);
	if (ep->gro) /* likewise for segments being merged */
		gro_flush(ep);
	if (ep->vnet)
		iov[n++] = (struct iovec){ (void *)(vh ? vh : &plain), sizeof(*vh) };
	iov[n++] = (struct iovec){ (void *)f, len };
	if (!ep->q || ep->q->frames == 0) {
		if (ep_write(ep, iov, n) >= 0)
			return 0;
		if (!transient(errno)) {
			if (ep->kind == EP_UNIX && is_fatal_send_error(errno))
				ep_doom(ep);
			ep_count_drop(ep);
			return -1;
		}
	}
	return ep_queue(ep, iov, n);
}

int ep_send_vnet(struct endpoint *ep, const struct vnet_hdr *vh, const uint8_t *f, size_t len)
{
	return ep_sendv(ep, vh, f, len, 0);
}

int ep_send(struct endpoint *ep, const uint8_t *f, size_t len)
{
	return ep_sendv(ep, NULL, f, len, 0);
}

static void send_segment(void *ctx, const uint8_t *seg, size_t len)
{
	ep_sendv(ctx, NULL, seg, len, 0); /* seg is reused for the next one */
}

int ep_send_offload(struct endpoint *ep, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	static uint8_t scratch[VDE_FRAME_MAX + 64];

	if (!vh) {
		/* segments from a cable, for an offloading tap: merge them */
		if (ep->vnet && gro_enabled && tx_deferring && tx_list(ep) == 0 && gro_offer(ep, f, len))
			return 0;
		return ep_sendv(ep, NULL, f, len, 1);
	}
	if (ep->vnet)
		return ep_sendv(ep, vh, f, len, 0);
	if (vh->gso_type != VNET_GSO_NONE) { /* cut the super-frame up */
		if (offload_segment(f, len, vh, send_segment, ep) == 0)
			return 0;
	} else if (len <= sizeof(scratch)) { /* finish the checksum on a copy:
						 offloading peers want it partial */
		memcpy(scratch, f, len);
		if (offload_csum(scratch, len, vh) == 0)
			return ep_sendv(ep, NULL, scratch, len, 0);
	}
	ep_count_drop(ep);
	return -1;
}

static void ep_flush(struct endpoint *ep)
{
	struct outq *q = ep->q;

	while (q && q->frames > 0) {
		size_t len;
		const uint8_t *f = outq_front(q, &len);
		struct iovec iov = { (void *)f, len };
		if (ep_write(ep, &iov, 1) < 0) {
			if (transient(errno))
				return;
			if (ep->kind == EP_UNIX && is_fatal_send_error(errno)) {
				ep_doom(ep);
				return;
			}
			ep_count_drop(ep); /* e.g. EMSGSIZE: skip this one */
		}
		outq_pop(q, len);
	}
	ep_free_queue(ep); /* drained: give its memory back */
	loop_mod(&ep->data, EPOLLIN);
}

/* ---- receiving ---- */
#define RXBUF (SW_HEADROOM + VDE_FRAME_MAX + 64)
static uint8_t (*rxbufs)[RXBUF];

static uint8_t *taprx; /* SW_HEADROOM + vnet header + super-frame */
#define TAPRX (SW_HEADROOM + sizeof(struct vnet_hdr) + VNET_MAX_FRAME + 64)

static void rx_frame(struct endpoint *ep, uint8_t *buf, ssize_t n, int truncated)
{
	if (n < ETH_HDR_LEN || truncated || (size_t)n > sw.max_frame) {
		ep->port->drops++; /* runt or giant: counted, not forwarded */
		return;
	}
	forward_frame(ep->port, buf + SW_HEADROOM, (size_t)n, NULL);
}

/* A frame from an offloading tap: [vnet header][frame up to 64 KiB]. */
static void rx_vnet_frame(struct endpoint *ep, ssize_t n)
{
	struct vnet_hdr vh;
	uint8_t *f = taprx + SW_HEADROOM + sizeof(vh);
	size_t len;

	if (n < (ssize_t)(sizeof(vh) + ETH_HDR_LEN)) {
		ep->port->drops++;
		return;
	}
	memcpy(&vh, taprx + SW_HEADROOM, sizeof(vh));
	len = (size_t)n - sizeof(vh);
	if (vh.gso_type == VNET_GSO_NONE && !(vh.flags & VNET_F_NEEDS_CSUM)) {
		rx_frame(ep, f - SW_HEADROOM, (ssize_t)len, 0);
		return;
	}
	forward_frame(ep->port, f, len, &vh);
}

/* Light traffic (one frame per wakeup, e.g. ping-pong): reading until
 * "nothing left" would cost a second, empty system call per frame, on
 * the frame's way (a tap's frame is written after it).  After 4 such
 * wakeups in a row read one frame per wakeup (level-triggered epoll
 * calls again if there is more); every 8th wakeup probes with a whole
 * batch to notice a busier link. */
static int rx_budget(struct endpoint *ep)
{
	return ep->rx_singles >= 4 && (++ep->rx_wakeups & 7) ? 1 : SW_BATCH;
}

static void rx_learn(struct endpoint *ep, int budget, int got)
{
	if (budget > 1)
		ep->rx_singles = got <= 1 ? ep->rx_singles + 1 : 0;
}

static void ep_receive_sock(struct endpoint *ep)
{
	struct mmsghdr msgs[SW_BATCH];
	struct iovec iov[SW_BATCH];
	int n;

	for (int i = 0; i < SW_BATCH; i++) {
		iov[i].iov_base = rxbufs[i] + SW_HEADROOM;
		iov[i].iov_len = VDE_FRAME_MAX + 1; /* one more: detects giants */
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int budget = rx_budget(ep);
	n = recvmmsg(ep->data.fd, msgs, (unsigned)budget, MSG_DONTWAIT, NULL);
	if (n >= 0)
		rx_learn(ep, budget, n);
	if (n < 0) {
		/* Anything but "nothing to read" means the client's socket is
		 * gone; level-triggered epoll would report it forever. */
		if (errno != EAGAIN && errno != EINTR) {
			log_debug("recv port %d:", ep->port->index);
			ep_doom(ep);
		}
		return;
	}
	tx_deferring = 1;
	for (int i = 0; i < n && ep->data.fd >= 0; i++) {
		/* A zero-length datagram is vde2's "closing" hint: ignore.
		 * On a seqpacket port it is the peer's EOF. */
		if (msgs[i].msg_len == 0) {
			if (ep->msg_eof) {
				ep_doom(ep);
				break;
			}
			continue;
		}
		rx_frame(ep, rxbufs[i], (ssize_t)msgs[i].msg_len,
			 (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
	}
	tx_deferring = 0;
	ep_flush_deferred();
}

static void ep_receive_tap(struct endpoint *ep)
{
	int budget = rx_budget(ep), got = 0;

	for (; got < budget && ep->data.fd >= 0; got++) {
		ssize_t n = ep->vnet ? read(ep->data.fd, taprx + SW_HEADROOM, TAPRX - SW_HEADROOM - 64)
				     : read(ep->data.fd, rxbufs[0] + SW_HEADROOM, VDE_FRAME_MAX + 1);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_err("read tap %s:", ep->descr);
				ep_doom(ep);
			}
			break;
		}
		if (n == 0) {
			ep_doom(ep);
			return;
		}
		if (ep->vnet)
			rx_vnet_frame(ep, n);
		else
			rx_frame(ep, rxbufs[0], n, 0);
	}
	rx_learn(ep, budget, got);
}

static void ep_data_event(struct watch *w, uint32_t events)
{
	struct endpoint *ep = (struct endpoint *)((char *)w - offsetof(struct endpoint, data));

	if (events & EPOLLOUT)
		ep_flush(ep);
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		if (ep->kind == EP_TAP)
			ep_receive_tap(ep);
		else
			ep_receive_sock(ep);
	}
	ep_reap();
}

static void ep_ctl_event(struct watch *w, uint32_t events)
{
	struct endpoint *ep = (struct endpoint *)((char *)w - offsetof(struct endpoint, ctl));
	char buf[512];
	ssize_t n;

	(void)events;
	/* After the handshake the control connection is silent; anything a
	 * client still sends is read and ignored, EOF means it left. */
	n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	ep_close(ep, n == 0 ? "left" : "control connection error");
	ep_reap();
}

struct endpoint *ep_new(enum ep_kind kind, int datafd, int ctlfd, uid_t uid,
			const char *descr, const char *path)
{
	struct endpoint *ep = calloc(1, sizeof(*ep));

	if (!rxbufs && !(rxbufs = malloc(sizeof(*rxbufs) * SW_BATCH)))
		goto fail;
	if (kind == EP_TAP && !taprx && !(taprx = malloc(TAPRX)))
		goto fail;
	if (!ep || !(ep->descr = strdup(descr ? descr : "")))
		goto fail;
	ep->kind = kind;
	ep->uid = uid;
	ep->id = ctlfd >= 0 ? ctlfd : datafd;
	ep->data.fd = ep->ctl.fd = -1;
	snprintf(ep->path, sizeof(ep->path), "%s", path ? path : "");
	if (loop_add(&ep->data, datafd, EPOLLIN, ep_data_event) < 0)
		goto fail;
	if (ctlfd >= 0 && loop_add(&ep->ctl, ctlfd, EPOLLIN | EPOLLRDHUP, ep_ctl_event) < 0) {
		loop_del(&ep->data);
		goto fail;
	}
	return ep;
fail:
	log_err("cannot add endpoint: out of memory or fds");
	if (ep)
		free(ep->descr);
	free(ep);
	return NULL;
}

void ep_close(struct endpoint *ep, const char *why)
{
	if (ep->data.fd < 0 && ep->ctl.fd < 0)
		return; /* already closed in this batch */
	log_info("port %d: endpoint %d %s (%s)", ep->port ? ep->port->index : -1, ep->id,
		 why, ep->descr);
	for (size_t i = 0; i < ndoomed; i++) /* not twice */
		if (doomed[i] == ep)
			doomed[i] = doomed[--ndoomed];
	if (ep->port)
		port_detach(ep);
	ep->ntx = 0; /* collected frames die with it */
	gro_free(ep);
	if (ep->path[0]) /* first: a client seeing EOF finds the file gone */
		unlink(ep->path);
	if (ep->data.fd >= 0) {
		int fd = ep->data.fd;
		loop_del(&ep->data);
		close(fd);
	}
	if (ep->ctl.fd >= 0) {
		int fd = ep->ctl.fd;
		loop_del(&ep->ctl);
		close(fd);
	}
	ep_free_queue(ep);
	free(ep->descr);
	ep->descr = NULL;
	loop_defer_free(ep);
}

void ep_free_buffers(void)
{
	free(rxbufs);
	free(taprx);
	free(txlist);
	txlist = NULL;
	ntxlist = captxlist = 0;
	rxbufs = NULL;
	taprx = NULL;
	free(qowners);
	qowners = NULL;
	nqowners = capqowners = 0;
	ep_reap_free();
}
