/* stp.h - the spanning tree (IEEE 802.1D): which ports may forward and
 * learn.  The first part is what the rest of the switch calls; the rest
 * is shared by stp.c (the protocol), stp_bpdu.c (BPDU encoding and
 * checking) and mgmt_stp.c (console commands). */
#ifndef VDE_STP_H
#define VDE_STP_H

#include <stddef.h>
#include <stdint.h>

struct port;

extern int stp_enabled;
/* Is this frame for the spanning tree (dst 01:80:c2:00:00:00)? */
static inline int stp_is_bpdu(const uint8_t *f)
{
	return f[0] == 0x01 && f[1] == 0x80 && f[2] == 0xc2 && f[3] == 0 && f[4] == 0 && f[5] == 0;
}
void stp_receive(struct port *p, const uint8_t *frame, size_t len);
void stp_port_up(struct port *p);   /* first endpoint arrived */
void stp_port_down(struct port *p); /* last endpoint left */
void stp_port_free(struct port *p); /* port struct is being freed */
void stp_tick(uint64_t now_ms);
/* On/off (fstp/setfstp, -F): 0, or EBUSY in hub mode.  Ports going on
 * pass through listening and learning; going off, every port forwards. */
int stp_set_enabled(int on);
void stp_set_priority(uint16_t prio); /* --priority: high 16 bits of the bridge ID */
/* For port/print: "STP: designated forwarding cost 20000", or "" while
 * STP is off.  Returns what snprintf returns. */
int stp_port_describe(const struct port *p, char *buf, size_t len);

/* ---- internals of stp*.c and mgmt_stp.c ---- */

/* A priority vector: what a BPDU says about the path to the root.  The
 * smaller vector wins, compared field by field in this order. */
struct stp_vec {
	uint8_t root[8];   /* root bridge ID */
	uint32_t cost;     /* root path cost of the sender */
	uint8_t bridge[8]; /* sender's bridge ID */
	uint16_t port;     /* sender's port ID */
};

/* A decoded BPDU.  Times in milliseconds. */
struct stp_msg {
	int type;          /* BPDU_TYPE_CONFIG or BPDU_TYPE_TCN */
	int flags;         /* BPDU_FLAG_TC, BPDU_FLAG_TCA */
	struct stp_vec vec;
	uint32_t msg_age, max_age, hello, fwd_delay;
};

/* Why bpdu_decode refused a frame (all but the first are counted). */
enum bpdu_verdict {
	BPDU_OK = 0,
	BPDU_RST,       /* 802.1w / vde2 FSTP BPDU: understood as "not ours" */
	BPDU_TAGGED,    /* 802.1Q tagged (vde2 FSTP on trunks) */
	BPDU_MALFORMED, /* not LLC, short, wrong protocol, bad ages */
};

/* Check and decode an Ethernet frame to 01:80:c2:00:00:00. */
enum bpdu_verdict bpdu_decode(const uint8_t *frame, size_t len, struct stp_msg *m);
/* Build a frame (at least ETH_MIN_FRAME bytes into buf, which must hold
 * ETH_MIN_FRAME) from src; returns its length. */
size_t bpdu_encode(uint8_t *buf, const uint8_t src[6], const struct stp_msg *m);

int stp_vec_cmp(const struct stp_vec *a, const struct stp_vec *b);
/* Received times are clamped into these (seconds): a hostile BPDU with a
 * zero hello time must not make us spin.  The same bounds as Linux's
 * bridge settings, so one configuration suits both. */
#define STP_HELLO_MIN 1
#define STP_HELLO_MAX 10
#define STP_MAXAGE_MIN 6
#define STP_MAXAGE_MAX 40
#define STP_FWD_MIN 2
#define STP_FWD_MAX 30

/* ---- state, for the console (stp_mgmt.c) ---- */
enum stp_role { ROLE_DISABLED, ROLE_ROOT, ROLE_DESIGNATED, ROLE_ALTERNATE, ROLE_BACKUP };
enum stp_state { ST_DISABLED, ST_BLOCKING, ST_LISTENING, ST_LEARNING, ST_FORWARDING };

