/* offload_test.c - software TSO: segments must be what a NIC would send. */
#include "unit.h"
#include "applets/switch/endpoint.h"
#include "applets/switch/gro.h"
#include "common/offload.h"
#include "applets/switch/port.h"
#include "applets/switch/tx.h"
#include "common/loop.h"
#include "common/proto.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct segs { int n; size_t len[64]; uint8_t data[64][1600]; };

static void collect(void *ctx, const uint8_t *seg, size_t len)
{
	struct segs *s = ctx;
	if (s->n < 64 && len <= sizeof(s->data[0])) {
		memcpy(s->data[s->n], seg, len);
		s->len[s->n++] = len;
	}
}

static uint32_t sum(const uint8_t *p, size_t len, uint32_t acc)
{
	for (; len >= 2; p += 2, len -= 2)
		acc += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A TCP/IPv4 super-frame: 14 eth + 20 ip + 20 tcp + payload. */
static size_t make_v4(uint8_t *f, size_t payload, uint8_t tcpflags)
{
	size_t len = 54 + payload;
	memset(f, 0, len);
	memset(f, 0x02, 12);
	f[12] = 0x08; f[13] = 0x00;
	f[14] = 0x45; f[16] = (uint8_t)((len - 14) >> 8); f[17] = (uint8_t)(len - 14);
	f[18] = 0x12; f[19] = 0x34; f[22] = 64; f[23] = 6;
	f[26] = 10; f[29] = 1; f[30] = 10; f[33] = 2;
	f[34] = 0x1f; f[35] = 0x90; f[36] = 0x00; f[37] = 0x50;
	f[38] = 0xff; f[39] = 0xff; f[40] = 0xff; f[41] = 0x00; /* seq near wrap */
	f[46] = 0x50; f[47] = tcpflags;
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7);
	return len;
}

