/* portimpair.h - a bad wire on a switch port (port/impair): vde2
 * wirefilter's loss, delay, duplicates, bandwidth, speed, capacity,
 * noise and MTU (common/impair.c), without an extra process.
 *
 * Direction "in" (wirefilter's L->R, prefix LR) is what the port sends
 * into the switch; "out" (R->L, RL) is what the switch sends to it.
 * The wire sits between the port and the switch: a capture or a mirror
 * sees a frame on the switch's side (an "in" frame after the wire, an
 * "out" frame before it).
 *
 * Frames held back leave later through two sinks the switch sets at
 * start (in: on to forwarding; out: to the port's endpoints), the way
 * gro.c hands on its merges: this file calls nothing above it.
 * Offloaded super-frames are cut into segments first (bandwidth and
 * loss count real frames). */
#ifndef VDE_PORTIMPAIR_H
#define VDE_PORTIMPAIR_H

#include <stddef.h>
#include <stdint.h>

struct port;
struct vnet_hdr;

/* in: f has SW_HEADROOM bytes before it and room after (forward.h). */
typedef void portimpair_sink(struct port *p, uint8_t *f, size_t len);
void portimpair_init(portimpair_sink *in, portimpair_sink *out);

/* Console words for port p: [in|out|both] NAME=VALUE ... [seed=N], or
 * "off".  0, or an errno value with why filled. */
int portimpair_set(struct port *p, char **words, int n, char *why, size_t whylen);
void portimpair_clear(struct port *p);
/* vde2 wirefilter's showinfo lines for p (L->R = in); 0, or ENOENT
 * when p has no impairment. */
int portimpair_show(const struct port *p, void (*line)(void *ctx, const char *text), void *ctx);

/* The data path: 1 when the wire took the frame (it leaves later, or is
 * lost), 0 when this direction of p does nothing (send it on now). */
int portimpair_in(struct port *p, const uint8_t *f, size_t len, const struct vnet_hdr *vh);
int portimpair_out(struct port *p, const uint8_t *f, size_t len, const struct vnet_hdr *vh);

void portimpair_port_gone(struct port *p); /* p is being freed */
void portimpair_free(void);                /* at exit */

#endif
