/* vep.h - VDE endpoints: every kind of network a frame can come from or
 * go to (a switch port, a tap, a byte stream, a datagram socket, ...),
 * each one file common/vep_KIND.c behind one small ops table, named by
 * a VNL (vnl.h) "scheme://address".  vde_plug joins two of them; the
 * switch can use the same kinds as ports.
 *
 * Endpoints are non-blocking and poll-driven.  The user polls fd_in for
 * POLLIN when it wants frames, fd_out for POLLOUT when the kind has
 * output buffered (wants_out) or a send took fewer frames than offered,
 * and fd_ctl for anything (an event there means the far end is gone).
 * No allocation happens per frame. */
#ifndef VDE_VEP_H
#define VDE_VEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stream.h"
#include "vnl.h"

#define VEP_PORT0 (-1)      /* the switch's special port 0 */
#define VEP_NAME_MAX 96     /* of e->name, for messages only */

/* What the opener asks of an endpoint; kinds use what applies to them. */
struct vep_args {
	const char *descr; /* sent to a switch; " user=NAME pid=N" is added */
	int port;          /* 0 = any, > 0 = this port, VEP_PORT0 = port 0 */
	const char *group; /* group of a socket we create, or NULL */
	mode_t mode;       /* its mode, 0 = the default 0700 */
	int timeout_ms;    /* a handshake's longest wait, 0 = the default 10 s
			    * (a switch, which must not stall, asks for less) */
	int own_pgrp;      /* cmd://: the command in a process group of its
			    * own, all of it ended at close (no terminal to
			    * share: a switch; vde_plug keeps ssh's prompts) */
	unsigned ext;      /* vde://: offer these VDE_EXT_* to the switch
			    * (proto.h); stdio://, cmd://: VDE_EXT_VNET is
			    * offered in band (stream.h); e->vnet_* say what
			    * was agreed */
};

struct vep;

struct vep_kind {
	const char *scheme;
	const char *help;   /* "scheme://ADDRESS  one line", for --help */
	unsigned vnl_flags; /* enum vnl_flags: how its VNL is parsed */
	unsigned flags;     /* enum vep_kind_flags */
	size_t priv_size;   /* bytes of state at e->priv, zeroed */
	/* 0, or -1 after logging one line about what failed */
	int (*open)(struct vep *e, const struct vnl *v, const struct vep_args *a);
	/* Is v well formed for this kind (address, options), without opening
	 * anything?  0, or -1 after one line.  NULL: open() says. */
	int (*check)(const char *name, const struct vnl *v);
	/* Receive up to n frames: fill v[i].iov_len (v[i].iov_base points
	 * to the caller's buffer of iov_len bytes; a kind may point it at
	 * its own memory instead, valid until its next recv).  Returns the
	 * frames received (0: none now), -1 when the endpoint ended. */
	int (*recv)(struct vep *e, struct iovec *v, int n);
	/* Send up to n frames.  Returns how many were taken (sent, or
	 * dropped as a congested link would); fewer than n means "no room
	 * now, offer the rest again on POLLOUT".  -1: the endpoint ended. */
	int (*send)(struct vep *e, const struct iovec *v, int n);
	int (*flush)(struct vep *e);           /* write buffered output; 0/-1 */
	int (*wants_out)(const struct vep *e); /* output is buffered */
	void (*close)(struct vep *e);
	/* Counters and state for port/print, or NULL: what snprintf says. */
	int (*describe)(const struct vep *e, char *buf, size_t len);
	/* Its table, a line a call (vxlan/print: MAC -> VTEP), or NULL. */
	void (*list)(const struct vep *e, void (*line)(void *ctx, const char *text), void *ctx);
};

enum vep_kind_flags {
	VEP_STREAM = 1, /* frames cross a byte stream: --maxframe applies */
	VEP_ONCE = 2,   /* an inherited fd: cannot be opened again */
	VEP_NESTED = 4, /* runs a switch of its own (not inside a switch) */
	VEP_NOFRAMES = 8, /* carries no frames (null://): no use as a port */
	VEP_RAW_RUNTS = 16, /* the far end wants runts unpadded (QEMU framing) */
	VEP_VNET = 32,      /* can carry vnet records, if the far end agrees */
};

struct vep {
	const struct vep_kind *kind;
	char name[VEP_NAME_MAX]; /* the VNL, for messages */
	int fd_in, fd_out, fd_ctl; /* -1 when there is none */
	int in_buffered;  /* frames wait inside: call recv without polling */
	size_t maxsend;   /* longer frames are dropped before send */
	int rc;           /* set when ended: 0 clean end, 1 error */
	uint64_t dropped; /* frames the kind dropped on the way in (too long) */
	/* Frames carry a struct vnet_hdr before them, and may be offloaded
	 * super-frames: each frame recv gives (vnet_in) or send takes
	 * (vnet_out) is [vnet_hdr][frame].  vde:// when a switch of ours
	 * granted VDE_EXT_VNET (both at once); a stream when its far end,
	 * ours too, agreed (stream.h), each direction when it did. */
	int vnet_in, vnet_out;
	int vnet_out_ready; /* a stream: the far end agreed; the owner calls
			     * vep_stream_vnet_out() once no plain frame of
			     * its own waits to be sent */
	void *priv;
};

/* Open the endpoint a VNL names.  0 and *out, or -1 after one message
 * (an unknown scheme is -1 too: use vep_find first to avoid it). */
int vep_open(const char *vnl, const struct vep_args *a, struct vep **out);
void vep_close(struct vep *e);

