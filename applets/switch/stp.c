/* stp.c - spanning tree: which ports may forward and learn.
 *
 * Standard: IEEE 802.1D spanning tree (the classic STP that a Linux
 * bridge with stp_state 1 runs), one instance for all VLANs, untagged
 * Configuration and TCN BPDUs to 01:80:c2:00:00:00 (layouts in
 * common/proto.h, coding in stp_bpdu.c).  Port states blocking,
 * listening, learning, forwarding; roles root, designated, alternate,
 * backup.  A port with several endpoints (a cable group) is one STP port.
 *
 * Timers (this switch as root; otherwise the root's are used, as 802.1D
 * says): hello 1 s, max age 10 s, forward delay 2 s -- Linux's smallest
 * forward delay, below 802.1D's 4 s, so that a new path forwards after
 * 2 x 2 s.  fstp/settimers changes them within Linux's bounds.  Bridge
 * ID = --priority (default 0x8000) + the switch MAC.  Port path cost
 * 20000, the 802.1D-2004 value for 1 Gb/s (fstp/setcost).  Port ID =
 * priority 0x80 in the top 4 bits + the port number in 12 bits.
 *
 * Three things from 802.1D-2004 (RSTP) that an 802.1D-1998 peer cannot
 * tell from the wire, for convergence in seconds:
 *   - every bridge sends its BPDUs each hello time, not only when the
 *     root's arrive (Linux does the same);
 *   - worse news from the designated bridge of a port replaces what it
 *     said before at once, instead of waiting for max age;
 *   - when the root port dies and an alternate port takes over while no
 *     other port was root port recently, the alternate forwards at once
 *     (802.1D-2004's "reRooted" rule); any other port that starts to
 *     forward goes through listening and learning.
 * A cable cut is seen at once (its endpoints close), so re-convergence
 * is immediate via an alternate port, or 2 x forward delay (4 s) when a
 * designated port must open.  A silent failure costs up to max age more.
 *
 * Topology change: a port that starts or stops forwarding flushes the
 * MAC table here, sends TCNs toward the root until acknowledged; the
 * root sets the TC flag for max age + forward delay, and every bridge
 * flushes its table when the flag rises and every forward delay while
 * it is set.
 *
 * Not understood, on purpose: 802.1w RST BPDUs (version 2, type 2) and
 * vde2's FSTP BPDUs, which look like them but carry little-endian whole
 * seconds and their own role bits, per VLAN (spec §6.6).  They are
 * counted, logged once per port, and dropped, never forwarded.  A real
 * RSTP bridge falls back to STP on hearing our BPDUs (802.1D-2004 port
 * protocol migration), so it interoperates; vde2 FSTP does not fall back,
 * so a loop through a vde2 switch with FSTP is not cut by this one.
 */
#include "stp.h"
#include "mactable.h"
#include "port.h"
#include "sw.h"
#include "tx.h"
#include "vlan.h"
#include "common/proto.h"
#include "debug.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STP_DEFAULT_COST 20000
#define STP_DEFAULT_PORT_PRIO 0x80
#define STP_TX_BURST 6 /* BPDUs per port per second, as RSTP's TxHoldCount */
#define STP_LOG_BURST 20 /* tree events logged per second */

int stp_enabled;
struct stp_bridge stp_br = {
	.priority = 0x8000,
	.hello = 1000, .max_age = 10000, .fwd_delay = 2000,
	.t_hello = 1000, .t_max_age = 10000, .t_fwd_delay = 2000,
};
static struct stp_port *up_list; /* ports taking part, i.e. active */

#define FOR_UP(sp) for (struct stp_port *sp = up_list; sp; sp = sp->next_up)

static void recompute(void);
static void topology_change(const struct stp_port *sp, const char *why);

/* ---- names and small helpers ---- */

