/* observe.h - the switch's tap points: a frame a port receives (OBS_IN,
 * as it came, before forwarding looks at it) and a frame chosen for a
 * port (OBS_OUT, as it leaves: tags as sent, the switch's own BPDUs
 * included).  Capture (capture.c) and port mirroring (mirror.c)
 * subscribe here; nothing else in the data path knows about them.
 *
 * An observer is embedded in its user's struct; it subscribes per port
 * and direction.  A port nobody observes costs one pointer test per
 * frame.  Callbacks must not keep f: it is the switch's buffer, about to
 * be rewritten (a copy that leaves through tx_* is fine: tx flushes
 * before any rewrite). */
#ifndef VDE_OBSERVE_H
#define VDE_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

struct port;
struct vnet_hdr;

enum { OBS_IN = 1, OBS_OUT = 2, OBS_BOTH = 3 };

struct observer;
/* vh: the frame's offload state (a tap's super-frame), or NULL. */
typedef void observe_fn(struct observer *o, struct port *p, int dir, const uint8_t *f, size_t len,
			const struct vnet_hdr *vh);

struct observer {
	observe_fn *fn;
	/* p is being freed (port/remove); NULL: nothing to do.  The
	 * subscription to p is gone already. */
	void (*gone)(struct observer *o, struct port *p);
};

/* o sees the frames of p in dirs (OBS_*; 0: no longer); 0, or -1 with
 * errno ENOMEM. */
int observe_port(struct port *p, struct observer *o, int dirs);
/* o sees every port in dirs, also the ports made later (0: no longer);
 * 0, or -1 with errno ENOMEM. */
int observe_all(struct observer *o, int dirs);
void observe_port_new(struct port *p); /* port.c: p was just made */
void observe_forget(struct observer *o); /* from every port */
void observe_port_gone(struct port *p);  /* p is being freed */

/* The tap point itself (forward.c, tx.c); only when p->obs is set. */
void observe_frame(struct port *p, int dir, const uint8_t *f, size_t len, const struct vnet_hdr *vh);

#endif
