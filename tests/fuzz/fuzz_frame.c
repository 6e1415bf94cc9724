/* fuzz_frame.c - the switch's frame path: forward.c, vlan.c, mactable.c,
 * port.c, endpoint.c and the spanning tree (stp*.c), in-process, against
 * fuzz-chosen frames, VLAN configurations and BPDUs.
 *
 * Setup (once): 8 user ports plus port 0; ports 0..5 have one endpoint,
 * port 6 has two (a cable group), port 7 exists with none, port 8 is not
 * created.  Each endpoint's data socket is one end of a SOCK_DGRAM
 * socketpair; the harness holds the other end ("peer") to inject and to
 * collect frames.  Every input starts from that state: no VLANs, every
 * port untagged in VLAN 0, empty MAC table, switch mode, spanning tree
 * off and at its defaults, and the same clock: now_ms() is the
 * harness's (linked with --wrap=now_ms), so time only moves when the
 * input says so and every run of an input is the same.
 *
 * The input is a list of records; the first byte says what it is:
 *   0x00..0x2f  configuration: [op][vid sel][port sel] - vlan/create,
 *               addport, delport, remove, port/setvlan, unplug/replug an
 *               endpoint, hub mode on/off, spanning tree on/off, edge,
 *               cost, priority
 *   0x30..0x3f  time: [b] the clock moves (b >> 1) * 100 ms; MAC aging
 *               runs (b & 1: as if 200 s later, so everything expires),
 *               then the spanning tree's tick
 *   0x40..0xff  a frame entering by endpoint (byte % 8):
 *               [flags][vid sel][len16] then, for raw frames, the bytes;
 *               else dst/src/tag come from small tables so MACs repeat
 *               and get learned (one of them is the BPDU address).  Some
 *               frames go through the real receive path (send on the
 *               peer, then the endpoint's EPOLLIN handler: recvmmsg,
 *               runt/giant checks); the others are given to
 *               forward_frame() in a heap buffer of exactly the size
 *               switch.h promises (headroom + 60 or len + a tag).
 *
 * A model of the documented behaviour (vlan.c's header: strict once
 * configured, transparent trunk before; learning per (MAC, VLAN) with
 * aging; flood in the VLAN; hub mode = every other user port) predicts
 * which peers get which bytes; every peer is drained after each record
 * and compared.  While the spanning tree is on, ports block and the MAC
 * table is flushed on the tree's own schedule, so the check is looser:
 * a forwarded copy must be one the model allows (right port set, bytes
 * and tag exactly), BPDUs sent to 01:80:c2:00:00:00 are never forwarded,
 * and anything else that comes out must be a BPDU from the switch
 * itself.  The invariants are checked on their own too: nothing
 * comes back out of the input port; an output is the input length, +-4
 * for a tag, or padded to 60; a tagged output carries the classified VID.
 */
#include "tests/fuzz/fuzz.h"
#include "applets/switch/switch.h"
#include "applets/switch/stp.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

struct sw_config sw; /* normally in applets/switch.c, which has main() */

/* The switch's clock (util.c's now_ms, replaced at link time). */
#define CLOCK_BASE 1000000000ull
static uint64_t fake_now = CLOCK_BASE;
uint64_t __wrap_now_ms(void);
uint64_t __wrap_now_ms(void) { return fake_now; }

static const uint8_t switch_mac[6] = { 0x02, 0x5e, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t bpdu_dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
static struct stp_bridge stp_pristine; /* stp_br as the switch starts */

#define NPORTS 8
#define NEPS 8
#define RBUF (VDE_FRAME_MAX + 200)
#define MTAB_MAX 8192

/* Endpoint i sits on port ep_port[i]. */
static const int ep_port[NEPS] = { 0, 1, 2, 3, 4, 5, 6, 6 };
static struct endpoint *eps[NEPS];
static int peer[NEPS];
static int attached[NEPS];
static int trace; /* FUZZ_TRACE=1: print each frame and where it went */

/* ---- the model ---- */
struct mport {
	int exists, untagged, configured, nattached;
	uint8_t tagged[VLAN_COUNT];
};
static struct mport mp[NPORTS + 1];
static uint8_t mdefined[VLAN_COUNT];
static int mhub, mstp;

struct mentry {
	uint8_t mac[6];
	int vid, port;
	uint32_t last; /* sw_now() when learned or seen again */
};
static struct mentry mtab[MTAB_MAX];
static size_t nm;

static const int vids[16] = { 0, 1, 2, 3, 4, 5, 10, 100, 1000, 4093, 4094, VLAN_NONE, 4096, -1, 7, 8 };
static const uint8_t macs[8][6] = {
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 },
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, { 0x02, 0, 0, 0, 0, 0x01 },
	{ 0x02, 0, 0, 0, 0, 0x02 }, { 0x02, 0, 0, 0, 0, 0x03 },
	{ 0x02, 0, 0, 0, 0, 0x04 }, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
};

