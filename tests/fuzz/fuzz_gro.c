/* fuzz_gro.c - gro.c: TCP segments from cables merged into super-frames
 * for an offloading tap, checked by cutting them up again.
 *
 * One endpoint is an offloading tap (a tap-like kind, vnet) whose "tap"
 * is an in-memory datagram fd (fakefd.h: no system call per input); the
 * harness reads what is written to it: [virtio-net header][frame].  The input drives a TCP flow
 * generator (IPv4 or IPv6, some TCP options, an MSS, correct checksums)
 * and decides per segment: a full one, with PSH or not, a short one, a
 * gap in the sequence, a segment with one byte changed (any header
 * field, a checksum, the payload: damaged in transit) or with one field
 * changed and its checksums right (a different, valid segment), or raw
 * bytes.  Each frame, padded to 60 bytes like forward.c does, leaves
 * by the tap's port as forward.c hands it on (tx_port, in a receive
 * batch that lasts the input): tx.c offers it to gro.c, whose sink
 * writes merged super-frames to the tap, and sends what it does not
 * take itself.
 *
 * Check: the frames the tap receives, with every super-frame cut up by
 * offload_segment() (what the tap's kernel does with it), are the frames
 * offered, in order: the same bytes up to the end of the IP packet,
 * except the IPv4 ID and header checksum and the TCP urgent pointer
 * (URG is never set in a merged run) of segments that were merged.  So a
 * merge must never change a field the receiver sees (DF, hop limit, ...)
 * and never merge a segment whose IPv4 or TCP checksum is wrong (the
 * merged frame goes to the kernel as CHECKSUM_PARTIAL, so a damaged
 * segment would come out with a good checksum; Linux's GRO checks them).
 * A super-frame's virtio-net header must describe it (TSO type, header
 * length, MSS, checksum start/offset) and its TCP checksum field must
 * hold the pseudo-header sum.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fakefd.h"
#include "applets/switch/endpoint.h"
#include "common/offload.h"
#include "applets/switch/port.h"
#include "applets/switch/tx.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"

#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static struct endpoint *tap;
static struct port *tap_port;
static int tapfd = -1;
static int trace; /* FUZZ_TRACE=1: what the tap got */

/* ---- frames, offered and received ---- */
struct frame {
	size_t at, len; /* in the list's bytes */
	int merged;     /* received: came out of a super-frame */
};
struct list {
	struct frame *f;
	size_t n, cap;
	uint8_t *bytes; /* the frames back to back: no malloc per frame */
	size_t len, bcap;
};
static struct list offered, got;

static void add(struct list *l, const uint8_t *b, size_t len, int merged)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->f = realloc(l->f, l->cap * sizeof(*l->f));
		FUZZ_CHECK(l->f != NULL, "out of memory");
	}
	if (!l->bytes || l->len + len > l->bcap) {
		while (l->bcap < l->len + len || !l->bcap)
			l->bcap = l->bcap ? l->bcap * 2 : 1 << 16;
		l->bytes = realloc(l->bytes, l->bcap);
		FUZZ_CHECK(l->bytes != NULL, "out of memory");
	}
	memcpy(l->bytes + l->len, b, len);
	l->f[l->n] = (struct frame){ l->len, len, merged };
	l->len += len;
	l->n++;
}

static const uint8_t *bytes_of(const struct list *l, size_t i) { return l->bytes + l->f[i].at; }

static void clear(struct list *l) { l->n = l->len = 0; }

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* The one's complement sum, folded to 16 bits, computed otherwise than
 * csum.c does (so a shared mistake is unlikely): big-endian 64-bit
 * words with the carry added back in (2^64 = 1 mod 0xffff, RFC 1071),
 * an eighth of the steps of a 16-bit loop; the sums were half of the
 * harness's time. */
