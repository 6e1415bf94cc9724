/* stream.h - stream framing: a big-endian length, then the frame.  VDE's
 * has a 2-byte length (vde_plug on stdin/stdout, and so dpipe, ssh, nc
 * cables); QEMU's -netdev stream/socket a 4-byte one (STREAM_HDR_QEMU).
 * Unlike vde2/vdeplug4 the decoder keeps a split header byte across
 * reads, so no frame is lost at a chunk boundary.
 *
 * Two of our ends can carry offloaded (GSO) super-frames on a VDE
 * stream; they agree in band, each direction on its own, with records
 * that vde2 and vdeplug4 skip or never see (vep_stream.c runs it):
 *   OFFER    three empty records (sent at the start of a stream; seen
 *            wherever three come in a row)
 *   PROBE    a length of 0xffff, no body: sent on the peer's OFFER.  A
 *            relay that is not byte-transparent (vde2's wirefilter
 *            passes empty records on) rejects it, and nothing follows
 *   CONFIRM  the 4-byte record "vdex": a PROBE arrived
 *   SWITCH   a length of 0xfffe: on CONFIRM (so only after a PROBE:
 *            a stray 0xfffe before one is a bad length); from here on this
 *            direction is a 4-byte length and [virtio-net header][frame]
 *            (STREAM_VNET_MAX at most, the header little-endian). */
#ifndef VDE_STREAM_H
#define VDE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "proto.h"

typedef void stream_frame_fn(void *ctx, const uint8_t *frame, size_t len);

#define STREAM_HDR_QEMU 4
/* QEMU's own buffer (NET_BUFSIZE): a longer length is not a frame.  One
 * above our max but within this is skipped, counted in errors. */
#define STREAM_QEMU_LIMIT (4096 + 65536)

#define STREAM_PROBE 0xffff
#define STREAM_SWITCH 0xfffe
#define STREAM_OFFER_EMPTIES 3
#define STREAM_CONFIRM "vdex"
#define STREAM_CONFIRM_LEN 4
/* a record after SWITCH: a virtio-net header and a frame of up to 64 KiB */
#define STREAM_VNET_MAX (sizeof(struct vnet_hdr) + VNET_MAX_FRAME)

enum stream_events { /* in stream_dec.events, for the owner to act on */
	STREAM_EV_OFFER = 1,  /* the peer offered */
	STREAM_EV_PROBE = 2,  /* the peer probed (only once we offered) */
	STREAM_EV_SWITCH = 4, /* records are vnet ones from here on */
};

struct stream_dec {
	size_t hdrlen;       /* VDE_STREAM_HDR (2) or STREAM_HDR_QEMU (4) */
	int offered;         /* we offered: PROBE and SWITCH are understood */
	int probe_seen;      /* the peer probed: only then may a SWITCH come */
	int vnet;            /* after SWITCH: 4-byte lengths, vnet records */
	unsigned empties;    /* empty records in a row (an OFFER is 3) */
	unsigned events;     /* enum stream_events seen, cleared by the owner */
	size_t max;          /* largest length accepted */
	size_t have;         /* bytes of the pending header+frame in buf */
	size_t need;         /* frame length once the header is complete */
	size_t skip;         /* bytes of a too-long QEMU frame still to drop */
	unsigned long errors; /* bad length headers seen */
	uint8_t buf[STREAM_HDR_QEMU + STREAM_VNET_MAX];
};

void stream_dec_init(struct stream_dec *d, size_t max); /* VDE's 2 bytes */
void stream_dec_init_hdr(struct stream_dec *d, size_t max, size_t hdrlen);
/* Feed bytes as they arrive; fn is called once per complete frame.
 * A length above max is counted in d->errors and the rest of this chunk
 * is dropped (the vde2 resync rule); returns 1 when a bad header was
 * found in this chunk, else 0. */
int stream_dec_feed(struct stream_dec *d, const uint8_t *data, size_t len,
		    stream_frame_fn *fn, void *ctx);

/* The same, stopping after the first complete frame or a SWITCH:
 * returns the bytes consumed; *bad is set on a bad length (the caller
 * then drops the rest of its chunk; after SWITCH it must end the stream:
 * both ends are ours, so it is not a VDE stream).  Lets a caller take
 * frames a batch at a time. */
size_t stream_dec_step(struct stream_dec *d, const uint8_t *data, size_t len,
		       stream_frame_fn *fn, void *ctx, int *bad);

/* Write header + frame in one header byte pair: fill hdr[2]. */
static inline void stream_hdr(uint8_t hdr[2], size_t len)
{
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
}

/* A header of hdrlen bytes (2 or 4) for a frame of len bytes. */
static inline void stream_hdr_n(uint8_t *hdr, size_t hdrlen, size_t len)
{
	for (size_t i = 0; i < hdrlen; i++)
		hdr[i] = (uint8_t)(len >> (8 * (hdrlen - 1 - i)));
}

#endif
