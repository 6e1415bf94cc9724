/* fuzz_frame.c - the switch's frame path: endpoint.c and ep_sock.c
 * (receive), forward.c, vlan.c, mactable.c, port.c, tx.c (batches,
 * queues) and the spanning tree (stp*.c), in-process, against
 * fuzz-chosen frames, VLAN configurations and BPDUs.
 *
 * Setup (once): 8 user ports plus port 0; ports 0..5 have one endpoint,
 * port 6 has two (a cable group), port 7 exists with none, port 8 is not
 * created.  Each endpoint's data socket is an in-memory datagram socket
 * (fakefd.h: the harness is linked with --wrap for the system calls the
 * switch makes on it), so an input costs no system call; the harness
 * puts frames in for the receive path and reads back what the switch
 * sent.  Every input starts from that state: no VLANs, every
 * port untagged in VLAN 0, empty MAC table, switch mode, spanning tree
 * off and at its defaults, and the same clock: now_ms() is the
 * harness's (linked with --wrap=now_ms), so time only moves when the
 * input says so and every run of an input is the same.
 *
 * The input is a list of records; the first byte says what it is:
 *   0x00..0x2f  configuration: [op][vid sel][port sel] - vlan/create,
 *               addport, delport, remove, port/setvlan, unplug/replug an
 *               endpoint, hub mode on/off, spanning tree on/off, edge,
 *               cost, priority, an endpoint stops/starts reading (its
 *               sends fail with EAGAIN: frames wait in its bounded queue,
 *               then come out on EPOLLOUT, in order, or are dropped and
 *               counted when the queue is full)
 *   0x30..0x3f  time: [b] the clock moves (b >> 1) * 100 ms; MAC aging
 *               runs (b & 1: as if 200 s later, so everything expires),
 *               then the spanning tree's tick
 *   0x40..0xff  a frame entering by endpoint (byte % 8):
 *               [flags][vid sel][len16] then, for raw frames, the bytes;
 *               else dst/src/tag come from small tables so MACs repeat
 *               and get learned (one of them is the BPDU address).  Some
 *               frames (flags & 0x80) go through the real receive path:
 *               queued on the endpoint's fd, then its EPOLLIN handler
 *               (recvmmsg, runt/giant checks, sends collected and sent at
 *               the end of the batch); consecutive such records on the
 *               same endpoint are one batch (up to SW_BATCH frames), as
 *               a burst would be.  The others are given to
 *               forward_frame() in a heap buffer of exactly the size
 *               forward.h promises (headroom + 60 or len + a tag).
 *
 * A model of the documented behaviour (vlan.c's header: a port is strict
 * once configured or once any VLAN exists, a transparent trunk before;
 * learning per (MAC, VLAN) with aging and a minimum persistence before
 * an address moves; flood in the VLAN; hub mode = every other user port) predicts
 * which endpoints get which bytes; what each one got is compared after
 * each record (or batch): the frames the model predicts, in order, each
 * once.  While the spanning tree is on, ports block and the MAC table is
 * flushed on the tree's own schedule, so the check is looser: a
 * forwarded copy must be one the model allows (right port set, bytes and
 * tag exactly, in order), BPDUs sent to 01:80:c2:00:00:00 are never
 * forwarded, and anything else that comes out must be a BPDU from the
 * switch itself.  The invariants are checked on their own too: nothing
 * comes back out of the input port; an output is the input length, +-4
 * for a tag, or padded to 60; a tagged output carries the classified VID.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fakefd.h"
#include "applets/switch/endpoint.h"
#include "applets/switch/forward.h"
#include "applets/switch/mactable.h"
#include "applets/switch/port.h"
#include "applets/switch/stp.h"
#include "applets/switch/vlan.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"

#include <errno.h>
#include <string.h>

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
#define MTAB_MAX 8192

/* Endpoint i sits on port ep_port[i]. */
static const int ep_port[NEPS] = { 0, 1, 2, 3, 4, 5, 6, 6 };
static struct endpoint *eps[NEPS];
static int epfd[NEPS]; /* their (fake) data sockets */
static int attached[NEPS];
static int trace; /* FUZZ_TRACE=1: print each frame and where it went */

/* ---- the model ---- */
struct mport {
	int exists, untagged, configured, nattached;
	uint8_t tagged[VLAN_COUNT];
};
static struct mport mp[NPORTS + 1];
static uint8_t mdefined[VLAN_COUNT];
static int mnvlans; /* defined VLANs but 0 */
/* What reset() has to undo (most inputs touch little of it: a reset
 * that walked every VLAN and port each time would cost more than the
 * input). */
