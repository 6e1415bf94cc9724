/* switch.h - the switch's shared state and the interfaces between its
 * parts.  Where a frame goes, by file:
 *
 *   ctlsock.c   control socket: handshake, creates endpoints
 *   endpoint.c  endpoints (one client connection or tap each): receive,
 *               bounded output queue, send
 *   port.c      ports: numbering, allocation, access control, counters
 *   forward.c   what happens to a received frame: VLAN, learning, flood
 *   mactable.c  MAC address table with aging
 *   vlan.c      802.1Q membership and tagging rules
 *   tap.c       Linux tap interfaces as endpoints
 *   stp.c       spanning tree: which ports may forward and learn
 *   mgmt.c      management console (-M socket, stdin)
 */
#ifndef VDE_SWITCH_H
#define VDE_SWITCH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "common/loop.h"
#include "common/proto.h"

#define SW_DEFAULT_NUMPORTS 32
#define SW_DEFAULT_QUEUE_BYTES (512 * 1024) /* per endpoint output queue */
#define SW_DEFAULT_QUEUE_TOTAL (128 * 1024 * 1024) /* all queues together */
#define SW_BATCH 32                          /* frames per recvmmsg */
#define SW_HEADROOM 4                        /* room to insert a VLAN tag */

/* ---- global configuration and state ---- */
struct sw_config {
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* control dir */
	char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int plain;            /* VDE1 form: ctl_path is the socket, no dir */
	mode_t mode;          /* ctl and data sockets */
	mode_t dirmode;
	gid_t gid;            /* -g group, (gid_t)-1 = unchanged */
	int hub;
	size_t max_frame;     /* largest frame forwarded */
	size_t queue_bytes;   /* per-endpoint output queue bound */
	size_t queue_total;   /* all output queues together; a user gets half */
	int user_ports;       /* ports one user may hold; -1: half, 0: no limit */
	int user_endpoints;   /* endpoints one user may hold; -1: from fd_limit, 0: no limit */
	int fd_limit;         /* RLIMIT_NOFILE in force (ctlsock_init raises it) */
	int fd_reserve;       /* the highest fds: for root and the owner only */
	uint8_t mac[6];       /* the switch's own address (STP, showinfo) */
};
extern struct sw_config sw;

/* ---- endpoints (endpoint.c) ---- */
enum ep_kind { EP_UNIX, EP_TAP };

struct outq; /* bounded ring of frames waiting for POLLOUT */

struct endpoint {
	struct watch data;   /* data socket or tap fd */
	struct watch ctl;    /* control connection; fd -1 for taps */
	enum ep_kind kind;
	int id;              /* shown by port/print; ctl fd, or tap fd */
	struct port *port;
	struct endpoint *next; /* in port->eps */
	uid_t uid;           /* (uid_t)-1: unknown (abstract address, tap) */
	char *descr;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1]; /* our data socket file, "" if none */
	struct outq *q;
	uint64_t drops;
	int vnet;            /* tap with IFF_VNET_HDR: offloads welcome */
	int msg_eof;         /* seqpacket: an empty message is the peer's EOF */
	int ntx;             /* frames collected for one sendmmsg */
	int listed;          /* in the list flushed at the end of the batch */
	struct gro *gro;     /* TCP segments being merged (offloading taps) */
	unsigned rx_singles; /* receive wakeups in a row that found one frame */
	unsigned rx_wakeups;
	struct iovec txv[SW_BATCH];
};

/* Create an endpoint on a port for fd (already non-blocking). */
struct endpoint *ep_new(enum ep_kind kind, int datafd, int ctlfd, uid_t uid,
			const char *descr, const char *path);
/* Remove and free (deferred) an endpoint; closes its fds, unlinks path. */
void ep_close(struct endpoint *ep, const char *why);
/* Queue or send one frame; never blocks.  Returns 0, or -1 when dropped. */
int ep_send(struct endpoint *ep, const uint8_t *frame, size_t len);
/* Same for a frame that may carry offload state (vh != NULL): passed on
 * to offloading taps, segmented or checksummed for everyone else. */
int ep_send_offload(struct endpoint *ep, const uint8_t *frame, size_t len,
		    const struct vnet_hdr *vh);
