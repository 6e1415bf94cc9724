/* tx.c - where a frame leaves (see tx.h).
 *
 * A frame goes straight to the endpoint when nothing waits before it;
 * when the endpoint is slow it waits in a bounded per-endpoint ring and
 * goes on POLLOUT.  Only a full ring (or a spent memory budget) drops,
 * and every drop is counted on the endpoint and its port.
 */
#include "tx.h"
#include "ep.h"
#include "gro.h"
#include "observe.h"
#include "common/offload.h"
#include "port.h"
#include "portimpair.h"
#include "sw.h"
#include "common/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* A bigger ring with the same records, in order, from its start. */
static struct outq *outq_grown(struct outq *q, size_t cap)
{
	struct outq *n = outq_new(cap);
	size_t at = 0;

	if (!n)
		return NULL;
	while (q->frames > 0) {
		size_t len;
		const uint8_t *f = outq_front(q, &len);
		put32(n->buf + at, (uint32_t)len);
		memcpy(n->buf + at + RECHDR, f, len);
		at += RECHDR + len;
		n->frames++;
		n->bytes += len;
		outq_pop(q, len);
	}
	n->tail = at;
	free(q);
	return n;
}

/* ---- memory for output queues: bounded in total and per user ----
 * A queue is allocated when its endpoint first falls behind and freed
 * once it drains, so memory follows congestion, not the number of
 * endpoints.  All queues together hold at most sw.queue_total bytes, and
 * one user's at most half of that (the switch's owner, root and the
 * switch's own endpoints only the total), so clients that never read
 * cannot pin unbounded memory or starve everybody else's queues. */
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

size_t tx_queued_memory(void) { return qtotal; }

static void free_queue(struct endpoint *ep)
{
	if (ep->q) {
		qbudget_give(ep->uid, ep->q->cap);
		free(ep->q);
		ep->q = NULL;
	}
}

/* ---- endpoints whose writes failed for good: endpoint.c closes them
 * after the event, never while a batch is being forwarded ---- */
static struct endpoint **dead;
static size_t ndead, capdead;

void tx_mark_dead(struct endpoint *ep)
{
	for (size_t i = 0; i < ndead; i++)
		if (dead[i] == ep)
			return;
	if (ndead == capdead) {
		size_t cap = capdead ? capdead * 2 : 8;
		struct endpoint **d = realloc(dead, cap * sizeof(*d));
		if (!d)
			return; /* it will be closed on its next read error instead */
		dead = d;
		capdead = cap;
	}
	dead[ndead++] = ep;
}

struct endpoint *tx_next_dead(void) { return ndead ? dead[--ndead] : NULL; }

static void count_drop(struct endpoint *ep)
{
	ep->drops++;
	if (ep->port)
		ep->port->drops++;
}

static int transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EINTR;
}

/* A write failed with err: later (0), or dropped (-1; the endpoint is
 * marked dead when its kind says the error means it is gone). */
static int write_failed(struct endpoint *ep, int err)
{
	if (transient(err))
		return 0;
	if (ep->ops->gone && ep->ops->gone(err))
		tx_mark_dead(ep);
	count_drop(ep);
	return -1;
}

/* A ring starts small and doubles while it fills, up to --queue: the
 * memory (and the budget it is charged to) follows the backlog, so a
 * large --queue costs only what a congested endpoint really holds. */
#define OUTQ_FIRST (64 * 1024)

/* Room for a record of need bytes more: 0, or -1 (--queue or the budget
 * reached). */
static int outq_make_room(struct endpoint *ep, size_t need)
{
	size_t cap = ep->q ? ep->q->cap : 0, want = cap ? cap * 2 : OUTQ_FIRST;
	struct outq *n;

	while (want < (ep->q ? ep->q->bytes + RECHDR * ep->q->frames : 0) + 2 * (RECHDR + need))
		want *= 2;
	if (want > sw.queue_bytes)
		want = sw.queue_bytes;
	if (want <= cap || qbudget_take(ep->uid, want - cap) < 0)
		return -1;
	n = ep->q ? outq_grown(ep->q, want) : outq_new(want);
	if (!n) {
		qbudget_give(ep->uid, want - cap);
		return -1;
	}
	ep->q = n;
	return 0;
}