static int created[VLAN_COUNT], ncreated; /* VIDs vlan_create()d */
static uint8_t listed[VLAN_COUNT];         /* in created[] */
static int stp_touched;             /* the tree was configured or on */
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
		if (mtab[i].vid == vid && fuzz_eq(mtab[i].mac, mac, 6))
			return &mtab[i];
	return NULL;
}

static int m_any_vlan(void) { return mnvlans > 0; }

static int m_strict(int p) { return mp[p].configured || m_any_vlan(); }

static int m_egress(int p, int vid) /* 0 untagged, 1 tagged, -1 not a member */
{
	if (mp[p].untagged == vid)
		return 0;
	if (!m_strict(p))
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
static void set_busy(int e, int on);
static void busy_stp(void);
static int busy[NEPS]; /* sends fail with EAGAIN: the client does not read */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_frame");
	trace = getenv("FUZZ_TRACE") != NULL;
	sw.max_frame = VDE_FRAME_MAX;
	sw.queue_bytes = 64 << 10; /* a few big frames fill a busy endpoint's queue */
	sw.gid = (gid_t)-1;
	memcpy(sw.mac, switch_mac, 6);
	stp_pristine = stp_br;
	if (loop_init() < 0 || ports_init(NPORTS) < 0 || mac_init(64) < 0)
		die("fuzz_frame: switch setup failed");
	for (int p = 0; p < NPORTS; p++)
		if (!port_create(p, 1))
			die("fuzz_frame: create port %d:", p);
	for (int i = 0; i < NEPS; i++) {
		char descr[32];
		snprintf(descr, sizeof(descr), "fuzz endpoint %d", i);
		epfd[i] = fake_open(0);
		eps[i] = ep_sock_new(epfd[i], -1, 0, descr, NULL, 0);
		if (!eps[i])
			die("fuzz_frame: ep_sock_new failed");
		port_attach(sw.ports[ep_port[i]], eps[i]);
		attached[i] = 1;
	}
	reset();
	return 0;
}

static void reset(void)
{
	for (int e = 0; e < NEPS; e++)
		if (busy[e])
			set_busy(e, 0); /* what waits comes out, and is checked */
	FUZZ_CHECK(stp_set_enabled(0) == 0, "stp_set_enabled(0)");
	drain_all(1); /* BPDUs sent during the last record */
	if (stp_touched) {
		for (int p = 0; p <= NPORTS; p++)
			if (sw.ports[p])
				stp_port_free(sw.ports[p]); /* edge, cost, counters */
		stp_br = stp_pristine;
		stp_touched = 0;
	}
	fake_now = CLOCK_BASE;
	for (int i = 0; i < NEPS; i++)
		if (!attached[i]) {
			port_attach(sw.ports[ep_port[i]], eps[i]);
			attached[i] = 1;
		}
	for (int p = 0; p <= NPORTS; p++) {
		struct port *pp = sw.ports[p];
		if (!pp)
			continue;
		free(pp->tagged);
		pp->tagged = NULL;
		pp->untagged_vlan = 0;
		pp->vlan_configured = 0;
		FUZZ_CHECK(pp->forwarding && pp->learning, "port %d blocked with STP off", p);
	}
	for (int i = 0; i < ncreated; i++) {
		int v = created[i];
		if (mdefined[v])
			FUZZ_CHECK(vlan_remove(v) == 0, "reset: vlan_remove %d failed", v);
		mdefined[v] = listed[v] = 0;
		for (int p = 0; p <= NPORTS; p++)
			mp[p].tagged[v] = 0; /* only ever set in a defined VLAN */
	}
	ncreated = 0;
	if (mac_count() > 0) /* (an empty table is as good as a new one) */
		mac_flush_all();
	sw.hub = 0;

	for (int p = 0; p <= NPORTS; p++) {
		struct mport *m = &mp[p];
		m->untagged = m->configured = m->nattached = 0;
		m->tagged[0] = 0; /* VLAN 0 is never created: not in created[] */
		m->exists = sw.ports[p] != NULL;
	}
	mdefined[0] = 1;
	mnvlans = 0;
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
	struct port *p = sw.ports[pi];
	struct mport *m = &mp[pi];
	int r, want;

	if (trace)
		fprintf(stderr, "config op %d vid %d port %d\n", kind % 12, vid, pi);
	if (kind % 12 >= 7 && kind % 12 <= 10)
		stp_touched = 1;
	switch (kind % 12) {
	case 0:
		want = vid >= 1 && vid < VLAN_NONE && !mdefined[vid];
		if (want && !m_any_vlan())
			mac_forget(-1, -1); /* trunks stop: the table starts over */
		r = vlan_create(vid);
		FUZZ_CHECK((r == 0) == want, "vlan_create(%d) = %d", vid, r);
		if (want) {
			mdefined[vid] = 1;
			mnvlans++;
			if (!listed[vid]) {
				listed[vid] = 1;
				created[ncreated++] = vid;
			}
		}
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
			mnvlans--;
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
			port_attach(sw.ports[mpi], eps[e]);
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
	case 11: /* endpoint (port sel % 8) stops or starts reading */
		set_busy(pi % NEPS, !busy[pi % NEPS]);
		break;
	}
	if (was_stp || mstp)
		drain_all(1); /* the tree sends BPDUs when told things */
	if (mstp)
		busy_stp(); /* ... and queues them for busy endpoints */
}