TEST(offload_tso_ipv4_segments)
{
	static uint8_t f[70000];
	static struct segs s;
	size_t len = make_v4(f, 10000, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR */
	struct vnet_hdr vh = { .flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4,
			       .hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };

	memset(&s, 0, sizeof(s));
	CHECK(offload_segment(f, len, &vh, collect, &s) == 0);
	CHECK(s.n == 7); /* 6 * 1448 + 1312 */
	size_t total = 0;
	for (int i = 0; i < s.n; i++) {
		const uint8_t *g = s.data[i];
		size_t pl = s.len[i] - 54;
		uint32_t seq = (uint32_t)g[38] << 24 | (uint32_t)g[39] << 16 | (uint32_t)g[40] << 8 | g[41];
		CHECK(seq == 0xffffff00u + (uint32_t)total); /* wraps correctly */
		CHECK((size_t)(g[16] << 8 | g[17]) == s.len[i] - 14);
		CHECK((g[18] << 8 | g[19]) == 0x1234 + i);
		CHECK(fold(sum(g + 14, 20, 0)) == 0xffff); /* IP header checksum */
		uint32_t ph = sum(g + 26, 8, 0) + 6 + (uint32_t)(s.len[i] - 34);
		CHECK(fold(sum(g + 34, s.len[i] - 34, ph)) == 0xffff); /* TCP checksum */
		CHECK(((g[47] & 0x01) != 0) == (i == s.n - 1)); /* FIN on the last */
		CHECK(((g[47] & 0x08) != 0) == (i == s.n - 1)); /* PSH on the last */
		CHECK(((g[47] & 0x80) != 0) == (i == 0));       /* CWR on the first */
		CHECK(memcmp(g + 54, f + 54 + total, pl) == 0);
		total += pl;
	}
	CHECK(total == 10000);
}

TEST(offload_partial_checksum)
{
	static uint8_t f[200];
	size_t len = make_v4(f, 11, 0x18); /* odd payload length */
	struct vnet_hdr vh = { .flags = VNET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16 };
	uint32_t ph = sum(f + 26, 8, 0) + 6 + (uint32_t)(len - 34);

	/* the kernel leaves the folded pseudo-header sum in the field */
	uint16_t p = fold(ph);
	f[50] = (uint8_t)(p >> 8);
	f[51] = (uint8_t)p;
	CHECK(offload_csum(f, len, &vh) == 0);
	CHECK(fold(sum(f + 34, len - 34, ph)) == 0xffff);
}

TEST(offload_rejects_bad_frames)
{
	static uint8_t f[2000];
	static struct segs s;
	struct vnet_hdr vh = { .flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4, .gso_size = 1448,
			       .csum_start = 34, .csum_offset = 16 };
	size_t len = make_v4(f, 100, 0x10);

	memset(&s, 0, sizeof(s));
	CHECK(offload_segment(f, 40, &vh, collect, &s) < 0);  /* truncated IP header */
	f[23] = 17;                                          /* UDP, not TCP */
	CHECK(offload_segment(f, len, &vh, collect, &s) < 0);
	f[23] = 6;
	vh.gso_size = 0;
	CHECK(offload_segment(f, len, &vh, collect, &s) < 0);
	vh.csum_start = 1999;
	CHECK(offload_csum(f, len, &vh) < 0);                /* offsets outside the frame */
	CHECK(s.n == 0);
}

/* ---- gro.c: segments merged back into one super-frame for a tap ---- */

/* gro.c's sink, as tx.c's is for an offloading tap: each frame that
 * leaves is one write of [vnet header][frame] (a zero header for a frame
 * passed on as it came).  The writes are kept in order. */
struct tap_writes { int n; size_t len[8]; uint8_t data[8][sizeof(struct vnet_hdr) + 70000]; };

static void tap_sink(void *ctx, const struct vnet_hdr *vh, const uint8_t *frame, size_t len)
{
	static const struct vnet_hdr plain;
	struct tap_writes *w = ctx;

	if (w->n < 8 && len <= sizeof(w->data[0]) - sizeof(*vh)) {
		memcpy(w->data[w->n], vh ? vh : &plain, sizeof(*vh));
		memcpy(w->data[w->n] + sizeof(*vh), frame, len);
		w->len[w->n] = sizeof(*vh) + len;
	}
	w->n++;
}

/* The one write a merged run makes to the tap: header and frame. */
static int check_merged(const uint8_t *got, ssize_t n, const uint8_t *f, size_t len)
{
	struct vnet_hdr out;

	if (n != (ssize_t)(sizeof(out) + len)) /* one write, the whole thing */
		return 0;
	memcpy(&out, got, sizeof(out));
	if (!(out.gso_type == VNET_GSO_TCPV4 && out.gso_size == 1448 && out.hdr_len == 54))
		return 0;
	if (!(out.flags == VNET_F_NEEDS_CSUM && out.csum_start == 34 && out.csum_offset == 16))
		return 0;
	const uint8_t *g = got + sizeof(out);
	uint32_t ph = sum(g + 26, 8, 0) + 6 + (uint32_t)(len - 34);
	return memcmp(g + 54, f + 54, len - 54) == 0 &&     /* payload in order */
	       (size_t)(g[16] << 8 | g[17]) == len - 14 &&    /* IP total length */
	       fold(sum(g + 14, 20, 0)) == 0xffff &&          /* IP checksum */
	       (g[47] & 0x08) != 0 &&                         /* PSH kept */
	       (g[50] << 8 | g[51]) == fold(ph);              /* partial sum */
}

TEST(gro_merges_what_tso_cut)
{
	static uint8_t f[70000];
	static struct segs s;
	static struct tap_writes w;
	struct gro *g = NULL;
	size_t len = make_v4(f, 10000, 0x18); /* PSH on the last segment */
	struct vnet_hdr vh = { .flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4,
			       .hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };

	memset(&s, 0, sizeof(s));
	memset(&w, 0, sizeof(w));
	CHECK(offload_segment(f, len, &vh, collect, &s) == 0);
	for (int i = 0; i < s.n; i++)
		CHECK(gro_offer(&g, s.data[i], s.len[i], tap_sink, &w) == 1);
	gro_flush(g, tap_sink, &w);
	CHECK(w.n == 1);
	CHECK(check_merged(w.data[0], (ssize_t)w.len[0], f, len));
	gro_flush(g, tap_sink, &w);
	CHECK(w.n == 1);                                             /* nothing else */
	gro_free(&g);
	CHECK(g == NULL);
}

/* Valid IPv4 and TCP checksums for a make_v4() frame: GRO checks both. */
static void fix_csums(uint8_t *f, size_t len)
{
	f[24] = f[25] = 0;
	uint16_t c = (uint16_t)~fold(sum(f + 14, 20, 0));
	f[24] = (uint8_t)(c >> 8); f[25] = (uint8_t)c;
	f[50] = f[51] = 0;
	c = (uint16_t)~fold(sum(f + 34, len - 34, sum(f + 26, 8, 0) + 6 + (uint32_t)(len - 34)));
	f[50] = (uint8_t)(c >> 8); f[51] = (uint8_t)c;
}

TEST(gro_keeps_flows_and_gaps_apart)
{
	static uint8_t a[2000], b[2000];
	static struct tap_writes w;
	struct gro *g = NULL;
	size_t la = make_v4(a, 1000, 0x10), lb;

	memset(&w, 0, sizeof(w));
	fix_csums(a, la);
	memcpy(b, a, la);
	lb = la;
	b[35] ^= 1; /* another source port: another flow */
	fix_csums(b, lb);
	CHECK(gro_offer(&g, a, la, tap_sink, &w) == 1);
	CHECK(gro_offer(&g, b, lb, tap_sink, &w) == 1); /* flushes a, holds b */
	a[41] = 0x10;                       /* a sequence gap: not mergeable */
	fix_csums(a, la);
	CHECK(gro_offer(&g, a, la, tap_sink, &w) == 1);
	a[47] = 0x02;                       /* SYN: never merged, sent as is */
	fix_csums(a, la);
	CHECK(gro_offer(&g, a, la, tap_sink, &w) == 0);
	a[47] = 0x10;
	a[60] ^= 0xff;                      /* damaged payload: passed on alone */
	CHECK(gro_offer(&g, a, la, tap_sink, &w) == 0);
	gro_flush(g, tap_sink, &w);
	CHECK(w.n == 3); /* a, b, a again; the SYN is the caller's to send */
	for (int i = 0; i < 3; i++) /* each alone, as it came: no offload asked */
		CHECK(w.len[i] == sizeof(struct vnet_hdr) + la &&
		      ((struct vnet_hdr *)w.data[i])->gso_type == VNET_GSO_NONE);
	gro_free(&g);
}

/* ---- tx.c: segments from a cable, bound for an offloading tap, leave
 * in one write when the receive batch ends ---- */

/* A tap-like endpoint kind: writes go to one end of a datagram socket
 * pair, as tap_write's writev goes to a tap. */
static ssize_t fake_tap_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	return writev(ep->data.fd, iov, n);
}

