/* offload.c - TCP segmentation and checksums for frames from offloading
 * taps.
 *
 * A tap opened with IFF_VNET_HDR and TUNSETOFFLOAD hands us TCP
 * super-frames of up to 64 KiB with the checksum left undone.  Another
 * such tap takes them as they are (that is where the speed comes from);
 * every other endpoint needs real Ethernet frames, which this file cuts
 * them into, the way a NIC's TSO engine would: copy the headers, fix the
 * IP length/id/checksum and the TCP sequence/flags/checksum per segment.
 */
#include "offload.h"
#include "proto.h"

#include <arpa/inet.h>
#include <string.h>

/* The checksum to store: the complement of the folded sum. */
static uint16_t fold(uint32_t sum) { return (uint16_t)~csum_fold(sum); }

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Finish a checksum the sender left partial (CHECKSUM_PARTIAL): the
 * field already holds the pseudo-header sum. */
int offload_csum(uint8_t *f, size_t len, const struct vnet_hdr *h)
{
	size_t start = h->csum_start, at = start + h->csum_offset;

	if (!(h->flags & VNET_F_NEEDS_CSUM))
		return 0;
	if (start >= len || at + 2 > len)
		return -1;
	uint16_t c = fold(csum_add(f + start, len - start, 0));
	put_be16(f + at, c);
	return 0;
}

struct l34 {
	size_t l3, l4, payload; /* offsets */
	int v6;
};

/* Locate IP and TCP headers, checking every length against the frame. */
static int parse_l34(const uint8_t *f, size_t len, struct l34 *o)
{
	size_t l3 = ETH_HDR_LEN;
	uint16_t type = get_be16(f + 12);

	if (type == ETH_TYPE_VLAN) {
		if (len < 18)
			return -1;
		type = get_be16(f + 16);
		l3 = 18;
	}
	if (type == ETH_TYPE_IPV4) {
		if (len < l3 + 20 || (f[l3] >> 4) != 4 || (f[l3] & 0x0f) < 5 || f[l3 + 9] != IP_PROTO_TCP)
			return -1;
		o->l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
		o->v6 = 0;
	} else if (type == ETH_TYPE_IPV6) {
		if (len < l3 + 40 || f[l3 + 6] != IP_PROTO_TCP) /* no extension headers */
			return -1;
		o->l4 = l3 + 40;
		o->v6 = 1;
	} else {
		return -1;
	}
	o->l3 = l3;
	if (len < o->l4 + 20)
		return -1;
	o->payload = o->l4 + (size_t)(f[o->l4 + 12] >> 4) * 4;
	return o->payload <= len && o->payload >= o->l4 + 20 ? 0 : -1;
}

static uint16_t tcp_csum(const uint8_t *seg, const struct l34 *o, size_t seglen)
{
	size_t tcplen = seglen - o->l4;

	return fold(csum_add(seg + o->l4, tcplen, csum_tcp_pseudo(seg + o->l3, o->v6, tcplen)));
}

static void fix_ip(uint8_t *seg, const struct l34 *o, size_t seglen, uint16_t id)
{
	uint8_t *ip = seg + o->l3;

	if (o->v6) {
		put_be16(ip + 4, (uint16_t)(seglen - o->l3 - 40));
		return;
	}
	put_be16(ip + 2, (uint16_t)(seglen - o->l3));
	put_be16(ip + 4, id);
	put_be16(ip + 10, 0);
	put_be16(ip + 10, fold(csum_add(ip, o->l4 - o->l3, 0)));
}

int offload_segment(const uint8_t *f, size_t len, const struct vnet_hdr *h,
		    void (*out)(void *ctx, const uint8_t *seg, size_t seglen), void *ctx)
{
	static uint8_t seg[VDE_FRAME_MAX + 64];
	struct l34 o;
	size_t mss = h->gso_size, off;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;

	if (parse_l34(f, len, &o) < 0 || mss == 0 || o.payload + mss > sizeof(seg) - 64)
		return -1;
	seq = (uint32_t)get_be16(f + o.l4 + 4) << 16 | get_be16(f + o.l4 + 6);
	id = o.v6 ? 0 : get_be16(f + o.l3 + 4);
	flags = f[o.l4 + 13];
	for (off = o.payload; off < len || off == o.payload; off += mss) {
		size_t chunk = len - off < mss ? len - off : mss;
		size_t seglen = o.payload + chunk;
		int first = off == o.payload, last = off + chunk >= len;
		uint32_t s = seq + (uint32_t)(off - o.payload);

		memcpy(seg, f, o.payload);
		memcpy(seg + o.payload, f + off, chunk);
		fix_ip(seg, &o, seglen, (uint16_t)(id + (off - o.payload) / mss));
		put_be16(seg + o.l4 + 4, (uint16_t)(s >> 16));
		put_be16(seg + o.l4 + 6, (uint16_t)s);
		seg[o.l4 + 13] = (uint8_t)(flags & ~((last ? 0 : TCP_FLAG_FIN | TCP_FLAG_PSH) |
						      (first ? 0 : TCP_FLAG_CWR)));
		put_be16(seg + o.l4 + 16, 0);
		put_be16(seg + o.l4 + 16, tcp_csum(seg, &o, seglen));
		if (seglen < ETH_MIN_FRAME) {
			memset(seg + seglen, 0, ETH_MIN_FRAME - seglen);
			seglen = ETH_MIN_FRAME;
		}
		out(ctx, seg, seglen);
		if (last)
			break;
	}
	return 0;
}

int offload_hdr_ok(const struct vnet_hdr *vh, size_t len, size_t max_plain)
{
	int gso = vh->gso_type & ~VNET_GSO_ECN;

	if (gso != VNET_GSO_NONE && gso != VNET_GSO_TCPV4 && gso != VNET_GSO_TCPV6)
		return 0;
	if (gso != VNET_GSO_NONE && (vh->gso_size < OFFLOAD_MIN_GSO_SIZE || vh->hdr_len > len))
		return 0;
	if ((vh->flags & VNET_F_NEEDS_CSUM) && (size_t)vh->csum_start + vh->csum_offset + 2 > len)
		return 0;
	return len <= (gso == VNET_GSO_NONE ? max_plain : VNET_MAX_FRAME);
}

int offload_to_plain(const uint8_t *f, size_t len, const struct vnet_hdr *vh,
		     void (*out)(void *ctx, const uint8_t *seg, size_t seglen), void *ctx)
{
	static uint8_t copy[VDE_FRAME_MAX + 64];

	if (vh->gso_type != VNET_GSO_NONE)
		return offload_segment(f, len, vh, out, ctx);
	if (len > sizeof(copy))
		return -1;
	memcpy(copy, f, len);
	if (offload_csum(copy, len, vh) < 0)
		return -1;
	out(ctx, copy, len);
	return 0;
}