/* Log a tree event, at most STP_LOG_BURST a second: a neighbour whose
 * BPDUs make the tree flap must not flood the log. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	static uint64_t second;
	static unsigned int shown, hidden;
	char buf[256];
	va_list ap;

	if (stp_br.now - second >= 1000) {
		if (hidden)
			log_info("spanning tree: %u more events not logged", hidden);
		second = stp_br.now;
		shown = hidden = 0;
	}
	if (shown >= STP_LOG_BURST) {
		hidden++;
		return;
	}
	shown++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_info("spanning tree: %s", buf);
}

const char *stp_role_name(enum stp_role r)
{
	static const char *const n[] = { "disabled", "root", "designated", "alternate", "backup" };
	return n[r];
}

const char *stp_state_name(enum stp_state s)
{
	static const char *const n[] = { "disabled", "blocking", "listening", "learning", "forwarding" };
	return n[s];
}

void stp_id_str(const uint8_t id[8], char out[18])
{
	snprintf(out, 18, "%02x%02x.%02x%02x%02x%02x%02x%02x", id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7]);
}

static uint16_t port_id(const struct stp_port *sp)
{
	return (uint16_t)((sp->prio & 0xf0) << 8 | (sp->port->index & 0x0fff));
}

static void make_id(void)
{
	stp_br.id[0] = (uint8_t)(stp_br.priority >> 8);
	stp_br.id[1] = (uint8_t)stp_br.priority;
	memcpy(stp_br.id + 2, sw.mac, 6);
}

int stp_is_root(void) { return stp_br.root_port == NULL; }

static int from_us(const struct stp_vec *v) { return memcmp(v->bridge, stp_br.id, 8) == 0; }

int stp_tc_active(void)
{
	if (!stp_br.root_port)
		return stp_br.tc_until > stp_br.now;
	return (stp_br.root_port->stp->info.flags & BPDU_FLAG_TC) != 0;
}

static uint32_t clamp_ms(uint32_t ms, unsigned int min_s, unsigned int max_s)
{
	return ms < min_s * 1000 ? min_s * 1000 : ms > max_s * 1000 ? max_s * 1000 : ms;
}

/* A topology change: 802.1D's short aging, not a flush.  Addresses
 * not seen for a forward delay are forgotten; live stations stay, so
 * a client that floods TCNs cannot make the switch flood everybody's
 * unicast to it.  The stations behind a port that stops forwarding are
 * forgotten at once (set_state). */
static void flush_macs(void)
{
	mac_age_fast(sw_now(), stp_br.t_fwd_delay / 1000);
	stp_br.last_flush = stp_br.now;
}

struct stp_port *stp_port_cfg(struct port *p)
{
	struct stp_port *sp = p->stp;

	if (sp)
		return sp;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->port = p;
	sp->cost = STP_DEFAULT_COST;
	sp->prio = STP_DEFAULT_PORT_PRIO;
	sp->bpdu_guard = -1; /* on for ports set as edge */
	sp->role = ROLE_DISABLED;
	sp->state = ST_DISABLED;
	p->stp = sp;
	return sp;
}

/* ---- sending ---- */
static int tx_allowed(struct stp_port *sp)
{
	if (stp_br.now - sp->tx_second >= 1000) {
		sp->tx_second = stp_br.now;
		sp->tx_burst = 0;
	}
	if (sp->tx_burst >= STP_TX_BURST)
		return 0;
	sp->tx_burst++;
	return 1;
}

static void send_msg(struct stp_port *sp, const struct stp_msg *m)
{
	uint8_t buf[ETH_MIN_FRAME];
	size_t len = bpdu_encode(buf, sw.mac, m);

	tx_port_own(sp->port, buf, len);
	sp->last_tx = stp_br.now;
}

/* Our priority vector for a port: what we tell that segment. */
static void designated_vec(const struct stp_port *sp, struct stp_vec *v)
{
	memcpy(v->root, stp_br.root.root, 8);
	v->cost = stp_br.root.cost;
	memcpy(v->bridge, stp_br.id, 8);
	v->port = port_id(sp);
}

/* Age of the root's information as we pass it on: its age when it came,
 * plus the time we held it, plus a hop (802.1D-2004: at least 1 s). */
static uint32_t message_age(void)
{
	const struct stp_port *rp;
	uint32_t incr = stp_br.t_max_age / 16 > 1000 ? stp_br.t_max_age / 16 : 1000;

	if (!stp_br.root_port)
		return 0;
	rp = stp_br.root_port->stp;
	return rp->info.msg_age + (uint32_t)(stp_br.now - rp->info_time) + incr;
}