static void mac_forget(int port, int vid) /* -1: any */
{
	size_t j = 0;
	for (size_t i = 0; i < nm; i++)
		if (!((port < 0 || mtab[i].port == port) && (vid < 0 || mtab[i].vid == vid)))
			mtab[j++] = mtab[i];
	nm = j;
}

static struct mentry *mac_find(const uint8_t *mac, int vid)
{
	for (size_t i = 0; i < nm; i++)
		if (mtab[i].vid == vid && memcmp(mtab[i].mac, mac, 6) == 0)
			return &mtab[i];
	return NULL;
}

static int m_egress(int p, int vid) /* 0 untagged, 1 tagged, -1 not a member */
{
	if (mp[p].untagged == vid)
		return 0;
	if (!mp[p].configured)
		return 1;
	return mp[p].tagged[vid] ? 1 : -1;
}

static int m_vlan_ok(int vid) { return vid >= 0 && vid < VLAN_NONE; }

static int m_in_use(int vid)
{
	for (int p = 0; p <= NPORTS; p++)
		if (mp[p].exists && (mp[p].untagged == vid || (m_vlan_ok(vid) && mp[p].tagged[vid])))
			return 1;
	return 0;
}

/* ---- setup and per-input reset ---- */
static void drain_all(int allow_bpdu);
static void reset(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_frame");
	trace = getenv("FUZZ_TRACE") != NULL;
	sw.max_frame = VDE_FRAME_MAX;
	sw.queue_bytes = 1 << 20;
	sw.gid = (gid_t)-1;
	memcpy(sw.mac, switch_mac, 6);
	stp_pristine = stp_br;
	if (loop_init() < 0 || ports_init(NPORTS) < 0 || mac_init(64) < 0)
		die("fuzz_frame: switch setup failed");
	for (int p = 0; p < NPORTS; p++)
		if (!port_create(p, 1))
			die("fuzz_frame: create port %d:", p);
	for (int i = 0; i < NEPS; i++) {
		int sv[2];
		char descr[32];
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0 || set_nonblock(sv[0]) < 0 ||
		    set_nonblock(sv[1]) < 0)
			die("fuzz_frame: socketpair:");
		snprintf(descr, sizeof(descr), "fuzz endpoint %d", i);
		eps[i] = ep_new(EP_UNIX, sv[0], -1, 0, descr, NULL);
		if (!eps[i])
			die("fuzz_frame: ep_new failed");
		port_attach(ports[ep_port[i]], eps[i]);
		attached[i] = 1;
		peer[i] = sv[1];
	}
	reset();
	return 0;
}

static void reset(void)
{
	FUZZ_CHECK(stp_set_enabled(0) == 0, "stp_set_enabled(0)");
	drain_all(1); /* BPDUs sent during the last record */
	for (int p = 0; p <= NPORTS; p++)
		if (ports[p])
			stp_port_free(ports[p]); /* edge, cost, counters */
	stp_br = stp_pristine;
	fake_now = CLOCK_BASE;
	for (int i = 0; i < NEPS; i++)
		if (!attached[i]) {
			port_attach(ports[ep_port[i]], eps[i]);
			attached[i] = 1;
		}
	for (int p = 0; p <= NPORTS; p++) {
		struct port *pp = ports[p];
		if (!pp)
			continue;
		free(pp->tagged);
		pp->tagged = NULL;
		pp->untagged_vlan = 0;
		pp->vlan_configured = 0;
		FUZZ_CHECK(pp->forwarding && pp->learning, "port %d blocked with STP off", p);
	}
	for (int v = 1; v < VLAN_COUNT; v++)
		if (mdefined[v])
			FUZZ_CHECK(vlan_remove(v) == 0, "reset: vlan_remove %d failed", v);
	mac_flush_all();
	sw.hub = 0;

	memset(mp, 0, sizeof(mp));
	memset(mdefined, 0, sizeof(mdefined));
	mdefined[0] = 1;
	for (int p = 0; p <= NPORTS; p++)
		mp[p].exists = ports[p] != NULL;
	for (int i = 0; i < NEPS; i++)
		mp[ep_port[i]].nattached++;
	mhub = mstp = 0;
	nm = 0;
}

