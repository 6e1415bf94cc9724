/* offload.h - finishing what an offloading tap left to the hardware:
 * checksums and cutting TCP super-frames into Ethernet frames, for
 * endpoints that cannot take them (cables). */
#ifndef VDE_OFFLOAD_H
#define VDE_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

struct vnet_hdr;

#include "common/csum.h" /* csum_add, csum_fold, csum_tcp_pseudo */

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