static void send_config(struct stp_port *sp)
{
	struct stp_msg m = { .type = BPDU_TYPE_CONFIG };

	designated_vec(sp, &m.vec);
	m.flags = (stp_tc_active() ? BPDU_FLAG_TC : 0) | (sp->tc_ack ? BPDU_FLAG_TCA : 0);
	m.msg_age = message_age();
	m.max_age = stp_br.t_max_age;
	m.hello = stp_br.t_hello;
	m.fwd_delay = stp_br.t_fwd_delay;
	if (m.msg_age >= m.max_age)
		return; /* the root's word is too old to pass on; it expires here soon */
	sp->tc_ack = 0;
	send_msg(sp, &m);
	sp->tx_bpdu++;
}

static void send_tcn(struct stp_port *sp)
{
	struct stp_msg m = { .type = BPDU_TYPE_TCN };

	send_msg(sp, &m);
	sp->tx_tcn++;
}

/* Send what is due, within the rate limit; the rest waits for a tick. */
static void flush_tx(void)
{
	struct port *rp = stp_br.root_port;

	if (stp_br.tcn_pending && rp && stp_br.now >= stp_br.tcn_next && tx_allowed(rp->stp)) {
		send_tcn(rp->stp);
		stp_br.tcn_next = stp_br.now + stp_br.t_hello;
	}
	FOR_UP(sp) {
		if (!sp->tx_pending)
			continue;
		if (sp->role != ROLE_DESIGNATED || (sp->oper_edge && !sp->auto_edge))
			sp->tx_pending = 0; /* only designated ports speak; admin edges are quiet */
		else if (tx_allowed(sp)) {
			send_config(sp);
			sp->tx_pending = 0;
		}
	}
}

static void tx_all_designated(void)
{
	FOR_UP(sp)
		if (sp->role == ROLE_DESIGNATED)
			sp->tx_pending = 1;
}

/* ---- debug events (vde2's fstp/ categories; one tree, "VLAN 00:00") ---- */
static void dbg_status(const struct stp_port *sp, enum stp_state old)
{
	/* vde2's words: 802.1D's blocking and listening both discard */
	static const char *const word[] = {
		[ST_DISABLED] = "discarding", [ST_BLOCKING] = "discarding", [ST_LISTENING] = "discarding",
		[ST_LEARNING] = "learning", [ST_FORWARDING] = "learning+forwarding",
	};

	if (old != ST_DISABLED && sp->state != ST_DISABLED && word[old] != word[sp->state])
		dbg_emit(DBG_FSTP_STATUS, "Port %04d VLAN 00:00 %s", sp->port->index, word[sp->state]);
}

