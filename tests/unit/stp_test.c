/* stp_test.c - spanning tree: BPDU bytes on the wire (a frame as a Linux
 * bridge sends it), what is refused (RST/vde2 FSTP, tagged, short,
 * too old), and the role choice of a switch with three ports fed BPDUs
 * by hand: root port, alternate, designated, worse news from the same
 * neighbour, a root port going away, and a BPDU looping back. */
#include "tests/unit/unit.h"
#include "applets/switch/mactable.h"
#include "applets/switch/port.h"
#include "applets/switch/stp.h"
#include "common/proto.h"

#include <string.h>

/* A Configuration BPDU as Linux sends it: root 8000.020000000001,
 * cost 100, bridge 8000.020000000002 port 8001, age 1 s, max age 20 s,
 * hello 2 s, forward delay 15 s, TC set. */
static const uint8_t linux_bpdu[60] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x26,
	0x42, 0x42, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x01,
	0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x64,
	0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x80, 0x01,
	0x01, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00,
};

TEST(stp_decode_linux_config)
{
	struct stp_msg m;

	CHECK(bpdu_decode(linux_bpdu, sizeof(linux_bpdu), &m) == BPDU_OK);
	CHECK(m.type == BPDU_TYPE_CONFIG && m.flags == BPDU_FLAG_TC);
	CHECK(m.vec.root[0] == 0x80 && m.vec.root[7] == 0x01 && m.vec.cost == 100);
	CHECK(m.vec.bridge[7] == 0x02 && m.vec.port == 0x8001);
	CHECK(m.msg_age == 1000 && m.max_age == 20000 && m.hello == 2000 && m.fwd_delay == 15000);
}

TEST(stp_encode_matches_wire)
{
	struct stp_msg m;
	uint8_t buf[ETH_MIN_FRAME];
	const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	CHECK(bpdu_decode(linux_bpdu, sizeof(linux_bpdu), &m) == BPDU_OK);
	CHECK(bpdu_encode(buf, src, &m) == ETH_MIN_FRAME);
	CHECK(memcmp(buf, linux_bpdu, sizeof(buf)) == 0);
}

TEST(stp_tcn_roundtrip)
{
	struct stp_msg m = { .type = BPDU_TYPE_TCN }, d;
	uint8_t buf[ETH_MIN_FRAME];
	const uint8_t src[6] = { 0 };

	bpdu_encode(buf, src, &m);
	CHECK(buf[12] == 0 && buf[13] == 7); /* LLC 3 + TCN 4 */
	CHECK(buf[20] == BPDU_TYPE_TCN);
	CHECK(bpdu_decode(buf, sizeof(buf), &d) == BPDU_OK && d.type == BPDU_TYPE_TCN);
}

TEST(stp_refuses)
{
	uint8_t f[64];
	struct stp_msg m;

	memcpy(f, linux_bpdu, 60);
	f[19] = 2, f[20] = 2; /* version 2 type 2: RSTP, or vde2 FSTP */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_RST);
	memcpy(f, linux_bpdu, 60);
	f[12] = 0x81, f[13] = 0x00; /* vde2 FSTP on a trunk */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_TAGGED);
	memcpy(f, linux_bpdu, 60);
	f[12] = 0x08; /* an ethertype, not a length */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_MALFORMED);
	memcpy(f, linux_bpdu, 60);
	f[13] = 0x10; /* length too short for a configuration BPDU */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_MALFORMED);
	memcpy(f, linux_bpdu, 60);
	f[13] = 0xff; /* longer than the frame */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_MALFORMED);
	memcpy(f, linux_bpdu, 60);
	f[14] = 0xaa; /* SNAP, not the STP SAP */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_MALFORMED);
	memcpy(f, linux_bpdu, 60);
	f[44] = 0x14; /* message age 20 s = max age: too old */
	CHECK(bpdu_decode(f, 60, &m) == BPDU_MALFORMED);
	CHECK(bpdu_decode(f, 15, &m) == BPDU_MALFORMED);
}

TEST(stp_vec_order)
{
	struct stp_vec a = { .root = { 0x80, 0, 1 }, .cost = 5 }, b = a;

	CHECK(stp_vec_cmp(&a, &b) == 0);
	b.cost = 4;
	CHECK(stp_vec_cmp(&a, &b) > 0);
	b = a;
	b.root[0] = 0x10; /* lower priority value wins over any cost */
	b.cost = 1000000;
	CHECK(stp_vec_cmp(&a, &b) > 0);
	b = a;
	b.port = 1;
	CHECK(stp_vec_cmp(&a, &b) < 0);
}

/* ---- role selection on a switch with MAC 00:ff:00:00:00:50 ---- */
static struct port *P[4];

static void setup(void)
{
	static const uint8_t mac[6] = { 0x00, 0xff, 0, 0, 0, 0x50 };

	memcpy(sw.mac, mac, 6);
	ports_init(3);
	mac_init(64);
	stp_set_priority(0x8000);
	stp_set_enabled(1);
	for (int i = 1; i <= 3; i++) {
		P[i] = port_create(i, 1);
		stp_port_up(P[i]); /* as port_attach does for a first endpoint */
	}
}

static void teardown(void)
{
	for (int i = 1; i <= 3; i++)
		stp_port_down(P[i]);
	stp_set_enabled(0);
	ports_free();
	mac_free();
}

/* Feed port p a BPDU from bridge (prio 0x8000, MAC ..:bridge) about root
 * (prio 0x8000, MAC ..:root) at cost, sent from port id pid. */