static int enqueue(struct endpoint *ep, const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	while (!ep->q || outq_push(ep->q, iov, n) < 0)
		if (outq_make_room(ep, len) < 0) {
			count_drop(ep); /* full, or the budget is spent: a congested link */
			return -1;
		}
	ep_poll_out(ep, 1);
	return 0;
}

/* ---- batches: frames collected while a receive batch is forwarded ----
 * They point into the receive buffers, which stay untouched until
 * tx_flush() (forward.c calls it before it rewrites a frame in place). */
static int batching;
static struct endpoint **txlist;
static size_t ntxlist, captxlist;

static void gro_out(void *ctx, const struct vnet_hdr *vh, const uint8_t *f, size_t len);

static const struct vnet_hdr plain_hdr; /* a frame with no offload state */

/* Collected frame i as write() and the queue take it: a vnet endpoint's
 * with a header before it (its write_batch adds that itself). */
static int one_frame(const struct endpoint *ep, int i, struct iovec iov[2])
{
	int n = 0;

	if (ep->vnet)
		iov[n++] = (struct iovec){ (void *)&plain_hdr, sizeof(plain_hdr) };
	iov[n++] = ep->txv[i];
	return n;
}

/* Send what ep collected: one write_batch, the rest (endpoint busy)
 * into its queue, in order. */
static void flush_ep(struct endpoint *ep)
{
	int n = ep->ntx, done = 0;
	struct iovec iov[2];

	ep->ntx = 0;
	if (!ep->ops)
		return; /* closed in this batch */
	if (ep->gro)
		gro_flush(ep->gro, gro_out, ep);
	if (ep->q && ep->q->frames > 0) {
		for (int i = 0; i < n; i++)
			enqueue(ep, iov, one_frame(ep, i, iov));
		return;
	}
	while (done < n) {
		int r = n - done == 1 ? (ep->ops->write(ep, iov, one_frame(ep, done, iov)) >= 0 ? 1 : -1)
				      : ep->ops->write_batch(ep, ep->txv + done, n - done);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && write_failed(ep, errno) < 0) {
			for (done++; done < n; done++)
				count_drop(ep);
			return;
		}
		for (; done < n; done++)
			enqueue(ep, iov, one_frame(ep, done, iov));
	}
}

int tx_idle(const struct endpoint *ep)
{
	return ep->ntx == 0 && (!ep->q || ep->q->frames == 0);
}

void tx_batch_begin(void) { batching = 1; }

void tx_batch_end(void)
{
	tx_flush();
	batching = 0;
}

void tx_flush(void)
{
	for (size_t i = 0; i < ntxlist; i++) {
		txlist[i]->listed = 0;
		flush_ep(txlist[i]);
	}
	ntxlist = 0;
}

/* Put ep on the list flushed at the end of the batch. */
static int list_ep(struct endpoint *ep)
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
static int collect(struct endpoint *ep, const uint8_t *f, size_t len)
{
	if (ep->ntx == SW_BATCH || list_ep(ep) < 0)
		return -1;
	ep->txv[ep->ntx++] = (struct iovec){ (void *)f, len };
	return 0;
}

/* Send header (offloading taps only) + frame now, or queue it.  defer:
 * f stays valid until the end of the receive batch. */
static int send_frame(struct endpoint *ep, const struct vnet_hdr *vh, const uint8_t *f, size_t len,
		      int defer)
{
	struct iovec iov[2];
	int n = 0;

	if (!ep->ops)
		return -1;
	if (ep->maxsend && len > ep->maxsend) {
		count_drop(ep); /* more than the far end takes */
		return -1;
	}
	/* a batch carries bare frames (a vnet endpoint's write_batch adds
	 * the header); offloaded ones go one by one */
	if (defer && batching && ep->ops->write_batch && (!ep->vnet || !vh) && collect(ep, f, len) == 0)
		return 0;
	if (ep->ntx > 0) /* keep the order: what was collected goes first */
		flush_ep(ep);
	if (ep->gro) /* likewise for segments being merged */
		gro_flush(ep->gro, gro_out, ep);
	if (ep->vnet)
		iov[n++] = (struct iovec){ (void *)(vh ? vh : &plain_hdr), sizeof(*vh) };
	iov[n++] = (struct iovec){ (void *)f, len };
	if (!ep->q || ep->q->frames == 0) {
		if (ep->ops->write(ep, iov, n) >= 0)
			return 0;
		if (write_failed(ep, errno) < 0)
			return -1;
	}
	return enqueue(ep, iov, n);
}