/* Write to an offloading tap now: vh (NULL = a plain frame) + frame. */
int ep_send_vnet(struct endpoint *ep, const struct vnet_hdr *vh, const uint8_t *frame, size_t len);
/* ---- receive offload towards taps (gro.c) ---- */
struct gro;
int gro_offer(struct endpoint *ep, const uint8_t *frame, size_t len); /* 1: held */
void gro_flush(struct endpoint *ep);
void gro_free(struct endpoint *ep);
extern int gro_enabled;
/* Send the frames collected in this receive batch now (before a frame
 * buffer is rewritten in place). */
void ep_flush_deferred(void);
/* Close endpoints whose socket failed during forwarding. */
void ep_reap(void);
void ep_free_buffers(void); /* at exit */
size_t ep_queued_memory(void); /* bytes held by output queues now */

/* ---- ports (port.c) ---- */
struct port {
	int index;
	struct endpoint *eps;  /* all endpoints of this port */
	int nep;
	uid_t curuser;         /* uid of the endpoints, (uid_t)-1 = any */
	int allocatable;       /* may be handed out for "any port" */
	uid_t ac_user;         /* access control, (uid_t)-1 = NONE */
	gid_t ac_group;        /* access control, (gid_t)-1 = NONE */
	/* VLAN (vlan.c) */
	int untagged_vlan;     /* VLAN_NONE: no untagged traffic */
	int vlan_configured;   /* 0: transparent trunk for any tag */
	uint64_t *tagged;      /* bitmap of VLANs this port trunks, lazily */
	/* spanning tree (stp.c) decides these; both 1 while STP is off */
	unsigned char forwarding, learning;
	struct stp_port *stp;
	/* counters */
	uint64_t in_pkts, in_bytes, out_pkts, out_bytes, drops;
};

extern struct port **ports; /* ports[0..numports]; NULL = not created */
extern int numports;        /* user ports are 1..numports */

int ports_init(int n);
void ports_free(void);
int ports_resize(int n);   /* -1 (errno EADDRINUSE) if it would drop used ports */
/* Find or make a port for a request; -1 with errno on refusal. */
struct port *port_for_request(int kind, unsigned int want, uid_t uid);
struct port *port_create(int index, int allocatable);
int port_remove(int index);
void port_attach(struct port *p, struct endpoint *ep);
void port_detach(struct endpoint *ep);
static inline int port_active(const struct port *p) { return p && p->nep > 0; }
/* Quotas: users other than root and the switch's owner (and taps,
 * uid -1) hold at most port_user_ports() ports and port_user_endpoints()
 * endpoints (0: no limit); port_for_request() refuses with EDQUOT. */
int port_user_exempt(uid_t uid);
int port_user_ports(void);
int port_user_endpoints(void);
void port_user_usage(uid_t uid, int *nports, int *neps);

/* ---- forwarding (forward.c) ---- */
/* buf has SW_HEADROOM free bytes before frame; frame has room to grow to
 * at least 60 bytes + a tag.  vh: offload state from an offloading tap,
 * else NULL. */
void forward_frame(struct port *in, uint8_t *frame, size_t len, const struct vnet_hdr *vh);
/* Send a frame of our own (e.g. a BPDU) out of every endpoint of p. */
void port_send(struct port *p, const uint8_t *frame, size_t len);

/* ---- offload (offload.c) ---- */
/* One's complement sums for IP and TCP checksums. */
uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum); /* folded, not complemented */
/* Pseudo-header sum of a TCP segment of tcplen bytes; ip: its IP header. */
uint32_t csum_tcp_pseudo(const uint8_t *ip, int v6, size_t tcplen);
int offload_csum(uint8_t *frame, size_t len, const struct vnet_hdr *vh);
int offload_segment(const uint8_t *frame, size_t len, const struct vnet_hdr *vh,
		    void (*out)(void *ctx, const uint8_t *seg, size_t seglen), void *ctx);