static uint32_t osum(const uint8_t *p, size_t n, uint32_t s)
{
	uint64_t acc = s, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		w = __builtin_bswap64(w);
		acc += w;
		acc += acc < w; /* the end-around carry */
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	for (; i + 1 < n; i += 2)
		acc += be16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

/* Where the IP packet of a TCP frame ends and its headers are; 0 if
 * the frame is not untagged TCP over IPv4/IPv6 that fits. */
struct tcp_at {
	size_t l3, l4, end;
	int v6;
};

static int tcp_frame(const uint8_t *f, size_t len, struct tcp_at *t)
{
	unsigned type = be16(f + 12);

	t->l3 = ETH_HDR_LEN;
	if (type == ETH_TYPE_IPV4 && len >= 34 && (f[14] >> 4) == 4 && (f[14] & 15) >= 5 && f[23] == IP_PROTO_TCP) {
		t->l4 = t->l3 + (f[14] & 15) * 4u;
		t->end = t->l3 + be16(f + 16);
		t->v6 = 0;
	} else if (type == ETH_TYPE_IPV6 && len >= 54 && f[20] == IP_PROTO_TCP) {
		t->l4 = t->l3 + 40;
		t->end = t->l4 + be16(f + 18);
		t->v6 = 1;
	} else {
		return 0;
	}
	return t->end <= len && t->end >= t->l4 + 20;
}

static int checksums_ok(const uint8_t *f, const struct tcp_at *t)
{
	uint32_t ph;
	size_t tcplen = t->end - t->l4;

	if (t->v6) {
		ph = osum(f + t->l3 + 8, 32, IP_PROTO_TCP + (uint32_t)tcplen);
	} else {
		if (osum(f + t->l3, t->l4 - t->l3, 0) != 0xffff)
			return 0;
		ph = osum(f + t->l3 + 12, 8, IP_PROTO_TCP + (uint32_t)tcplen);
	}
	return osum(f + t->l4, tcplen, ph) == 0xffff;
}

/* ---- the flow generator ---- */
static uint8_t payload_bytes[256 + VDE_FRAME_MAX]; /* [i] = i * 131 + 17 */
static size_t pad; /* zero bytes the last frame made got to reach 60 */

static struct {
	int v6;
	size_t optlen, mss;
	uint32_t seq, ack, stream; /* stream: payload bytes so far */
	unsigned id, window;
} g;

static size_t build(uint8_t *f, size_t plen, int psh)
{
	size_t l3 = ETH_HDR_LEN, l4 = l3 + (g.v6 ? 40 : 20), pay = l4 + 20 + g.optlen, end = pay + plen;
	uint8_t *ip = f + l3, *tcp = f + l4;

	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	put16(f + 12, g.v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4);
	if (g.v6) {
		put32(ip, 0x60000000);
		put16(ip + 4, (unsigned)(end - l4));
		ip[6] = IP_PROTO_TCP;
		ip[7] = 64;
		memset(ip + 8, 0, 32);
		ip[8] = 0xfd, ip[23] = 1, ip[24] = 0xfd, ip[39] = 2;
	} else {
		ip[0] = 0x45, ip[1] = 0;
		put16(ip + 2, (unsigned)(end - l3));
		put16(ip + 4, g.id++ & 0xffff);
		put16(ip + 6, 0x4000);
		ip[8] = 64, ip[9] = IP_PROTO_TCP;
		put16(ip + 10, 0);
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		put16(ip + 10, ~osum(ip, 20, 0) & 0xffff);
	}
	put16(tcp, 40000);
	put16(tcp + 2, 5201);
	put32(tcp + 4, g.seq);
	put32(tcp + 8, g.ack);
	tcp[12] = (uint8_t)((20 + g.optlen) / 4 << 4);
	tcp[13] = (uint8_t)(0x10 | (psh ? 0x08 : 0));
	put16(tcp + 14, g.window);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	for (size_t i = 0; i < g.optlen; i++) /* NOPs and a timestamp-ish value */
		tcp[20 + i] = i < 2 ? 1 : (uint8_t)(g.ack + i);
	memcpy(f + pay, payload_bytes + (g.stream & 255), plen); /* (stream + i) * 131 + 17 */
	{
		size_t tcplen = end - l4;
		uint32_t ph = g.v6 ? osum(ip + 8, 32, IP_PROTO_TCP + (uint32_t)tcplen)
				   : osum(ip + 12, 8, IP_PROTO_TCP + (uint32_t)tcplen);
		put16(tcp + 16, ~osum(tcp, tcplen, ph) & 0xffff);
	}
	g.seq += (uint32_t)plen;
	g.stream += (uint32_t)plen;
	pad = 0;
	if (end < ETH_MIN_FRAME) {
		pad = ETH_MIN_FRAME - end;
		memset(f + end, 0, pad);
		end = ETH_MIN_FRAME;
	}
	return end;
}

/* A different but well-formed segment: the checksums made right again
 * after a field was changed. */
static void fix_checksums(uint8_t *f, size_t len)
{
	struct tcp_at t;

	if (!tcp_frame(f, len, &t))
		return;
	if (!t.v6) {
		put16(f + t.l3 + 10, 0);
		put16(f + t.l3 + 10, ~osum(f + t.l3, t.l4 - t.l3, 0) & 0xffff);
	}
	size_t tcplen = t.end - t.l4;
	uint32_t ph = t.v6 ? osum(f + t.l3 + 8, 32, IP_PROTO_TCP + (uint32_t)tcplen)
			   : osum(f + t.l3 + 12, 8, IP_PROTO_TCP + (uint32_t)tcplen);
	put16(f + t.l4 + 16, 0);
	put16(f + t.l4 + 16, ~osum(f + t.l4, tcplen, ph) & 0xffff);
}

/* ---- what the tap got ---- */
static void collect(void *ctx, const uint8_t *seg, size_t len)
{
	(void)ctx;
	add(&got, seg, len, 1);
}

static void check_super(const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	struct tcp_at t;
	uint32_t ph;

	FUZZ_CHECK(len <= VNET_MAX_FRAME, "a %zu-byte super-frame", len);
	FUZZ_CHECK(tcp_frame(f, len, &t) && t.end == len, "super-frame is not one TCP packet");
	FUZZ_CHECK(vh->gso_type == (t.v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4), "gso_type %u", vh->gso_type);
	FUZZ_CHECK(vh->flags == VNET_F_NEEDS_CSUM && vh->csum_start == t.l4 && vh->csum_offset == 16,
		   "checksum offload fields %u %u %u", vh->flags, vh->csum_start, vh->csum_offset);
	FUZZ_CHECK(vh->hdr_len == t.l4 + (f[t.l4 + 12] >> 4) * 4u, "hdr_len %u", vh->hdr_len);
	FUZZ_CHECK(vh->gso_size > 0 && vh->gso_size < len - vh->hdr_len, "gso_size %u for %zu bytes",
		   vh->gso_size, len - vh->hdr_len);
	if (!t.v6)
		FUZZ_CHECK(osum(f + t.l3, 20, 0) == 0xffff, "super-frame IPv4 header checksum");
	ph = t.v6 ? osum(f + t.l3 + 8, 32, IP_PROTO_TCP + (uint32_t)(len - t.l4))
		  : osum(f + t.l3 + 12, 8, IP_PROTO_TCP + (uint32_t)(len - t.l4));
	FUZZ_CHECK(be16(f + t.l4 + 16) == ph, "TCP checksum field 0x%04x, pseudo-header sum 0x%04x",
		   be16(f + t.l4 + 16), ph);
	FUZZ_CHECK(offload_segment(f, len, vh, collect, NULL) == 0, "the tap could not cut it up");
	if (trace)
		fprintf(stderr, "super-frame of %zu bytes, MSS %u\n", len, vh->gso_size);
}

static void drain(void)
{
	size_t nout = fake_out_count(tapfd);

	for (size_t k = 0; k < nout; k++) {
		struct vnet_hdr vh;
		size_t n;
		const uint8_t *buf = fake_out_msg(tapfd, k, &n);
		FUZZ_CHECK(n >= sizeof(vh) && n <= sizeof(vh) + VNET_MAX_FRAME, "%zu bytes to the tap", n);
		memcpy(&vh, buf, sizeof(vh));
		if (vh.gso_type == VNET_GSO_NONE) {
			FUZZ_CHECK(vh.flags == 0, "plain frame with flags %u", vh.flags);
			add(&got, buf + sizeof(vh), n - sizeof(vh), 0);
			if (trace)
				fprintf(stderr, "frame of %zu bytes\n", n - sizeof(vh));
		} else {
			check_super(buf + sizeof(vh), n - sizeof(vh), &vh);
		}
	}
	fake_out_clear(tapfd);
}

static void offer(const uint8_t *f, size_t len)
{
	add(&offered, f, len, 0);
	tx_port(tap_port, f, len, pad, NULL);
	drain();
}

/* Frames in, frames out: the same, but for what merging may change. */
static void compare(void)
{
	FUZZ_CHECK(got.n == offered.n, "%zu frames offered, %zu came out", offered.n, got.n);
	for (size_t i = 0; i < offered.n; i++) {
		const struct frame *o = &offered.f[i], *r = &got.f[i];
		const uint8_t *ob = bytes_of(&offered, i), *rb = bytes_of(&got, i);
		struct tcp_at t = { 0 };
		int is_tcp = tcp_frame(ob, o->len, &t);
		size_t end = is_tcp ? t.end : o->len, skip[8], ns = 0, from = 0;

		FUZZ_CHECK(r->len >= end, "frame %zu: %zu bytes out, %zu in", i, r->len, end);
		if (r->merged) {
			FUZZ_CHECK(is_tcp, "frame %zu merged but not TCP", i);
			FUZZ_CHECK(checksums_ok(ob, &t), "frame %zu: merged with a bad %s checksum", i,
				   !t.v6 && osum(ob + t.l3, t.l4 - t.l3, 0) != 0xffff ? "IPv4 header" : "TCP");
			/* What may differ, in order: the IPv4 ID and header
			 * checksum, and the urgent pointer (URG is off), which
			 * changes the TCP checksum with it. */
			if (!t.v6) {
				skip[ns++] = t.l3 + 4, skip[ns++] = t.l3 + 5;
				skip[ns++] = t.l3 + 10, skip[ns++] = t.l3 + 11;
			}
			if (!fuzz_eq(ob + t.l4 + 18, rb + t.l4 + 18, 2))
				skip[ns++] = t.l4 + 16, skip[ns++] = t.l4 + 17;
			skip[ns++] = t.l4 + 18, skip[ns++] = t.l4 + 19;
		}
		for (size_t k = 0; k <= ns; from = k < ns ? skip[k] + 1 : end, k++) {
			size_t to = k < ns ? skip[k] : end;
			if (from >= to || fuzz_eq(ob + from, rb + from, to - from))
				continue;
			size_t j = from;
			while (ob[j] == rb[j])
				j++;
			FUZZ_CHECK(0, "frame %zu%s: byte %zu changed 0x%02x -> 0x%02x (IP at %zu, TCP at %zu)",
				   i, r->merged ? " (merged)" : "", j, ob[j], rb[j], t.l3, t.l4);
		}
	}
}

/* The tap: ep_tap.c's kind, on an in-memory fd (writev is wrapped). */
static ssize_t tap_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	return writev(ep->data.fd, iov, n);
}

