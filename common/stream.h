/* stream.h - VDE stream framing: 2-byte big-endian length + frame.
 *
 * Used by vde_plug on stdin/stdout (and so by dpipe, ssh, nc cables).
 * Unlike vde2/vdeplug4 the decoder keeps a split header byte across
 * reads, so no frame is lost at a chunk boundary. */
#ifndef VDE_STREAM_H
#define VDE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "proto.h"

typedef void stream_frame_fn(void *ctx, const uint8_t *frame, size_t len);

struct stream_dec {
	size_t max;          /* largest length accepted */
	size_t have;         /* bytes of the pending header+frame in buf */
	size_t need;         /* frame length once the header is complete */
	unsigned long errors; /* bad length headers seen */
	uint8_t buf[VDE_STREAM_HDR + VDE_STREAM_MAX];
};

void stream_dec_init(struct stream_dec *d, size_t max);
/* Feed bytes as they arrive; fn is called once per complete frame.
 * A length above max is counted in d->errors and the rest of this chunk
 * is dropped (the vde2 resync rule); returns 1 when a bad header was
 * found in this chunk, else 0. */
int stream_dec_feed(struct stream_dec *d, const uint8_t *data, size_t len,
		    stream_frame_fn *fn, void *ctx);

/* The same, stopping after the first complete frame: returns the bytes
 * consumed; *bad is set on a bad length (the caller then drops the rest
 * of its chunk).  Lets a caller take frames a batch at a time. */
size_t stream_dec_step(struct stream_dec *d, const uint8_t *data, size_t len,
		       stream_frame_fn *fn, void *ctx, int *bad);

/* Write header + frame in one header byte pair: fill hdr[2]. */
static inline void stream_hdr(uint8_t hdr[2], size_t len)
{
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
}

#endif