/* ---- frames ---- */
static int is_tagged(const uint8_t *f) { return f[12] == 0x81 && f[13] == 0x00; }

/* What the model says port p receives for frame k of a batch: nothing,
 * or the frame as it came (hub), tagged with vid, or untagged. */
struct expect {
	int got;
	int tag; /* egress: 1 tagged, 0 untagged, -1 as it came (hub) */
	int vid;
};
#define MAXB SW_BATCH /* frames one receive batch (recvmmsg) may take */
static struct expect want_out[MAXB][NPORTS + 1];
/* The batch's frames as they entered (padded to 60 as the switch pads). */
static struct bframe {
	size_t len;      /* padded */
	int vid;         /* classified in, or -1 */
	uint8_t f[VDE_FRAME_MAX + 256];
} batch[MAXB];
static int nbatch;

static void expect_as(int k, int p, int want_tag, int vid)
{
	want_out[k][p] = (struct expect){ 1, want_tag, vid };
}

/* The bytes port p should get for frame k, into out; returns the length. */
static size_t expected(int k, int p, uint8_t *out)
{
	const struct expect *x = &want_out[k][p];
	const uint8_t *f = batch[k].f;
	size_t len = batch[k].len;

	if (x->tag == -1 || x->tag == is_tagged(f)) {
		memcpy(out, f, len);
		return len;
	}
	memcpy(out, f, 12);
	if (x->tag) {
		out[12] = 0x81;
		out[13] = 0x00;
		out[14] = (uint8_t)(x->vid >> 8);
		out[15] = (uint8_t)x->vid;
		memcpy(out + 16, f + 12, len - 12);
		return len + 4;
	}
	memcpy(out + 12, f + 16, len - 16);
	if (len - 4 < ETH_MIN_FRAME) {
		memset(out + len - 4, 0, ETH_MIN_FRAME - (len - 4));
		return ETH_MIN_FRAME;
	}
	return len - 4;
}

static int m_active(int p) { return mp[p].exists && mp[p].nattached > 0; }

/* Classify frame k of the batch, learn, and fill want_out[k]; returns
 * the VLAN, or -1.  With the spanning tree on, want_out[k] is what may
 * come out (the tree may block any of it, and its flushes make learning
 * unpredictable). */