static void tap_receive(struct endpoint *ep) { (void)ep; }

static void tap_close(struct endpoint *ep) { close(ep->data.fd); }

static const struct ep_ops tap_ops = {
	.module = "tuntap",
	.receive = tap_receive,
	.write = tap_write,
	.close = tap_close,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_gro");
	trace = getenv("FUZZ_TRACE") != NULL;
	for (size_t i = 0; i < sizeof(payload_bytes); i++)
		payload_bytes[i] = (uint8_t)(i * 131 + 17);
	sw.max_frame = VDE_FRAME_MAX;
	sw.queue_bytes = 1 << 20;
	sw.gid = (gid_t)-1;
	sw.gro = 1;
	if (loop_init() < 0 || ports_init(1) < 0 || !(tap_port = port_create(1, 1)))
		die("fuzz_gro: setup failed:");
	tapfd = fake_open(0);
	tap = ep_new(&tap_ops, tapfd, -1, -1, (uid_t)-1, "offloading tap");
	if (!tap)
		die("fuzz_gro: ep_new failed");
	tap->vnet = 1;
	port_attach(tap_port, tap);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[VDE_FRAME_MAX + 64];
	struct fuzz_in in = { data, size };
	uint8_t h;

	fake_quiet_stderr();
	h = fuzz_u8(&in);

	memset(&g, 0, sizeof(g));
	g.v6 = h & 1;
	g.optlen = ((h >> 1) & 7) * 4;
	g.mss = 1 + fuzz_u8(&in) * 6u; /* 1..1531 */
	g.seq = 0xfffff000u + fuzz_u8(&in); /* wraps inside a run */
	g.ack = 12345;
	g.window = 502;
	tx_batch_begin();
	while (fuzz_more(&in)) {
		uint8_t r = fuzz_u8(&in);
		size_t len;
		switch (r >> 5) {
		default: /* 0..2: a full segment */
			len = build(f, g.mss, r & 1);
			break;
		case 3: { /* one field changed, checksums right: a valid segment */
			uint8_t at = fuzz_u8(&in), x = fuzz_u8(&in);
			len = build(f, g.mss, 0);
			f[(at * 2u + (x & 1)) % len] ^= x ? x : 0x80;
			fix_checksums(f, len);
			break;
		}
		case 4:
			len = build(f, (r & 31) + 1u, 0);
			break;
		case 5: { /* one byte changed: header, checksum or payload */
			uint8_t at = fuzz_u8(&in), x = fuzz_u8(&in);
			len = build(f, g.mss, 0);
			f[(at * 2u + (x & 1)) % len] ^= x ? x : 0x80;
			break;
		}
		case 6: /* raw bytes, padded to 60 */
			len = fuzz_u8(&in) + 14u;
			len = len < in.len ? len : in.len;
			memset(f, 0, ETH_MIN_FRAME);
			memcpy(f, in.p, len);
			in.p += len;
			in.len -= len;
			pad = len < ETH_MIN_FRAME ? ETH_MIN_FRAME - len : 0;
			len += pad;
			break;
		case 7: /* a gap, then a full segment */
			g.seq += fuzz_u8(&in) + 1u;
			len = build(f, g.mss, 0);
			break;
		}
		offer(f, len);
	}
	tx_batch_end(); /* what is held goes out */
	drain();
	compare();
	clear(&offered);
	clear(&got);
	return 0;
}