static void feed(struct port *p, uint8_t root, uint32_t cost, uint8_t bridge, uint16_t pid)
{
	struct stp_msg m = { .type = BPDU_TYPE_CONFIG, .max_age = 20000, .hello = 2000, .fwd_delay = 15000 };
	uint8_t f[ETH_MIN_FRAME];
	const uint8_t src[6] = { 2, 0, 0, 0, 0, bridge };

	m.vec.root[0] = m.vec.bridge[0] = 0x80;
	m.vec.root[7] = root;
	m.vec.bridge[7] = bridge;
	m.vec.cost = cost;
	m.vec.port = pid;
	bpdu_encode(f, src, &m);
	stp_receive(p, f, sizeof(f));
}

static enum stp_role role(int i) { return P[i]->stp->role; }

TEST(stp_alone_is_root)
{
	setup();
	CHECK(stp_is_root());
	CHECK(role(1) == ROLE_DESIGNATED && role(2) == ROLE_DESIGNATED);
	/* no BPDU heard yet: edge ports, forwarding at once (as vde2) */
	CHECK(P[1]->stp->oper_edge && P[1]->stp->state == ST_FORWARDING && P[1]->forwarding);
	teardown();
}

TEST(stp_root_alternate_designated)
{
	setup();
	feed(P[1], 0x01, 0, 0x01, 0x8001);     /* the root itself, on port 1 */
	feed(P[2], 0x01, 20000, 0x02, 0x8002); /* another bridge, one hop away */
	CHECK(!stp_is_root() && stp_br.root_port == P[1]);
	CHECK(stp_br.root.cost == 20000);
	CHECK(role(1) == ROLE_ROOT);
	/* bridge ..:02 at cost 20000 beats our 20000 via ..:50 */
	CHECK(role(2) == ROLE_ALTERNATE && P[2]->stp->state == ST_BLOCKING);
	CHECK(role(3) == ROLE_DESIGNATED);
	CHECK(stp_br.t_fwd_delay == 15000); /* the root's timers */

	/* the root port dies: the alternate takes over at once */
	P[1]->stp->state = ST_FORWARDING; /* as if forward delay had passed */
	P[1]->stp->recent_root = 0;
	stp_port_down(P[1]);
	CHECK(stp_br.root_port == P[2] && role(2) == ROLE_ROOT);
	CHECK(P[2]->stp->state == ST_FORWARDING && P[2]->forwarding);
	teardown();
}

TEST(stp_worse_news_from_same_neighbour)
{
	setup();
	feed(P[1], 0x01, 0, 0x01, 0x8001);
	feed(P[2], 0x01, 20000, 0x02, 0x8002);
	CHECK(role(2) == ROLE_ALTERNATE);
	/* bridge ..:02 lost the root and now claims to be root: worse than
	 * what we offer, so port 2 becomes designated without waiting */
	feed(P[2], 0x02, 0, 0x02, 0x8002);
	CHECK(role(2) == ROLE_DESIGNATED && P[2]->stp->state == ST_LISTENING);
	/* a worse BPDU from a different bridge does not replace */
	feed(P[1], 0x03, 0, 0x03, 0x8001);
	CHECK(role(1) == ROLE_ROOT && stp_br.root.root[7] == 0x01);
	teardown();
}

TEST(stp_own_bpdu_loop_is_backup)
{
	uint8_t us[8] = { 0x80, 0x00, 0x00, 0xff, 0, 0, 0, 0x50 };
	struct stp_msg m = { .type = BPDU_TYPE_CONFIG, .max_age = 10000, .hello = 1000, .fwd_delay = 2000 };
	uint8_t f[ETH_MIN_FRAME];

	setup();
	/* our own BPDU from port 1 arrives on port 3: ports 1 and 3 share a
	 * segment (a cable from the switch to itself) */
	memcpy(m.vec.root, us, 8);
	memcpy(m.vec.bridge, us, 8);
	m.vec.port = 0x8001;
	bpdu_encode(f, sw.mac, &m);
	stp_receive(P[3], f, sizeof(f));
	CHECK(stp_is_root());
	CHECK(role(3) == ROLE_BACKUP && P[3]->stp->state == ST_BLOCKING);
	CHECK(role(1) == ROLE_DESIGNATED);
	teardown();
}

TEST(stp_off_forwards_everything)
{
	setup();
	/* two ports hear the same better bridge: one of them blocks */
	feed(P[2], 1, 0, 1, 0x8001);
	feed(P[3], 1, 0, 1, 0x8002);
	CHECK(!P[2]->stp->oper_edge && !P[3]->stp->oper_edge);
	CHECK(!P[3]->forwarding);
	stp_set_enabled(0);
	CHECK(P[1]->forwarding && P[1]->learning && P[2]->forwarding && P[3]->forwarding);
	stp_set_enabled(1); /* teardown expects it on */
	teardown();
}

TEST(stp_hostile_timers_are_clamped)
{
	struct stp_msg m = { .type = BPDU_TYPE_CONFIG, .max_age = 60000, .hello = 0, .fwd_delay = 0 };
	uint8_t f[ETH_MIN_FRAME];
	const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };

	setup();
	m.vec.root[7] = m.vec.bridge[7] = 1; /* priority 0: the best root */
	m.vec.port = 0x8001;
	bpdu_encode(f, src, &m);
	stp_receive(P[1], f, sizeof(f));
	CHECK(stp_br.root_port == P[1]);
	CHECK(stp_br.t_hello == STP_HELLO_MIN * 1000);
	CHECK(stp_br.t_fwd_delay == STP_FWD_MIN * 1000);
	CHECK(stp_br.t_max_age == STP_MAXAGE_MAX * 1000);
	teardown();
}
