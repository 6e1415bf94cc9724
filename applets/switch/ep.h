/* ep.h - the endpoint type: one way frames enter and leave a port, and
 * the ops table each kind fills in (the kinds and what they share are
 * in endpoint.h).  tx.c writes through the ops; it needs nothing else
 * of the endpoints, so this header is all it includes. */
#ifndef VDE_EP_H
#define VDE_EP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sw.h"
#include "common/loop.h"

struct endpoint;
struct outq;
struct gro;

struct ep_ops {
	const char *module;   /* port/print's module column ("unix prog") */
	const char *lost;     /* the log's reason when it fails ("data socket gone") */
	/* Frames are readable: read them, forward each. */
	void (*receive)(struct endpoint *ep);
	/* Write one frame, gathered from iov[0..n), without blocking: >= 0
	 * sent, or -1 with errno (EAGAIN and kin: later). */
	ssize_t (*write)(struct endpoint *ep, const struct iovec *iov, int n);
	/* Write frames v[0..n), one iovec each, in one go: how many left,
	 * or -1 with errno.  NULL: the kind takes one frame per write.
	 * They are plain frames: an ep->vnet endpoint puts a header with no
	 * offload state before each. */
	int (*write_batch)(struct endpoint *ep, struct iovec *v, int n);
	/* Does this errno from write mean the endpoint is gone? */
	int (*gone)(int err);
	/* Output the kind buffers itself (a stream's), on POLLOUT: 0 all
	 * written, 1 some left, -1 gone.  NULL: none. */
	int (*flush)(struct endpoint *ep);
	/* Close the kind's fds and free its state. */
	void (*close)(struct endpoint *ep);
};

struct endpoint {
	const struct ep_ops *ops;
	struct watch data;   /* frames in, and out unless out.fd >= 0 */
	struct watch out;    /* a separate fd for frames out (pipes), or -1 */
	struct watch ctl;    /* a control connection whose end is ours, or -1 */
	int id;              /* shown by port/print */
	struct port *port;
	struct endpoint *next; /* in port->eps */
	uid_t uid;           /* (uid_t)-1: the switch's own (tap, --port) */
	char *descr;
	const char *module;  /* port/print's module, when not ops->module */
	size_t maxsend;      /* longer frames are dropped (0: no limit) */
	int vnet;            /* frames out carry a vnet header (offloading tap) */
	int msg_eof;         /* seqpacket: an empty message is the peer's EOF */
	int raw_runts;       /* wants short frames unpadded (QEMU, passt: some
				take a TCP segment's length from the frame's) */
	unsigned rx_singles; /* receive wakeups in a row that found one frame */
	unsigned rx_wakeups;
	uint64_t drops;
	void *kind_state;    /* the kind's own */
	/* Called once when it closes, for whatever reason (connect.c). */
	void (*on_close)(void *ctx, struct endpoint *ep);
	void *on_close_ctx;
	/* tx.c's: the output queue and the frames of this receive batch */
	struct outq *q;
	int ntx;
	int listed;
	struct gro *gro;     /* TCP segments being merged (offloading taps) */
	struct iovec txv[SW_BATCH];
};

/* Watch for room to write, or stop (tx.c, when frames wait). */
static inline void ep_poll_out(struct endpoint *ep, int on)
{
	if (ep->data.fd < 0 && ep->out.fd < 0)
		return; /* nothing of its own to wait on */
	if (ep->out.fd >= 0)
		loop_mod(&ep->out, on ? EPOLLOUT : 0);
	else
		loop_mod(&ep->data, on ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

#endif