/* ---- configuration records ---- */
static void config_op(struct fuzz_in *in, uint8_t kind)
{
	int was_stp = mstp;
	int vid = vids[fuzz_u8(in) & 15];
	int pi = fuzz_u8(in) % (NPORTS + 1);
	struct port *p = ports[pi];
	struct mport *m = &mp[pi];
	int r, want;

	if (trace)
		fprintf(stderr, "config op %d vid %d port %d\n", kind % 11, vid, pi);
	switch (kind % 11) {
	case 0:
		want = vid >= 1 && vid < VLAN_NONE && !mdefined[vid];
		r = vlan_create(vid);
		FUZZ_CHECK((r == 0) == want, "vlan_create(%d) = %d", vid, r);
		if (want)
			mdefined[vid] = 1;
		break;
	case 1:
		if (!p)
			break;
		want = m_vlan_ok(vid) && mdefined[vid] && !m->tagged[vid] && m->untagged != vid;
		r = vlan_addport(vid, p);
		FUZZ_CHECK((r == 0) == want, "vlan_addport(%d, port %d) = %d", vid, pi, r);
		if (want) {
			m->tagged[vid] = 1;
			m->configured = 1;
		}
		break;
	case 2:
		if (!p)
			break;
		want = m_vlan_ok(vid) && mdefined[vid] && m->tagged[vid];
		r = vlan_delport(vid, p);
		FUZZ_CHECK((r == 0) == want, "vlan_delport(%d, port %d) = %d", vid, pi, r);
		if (want) {
			m->tagged[vid] = 0;
			mac_forget(pi, -1);
		}
		break;
	case 3:
		want = m_vlan_ok(vid) && vid != 0 && mdefined[vid] && !m_in_use(vid);
		r = vlan_remove(vid);
		FUZZ_CHECK((r == 0) == want, "vlan_remove(%d) = %d", vid, r);
		if (want) {
			mdefined[vid] = 0;
			mac_forget(-1, vid);
		}
		break;
	case 4:
		if (!p)
			break;
		want = vid == VLAN_NONE || (m_vlan_ok(vid) && mdefined[vid]);
		r = port_setvlan(p, vid);
		FUZZ_CHECK((r == 0) == want, "port_setvlan(port %d, %d) = %d", pi, vid, r);
		if (want) {
			if (vid != VLAN_NONE)
				m->tagged[vid] = 0;
			m->untagged = vid;
			m->configured = 1;
			mac_forget(pi, -1);
		}
		break;
	case 5: { /* unplug or replug endpoint (port sel % 8) */
		int e = pi % NEPS, mpi = ep_port[e];
		if (attached[e]) {
			port_detach(eps[e]);
			if (--mp[mpi].nattached == 0)
				mac_forget(mpi, -1);
		} else {
			port_attach(ports[mpi], eps[e]);
			mp[mpi].nattached++;
		}
		attached[e] = !attached[e];
		break;
	}
	case 6: /* as port/sethub does it */
		mac_flush_all();
		nm = 0;
		mhub = !mhub;
		if (mhub) {
			FUZZ_CHECK(stp_set_enabled(0) == 0, "stp_set_enabled(0)");
			mstp = 0;
		}
		sw.hub = mhub;
		break;
	case 7:
		r = stp_set_enabled(!mstp);
		FUZZ_CHECK(r == (!mstp && mhub ? EBUSY : 0), "stp_set_enabled(%d) = %d, hub %d", !mstp, r, mhub);
		if (r == 0)
			mstp = !mstp;
		nm = 0; /* the tree flushes the table, on and off */
		break;
	case 8: /* as fstp/setedge: the port's STP state made first */
		if (p && stp_port_cfg(p))
			stp_set_edge(p, vid & 1);
		break;
	case 9: /* fstp/setcost: 1..200000000 */
		if (p && stp_port_cfg(p))
			stp_set_cost(p, (uint32_t)(vid < 0 ? 200000000 : vid * 1000 + 1));
		break;
	case 10:
		stp_set_priority((uint16_t)((unsigned)vid << 4));
		break;
	}
	if (was_stp || mstp)
		drain_all(1); /* the tree sends BPDUs when told things */
}