static void fake_tap_close_fd(struct endpoint *ep)
{
	if (ep->data.fd >= 0)
		close(ep->data.fd);
}

static void fake_tap_receive(struct endpoint *ep) { (void)ep; }

static const struct ep_ops fake_tap_ops = {
	.module = "test tap",
	.receive = fake_tap_receive,
	.write = fake_tap_write,
	.close = fake_tap_close_fd,
};

struct fake_tap { int peer, gro; struct port *port; struct endpoint *ep; };

static int fake_tap_open(struct fake_tap *t)
{
	int sv[2];

	sw.queue_bytes = 1 << 20;
	t->gro = sw.gro;
	sw.gro = 1;
	if (loop_init() < 0 || ports_init(4) < 0 || !(t->port = port_create(1, 1)) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return -1;
	t->peer = sv[1];
	t->ep = ep_new(&fake_tap_ops, sv[0], -1, -1, (uid_t)-1, "gro");
	if (!t->ep)
		return -1;
	t->ep->vnet = 1;
	port_attach(t->port, t->ep);
	return 0;
}

static void fake_tap_close(struct fake_tap *t)
{
	ep_close(t->ep, "test over");
	close(t->peer);
	ep_free_buffers();
	ports_free();
	loop_done();
	sw.gro = t->gro;
}

TEST(gro_through_tx_to_an_offloading_tap)
{
	static uint8_t f[70000], got[70000];
	static struct segs s;
	struct fake_tap t;
	size_t len = make_v4(f, 10000, 0x18);
	struct vnet_hdr vh = { .flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4,
			       .hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };

	memset(&s, 0, sizeof(s));
	CHECK(offload_segment(f, len, &vh, collect, &s) == 0);
	CHECK(fake_tap_open(&t) == 0);
	tx_batch_begin();
	for (int i = 0; i < s.n; i++)
		tx_port(t.port, s.data[i], s.len[i], 0, NULL);
	tx_batch_end();
	ssize_t n = recv(t.peer, got, sizeof(got), MSG_DONTWAIT);
	CHECK(check_merged(got, n, f, len));
	CHECK(recv(t.peer, got, sizeof(got), MSG_DONTWAIT) < 0); /* nothing else */
	CHECK(t.port->out_pkts == (uint64_t)s.n);
	fake_tap_close(&t);
}