struct stp_port {
	struct port *port;
	struct stp_port *next_up; /* list of ports taking part */
	/* configuration, kept while STP is off */
	uint32_t cost;
	uint8_t prio;        /* port priority 0..240, a multiple of 16 */
	int admin_edge;      /* fstp/setedge: an end host, forward at once */
	/* protocol state */
	int oper_edge;       /* an edge until a BPDU arrives: admin_edge, or
				auto_edge (RSTP's automatic edge detection) */
	int auto_edge;       /* edge because no BPDU was heard yet: it still
				speaks, so a bridge on the far side hears it */
	enum stp_role role;
	enum stp_state state;
	int has_info;        /* info holds a neighbour's live vector */
	struct stp_msg info; /* what the designated bridge on this port says */
	uint64_t info_time, info_expires;
	uint64_t state_until;  /* end of listening or learning */
	uint64_t recent_root;  /* was root port until then: no rapid takeover */
	int tc_ack;            /* acknowledge a TCN in the next BPDU */
	uint64_t last_tx;
	unsigned int tx_burst; /* BPDUs sent this second (rate limit) */
	uint64_t tx_second;
	int tx_pending;
	/* counters */
	uint64_t rx_bpdu, tx_bpdu, rx_tcn, tx_tcn, rx_ignored, fwd_transitions;
	int warned;            /* logged once about BPDUs we ignore */
	/* debug/add fstp/+ and fstp/-: a neighbour speaks STP on this port
	 * (from its first BPDU until the port goes down or the info it
	 * gave expires; a designated port's neighbour is rightly silent) */
	int heard;
	/* guards against clients that are no bridges (fstp/bpduguard,
	 * fstp/rootguard): while one holds, the port stays blocking */
	int bpdu_guard;        /* -1: on for admin edge ports, 0 off, 1 on */
	int root_guard;        /* superior BPDUs never make it the root port */
	enum stp_guard { GUARD_NONE, GUARD_BPDU, GUARD_ROOT } guard;
	uint64_t guard_until;  /* root guard: held until superior BPDUs stop */
};

struct stp_bridge {
	uint16_t priority;
	uint8_t id[8];
	struct stp_vec root;      /* best path: root ID, our root path cost,
				   * designated bridge and port of the root port */
	struct port *root_port;   /* NULL: we are the root */
	uint32_t hello, max_age, fwd_delay;       /* configured, ms */
	uint32_t t_hello, t_max_age, t_fwd_delay; /* in use (the root's), ms */
	uint64_t next_hello;
	uint64_t tc_until;        /* root: TC flag in our BPDUs until then */
	int tc_from_root;         /* non-root: the root's TC flag */
	int tcn_pending;          /* non-root: TCN on the root port until acked */
	uint64_t tcn_next;
	uint64_t last_flush;
	uint64_t tc_count, last_tc;
	uint64_t now;
	int bonus_port;           /* fstp/bonus: this port's cost is lowered */
	int32_t bonus;            /* by this much (0: none) */
};
extern struct stp_bridge stp_br;

const char *stp_role_name(enum stp_role r);
const char *stp_state_name(enum stp_state s);
/* "8000.00ff11223344" */
void stp_id_str(const uint8_t id[8], char out[18]);
struct stp_port *stp_port_cfg(struct port *p); /* make the state on demand; NULL: no memory */
int stp_is_root(void);
int stp_tc_active(void);
void stp_set_edge(struct port *p, int on);
/* fstp/bpduguard PORT 0|1, fstp/rootguard PORT 0|1 */
void stp_set_bpdu_guard(struct port *p, int on);
void stp_set_root_guard(struct port *p, int on);
const char *stp_guard_name(const struct stp_port *sp); /* "" when none holds */
void stp_set_cost(struct port *p, uint32_t cost);
void stp_set_bonus(int port, int32_t bonus); /* fstp/bonus */
uint32_t stp_path_cost(const struct stp_port *sp); /* cost - bonus, at least 1 */
int stp_set_timers(unsigned int hello, unsigned int max_age, unsigned int fwd_delay);

#endif