static int model_forward(int in, int k)
{
	const uint8_t *f = batch[k].f;
	int vid;

	if (mhub) {
		for (int p = 1; p <= NPORTS; p++)
			if (p != in && m_active(p))
				expect_as(k, p, -1, 0);
		return -1;
	}
	if (mstp && fuzz_eq(f, bpdu_dst, 6))
		return -1; /* the tree's: never forwarded */
	if (!is_tagged(f)) {
		vid = mp[in].untagged;
		if (vid == VLAN_NONE)
			return -1;
	} else {
		vid = (f[14] << 8 | f[15]) & VLAN_VID_MASK;
		if (vid == VLAN_NONE)
			return -1;
		if (m_strict(in) &&
		    (!mdefined[vid] || (vid != mp[in].untagged && !mp[in].tagged[vid])))
			return -1;
	}
	if (!(f[6] & 1) && !mstp) {
		struct mentry *e = mac_find(f + 6, vid);
		int fresh = 0;
		if (!e && nm < MTAB_MAX) {
			e = &mtab[nm++];
			memcpy(e->mac, f + 6, 6);
			e->vid = vid;
			fresh = 1;
		}
		/* a live address stays on its port (hash/setminper) */
		if (e && (fresh || e->port == in || sw_now() - e->last >= mac_minpersist_secs)) {
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
		expect_as(k, p, eg, vid);
	}
	return vid;
}

/* A BPDU the switch sent itself (only the spanning tree sends any, so
 * only while it is on, or was on during the record: allow). */
static int switch_bpdu(const uint8_t *f, ssize_t n, int allow)
{
	struct stp_msg m;

	/* The tree sends the same few BPDUs (one per port) again and
	 * again: the last ones that decoded are remembered (decoding each
	 * was a tenth of the time).  Only bytes decide, so it is the same
	 * check in any order of inputs. */
	static uint8_t seen[16][128];
	static ssize_t seen_n[16];
	static unsigned next;

	if (!allow || n < ETH_HDR_LEN || !fuzz_eq(f, bpdu_dst, 6) || !fuzz_eq(f + 6, switch_mac, 6))
		return 0;
	for (int i = 0; i < 16; i++)
		if (seen_n[i] == n && fuzz_eq(f, seen[i], (size_t)n))
			return 1;
	if (n >= ETH_MIN_FRAME && bpdu_decode(f, (size_t)n, &m) == BPDU_OK) {
		if ((size_t)n <= sizeof(seen[0])) {
			memcpy(seen[next % 16], f, (size_t)n);
			seen_n[next++ % 16] = n;
		}
		return 1;
	}
	char hex[3 * 64 + 1] = "";
	for (ssize_t i = 14; i < n && i < 14 + 64; i++)
		snprintf(hex + 3 * (i - 14), 4, " %02x", f[i]);
	FUZZ_CHECK(0, "the switch sent a %zd-byte BPDU it cannot decode itself:%s", n, hex);
	return 0;
}

/* Nothing may have come out but, if allowed, our BPDUs. */
static void drain_all(int allow_bpdu)
{
	for (int i = 0; i < NEPS; i++) {
		size_t nout = fake_out_count(epfd[i]), n;
		for (size_t k = 0; k < nout; k++) {
			const uint8_t *buf = fake_out_msg(epfd[i], k, &n);
			FUZZ_CHECK(switch_bpdu(buf, (ssize_t)n, allow_bpdu),
				   "endpoint %d (port %d): unexpected %zu-byte frame", i, ep_port[i], n);
		}
		fake_out_clear(epfd[i]);
	}
}

/* Check one output of endpoint i (port p) against frame k's. */
static void check_one(int i, int k, const uint8_t *buf, size_t n)
{
	static uint8_t want[VDE_FRAME_MAX + 256];
	const struct expect *x = &want_out[k][ep_port[i]];
	size_t inlen = batch[k].len, wlen;
	int p = ep_port[i];

	FUZZ_CHECK(n == inlen || n == inlen + 4 || (inlen - 4 >= ETH_MIN_FRAME && n == inlen - 4) ||
			   n == ETH_MIN_FRAME,
		   "port %d: %zu bytes out for %zu in", p, n, inlen);
	/* A tagged egress carries the VLAN the frame was classified in (an
	 * untagged egress may still start with an inner tag). */
	if (x->tag == 1)
		FUZZ_CHECK(((buf[14] << 8 | buf[15]) & VLAN_VID_MASK) == batch[k].vid,
			   "port %d: tagged with VID %d, classified %d", p,
			   (buf[14] << 8 | buf[15]) & VLAN_VID_MASK, batch[k].vid);
	wlen = expected(k, p, want);
	FUZZ_CHECK(n == wlen && fuzz_eq(buf, want, wlen),
		   "endpoint %d (port %d): frame %d of the batch differs from the model (%zu vs %zu bytes)",
		   i, p, k, n, wlen);
}

/* Does output buf match frame k's expectation for endpoint i exactly? */
static int matches(int i, int k, const uint8_t *buf, size_t n)
{
	static uint8_t want[VDE_FRAME_MAX + 256];
	size_t wlen = expected(k, ep_port[i], want);
	return n == wlen && fuzz_eq(buf, want, wlen);
}

/* ---- busy endpoints: what waits in their queues ---- */
static struct backlog {
	uint8_t *b;        /* the frames expected, back to back */
	size_t len, cap;
	size_t *ml, n, ncap;
	int loose;         /* the tree was on: frames may be missing, BPDUs queued */
	uint64_t drops0;   /* ep->drops when it became busy */
} bl[NEPS];

static void backlog_add(int i, int k)
{
	struct backlog *q = &bl[i];

	if (q->len + VDE_FRAME_MAX + 256 > q->cap || !q->b) {
		q->cap = q->cap ? q->cap * 2 : 1 << 16;
		while (q->len + VDE_FRAME_MAX + 256 > q->cap)
			q->cap *= 2;
		q->b = realloc(q->b, q->cap);
		FUZZ_CHECK(q->b != NULL, "out of memory");
	}
	if (q->n == q->ncap || !q->ml) {
		q->ncap = q->ncap ? q->ncap * 2 : 64;
		q->ml = realloc(q->ml, q->ncap * sizeof(*q->ml));
		FUZZ_CHECK(q->ml != NULL, "out of memory");
	}
	q->ml[q->n++] = expected(k, ep_port[i], q->b + q->len);
	q->len += q->ml[q->n - 1];
	q->loose |= mstp;
}

/* The tree is on: what busy endpoints queue is looser (see check_outputs) */
static void busy_stp(void)
{
	for (int e = 0; e < NEPS; e++)
		if (busy[e])
			bl[e].loose = 1;
}

/* The client of endpoint e stops reading (on), or reads again: then
 * epoll reports EPOLLOUT, the queue drains, and what comes out must be
 * what the model expected for it while it was busy, in order, less the
 * frames the full queue dropped (each counted once in ep->drops). */
static void set_busy(int e, int on)
{
	struct backlog *q = &bl[e];
	size_t nout, at = 0, k = 0, missing = 0;

	if (on) {
		busy[e] = 1;
		fake_set_send_error(epfd[e], EAGAIN);
		q->len = q->n = 0;
		q->loose = mstp;
		q->drops0 = eps[e]->drops;
		if (trace)
			fprintf(stderr, "endpoint %d: busy\n", e);
		return;
	}
	busy[e] = 0;
	fake_set_send_error(epfd[e], 0);
	q->loose |= mstp;
	if (fake_ready(epfd[e]) & EPOLLOUT)
		eps[e]->data.fn(&eps[e]->data, EPOLLOUT);
	nout = fake_out_count(epfd[e]);
	for (size_t o = 0; o < nout; o++) {
		size_t n;
		const uint8_t *buf = fake_out_msg(epfd[e], o, &n);
		size_t k2 = k, at2 = at;
		/* the next expected frame it is; those before it were dropped
		 * (or, with the tree, blocked); else one of our BPDUs (a
		 * forwarded frame may look like one: match those first) */
		while (k2 < q->n && !(q->ml[k2] == n && fuzz_eq(q->b + at2, buf, n)))
			at2 += q->ml[k2++];
		if (k2 == q->n) {
			FUZZ_CHECK(switch_bpdu(buf, (ssize_t)n, q->loose),
				   "endpoint %d: a %zu-byte frame came out of its queue that was not "
				   "expected, or out of order", e, n);
			continue;
		}
		missing += k2 - k;
		k = k2 + 1;
		at = at2 + q->ml[k2];
	}
	missing += q->n - k;
	fake_out_clear(epfd[e]);
	if (trace)
		fprintf(stderr, "endpoint %d: reads again, %zu frames waited, %zu dropped\n", e, q->n,
			missing);
	FUZZ_CHECK(!eps[e]->q, "endpoint %d: its queue is still there after it drained", e);
	FUZZ_CHECK(q->loose || missing == eps[e]->drops - q->drops0,
		   "endpoint %d: %zu expected frames missing, %llu counted as dropped", e, missing,
		   (unsigned long long)(eps[e]->drops - q->drops0));
}

/* Collect what each endpoint got for the batch and compare with the
 * model: the frames it predicts, in order, each once.  With the tree
 * on, any of them may be missing (blocked), none may be extra. */
static void check_outputs(int in)
{
	for (int i = 0; i < NEPS; i++) {
		int p = ep_port[i], k = 0;
		size_t nout = fake_out_count(epfd[i]);

		if (busy[i]) { /* nothing gets out; what should waits */
			FUZZ_CHECK(nout == 0, "endpoint %d (port %d): sent while its client is busy", i, p);
			for (k = 0; k < nbatch; k++)
				if (attached[i] && want_out[k][p].got)
					backlog_add(i, k);
			continue;
		}
		for (size_t o = 0; o < nout; o++) {
			size_t n;
			const uint8_t *buf = fake_out_msg(epfd[i], o, &n);
			if (switch_bpdu(buf, (ssize_t)n, mstp))
				continue;
			if (trace)
				fprintf(stderr, "  -> endpoint %d (port %d): %zu bytes%s\n", i, p, n,
					n >= 16 && is_tagged(buf) ? ", tagged" : "");
			FUZZ_CHECK(p != in, "frame came back out of its input port %d", in);
			while (k < nbatch && !(attached[i] && want_out[k][p].got))
				k++;
			if (mstp)
				while (k < nbatch && !(attached[i] && want_out[k][p].got && matches(i, k, buf, n)))
					k++;
			FUZZ_CHECK(k < nbatch, "endpoint %d (port %d): unexpected %zu-byte frame%s", i, p, n,
				   mstp ? " (spanning tree on)" : "");
			check_one(i, k++, buf, n);
		}
		fake_out_clear(epfd[i]);
		/* Without the tree the model knows exactly who gets a copy. */
		while (!mstp && k < nbatch && !(attached[i] && want_out[k][p].got))
			k++;
		FUZZ_CHECK(mstp || k == nbatch, "endpoint %d (port %d): expected a %zu-byte frame, got none",
			   i, p, k < nbatch ? batch[k].len : 0);
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
	/* f[i] = i * 7 + vsel: repeats every 256 bytes, so the first 256
	 * are computed and the rest copied (a byte loop was a tenth of the
	 * harness's time) */
	size_t i = off + 2, first = len < off + 2 + 256 ? len : off + 2 + 256;
	for (; i < first; i++)
		f[i] = (uint8_t)(i * 7 + vsel);
	for (size_t n, period; i < len; i += n) { /* period: a multiple of 256 */
		period = i - (off + 2);
		n = len - i < period ? len - i : period;
		memcpy(f + i, f + i - period, n);
	}
	return len;
}

/* Is the next record a frame through the socket of endpoint e?  Then
 * it is in the same receive batch (one recvmmsg, sends deferred to the
 * end of the batch: endpoint.c's batching and forward.c's flushes
 * before it rewrites a frame in place). */
static int batch_continues(const struct fuzz_in *in, int e)
{
	return nbatch < MAXB && in->len >= 2 && in->p[0] >= 0x40 && in->p[0] % NEPS == e &&
	       (in->p[1] & 0x80);
}

static void frame_op(struct fuzz_in *in, uint8_t kind)
{
	int e = kind % NEPS, inport = ep_port[e], via_sock;
	size_t len;

	nbatch = 0;
	do {
		struct bframe *b = &batch[nbatch];
		uint8_t flags, vsel;
		if (nbatch > 0)
			fuzz_u8(in); /* the record's kind: e again */
		flags = fuzz_u8(in), vsel = fuzz_u8(in);
		len = make_frame(in, b->f, flags, vsel);
		via_sock = flags & 0x80;
		if (!attached[e])
			return; /* an unplugged endpoint sends nothing */
		int forwarded = len >= ETH_HDR_LEN && len <= sw.max_frame;
		b->len = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
		memset(b->f + len, 0, b->len - len); /* the padding the switch adds */
		memset(want_out[nbatch], 0, sizeof(want_out[nbatch]));
		b->vid = forwarded ? model_forward(inport, nbatch) : -1;
		if (trace)
			fprintf(stderr, "frame in endpoint %d (port %d): %zu bytes%s, %s, VLAN %d\n", e,
				inport, len, len >= 16 && is_tagged(b->f) ? ", tagged" : "",
				via_sock ? (nbatch ? "same batch" : "via socket") : "direct", b->vid);
		if (via_sock)
			fake_push(epfd[e], b->f, len);
		nbatch++;
	} while (via_sock && batch_continues(in, e));
	if (via_sock) { /* the receive handler, as often as epoll would call it */
		for (int calls = 0; fake_in_msgs(epfd[e]) > 0; calls++) {
			FUZZ_CHECK(calls < MAXB, "endpoint %d: frames are left unread", e);
			eps[e]->data.fn(&eps[e]->data, EPOLLIN);
		}
	} else if (len >= ETH_HDR_LEN && len <= sw.max_frame) {
		/* straight in, in the smallest buffer allowed */
		size_t plen = batch[0].len;
		uint8_t *buf = malloc(SW_HEADROOM + plen + ETH_VLAN_TAG_LEN);
		FUZZ_CHECK(buf != NULL, "out of memory");
		memcpy(buf + SW_HEADROOM, batch[0].f, len);
		forward_frame(sw.ports[inport], buf + SW_HEADROOM, len, NULL);
		free(buf);
	}
	check_outputs(inport);
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

	fake_quiet_stderr();
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