/* The kind a VNL would open, after vnl_resolve: NULL when its scheme is
 * unknown (the scheme is left in scheme[VNL_SCHEME_MAX + 1]) or the VNL
 * is malformed (*bad set, with a message logged). */
const struct vep_kind *vep_find(const char *vnl, char *scheme, int *bad);
/* The kind of a VNL and whether it is well formed (vnl_parse, then the
 * kind's check): the kind, or NULL after one line (*unknown set when
 * the scheme is not ours). */
const struct vep_kind *vep_check(const char *vnl, int *unknown);
/* "vde seqpacket ...": every scheme we have, space separated. */
void vep_schemes(char *buf, size_t size);
/* Help lines of every kind, one per line. */
void vep_help(char *buf, size_t size);

/* ---- helpers for kinds (vep.c) ---- */

/* End e with exit status rc; returns -1 for "return vep_end(e, 1);". */
int vep_end(struct vep *e, int rc);
/* What a datagram kind does with an errno from send/recv. */
enum vep_err { VEP_E_RETRY, VEP_E_DROP, VEP_E_GONE, VEP_E_FAIL };
typedef enum vep_err vep_classify_fn(int err);
/* For a connected unix socket (a switch port, a seqpacket pair): the far
 * end closing is the end, a full queue a retry. */
vep_classify_fn vep_unix_classify;
/* recvmmsg/sendmmsg with MSG_DONTWAIT on a datagram or seqpacket fd;
 * to/tolen NULL for a connected socket.  A frame that does not fit the
 * buffer (MSG_TRUNC) is given length 0, for the caller to drop. */
int vep_dgram_recv(struct vep *e, int fd, struct iovec *v, int n, vep_classify_fn *cls);
int vep_dgram_send(struct vep *e, int fd, const void *to, unsigned tolen,
		   const struct iovec *v, int n, vep_classify_fn *cls);
/* Group name or number; -1 after a message when unknown. */
int vep_group(const char *group, unsigned *gid);

/* ---- vep_stream.c: 2-byte length framing on a pair of fds, shared by
 * stdio:// and cmd:// ---- */
#define VEP_STREAM_OUT (128 * 1024) /* a slow reader costs drops, not memory */
#define VEP_STREAM_IN (256 * 1024) /* > a vnet record: most arrive whole, uncopied */
#define VEP_STREAM_CTL 16 /* beyond OUT: the negotiation's records always fit */

struct vep_stream {
	int out_flags;         /* fd_out's flags, restored at close: O_NONBLOCK
				* is shared with every holder of the pipe/tty */
	int own_fds;           /* close fd_in/fd_out at close */
	int end_on_bad;        /* a bad length ends it (QEMU's framing) */
	pid_t child;           /* reaped at close */
	int child_group;       /* child leads its own process group: end it all */
	const char *in_name, *out_name;
	struct stream_dec dec;
	unsigned long err_shown_at; /* dec.errors when last reported */
	unsigned long skipped_seen; /* dec.errors already added to e->dropped */
	uint64_t err_last;
	size_t in_off, in_len;
	size_t out_off, out_len;
	size_t out_hdrlen;     /* length bytes of frames we send: 2, or 4
				* (QEMU's framing; our vnet records) */
	int probed;            /* we sent PROBE (the peer offered) */
	int confirmed;         /* we sent CONFIRM (the peer probed) */
	/* frames handed out by the last recv, for the deframer callback */
	struct iovec *rv;
	int rn, rmax;
	uint8_t in[VEP_STREAM_IN];
	uint8_t out[VEP_STREAM_OUT + VEP_STREAM_CTL];
};

/* fd_in/fd_out of e, names for messages ("stdin", "stdout"); child > 0
 * is reaped at close.  Makes fd_out non-blocking (restored at close). */
int vep_stream_setup(struct vep *e, int fd_in, int fd_out, const char *in_name,
		     const char *out_name, pid_t child, int own_fds);
int vep_stream_recv(struct vep *e, struct iovec *v, int n);
int vep_stream_send(struct vep *e, const struct iovec *v, int n);
/* One frame given in n parts (a header, the frame): 1 taken, 0 no room
 * now, -1 ended. */
int vep_stream_send_record(struct vep *e, const struct iovec *parts, int n);
/* n frames of two parts each, as vep_stream_send: how many were taken. */
int vep_stream_send_records(struct vep *e, const struct iovec (*two)[2], int n);
int vep_stream_flush(struct vep *e);
int vep_stream_wants_out(const struct vep *e);
void vep_stream_close(struct vep *e);
/* Offer vnet records in band (stream.h) on a 2-byte stream: the kinds
 * do it when asked in vep_args.ext; vde_plug's "= CMD" too. */
void vep_stream_offer(struct vep *e);
/* From now on frames sent are vnet records (e->vnet_out_ready first). */
void vep_stream_vnet_out(struct vep *e);
/* A stream endpoint on fds we were given (not closed by vep_close):
 * stdin/stdout, or the ALTERNATE_STDIN/OUT fds dpipe gives a middle
 * command.  0 and *out, or -1 after a message. */
int vep_stream_fds(int fd_in, int fd_out, const char *in_name, const char *out_name,
		   struct vep **out);

/* ---- vep_qstream.c: QEMU's stream framing (4-byte length) ---- */
/* An accepted connection (the switch's --qemu-stream) as an endpoint:
 * fd (non-blocking) is the endpoint's from now on. */
int vep_qstream_adopt(int fd, const char *name, struct vep **out);

/* ---- vep_cmd.c: a command's stdin/stdout as a stream ---- */
/* argv run directly (the "= CMD ARGS" form of vde_plug). */
int vep_cmd_argv(char *const argv[], struct vep **out);

#endif
