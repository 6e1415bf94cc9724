/* request.h - the control handshake (spec §1): parsing a request on the
 * switch side, building one and reading the reply on the client side. */
#ifndef VDE_REQUEST_H
#define VDE_REQUEST_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>
#include "proto.h"

struct vde_req {
	int version;             /* 1 or 3 */
	int kind;                /* enum vde_req_kind */
	unsigned int port;       /* requested port, 0 = any (type >> 8) */
	struct sockaddr_un addr; /* client data socket, copied verbatim */
	char descr[VDE_REQ_MAX]; /* NUL terminated, printable */
	unsigned ext;            /* VDE_EXT_* the client offers (ours), else 0 */
};

enum req_status {
	REQ_OK = 0,
	REQ_SHORT,       /* not enough bytes yet: wait for more */
	REQ_BAD_MAGIC,   /* v0 or garbage */
	REQ_BAD_VERSION, /* 2 or > 3 */
	REQ_BAD_KIND,    /* low byte of type not 0 or 1 */
	REQ_BAD_FAMILY,  /* sun_family is not AF_UNIX */
};

/* Parse len bytes.  REQ_SHORT means "call again with more bytes";
 * every other non-OK status is final.  The description is whatever
 * follows the header; non-printable bytes become '.'. */
enum req_status req_parse(const void *buf, size_t len, struct vde_req *out);
const char *req_strerror(enum req_status st);

/* Build a v3 request into buf (>= VDE_REQ_MAX bytes); returns its size. */
size_t req_build(void *buf, unsigned int kind, unsigned int port,
		 const struct sockaddr_un *addr, const char *descr);
/* The same, offering ext (VDE_EXT_*, 0: none) after the description,
 * which is then cut to fit 256 bytes in all. */
size_t req_build_ext(void *buf, unsigned int kind, unsigned int port,
		     const struct sockaddr_un *addr, const char *descr, unsigned ext);

/* The switch's reply: the data socket's address, then (grant != 0) the
 * ext granted.  buf holds VDE_REPLY_LEN + 8 bytes; returns the length. */
size_t req_reply_build(void *buf, const struct sockaddr_un *sa, unsigned grant);

/* Client side of the handshake, as libvdeplug does it.  sock is the
 * switch directory (DIR/ctl is used) or a plain control socket file;
 * NULL tries the defaults.  On success fills *ctl and *data (a connected
 * SOCK_DGRAM socket) and returns 0; on failure logs why and returns -1. */
struct vde_open_opts {
	const char *sock;
	int port;          /* 0 = any, >0 = this port; VDE_PORT0 = port 0 */
	const char *descr; /* text (NULL/"": "vdeplug:"); " user=NAME pid=N"
			    * and " SSH=IP" are appended, as vdeplug4 does */
	mode_t mode;       /* of our data socket, default 0700 */
	const char *group; /* group of our data socket, optional */
	int timeout_ms;    /* for the reply; 0 = 10 s */
	unsigned ext;      /* offer these VDE_EXT_* (a switch of ours may grant) */
	unsigned *granted; /* if not NULL: what the switch granted */
};
#define VDE_PORT0 (-1)
int vde_open(const struct vde_open_opts *o, int *ctl, int *data);

/* Bind fd to sa's path with the socket file born with mode and (has_gid)
 * group gid: no chmod/chown by path follows (issue 17).  0; -1 when
 * bind failed, -2 when the group could not be given (the file is
 * removed again); errno says why. */
int unix_bind_born(int fd, const struct sockaddr_un *sa, mode_t mode, int has_gid, gid_t gid);

#endif