static void dbg_root(void)
{
	const uint8_t *r = stp_br.root.root;

	dbg_emit(DBG_FSTP_ROOT, "Port %04d VLAN 00:00 -> %02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x",
		 stp_br.root_port ? stp_br.root_port->index : 0, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}

/* A neighbour speaks STP on sp (fstp/+), or is gone (fstp/-).  vde2's
 * FSTP hears every neighbour each hello time; in 802.1D a root port
 * says nothing, so silence on a designated port means nothing, and
 * "gone" is the port going down or the info it gave expiring. */
static void heard(struct stp_port *sp, int now_heard)
{
	if (sp->heard == now_heard)
		return;
	sp->heard = now_heard;
	dbg_event(now_heard ? DBG_FSTP_PLUS : DBG_FSTP_MINUS, "Port %04d VLAN 00:00", sp->port->index);
}

/* ---- port states ---- */
static void set_state(struct stp_port *sp, enum stp_state st)
{
	struct port *p = sp->port;
	enum stp_state old = sp->state;

	if (old == st)
		return;
	sp->state = st;
	if (dbg_on(DBG_FSTP_STATUS))
		dbg_status(sp, old);
	p->learning = st == ST_LEARNING || st == ST_FORWARDING;
	p->forwarding = st == ST_FORWARDING;
	if (st == ST_LISTENING || st == ST_LEARNING)
		sp->state_until = stp_br.now + stp_br.t_fwd_delay;
	if (old != ST_DISABLED && st != ST_DISABLED)
		note("port %d %s, %s", p->index, stp_role_name(sp->role), stp_state_name(st));
	if (!p->learning)
		mac_flush_port(p->index); /* stations behind it are now elsewhere */
	if (sp->oper_edge)
		return; /* an end station coming or going changes no path */
	if (st == ST_FORWARDING) {
		sp->fwd_transitions++;
		topology_change(sp, "forwarding");
	} else if (old == ST_FORWARDING) {
		topology_change(sp, "stopped forwarding");
	}
}

/* ---- topology change ---- */
static void topology_change(const struct stp_port *sp, const char *why)
{
	stp_br.tc_count++;
	stp_br.last_tc = stp_br.now;
	note("topology change: port %d %s", sp->port->index, why);
	flush_macs();
	if (!stp_br.root_port) {
		stp_br.tc_until = stp_br.now + stp_br.t_max_age + stp_br.t_fwd_delay;
		tx_all_designated();
	} else {
		stp_br.tcn_pending = 1;
		stp_br.tcn_next = stp_br.now;
	}
}

/* ---- root and roles ---- */
static uint32_t add_cost(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

/* The best path to the root: our own bridge, or through a port. */
static void select_root(void)
{
	struct stp_vec best = { .cost = 0 };
	struct stp_port *bestp = NULL;

	memcpy(best.root, stp_br.id, 8);
	memcpy(best.bridge, stp_br.id, 8);
	FOR_UP(sp) {
		struct stp_vec cand;
		int c;
		if (!sp->has_info || from_us(&sp->info.vec))
			continue; /* our own BPDUs never lead to the root */
		cand = sp->info.vec;
		cand.cost = add_cost(cand.cost, stp_path_cost(sp));
		c = stp_vec_cmp(&cand, &best);
		if (c < 0 || (c == 0 && bestp && port_id(sp) < port_id(bestp))) {
			best = cand;
			bestp = sp;
		}
	}
	stp_br.root = best;
	stp_br.root_port = bestp ? bestp->port : NULL;
	if (bestp) {
		stp_br.t_hello = clamp_ms(bestp->info.hello, STP_HELLO_MIN, STP_HELLO_MAX);
		stp_br.t_max_age = clamp_ms(bestp->info.max_age, STP_MAXAGE_MIN, STP_MAXAGE_MAX);
		stp_br.t_fwd_delay = clamp_ms(bestp->info.fwd_delay, STP_FWD_MIN, STP_FWD_MAX);
	} else {
		stp_br.t_hello = stp_br.hello;
		stp_br.t_max_age = stp_br.max_age;
		stp_br.t_fwd_delay = stp_br.fwd_delay;
	}
}

static enum stp_role pick_role(struct stp_port *sp)
{
	struct stp_vec d;

	if (stp_br.root_port == sp->port)
		return ROLE_ROOT;
	designated_vec(sp, &d);
	if (sp->has_info && stp_vec_cmp(&sp->info.vec, &d) < 0)
		return from_us(&sp->info.vec) ? ROLE_BACKUP : ROLE_ALTERNATE;
	sp->has_info = 0; /* we are the designated bridge: our word is the port's */
	return ROLE_DESIGNATED;
}

static int other_recent_root(const struct stp_port *sp)
{
	FOR_UP(o)
		if (o != sp && o->recent_root > stp_br.now)
			return 1;
	return 0;
}

/* Move a port toward the state its role calls for. */
static void apply_role(struct stp_port *sp, enum stp_role old)
{
	if (sp->guard || sp->role == ROLE_ALTERNATE || sp->role == ROLE_BACKUP) {
		set_state(sp, ST_BLOCKING);
		return;
	}
	if (sp->state != ST_BLOCKING)
		return; /* already on its way, or there */
	if (sp->oper_edge)
		set_state(sp, ST_FORWARDING);
	else if (sp->role == ROLE_ROOT && old == ROLE_ALTERNATE && !other_recent_root(sp))
		set_state(sp, ST_FORWARDING); /* the old root port is gone: take over */
	else
		set_state(sp, ST_LISTENING);
}

static int assign_roles(void)
{
	int changed = 0;

	FOR_UP(sp) {
		enum stp_role old = sp->role;
		sp->role = pick_role(sp);
		if (sp->role != old) {
			changed = 1;
			if (old == ROLE_ROOT)
				sp->recent_root = stp_br.now + stp_br.t_fwd_delay;
		}
		apply_role(sp, old);
		if (sp->role == ROLE_ROOT)
			sp->recent_root = stp_br.now + stp_br.t_fwd_delay;
	}
	return changed;
}

static void log_root(void)
{
	char id[18];

	stp_id_str(stp_br.root.root, id);
	if (!stp_br.root_port)
		note("this switch (%s) is the root", id);
	else
		note("root %s, cost %u, via port %d", id, stp_br.root.cost, stp_br.root_port->index);
}

/* Re-run root and role selection after anything changed; tell the
 * neighbours at once when our word changed. */
static void recompute(void)
{
	struct stp_vec old = stp_br.root;
	struct port *old_rp = stp_br.root_port;
	int root_changed;

	select_root();
	root_changed = stp_vec_cmp(&old, &stp_br.root) != 0 || old_rp != stp_br.root_port;
	if (root_changed) {
		log_root();
		/* vde2 tells a new root or root port, not a new cost */
		if (dbg_on(DBG_FSTP_ROOT) && (memcmp(old.root, stp_br.root.root, 8) || old_rp != stp_br.root_port))
			dbg_root();
	}
	if (assign_roles() || root_changed)
		tx_all_designated();
	if (!stp_br.root_port && old_rp) { /* we became the root */
		stp_br.next_hello = stp_br.now;
		if (stp_br.tcn_pending) { /* nobody above to tell: the change is ours */
			stp_br.tcn_pending = 0;
			stp_br.tc_until = stp_br.now + stp_br.t_max_age + stp_br.t_fwd_delay;
		}
	}
}

/* ---- receiving ---- */
static void warn_ignored(struct stp_port *sp, enum bpdu_verdict v, const uint8_t *f)
{
	static const char *const what[] = {
		[BPDU_RST] = "802.1w RSTP or vde2 FSTP BPDU (only 802.1D STP is understood)",
		[BPDU_TAGGED] = "VLAN-tagged BPDU (vde2 FSTP per-VLAN tree; only one untagged tree is run)",
		[BPDU_MALFORMED] = "malformed BPDU",
	};

	sp->rx_ignored++;
	if (sp->warned & (1 << v))
		return;
	sp->warned |= 1 << v;
	log_warn("spanning tree: port %d: ignoring %s from %02x:%02x:%02x:%02x:%02x:%02x (said once per port)",
		 sp->port->index, what[v], f[6], f[7], f[8], f[9], f[10], f[11]);
}

static void receive_tcn(struct stp_port *sp)
{
	sp->rx_tcn++;
	if (sp->role != ROLE_DESIGNATED)
		return; /* a TCN travels toward the root only */
	sp->tc_ack = 1;
	sp->tx_pending = 1;
	topology_change(sp, "reported a topology change");
}

/* The root's word arrived on the root port: follow its TC flag, take its
 * acknowledgement, and pass it on down the tree (802.1D relaying). */
static void from_root(const struct stp_msg *m)
{
	int tc = (m->flags & BPDU_FLAG_TC) != 0;

	if (m->flags & BPDU_FLAG_TCA)
		stp_br.tcn_pending = 0;
	if (tc && !stp_br.tc_from_root)
		flush_macs();
	stp_br.tc_from_root = tc;
	tx_all_designated();
}

static void store_info(struct stp_port *sp, const struct stp_msg *m)
{
	sp->info = *m;
	sp->has_info = 1;
	sp->info_time = stp_br.now;
	sp->info_expires = stp_br.now + (m->max_age - m->msg_age);
}

/* Would m make sp our root port? */
static int superior(const struct stp_port *sp, const struct stp_msg *m)
{
	struct stp_vec via = m->vec;

	via.cost = add_cost(via.cost, stp_path_cost(sp));
	return stp_vec_cmp(&via, &stp_br.root) < 0 || stp_br.root_port == sp->port;
}

/* A guard holds the port blocking; say so once. */
static void hold(struct stp_port *sp, enum stp_guard g, const char *why)
{
	if (sp->guard != g)
		log_warn("spanning tree: port %d: %s: blocked", sp->port->index, why);
	sp->guard = g;
	sp->has_info = 0;
	set_state(sp, ST_BLOCKING);
	recompute();
}

static void receive_config(struct stp_port *sp, struct stp_msg *m)
{
	struct stp_vec cur;
	int same_sender;

	m->max_age = clamp_ms(m->max_age, STP_MAXAGE_MIN, STP_MAXAGE_MAX);
	if (m->msg_age >= m->max_age)
		return;
	if (sp->root_guard && superior(sp, m)) {
		hold(sp, GUARD_ROOT, "root guard: a better root is offered there");
		sp->guard_until = stp_br.now + m->max_age;
		return; /* never stored: the port cannot become the root port */
	}
	if (sp->has_info)
		cur = sp->info.vec;
	else
		designated_vec(sp, &cur);
	same_sender = sp->has_info && memcmp(m->vec.bridge, cur.bridge, 8) == 0 && m->vec.port == cur.port;
	if (stp_vec_cmp(&m->vec, &cur) < 0 || same_sender) {
		store_info(sp, m);
		recompute();
		if (stp_br.root_port == sp->port)
			from_root(m);
	} else if (sp->role == ROLE_DESIGNATED && !(from_us(&m->vec) && m->vec.port == port_id(sp))) {
		sp->tx_pending = 1; /* it does not know better yet: tell it */
	}
}

static int bpdu_guarded(const struct stp_port *sp)
{
	return sp->bpdu_guard > 0 || (sp->bpdu_guard < 0 && sp->admin_edge);
}

void stp_receive(struct port *p, const uint8_t *f, size_t len)
{
	struct stp_port *sp = p->stp;
	struct stp_msg m;
	enum bpdu_verdict v;

	if (!stp_enabled || !sp || sp->state == ST_DISABLED)
		return;
	stp_br.now = now_ms();
	v = bpdu_decode(f, len, &m);
	if (v != BPDU_OK) {
		warn_ignored(sp, v, f);
		return;
	}
	sp->rx_bpdu++;
	if (bpdu_guarded(sp)) { /* an end station that sends BPDUs */
		hold(sp, GUARD_BPDU, "BPDU guard: a BPDU on an edge port (fstp/bpduguard PORT 0 or a new connection lifts it)");
		return;
	}
	heard(sp, 1);
	if (sp->oper_edge && sp->auto_edge) { /* a bridge after all: the tree decides */
		sp->oper_edge = sp->auto_edge = 0;
		note("port %d: a bridge answers: no longer an edge port", p->index);
		if (sp->state == ST_FORWARDING) /* a new bridge forwards here: paths change */
			topology_change(sp, "a bridge joined");
	} else if (sp->oper_edge) {
		sp->oper_edge = 0;
		log_warn("spanning tree: port %d: BPDU on an edge port: it takes part in the tree from now on", p->index);
	}
	if (m.type == BPDU_TYPE_TCN)
		receive_tcn(sp);
	else
		receive_config(sp, &m);
	flush_tx();
}

/* ---- ports coming and going ---- */
static void port_start(struct stp_port *sp)
{
	sp->next_up = up_list;
	up_list = sp;
	/* An end station (a VM, a tap) sends no BPDU: forward at once, as
	 * vde2 does, until a BPDU says a bridge is there (then the port
	 * takes part in the tree).  Our BPDU goes out at once too, so a
	 * bridge on the far side stops being an edge as fast. */
	sp->oper_edge = 1;
	sp->auto_edge = !sp->admin_edge;
	sp->guard = GUARD_NONE; /* a new connection: a new chance */
	sp->has_info = 0;
	sp->tc_ack = 0;
	sp->recent_root = 0;
	sp->role = ROLE_DESIGNATED; /* until told otherwise */
	sp->tx_pending = 1;
	set_state(sp, ST_BLOCKING);
	if (sp->port->index > 0x0fff)
		log_warn("spanning tree: port %d shares its 12-bit STP port number with port %d",
			 sp->port->index, sp->port->index & 0x0fff);
}

/* Take a port out of the tree; returns 1 if it was in. */
static int port_stop(struct stp_port *sp)
{
	for (struct stp_port **pp = &up_list; *pp; pp = &(*pp)->next_up)
		if (*pp == sp) {
			*pp = sp->next_up;
			sp->next_up = NULL;
			return 1; /* the next recompute() picks another root port */
		}
	return 0;
}

void stp_port_up(struct port *p)
{
	struct stp_port *sp;

	if (!stp_enabled)
		return;
	stp_br.now = now_ms();
	sp = stp_port_cfg(p);
	if (!sp) {
		log_err("spanning tree: port %d: out of memory: the port stays blocked", p->index);
		p->forwarding = p->learning = 0;
		return;
	}
	port_start(sp);
	recompute();
	flush_tx();
}

void stp_port_down(struct port *p)
{
	struct stp_port *sp = p->stp;

	if (!stp_enabled || !sp || !port_stop(sp))
		return;
	stp_br.now = now_ms();
	sp->role = ROLE_DISABLED;
	sp->has_info = 0;
	sp->recent_root = 0;
	heard(sp, 0);
	set_state(sp, ST_DISABLED);
	note("port %d down", p->index);
	recompute();
	flush_tx();
}

void stp_port_free(struct port *p)
{
	if (!p->stp)
		return;
	port_stop(p->stp); /* normally already down */
	if (stp_br.root_port == p)
		stp_br.root_port = NULL;
	free(p->stp);
	p->stp = NULL;
}

/* ---- time ---- */
static void expire_info(void)
{
	int changed = 0;

	FOR_UP(sp) {
		if (sp->guard == GUARD_ROOT && stp_br.now >= sp->guard_until) {
			log_info("spanning tree: port %d: root guard: no better root offered any more", sp->port->index);
			sp->guard = GUARD_NONE;
			changed = 1;
		}
		if (sp->has_info && stp_br.now >= sp->info_expires) {
			char id[18];
			stp_id_str(sp->info.vec.bridge, id);
			note("port %d: bridge %s went silent", sp->port->index, id);
			sp->has_info = 0;
			heard(sp, 0);
			changed = 1;
		}
	}
	if (changed)
		recompute();
}

static void advance_states(void)
{
	FOR_UP(sp) {
		if (sp->role == ROLE_ROOT)
			sp->recent_root = stp_br.now + stp_br.t_fwd_delay;
		if (sp->state == ST_LISTENING && stp_br.now >= sp->state_until)
			set_state(sp, ST_LEARNING);
		else if (sp->state == ST_LEARNING && stp_br.now >= sp->state_until)
			set_state(sp, ST_FORWARDING);
	}
}

static void hello(void)
{
	if (stp_br.now < stp_br.next_hello)
		return;
	stp_br.next_hello = stp_br.now + stp_br.t_hello;
	/* designated ports that passed on the root's word lately may wait */
	FOR_UP(sp)
		if (sp->role == ROLE_DESIGNATED && stp_br.now - sp->last_tx + 250 >= stp_br.t_hello)
			sp->tx_pending = 1;
}

void stp_tick(uint64_t now)
{
	if (!stp_enabled)
		return;
	stp_br.now = now;
	expire_info();
	advance_states();
	if (!stp_br.root_port && stp_br.tc_until && now >= stp_br.tc_until)
		stp_br.tc_until = 0;
	if (stp_tc_active() && now - stp_br.last_flush >= stp_br.t_fwd_delay)
		flush_macs(); /* 802.1D's short aging while the topology changes */
	hello();
	flush_tx();
}

/* ---- switching it on and off, configuration ---- */
int stp_set_enabled(int on)
{
	on = !!on;
	if (on == stp_enabled)
		return 0;
	if (on && sw.hub)
		return EBUSY; /* a hub repeats everything, BPDUs included */
	stp_br.now = now_ms();
	if (on) {
		char id[18];
		stp_enabled = 1;
		make_id();
		stp_br.root_port = NULL;
		memcpy(stp_br.root.root, stp_br.id, 8);
		stp_br.tc_until = 0;
		stp_br.tcn_pending = stp_br.tc_from_root = 0;
		stp_br.next_hello = stp_br.now;
		stp_id_str(stp_br.id, id);
		log_info("spanning tree on: bridge %s", id);
		if (dbg_on(DBG_FSTP_ROOT))
			dbg_root();
		for (int i = 0; i <= sw.numports; i++)
			if (port_active(sw.ports[i]))
				stp_port_up(sw.ports[i]);
		return 0;
	}
	while (up_list) {
		struct stp_port *sp = up_list;
		heard(sp, 0);
		port_stop(sp);
		sp->role = ROLE_DISABLED;
		sp->state = ST_DISABLED;
	}
	stp_br.root_port = NULL;
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i])
			sw.ports[i]->forwarding = sw.ports[i]->learning = 1;
	stp_enabled = 0;
	mac_flush_all(); /* blocked ports forward now: start over */
	stp_br.last_flush = stp_br.now;
	log_info("spanning tree off: every port forwards");
	return 0;
}