/* ---- frames ---- */
static int is_tagged(const uint8_t *f) { return f[12] == 0x81 && f[13] == 0x00; }

/* What the model says port p receives: 0 nothing, else a frame. */
struct expect {
	int got;
	int tag; /* egress: 1 tagged, 0 untagged, -1 as it came (hub) */
	size_t len;
	uint8_t f[VDE_FRAME_MAX + 8];
};
static struct expect want_out[NPORTS + 1];

static void expect_as(int p, const uint8_t *f, size_t len, int want_tag, int vid)
{
	struct expect *x = &want_out[p];

	x->got = 1;
	x->tag = want_tag;
	if (want_tag == -1 || want_tag == is_tagged(f)) {
		memcpy(x->f, f, len);
		x->len = len;
	} else if (want_tag) {
		memcpy(x->f, f, 12);
		x->f[12] = 0x81;
		x->f[13] = 0x00;
		x->f[14] = (uint8_t)(vid >> 8);
		x->f[15] = (uint8_t)vid;
		memcpy(x->f + 16, f + 12, len - 12);
		x->len = len + 4;
	} else {
		memcpy(x->f, f, 12);
		memcpy(x->f + 12, f + 16, len - 16);
		x->len = len - 4;
		if (x->len < ETH_MIN_FRAME) {
			memset(x->f + x->len, 0, ETH_MIN_FRAME - x->len);
			x->len = ETH_MIN_FRAME;
		}
	}
}

static int m_active(int p) { return mp[p].exists && mp[p].nattached > 0; }

/* Classify, learn, and fill want_out[]; returns the VLAN, or -1.  With
 * the spanning tree on, want_out[] is what may come out (the tree may
 * block any of it, and its flushes make learning unpredictable). */
static int model_forward(int in, const uint8_t *f, size_t len)
{
	int vid;

	for (int p = 0; p <= NPORTS; p++)
		want_out[p].got = 0;
	if (mhub) {
		for (int p = 1; p <= NPORTS; p++)
			if (p != in && m_active(p))
				expect_as(p, f, len, -1, 0);
		return -1;
	}
	if (mstp && memcmp(f, bpdu_dst, 6) == 0)
		return -1; /* the tree's: never forwarded */
	if (!is_tagged(f)) {
		vid = mp[in].untagged;
		if (vid == VLAN_NONE)
			return -1;
	} else {
		vid = (f[14] << 8 | f[15]) & VLAN_VID_MASK;
		if (vid == VLAN_NONE)
			return -1;
		if (mp[in].configured &&
		    (!mdefined[vid] || (vid != mp[in].untagged && !mp[in].tagged[vid])))
			return -1;
	}
	if (!(f[6] & 1) && !mstp) {
		struct mentry *e = mac_find(f + 6, vid);
		if (!e && nm < MTAB_MAX) {
			e = &mtab[nm++];
			memcpy(e->mac, f + 6, 6);
			e->vid = vid;
		}
		if (e) {
			e->port = in;
			e->last = sw_now();
		}
	}
	struct mentry *d = (f[0] & 1) || mstp ? NULL : mac_find(f, vid);
	for (int p = 0; p <= NPORTS; p++) {
		int eg;
		if (d && p != d->port)
			continue;
		if (p == in || !m_active(p) || (eg = m_egress(p, vid)) < 0)
			continue;
		expect_as(p, f, len, eg, vid);
	}
	return vid;
}

/* A BPDU the switch sent itself (only the spanning tree sends any, so
 * only while it is on, or was on during the record: allow). */