static void gro_out(void *ctx, const struct vnet_hdr *vh, const uint8_t *f, size_t len)
{
	send_frame(ctx, vh, f, len, 0);
}

static void send_segment(void *ctx, const uint8_t *seg, size_t len)
{
	send_frame(ctx, NULL, seg, len, 0); /* seg is reused for the next one */
}

/* A frame that may carry offload state (vh != NULL): passed on to
 * offloading taps, segmented or checksummed for everyone else. */
static int send_offload(struct endpoint *ep, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	if (!vh) {
		/* segments from a cable, for an offloading tap: merge them */
		if (ep->vnet && sw.gro && batching && list_ep(ep) == 0 &&
		    gro_offer(&ep->gro, f, len, gro_out, ep))
			return 0;
		return send_frame(ep, NULL, f, len, 1);
	}
	if (ep->vnet)
		return send_frame(ep, vh, f, len, 0);
	if (offload_to_plain(f, len, vh, send_segment, ep) == 0)
		return 0;
	count_drop(ep);
	return -1;
}

void tx_port(struct port *p, const uint8_t *f, size_t len, size_t pad, const struct vnet_hdr *vh)
{
	if (!p->forwarding || p->monitor) /* blocked by the spanning tree, or a mirror's */
		return;
	if (p->obs)
		observe_frame(p, OBS_OUT, f, len, vh);
	if (p->impair && portimpair_out(p, f, len - pad, vh))
		return; /* its bad wire has it: tx_port_copy sends it when due */
	p->out_pkts++;
	p->out_bytes += len;
	for (struct endpoint *ep = p->eps; ep; ep = ep->next)
		send_offload(ep, f, ep->raw_runts ? len - pad : len, vh); /* zeros add nothing to a checksum */
}

void tx_port_copy(struct port *p, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	p->out_pkts++;
	p->out_bytes += len;
	for (struct endpoint *ep = p->eps; ep; ep = ep->next)
		send_offload(ep, f, len, vh);
}

void tx_port_own(struct port *p, const uint8_t *f, size_t len)
{
	if (p->monitor)
		return;
	if (p->obs)
		observe_frame(p, OBS_OUT, f, len, NULL);
	p->out_pkts++;
	p->out_bytes += len;
	for (struct endpoint *ep = p->eps; ep; ep = ep->next)
		send_frame(ep, NULL, f, len, 0);
}

void tx_resume(struct endpoint *ep)
{
	struct outq *q = ep->q;

	while (q && q->frames > 0) {
		size_t len;
		const uint8_t *f = outq_front(q, &len);
		struct iovec iov = { (void *)f, len };
		if (ep->ops->write(ep, &iov, 1) < 0) {
			if (transient(errno))
				return;
			if (ep->ops->gone && ep->ops->gone(errno)) {
				tx_mark_dead(ep);
				return;
			}
			count_drop(ep); /* e.g. EMSGSIZE: skip this one */
		}
		outq_pop(q, len);
	}
	free_queue(ep); /* drained: give its memory back */
	ep_poll_out(ep, 0);
}

void tx_forget(struct endpoint *ep)
{
	for (size_t i = 0; i < ndead; i++)
		if (dead[i] == ep)
			dead[i] = dead[--ndead];
	for (size_t i = 0; i < ntxlist; i++)
		if (txlist[i] == ep)
			txlist[i] = txlist[--ntxlist];
	ep->ntx = 0; /* collected frames die with it */
	ep->listed = 0;
	gro_free(&ep->gro);
	free_queue(ep);
}

void tx_free(void)
{
	free(txlist);
	txlist = NULL;
	ntxlist = captxlist = 0;
	free(qowners);
	qowners = NULL;
	nqowners = capqowners = 0;
	free(dead);
	dead = NULL;
	ndead = capdead = 0;
}
