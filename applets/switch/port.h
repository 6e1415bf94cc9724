/* port.h - ports: vde2's numbering (user ports 1..N, the special port
 * 0), the free-port search, several endpoints on one port (one user's
 * cable group), access control, per-user quotas and counters.  The
 * table itself is sw.ports[0..sw.numports]. */
#ifndef VDE_PORT_H
#define VDE_PORT_H

#include <stdint.h>
#include <sys/types.h>

#include "sw.h"

struct endpoint;
struct stp_port;
struct obs_list;
struct port_impair;

struct port {
	int index;
	struct endpoint *eps;  /* all endpoints of this port */
	int nep;
	uid_t curuser;         /* uid of the endpoints, (uid_t)-1 = any */
	int allocatable;       /* may be handed out for "any port" */
	int connected;         /* the switch keeps a network here (connect.c):
				  no client gets it, port/remove refuses */
	uid_t ac_user;         /* access control, (uid_t)-1 = NONE */
	gid_t ac_group;        /* access control, (gid_t)-1 = NONE */
	/* VLAN (vlan.c) */
	int untagged_vlan;     /* VLAN_NONE: no untagged traffic */
	int vlan_configured;   /* 0: transparent trunk for any tag */
	uint64_t *tagged;      /* bitmap of VLANs this port trunks, lazily */
	/* spanning tree (stp.c) decides these; both 1 while STP is off */
	unsigned char forwarding, learning;
	struct stp_port *stp;
	struct obs_list *obs;  /* who watches this port (observe.c), or NULL */
	unsigned char monitor; /* a mirror's target (mirror.c): it only
				  receives the copies, it is not a switch port */
	struct port_impair *impair; /* a bad wire (portimpair.c), or NULL */
	/* counters */
	uint64_t in_pkts, in_bytes, out_pkts, out_bytes, drops;
};

int ports_init(int n);
void ports_free(void);
int ports_resize(int n);   /* -1 (errno EADDRINUSE) if it would drop used ports */
/* Find or make a port for a request; -1 with errno on refusal. */
struct port *port_for_request(int kind, unsigned int want, uid_t uid);
struct port *port_create(int index, int allocatable);
int port_remove(int index);
/* Port n if it exists (NULL otherwise, or when n is out of range). */
struct port *port_get(long n);
void port_attach(struct port *p, struct endpoint *ep);
void port_detach(struct endpoint *ep);
static inline int port_active(const struct port *p) { return p && p->nep > 0; }

/* Setters (the console's port/ commands). */
void port_set_allocatable(struct port *p, int on);
void port_set_user(struct port *p, uid_t uid);   /* (uid_t)-1: anyone */
void port_set_group(struct port *p, gid_t gid);  /* (gid_t)-1: none */
void port_set_connected(struct port *p, int on);
void port_reset_counters(struct port *p);

/* Quotas: users other than root and the switch's owner (and taps,
 * uid -1) hold at most port_user_ports() ports and port_user_endpoints()
 * endpoints (0: no limit); port_for_request() refuses with EDQUOT. */
int port_user_exempt(uid_t uid);
int port_user_ports(void);
int port_user_endpoints(void);
void port_user_usage(uid_t uid, int *nports, int *neps);

#endif