void stp_set_priority(uint16_t prio)
{
	stp_br.priority = prio;
	if (!stp_enabled)
		return;
	stp_br.now = now_ms();
	make_id();
	recompute();
	tx_all_designated();
	flush_tx();
}

/* Apply a changed setting of a port that may be in the tree. */
static void port_changed(struct stp_port *sp)
{
	if (!stp_enabled || sp->state == ST_DISABLED)
		return;
	stp_br.now = now_ms();
	recompute();
	flush_tx();
}

void stp_set_edge(struct port *p, int on)
{
	struct stp_port *sp = p->stp;

	sp->admin_edge = on;
	sp->oper_edge = on;
	if (on && stp_enabled && sp->state != ST_DISABLED && sp->role == ROLE_DESIGNATED) {
		stp_br.now = now_ms();
		set_state(sp, ST_FORWARDING);
	}
	port_changed(sp);
}

void stp_set_bpdu_guard(struct port *p, int on)
{
	struct stp_port *sp = p->stp;

	sp->bpdu_guard = on;
	if (!on && sp->guard == GUARD_BPDU) {
		sp->guard = GUARD_NONE;
		port_changed(sp);
	}
}

void stp_set_root_guard(struct port *p, int on)
{
	struct stp_port *sp = p->stp;

	sp->root_guard = on;
	if (!on && sp->guard == GUARD_ROOT) {
		sp->guard = GUARD_NONE;
		port_changed(sp);
	}
}

