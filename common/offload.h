/* offload.h - finishing what an offloading tap left to the hardware:
 * checksums and cutting TCP super-frames into Ethernet frames, for
 * endpoints that cannot take them (cables). */
#ifndef VDE_OFFLOAD_H
#define VDE_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

struct vnet_hdr;

#include "csum.h" /* csum_add, csum_fold, csum_tcp_pseudo */

/* Linux's TCP_MIN_MSS: the smallest segment size we cut a super-frame
 * into.  Without it one 64 KiB frame with a 1-byte size would become
 * 65,000 frames for every port. */
#define OFFLOAD_MIN_GSO_SIZE 88

/* Is vh a header we act on, for a frame of len bytes: a known GSO type,
 * a segment size of at least OFFLOAD_MIN_GSO_SIZE, offsets inside the
 * frame, and only a super-frame longer than max_plain?  1 or 0. */
int offload_hdr_ok(const struct vnet_hdr *vh, size_t len, size_t max_plain);

/* Fill in the checksum vh asks for, in place; 0 or -1 (malformed). */
int offload_csum(uint8_t *frame, size_t len, const struct vnet_hdr *vh);
/* Cut a super-frame into segments, each handed to out(ctx, ...). */
int offload_segment(const uint8_t *frame, size_t len, const struct vnet_hdr *vh,
		    void (*out)(void *ctx, const uint8_t *seg, size_t seglen), void *ctx);
/* The same frame as plain frames, for a peer that takes no offload
 * state: a super-frame cut up, else a copy with its checksum finished
 * (f itself stays partial, as offloading peers want it).  Each goes to
 * out(ctx, ...), in a buffer reused for the next.  0, or -1 (malformed,
 * or too long). */
int offload_to_plain(const uint8_t *frame, size_t len, const struct vnet_hdr *vh,
		     void (*out)(void *ctx, const uint8_t *seg, size_t seglen), void *ctx);

#endif
