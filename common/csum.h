/* csum.h - Internet checksums (RFC 1071) for IP, TCP and UDP. */
#ifndef VDE_CSUM_H
#define VDE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's complement sums. */
uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum); /* folded, not complemented */
/* Pseudo-header sum of an L4 segment of l4len bytes; ip: its IP header. */
uint32_t csum_l4_pseudo(const uint8_t *ip, int v6, uint8_t proto, size_t l4len);
static inline uint32_t csum_tcp_pseudo(const uint8_t *ip, int v6, size_t tcplen)
{
	return csum_l4_pseudo(ip, v6, 6, tcplen);
}
/* A frame whose TCP or UDP checksum still holds only the pseudo-header
 * sum, as a sender with checksum offload leaves it (CHECKSUM_PARTIAL;
 * a kernel VXLAN over a veth hands such frames to user space): finish
 * it in place.  1 when it did, 0 when the frame needed nothing. */
int csum_fix_partial(uint8_t *frame, size_t len);

#endif
