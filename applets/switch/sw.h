/* sw.h - the switch instance: one configuration root.  What the options
 * set (applets/switch.c parses them into it), the clock the frame path
 * reads, the tunables, and the port table.  Every part reads it; only
 * switch.c and the setters below write it.
 *
 * A frame's way through the files, one direction:
 *   enters   ep_sock.c, ep_tap.c, ep_vep.c  (endpoint kinds, endpoint.h)
 *   decided  forward.c  (VLAN, learning, flooding; mactable.c, vlan.c)
 *   leaves   tx.c       (queues, batches; common/offload.c and gro.c as sinks)
 */
#ifndef VDE_SW_H
#define VDE_SW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#define SW_DEFAULT_NUMPORTS 32
#define SW_DEFAULT_QUEUE_BYTES (2 * 1024 * 1024) /* per endpoint output queue, at most */
#define SW_DEFAULT_QUEUE_TOTAL (128 * 1024 * 1024) /* all queues together */
#define SW_BATCH 32                          /* frames per recvmmsg */
#define SW_HEADROOM 4                        /* room to insert a VLAN tag */
#define SW_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct port;

struct sw {
	/* where it listens (-s) */
	char dir[SW_PATH_MAX];      /* control directory */
	char ctl_path[SW_PATH_MAX];
	int plain;                  /* VDE1 form: ctl_path is the socket, no dir */
	mode_t mode;                /* ctl and data sockets */
	mode_t dirmode;
	gid_t gid;                  /* -g group, (gid_t)-1 = unchanged */
	uint8_t mac[6];             /* the switch's own address (STP, showinfo) */
	/* how it forwards */
	int hub;
	size_t max_frame;           /* largest frame forwarded */
	int offload;                /* taps with IFF_VNET_HDR + TSO when possible */
	int gro;                    /* merge cable segments for offloading taps */
	/* bounds */
	size_t queue_bytes;         /* per-endpoint output queue */
	size_t queue_total;         /* all output queues together; a user gets half */
	int user_ports;             /* ports one user may hold; -1: half, 0: no limit */
	int user_endpoints;         /* endpoints one user may hold; -1: from fd_limit, 0: none */
	int fd_limit;               /* RLIMIT_NOFILE in force (ctlsock_init raises it) */
	int fd_reserve;             /* the highest fds: for root and the owner only */
	/* the port table (port.c keeps it): ports[0..numports], NULL = none */
	struct port **ports;
	int numports;               /* user ports are 1..numports */
	/* the clock: seconds since start, as of the last tick (<= 0.5 s
	 * old).  The frame path reads this rather than the system clock. */
	uint32_t clock;
	uint64_t start_ms;
};

extern struct sw sw;

/* Defaults of every field (before the options). */
void sw_defaults(void);
/* Seconds since start; refreshes sw.clock (the tick calls it). */
uint32_t sw_now(void);

#endif