/* ---- MAC table (mactable.c) ---- */
int mac_init(unsigned int size);
void mac_free(void);
/* Learn src on (vlan, port); returns the old port if it moved, else -1. */
int mac_learn(const uint8_t *mac, int vlan, int port, uint32_t now);
int mac_lookup(const uint8_t *mac, int vlan); /* port or -1 */
void mac_flush_port(int port);
void mac_flush_vlan(int vlan);
void mac_flush_all(void);
void mac_expire(uint32_t now);
/* Forget addresses not seen for idle_secs (a topology change's aging). */
void mac_age_fast(uint32_t now, unsigned int idle_secs);
void mac_print(FILE *out, uint32_t now);
int mac_set_size(unsigned int size); /* max entries; flushes */
/* Entries one port may hold (0: half the table); what is in force. */
int mac_set_port_max(unsigned int max);
unsigned int mac_port_limit(void);
unsigned int mac_count(void);
extern unsigned int mac_expire_secs, mac_gc_secs, mac_minpersist_secs, mac_max_entries, mac_port_max;
/* Visit every entry (the console's hash/print): slot, address, VLAN,
 * port, sw_now() when last seen. */
typedef void mac_visit_fn(void *ctx, size_t slot, const uint8_t mac[6], int vlan, int port, uint32_t last);
void mac_foreach(mac_visit_fn *fn, void *ctx);

/* ---- VLANs (vlan.c) ---- */
int vlan_exists(int vid);
int vlan_create(int vid);
int vlan_remove(int vid);
int vlan_addport(int vid, struct port *p);
int vlan_delport(int vid, struct port *p);
int port_setvlan(struct port *p, int vid);
/* Does port p carry VLAN vid, and with a tag (1) or without (0)? -1 = no */
int vlan_egress(const struct port *p, int vid);
/* VLAN of a frame received on p, or -1 to drop. */
int vlan_ingress(const struct port *p, const uint8_t *frame, size_t len);
/* Is p a tagged member of vid by configuration (vlan/addport)? */
int vlan_port_tagged(const struct port *p, int vid);

/* ---- spanning tree (stp.c) ---- */
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
void stp_init(void);                  /* add the fstp/ console commands */
/* For port/print: "STP: designated forwarding cost 20000", or "" while
 * STP is off.  Returns what snprintf returns. */
int stp_port_describe(const struct port *p, char *buf, size_t len);

/* ---- control socket (ctlsock.c) ---- */
int ctlsock_init(void);
/* Is a switch answering on our ctl already?  Logs and says 1 if so: a
 * check with no side effects, made before the pid file is touched. */
int ctlsock_busy(void);
void ctlsock_expire(uint64_t now); /* drop stalled handshakes */
/* Listen on a unix stream socket, replacing a stale one (also -M). */
int ctlsock_listen(const char *path, mode_t mode, gid_t gid, struct watch *w, watch_fn *fn);
void ctlsock_cleanup(void);
/* accept4() on a listener with the fd reserve applied: a connection from
 * uid (put in *uid) that is not exempt may not take one of the last
 * sw.fd_reserve descriptors (on DIR/ctl nobody may take the very last
 * ones: they are the console's), and when none is left at all the
 * listener sheds the connection (accepts and closes it with a spare fd)
 * or, without a spare, is paused until the next tick instead of spinning.
 * Returns the fd, or -1 (errno EAGAIN: nothing more to do now). */
int ctlsock_accept(struct watch *w, const char *what, uid_t *uid);
uint32_t sw_now(void); /* seconds since start (MAC aging); updates sw_clock */
/* sw_now() as of the last tick (<= 0.5 s old): the frame path reads this
 * instead of the clock. */
extern uint32_t sw_clock;

/* ---- an inherited socket as a port (fdport.c) ---- */
int fdport_open(const char *vnl); /* --port seqpacket://FD */

/* ---- tap (tap.c) ---- */
int tap_open(const char *name);
extern int tap_offload; /* use IFF_VNET_HDR + TSO when the kernel can */

/* ---- management console (mgmt.c) ---- */
int mgmt_init(const char *path, mode_t mode, gid_t gid);
int mgmt_stdin(void); /* 0, 1 (a file on stdin said shutdown) or -1 */
void mgmt_tick(void);  /* from the switch's tick */
int mgmt_rcfile(const char *path); /* 0 ok, 1 it said shutdown, -1 error */
void mgmt_set_sessions(int n); /* --mgmtsessions: -M sessions at once */
void mgmt_cleanup(void);

#endif
