/* fuzz_offload.c - offload.c: software TSO and checksum completion for
 * frames from offloading taps (IFF_VNET_HDR).
 *
 * The frame's headers come from whoever sent the packet; the 10-byte
 * virtio-net header comes from the kernel, but the code checks it, so it
 * is fuzzed too.  Input layout: [struct vnet_hdr, 10 bytes][frame].  The
 * frame is an exact-size heap copy (ASan sees any read past it), padded
 * to 60 bytes as forward.c does before a frame gets here.
 *
 * offload_csum(): refuses offsets outside the frame, leaves every byte
 * but the two checksum bytes alone, and the checksum it writes is right:
 * the ones' complement sum from csum_start, plus the pseudo-header sum
 * the field held before, is 0xffff.
 *
 * offload_segment(): an independent parser says whether the frame is a
 * TCP/IPv4 or TCP/IPv6 packet it can cut (IHL >= 5, data offset >= 5,
 * every header inside the frame, MSS > 0 and a segment that fits a VDE
 * frame); the function must agree.  Then each segment must be the
 * original headers with only IP length/ID/checksum and TCP sequence,
 * flags (FIN/PSH on the last only, CWR on the first only) and checksum
 * changed, carry the next MSS bytes of payload, have valid IP and TCP
 * checksums, be padded to 60 with zeros, and fit VDE_FRAME_MAX.
 */
#include "tests/fuzz/fuzz.h"
#include "common/offload.h"
#include "common/proto.h"

#include <string.h>

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* Ones' complement sum of 16-bit big-endian words, folded to 16 bits. */
static uint32_t osum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void check_csum(const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	size_t start = vh->csum_start, at = start + vh->csum_offset;
	uint8_t *c = malloc(len ? len : 1);
	int r, ok = !(vh->flags & VNET_F_NEEDS_CSUM) || (start < len && at + 2 <= len);

	FUZZ_CHECK(c != NULL, "out of memory");
	memcpy(c, f, len);
	r = offload_csum(c, len, vh);
	FUZZ_CHECK(r == (ok ? 0 : -1), "offload_csum = %d, start %zu at %zu len %zu", r, start, at, len);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(c[i] == f[i] || (r == 0 && (vh->flags & VNET_F_NEEDS_CSUM) && (i == at || i == at + 1)),
			   "offload_csum changed byte %zu (checksum at %zu)", i, at);
	if (r == 0 && (vh->flags & VNET_F_NEEDS_CSUM) && (at - start) % 2 == 0)
		FUZZ_CHECK(osum(c + start, len - start, be16(f + at)) == 0xffff,
			   "wrong checksum 0x%04x (start %zu, at %zu, len %zu)", be16(c + at), start, at, len);
	free(c);
}

/* ---- segmentation ---- */
struct pkt {
	size_t l3, l4, payload, mss;
	int v6;
};

/* What a TSO engine can cut: 0, or -1. */
static int parse(const uint8_t *f, size_t len, const struct vnet_hdr *vh, struct pkt *k)
{
	unsigned type;

	if (len < ETH_HDR_LEN)
		return -1;
	k->l3 = ETH_HDR_LEN;
	type = be16(f + 12);
	if (type == ETH_TYPE_VLAN) {
		if (len < 18)
			return -1;
		type = be16(f + 16);
		k->l3 = 18;
	}
	if (type == ETH_TYPE_IPV4) {
		const uint8_t *ip = f + k->l3;
		if (len < k->l3 + 20 || ip[0] >> 4 != 4 || (ip[0] & 15) < 5 || ip[9] != IP_PROTO_TCP)
			return -1;
		k->l4 = k->l3 + (ip[0] & 15) * 4u;
		k->v6 = 0;
	} else if (type == ETH_TYPE_IPV6) {
		if (len < k->l3 + 40 || f[k->l3 + 6] != IP_PROTO_TCP)
			return -1;
		k->l4 = k->l3 + 40;
		k->v6 = 1;
	} else {
		return -1;
	}
	if (len < k->l4 + 20 || f[k->l4 + 12] >> 4 < 5)
		return -1;
	k->payload = k->l4 + (f[k->l4 + 12] >> 4) * 4u;
	k->mss = vh->gso_size;
	if (k->payload > len || k->mss == 0 || k->payload + k->mss > VDE_FRAME_MAX)
		return -1;
	return 0;
}

struct segs {
	uint8_t *buf;
	size_t len, cap, n;
};

static void collect(void *ctx, const uint8_t *seg, size_t seglen)
{
	struct segs *s = ctx;

	FUZZ_CHECK(seglen >= ETH_MIN_FRAME && seglen <= VDE_FRAME_MAX, "a %zu-byte segment", seglen);
	if (s->len + seglen + 2 > s->cap) {
		s->cap = (s->len + seglen + 2) * 2;
		s->buf = realloc(s->buf, s->cap);
		FUZZ_CHECK(s->buf != NULL, "out of memory");
	}
	s->buf[s->len++] = (uint8_t)(seglen >> 8);
	s->buf[s->len++] = (uint8_t)seglen;
	memcpy(s->buf + s->len, seg, seglen);
	s->len += seglen;
	s->n++;
}

static int same_except(const uint8_t *a, const uint8_t *b, size_t n, const size_t *skip, size_t nskip)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < nskip && i != skip[j])
			j++;
		if (j == nskip && a[i] != b[i])
			return 0;
	}
	return 1;
}

