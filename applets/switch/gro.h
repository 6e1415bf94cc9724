/* gro.h - receive offload towards taps: in-order TCP segments of one
 * flow, bound for one offloading tap within a receive batch, glued back
 * into one super-frame.  What leaves goes to a sink the caller gives
 * (tx.c's write to the tap): gro.c knows nothing of endpoints. */
#ifndef VDE_GRO_H
#define VDE_GRO_H

#include <stddef.h>
#include <stdint.h>

struct gro;
struct vnet_hdr;

/* Where merged (vh set) or passed-through (vh NULL) frames go. */
typedef void gro_sink(void *ctx, const struct vnet_hdr *vh, const uint8_t *frame, size_t len);

/* Offer a frame: 1 when it is held in *g (made on demand), 0 when the
 * caller sends it itself (after gro_flush: the order is kept). */
int gro_offer(struct gro **g, const uint8_t *frame, size_t len, gro_sink *out, void *ctx);
void gro_flush(struct gro *g, gro_sink *out, void *ctx);
void gro_free(struct gro **g);

#endif