static int switch_bpdu(const uint8_t *f, ssize_t n, int allow)
{
	struct stp_msg m;

	if (!allow || n < ETH_HDR_LEN || memcmp(f, bpdu_dst, 6) || memcmp(f + 6, switch_mac, 6))
		return 0;
	FUZZ_CHECK(n >= ETH_MIN_FRAME && bpdu_decode(f, (size_t)n, &m) == BPDU_OK,
		   "the switch sent a %zd-byte BPDU it cannot decode itself", n);
	return 1;
}

/* Which peers have something to read: one poll() instead of a failing
 * recv() per peer (syscalls are most of this harness's time). */
static unsigned readable(void)
{
	struct pollfd pf[NEPS];
	unsigned mask = 0;
	int r;

	for (int i = 0; i < NEPS; i++)
		pf[i] = (struct pollfd){ .fd = peer[i], .events = POLLIN };
	while ((r = poll(pf, NEPS, 0)) < 0 && errno == EINTR)
		; /* libFuzzer's timeout alarm */
	FUZZ_CHECK(r >= 0, "poll: %s", strerror(errno));
	for (int i = 0; i < NEPS; i++)
		if (pf[i].revents & POLLIN)
			mask |= 1u << i;
	return mask;
}

/* Nothing may be waiting on the peers but, if allowed, our BPDUs. */
static void drain_all(int allow_bpdu)
{
	static uint8_t buf[RBUF];
	unsigned mask = readable();
	ssize_t n;

	for (int i = 0; i < NEPS; i++)
		while ((mask >> i & 1) && (n = recv(peer[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC)) >= 0)
			FUZZ_CHECK(switch_bpdu(buf, n, allow_bpdu),
				   "endpoint %d (port %d): unexpected %zd-byte frame", i, ep_port[i], n);
}

/* Collect what each peer got and compare with the model. */
static void check_outputs(int in, size_t inlen, int vid)
{
	static uint8_t buf[RBUF];
	unsigned mask = readable();

	for (int i = 0; i < NEPS; i++) {
		int p = ep_port[i], copies = 0;
		struct expect *x = &want_out[p];
		int want = attached[i] && x->got;
		ssize_t n;

		while ((mask >> i & 1) && (n = recv(peer[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC)) >= 0) {
			if (switch_bpdu(buf, n, mstp))
				continue;
			if (trace)
				fprintf(stderr, "  -> endpoint %d (port %d): %zd bytes%s\n", i, p, n,
					n >= 16 && is_tagged(buf) ? ", tagged" : "");
			FUZZ_CHECK(p != in, "frame came back out of its input port %d", in);
			FUZZ_CHECK((size_t)n == inlen || (size_t)n == inlen + 4 ||
					   (inlen - 4 >= ETH_MIN_FRAME && (size_t)n == inlen - 4) ||
					   (size_t)n == ETH_MIN_FRAME,
				   "port %d: %zd bytes out for %zu in", p, n, inlen);
			/* A tagged egress carries the VLAN the frame was classified
			 * in (an untagged egress may still start with an inner tag). */
			if (want && x->tag == 1)
				FUZZ_CHECK(((buf[14] << 8 | buf[15]) & VLAN_VID_MASK) == vid,
					   "port %d: tagged with VID %d, classified %d", p,
					   (buf[14] << 8 | buf[15]) & VLAN_VID_MASK, vid);
			FUZZ_CHECK(want, "endpoint %d (port %d): unexpected %zd-byte frame%s", i, p, n,
				   mstp ? " (spanning tree on)" : "");
			FUZZ_CHECK((size_t)n == x->len && memcmp(buf, x->f, x->len) == 0,
				   "endpoint %d (port %d): frame differs from the model (%zd vs %zu bytes)",
				   i, p, n, x->len);
			FUZZ_CHECK(++copies == 1, "endpoint %d (port %d): the frame came %d times", i, p,
				   copies);
		}
		/* Without the tree the model knows exactly who gets a copy. */
		FUZZ_CHECK(copies || !want || mstp,
			   "endpoint %d (port %d): expected a %zu-byte frame, got none", i, p, x->len);
	}
}

/* Build the frame a record describes into f; returns its length. */
static size_t make_frame(struct fuzz_in *in, uint8_t *f, uint8_t flags, uint8_t vsel)
{
	unsigned v = fuzz_u16(in);
	size_t len = v < 0x8000 ? (v & 0xff) : (v & 0x7fff) % (VDE_FRAME_MAX + 160);
	size_t off = 12;

	if (vsel & 0x80) { /* raw: the input's own bytes */
		if (len > in->len)
			len = in->len;
		memcpy(f, in->p, len);
		in->p += len;
		in->len -= len;
		return len;
	}
	memset(f, 0, len > 64 ? len : 64);
	memcpy(f, macs[flags & 7], 6);
	memcpy(f + 6, macs[(flags >> 3) & 7], 6);
	if (flags & 0x40) {
		int vid = vids[vsel & 15] & 0xfff, tci = (vsel >> 4 & 7) << 13 | vid;
		f[12] = 0x81;
		f[13] = 0x00;
		f[14] = (uint8_t)(tci >> 8);
		f[15] = (uint8_t)tci;
		off = 16;
	}
	f[off] = 0x08;
	f[off + 1] = 0x00;
	for (size_t i = off + 2; i < len; i++)
		f[i] = (uint8_t)(i * 7 + vsel);
	return len;
}

static void frame_op(struct fuzz_in *in, uint8_t kind)
{
	static uint8_t f[VDE_FRAME_MAX + 256];
	uint8_t flags = fuzz_u8(in), vsel = fuzz_u8(in);
	int e = kind % NEPS, inport = ep_port[e], vid = -1;
	size_t len = make_frame(in, f, flags, vsel), plen;

	if (!attached[e])
		return; /* an unplugged endpoint sends nothing */
	int forwarded = len >= ETH_HDR_LEN && len <= sw.max_frame;
	plen = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
	if (forwarded) {
		memset(f + len, 0, plen - len); /* the padding the switch adds */
		vid = model_forward(inport, f, plen);
	} else {
		for (int p = 0; p <= NPORTS; p++)
			want_out[p].got = 0;
	}
	if (trace)
		fprintf(stderr, "frame in endpoint %d (port %d): %zu bytes%s, %s, VLAN %d\n", e,
			inport, len, len >= 16 && is_tagged(f) ? ", tagged" : "",
			flags & 0x80 ? "via socket" : "direct", vid);
	if (flags & 0x80) { /* through the socket and the receive handler */
		ssize_t n;
		while ((n = send(peer[e], f, len, MSG_DONTWAIT)) < 0 && errno == EINTR)
			;
		FUZZ_CHECK(n == (ssize_t)len, "inject on peer %d: %s", e, strerror(errno));
		eps[e]->data.fn(&eps[e]->data, EPOLLIN);
	} else if (forwarded) { /* straight in, in the smallest buffer allowed */
		uint8_t *buf = malloc(SW_HEADROOM + plen + ETH_VLAN_TAG_LEN);
		FUZZ_CHECK(buf != NULL, "out of memory");
		memcpy(buf + SW_HEADROOM, f, len);
		forward_frame(ports[inport], buf + SW_HEADROOM, len, NULL);
		free(buf);
	}
	check_outputs(inport, plen, vid);
}

/* Time passes: MAC aging as the switch's tick runs it, then the tree's. */
static void time_op(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	uint32_t now;

	fake_now += (uint64_t)(b >> 1) * 100;
	now = sw_now() + ((b & 1) ? 200 : 0); /* 200 s: past any expiry */
	mac_expire(now);
	size_t j = 0;
	for (size_t i = 0; i < nm; i++)
		if (now - mtab[i].last <= mac_expire_secs)
			mtab[j++] = mtab[i];
	nm = j;
	stp_tick(fake_now);
	if (trace)
		fprintf(stderr, "time %llu ms%s\n", (unsigned long long)(fake_now - CLOCK_BASE),
			(b & 1) ? ", everything aged out" : "");
	drain_all(mstp); /* BPDUs at most */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	while (fuzz_more(&in)) {
		uint8_t kind = fuzz_u8(&in);
		if (kind < 0x30)
			config_op(&in, kind);
		else if (kind < 0x40)
			time_op(&in);
		else
			frame_op(&in, kind);
	}
	/* Put the switch back now rather than before the next input: what
	 * this input allocated is freed within it, and libFuzzer's leak
	 * check (run when mallocs and frees differ) stays quiet. */
	reset();
	return 0;
}
