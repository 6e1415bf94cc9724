/* gro.c - receive offload towards taps: TCP segments glued back into
 * one super-frame.
 *
 * A tap opened with offloads takes a 64 KiB TCP packet per write(), and
 * the kernel's TCP receive path then runs once instead of ~45 times.
 * Frames arriving from cables are 1.5 KiB segments, so within one
 * receive batch consecutive in-order segments of one TCP flow, bound for
 * the same tap, are merged (the rules Linux's own GRO uses: same
 * addresses, ports, ack, window and options; plain ACK segments, one
 * PSH may end a run), and the tap gets one write with a vnet header
 * asking the kernel to treat it as TSO.  Anything else flushes what is
 * held and goes out as it came.
 */
#include "gro.h"
#include "common/offload.h"
#include "common/proto.h"

#include <stdlib.h>
#include <string.h>

struct gro {
	size_t len;            /* bytes held in buf; 0 = nothing */
	size_t l3, l4, payload;
	int v6, segs;
	uint32_t next_seq;
	size_t mss;            /* payload of the first segment */
	uint8_t buf[VNET_MAX_FRAME];
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

struct seg {
	size_t l3, l4, payload, end; /* end: where the IP packet ends */
	int v6;
	uint32_t seq;
	uint8_t flags;
};

/* Is f a plain untagged TCP segment with data that GRO may merge? */
static int parse(const uint8_t *f, size_t len, struct seg *s)
{
	uint16_t type = be16(f + 12);

	s->l3 = ETH_HDR_LEN;
	if (type == ETH_TYPE_IPV4) {
		const uint8_t *ip = f + s->l3;
		if (len < s->l3 + 20 || ip[0] != 0x45 || ip[9] != IP_PROTO_TCP ||
		    (be16(ip + 6) & 0x3fff)) /* options, fragments: not ours */
			return -1;
		s->end = s->l3 + be16(ip + 2);
		s->l4 = s->l3 + 20;
		s->v6 = 0;
	} else if (type == ETH_TYPE_IPV6) {
		if (len < s->l3 + 40 || f[s->l3 + 6] != IP_PROTO_TCP)
			return -1;
		s->end = s->l3 + 40 + be16(f + s->l3 + 4);
		s->l4 = s->l3 + 40;
		s->v6 = 1;
	} else {
		return -1;
	}
	if (s->end > len || s->end < s->l4 + 20)
		return -1;
	s->payload = s->l4 + (size_t)(f[s->l4 + 12] >> 4) * 4;
	s->flags = f[s->l4 + 13];
	s->seq = be32(f + s->l4 + 4);
	/* data, ACK, maybe PSH; nothing else (SYN, FIN, RST, URG, ECN) */
	if (s->payload < s->l4 + 20 || s->payload >= s->end || (s->flags & ~0x08) != 0x10)
		return -1;
	/* The merged frame goes to the kernel as "checksum to be done", so
	 * a segment damaged on the way must not hide in it: checked here,
	 * a bad one is passed on alone, for TCP to drop. */
	uint32_t pseudo = csum_tcp_pseudo(f + s->l3, s->v6, s->end - s->l4);
	if (csum_fold(csum_add(f + s->l4, s->end - s->l4, pseudo)) != 0xffff)
		return -1;
	if (!s->v6 && csum_fold(csum_add(f + s->l3, 20, 0)) != 0xffff)
		return -1;
	return 0;
}

/* Same flow, next in sequence, same ack/window/options, room left? */
static int mergeable(const struct gro *g, const uint8_t *f, const struct seg *s)
{
	const uint8_t *h = g->buf;
	size_t plen = s->end - s->payload;

	if (s->v6 != g->v6 || s->payload != g->payload || s->seq != g->next_seq || plen > g->mss)
		return 0;
	if (h[g->l4 + 13] & 0x08) /* a PSH ended the run */
		return 0;
	if (memcmp(h, f, 12) != 0) /* MAC addresses */
		return 0;
	if (s->v6 ? memcmp(h + g->l3, f + s->l3, 4) || h[g->l3 + 7] != f[s->l3 + 7] ||
			    memcmp(h + g->l3 + 8, f + s->l3 + 8, 32)
		  : h[g->l3 + 1] != f[s->l3 + 1] || memcmp(h + g->l3 + 6, f + s->l3 + 6, 4) ||
			    memcmp(h + g->l3 + 12, f + s->l3 + 12, 8))
		return 0; /* v6: class/flow, hop limit; v4: TOS, DF, TTL, proto; addresses */
	if (memcmp(h + g->l4, f + s->l4, 4) || memcmp(h + g->l4 + 8, f + s->l4 + 8, 5) ||
	    memcmp(h + g->l4 + 14, f + s->l4 + 14, 2) || /* ports, ack, offset+reserved, window */
	    memcmp(h + g->l4 + 20, f + s->l4 + 20, s->payload - s->l4 - 20)) /* options */
		return 0;
	return g->len + plen <= sizeof(g->buf) && g->len - g->l3 + plen <= 65535 - 20;
}

void gro_flush(struct gro *g, gro_sink *out, void *ctx)
{
	size_t len;

	if (!g || !g->len)
		return;
	len = g->len;
	g->len = 0; /* before sending: the sink flushes us first otherwise */
	if (g->segs == 1) {
		out(ctx, NULL, g->buf, len);
		return;
	}
	uint8_t *ip = g->buf + g->l3;
	size_t tcplen = len - g->l4;
	if (g->v6) {
		put16(ip + 4, (uint32_t)(len - g->l3 - 40));
	} else {
		put16(ip + 2, (uint32_t)(len - g->l3));
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~csum_fold(csum_add(ip, 20, 0)));
	}
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, the
	 * kernel (or the NIC, if this is forwarded) does the rest. */
	put16(g->buf + g->l4 + 16, csum_fold(csum_tcp_pseudo(ip, g->v6, tcplen)));
	struct vnet_hdr vh = {
		.flags = VNET_F_NEEDS_CSUM,
		.gso_type = g->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
		.hdr_len = (uint16_t)g->payload,
		.gso_size = (uint16_t)g->mss,
		.csum_start = (uint16_t)g->l4,
		.csum_offset = 16,
	};
	out(ctx, &vh, g->buf, len);
}

int gro_offer(struct gro **gp, const uint8_t *f, size_t len, gro_sink *out, void *ctx)
{
	struct seg s;
	struct gro *g = *gp;

	if (parse(f, len, &s) < 0) {
		if (g)
			gro_flush(g, out, ctx);
		return 0;
	}
	if (!g) {
		if (!(g = *gp = malloc(sizeof(*g))))
			return 0;
		g->len = 0;
	}
	size_t plen = s.end - s.payload;
	if (g->len && mergeable(g, f, &s)) {
		memcpy(g->buf + g->len, f + s.payload, plen);
		g->len += plen;
		g->buf[g->l4 + 13] |= s.flags & 0x08;
		g->segs++;
		g->next_seq += (uint32_t)plen;
		if (plen < g->mss) /* a short segment ends the run */
			gro_flush(g, out, ctx);
		return 1;
	}
	gro_flush(g, out, ctx);
	memcpy(g->buf, f, s.end); /* without Ethernet padding */
	g->len = s.end;
	g->l3 = s.l3;
	g->l4 = s.l4;
	g->payload = s.payload;
	g->v6 = s.v6;
	g->segs = 1;
	g->mss = plen;
	g->next_seq = s.seq + (uint32_t)plen;
	return 1;
}

void gro_free(struct gro **g)
{
	free(*g);
	*g = NULL;
}