static void check_segments(const uint8_t *f, size_t len, const struct pkt *k, const struct segs *s)
{
	size_t data = len - k->payload;
	size_t want = data ? (data + k->mss - 1) / k->mss : 1;
	const uint8_t *g = s->buf;
	uint32_t seq0 = be32(f + k->l4 + 4);
	unsigned id0 = be16(f + k->l3 + 4), flags0 = f[k->l4 + 13];

	FUZZ_CHECK(s->n == want, "%zu segments for %zu bytes of payload, MSS %zu", s->n, data, k->mss);
	for (size_t i = 0; i < s->n; i++) {
		size_t glen = be16(g), off = i * k->mss;
		size_t chunk = data - off < k->mss ? data - off : k->mss;
		size_t seglen = k->payload + chunk, tcplen = seglen - k->l4;
		int first = i == 0, last = i + 1 == s->n;
		const uint8_t *seg = g + 2, *ip = seg + k->l3, *tcp = seg + k->l4;
		unsigned flags = flags0 & ~((last ? 0u : TCP_FLAG_FIN | TCP_FLAG_PSH) | (first ? 0u : TCP_FLAG_CWR));
		uint32_t ph;

		g += 2 + glen;
		FUZZ_CHECK(glen == (seglen < ETH_MIN_FRAME ? ETH_MIN_FRAME : seglen),
			   "segment %zu: %zu bytes, expected %zu", i, glen, seglen);
		for (size_t j = seglen; j < glen; j++)
			FUZZ_CHECK(seg[j] == 0, "segment %zu: padding byte %zu not zero", i, j);
		FUZZ_CHECK(memcmp(seg, f, k->l3) == 0, "segment %zu: Ethernet header changed", i);
		FUZZ_CHECK(memcmp(seg + k->payload, f + k->payload + off, chunk) == 0,
			   "segment %zu: wrong payload", i);
		if (k->v6) {
			static const size_t skip[] = { 4, 5 };
			FUZZ_CHECK(same_except(ip, f + k->l3, 40, skip, 2), "segment %zu: IPv6 header", i);
			FUZZ_CHECK(be16(ip + 4) == seglen - k->l3 - 40, "segment %zu: IPv6 payload length", i);
			ph = osum(ip + 8, 32, IP_PROTO_TCP + (uint32_t)tcplen);
		} else {
			static const size_t skip[] = { 2, 3, 4, 5, 10, 11 };
			FUZZ_CHECK(same_except(ip, f + k->l3, k->l4 - k->l3, skip, 6), "segment %zu: IPv4 header", i);
			FUZZ_CHECK(be16(ip + 2) == seglen - k->l3, "segment %zu: IPv4 total length", i);
			FUZZ_CHECK(be16(ip + 4) == ((id0 + i) & 0xffff), "segment %zu: IPv4 ID", i);
			FUZZ_CHECK(osum(ip, k->l4 - k->l3, 0) == 0xffff, "segment %zu: IPv4 header checksum", i);
			ph = osum(ip + 12, 8, IP_PROTO_TCP + (uint32_t)tcplen);
		}
		{
			static const size_t skip[] = { 4, 5, 6, 7, 13, 16, 17 };
			FUZZ_CHECK(same_except(tcp, f + k->l4, k->payload - k->l4, skip, 7), "segment %zu: TCP header", i);
		}
		FUZZ_CHECK(be32(tcp + 4) == (uint32_t)(seq0 + off), "segment %zu: sequence number", i);
		FUZZ_CHECK(tcp[13] == flags, "segment %zu: TCP flags 0x%02x, expected 0x%02x", i, tcp[13], flags);
		FUZZ_CHECK(osum(tcp, tcplen, ph) == 0xffff, "segment %zu: TCP checksum", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnet_hdr vh = { 0 };
	struct segs s = { 0 };
	struct pkt k;
	size_t len = size > sizeof(vh) ? size - sizeof(vh) : 0;
	uint8_t *f;
	int r, can;

	memcpy(&vh, data, size < sizeof(vh) ? size : sizeof(vh));
	/* The switch pads runts to 60 bytes before anything else (forward.c),
	 * so a frame here is never shorter. */
	if (len < ETH_MIN_FRAME) {
		f = calloc(1, ETH_MIN_FRAME);
		FUZZ_CHECK(f != NULL, "out of memory");
		memcpy(f, data + (size - len), len);
		len = ETH_MIN_FRAME;
	} else {
		f = malloc(len);
		FUZZ_CHECK(f != NULL, "out of memory");
		memcpy(f, data + (size - len), len);
	}

	check_csum(f, len, &vh);
	can = parse(f, len, &vh, &k) == 0;
	r = offload_segment(f, len, &vh, collect, &s);
	FUZZ_CHECK(r == 0 || r == -1, "offload_segment = %d", r);
	if (r == 0 && !can && len >= 18 + 20) {
		const uint8_t *ip = f + (be16(f + 12) == ETH_TYPE_VLAN ? 18 : 14);
		FUZZ_CHECK(!(ip[0] >> 4 == 4 && (ip[0] & 15) < 5),
			   "segments an IPv4 packet whose header length is %u bytes", (ip[0] & 15) * 4u);
	}
	FUZZ_CHECK((r == 0) == can, "offload_segment = %d, but the packet %s be cut", r, can ? "can" : "cannot");
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "%zu-byte frame: offload_segment %d, %zu segments\n", len, r, s.n);
	if (r == 0)
		check_segments(f, len, &k, &s);
	else
		FUZZ_CHECK(s.n == 0, "refused, after sending %zu segments", s.n);
	free(s.buf);
	free(f);
	return 0;
}