const char *stp_guard_name(const struct stp_port *sp)
{
	return sp->guard == GUARD_BPDU ? " bpdu-guard-blocked" : sp->guard == GUARD_ROOT ? " root-inconsistent" : "";
}

void stp_set_cost(struct port *p, uint32_t cost)
{
	p->stp->cost = cost;
	port_changed(p->stp);
}

uint32_t stp_path_cost(const struct stp_port *sp)
{
	int64_t c = sp->cost;

	if (sp->port->index == stp_br.bonus_port)
		c -= stp_br.bonus;
	return c < 1 ? 1 : c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

/* fstp/bonus: one port at a time has a bonus, as in vde2 (per VLAN
 * there; one tree here).  The port need not exist yet. */
void stp_set_bonus(int port, int32_t bonus)
{
	int old = stp_br.bonus_port;

	stp_br.bonus_port = port;
	stp_br.bonus = bonus;
	if (old >= 0 && old <= sw.numports && sw.ports[old] && sw.ports[old]->stp)
		port_changed(sw.ports[old]->stp);
	if (port != old && sw.ports[port] && sw.ports[port]->stp)
		port_changed(sw.ports[port]->stp);
}

int stp_set_timers(unsigned int hello_s, unsigned int max_age_s, unsigned int fwd_s)
{
	if (hello_s < STP_HELLO_MIN || hello_s > STP_HELLO_MAX || max_age_s < STP_MAXAGE_MIN ||
	    max_age_s > STP_MAXAGE_MAX || fwd_s < STP_FWD_MIN || fwd_s > STP_FWD_MAX)
		return EINVAL;
	stp_br.hello = hello_s * 1000;
	stp_br.max_age = max_age_s * 1000;
	stp_br.fwd_delay = fwd_s * 1000;
	if (stp_enabled) {
		stp_br.now = now_ms();
		recompute(); /* the root's timers change at once */
		tx_all_designated();
		flush_tx();
	}
	return 0;
}

int stp_port_describe(const struct port *p, char *buf, size_t len)
{
	const struct stp_port *sp = p->stp;

	if (!stp_enabled || !sp)
		return snprintf(buf, len, "%s", "");
	return snprintf(buf, len, "STP: %s %s cost %u%s%s", stp_role_name(sp->role), stp_state_name(sp->state),
			sp->cost, sp->oper_edge ? " edge" : "", stp_guard_name(sp));
}
