/* csum.c - Internet checksums (see csum.h). */
#include "csum.h"

#include <string.h>

/* Eight bytes at a time (GRO and offload sum every byte of every TCP
 * segment): the 32-bit halves of each load, in the host's byte order,
 * into 64 bits.  2^16 = 1 (mod 0xffff), so a 32-bit word adds what its
 * 16-bit halves would, and a sum of byte-swapped words is the byte-swapped
 * sum (RFC 1071, 2.B): folded to 16 bits and swapped on a little-endian
 * host it is the big-endian sum.  The result is at most 0xffff plus
 * the rest and sum, zero only for an all-zero sum: callers may add
 * pseudo-header terms and csum_fold as before. */
uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	static const uint16_t one = 1;
	uint64_t acc = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	if (*(const uint8_t *)&one) /* little-endian */
		acc = (acc >> 8 | acc << 8) & 0xffff;
	for (; i + 2 <= len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	return (uint32_t)acc + sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t csum_l4_pseudo(const uint8_t *ip, int v6, uint8_t proto, size_t l4len)
{
	uint32_t sum = v6 ? csum_add(ip + 8, 32, 0) : csum_add(ip + 12, 8, 0);
	return sum + proto + (uint32_t)l4len;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

int csum_fix_partial(uint8_t *f, size_t len)
{
	size_t l3 = 14, l4, l4len, off;
	uint8_t proto;
	int v6;

	if (len < 14)
		return 0;
	if (be16(f + 12) == 0x8100) { /* one 802.1Q tag */
		if (len < 18)
			return 0;
		l3 = 18;
	}
	uint16_t type = be16(f + l3 - 2);
	const uint8_t *ip = f + l3;
	if (type == 0x0800) {
		size_t ihl;
		if (len < l3 + 20 || (ip[0] >> 4) != 4 || (ihl = (size_t)(ip[0] & 15) * 4) < 20)
			return 0;
		if (be16(ip + 6) & 0x3fff) /* a fragment: no whole segment here */
			return 0;
		if (be16(ip + 2) < ihl || l3 + be16(ip + 2) > len)
			return 0;
		proto = ip[9];
		l4 = l3 + ihl;
		l4len = be16(ip + 2) - ihl;
		v6 = 0;
	} else if (type == 0x86dd) {
		if (len < l3 + 40 || (ip[0] >> 4) != 6 || l3 + 40 + be16(ip + 4) > len)
			return 0;
		proto = ip[6]; /* extension headers: left alone */
		l4 = l3 + 40;
		l4len = be16(ip + 4);
		v6 = 1;
	} else {
		return 0;
	}
	if (proto == 6)
		off = 16;
	else if (proto == 17)
		off = 6;
	else
		return 0;
	if (l4len < off + 2)
		return 0;
	uint16_t field = be16(f + l4 + off);
	if (proto == 17 && field == 0)
		return 0; /* IPv4 UDP without a checksum */
	if (field != csum_fold(csum_l4_pseudo(ip, v6, proto, l4len)))
		return 0; /* a finished checksum (or a wrong one: not ours to hide) */
	uint16_t c = (uint16_t)~csum_fold(csum_add(f + l4, l4len, 0));
	if (proto == 17 && c == 0)
		c = 0xffff;
	if (c == field)
		return 0;
	f[l4 + off] = (uint8_t)(c >> 8);
	f[l4 + off + 1] = (uint8_t)c;
	return 1;
}
