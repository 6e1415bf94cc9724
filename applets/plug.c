/* plug.c - vde_plug: join stdin/stdout to a port of a VDE switch.
 *
 * stdin carries stream-framed Ethernet frames (spec §4: 2-byte big-endian
 * length + frame); each one goes to the switch as one datagram.  Every
 * datagram from the switch is written to stdout framed the same way.
 *
 * Two plugs joined back to back by dpipe feed each other: if both blocked
 * writing stdout while the other was not reading its stdin, neither would
 * ever read again.  So stdout is non-blocking with a bounded buffer, and
 * when that buffer is full we stop reading the switch (which then drops
 * frames for us, as a congested link does) but keep reading stdin.
 * Sending to the switch may wait for room in the switch's queue: a switch
 * never waits for us, so that wait always ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proto.h"
#include "common/request.h"
#include "common/stream.h"
#include "common/util.h"

const char plug_help[] =
	"vde_plug: connect stdin/stdout to a VDE switch port (stream framing)\n"
	"usage: vde_plug [-p PORT | -g N] [-d DESCR] [-m MODE] [-G GROUP] [SOCK]\n"
	"\n"
	"Frames read from stdin (2-byte big-endian length, then an Ethernet frame)\n"
	"go to the switch; frames from the switch go to stdout in the same form.\n"
	"Join two switches with:  dpipe vde_plug SW1 = vde_plug SW2\n"
	"                    or:  dpipe vde_plug SW1 = ssh HOST vde_plug SW2\n"
	"\n"
	"  SOCK                 switch directory (DIR/ctl is used) or a plain control\n"
	"                       socket file; default /var/run/vde.ctl/ctl,\n"
	"                       /tmp/vde.ctl/ctl, then /tmp/vde.ctl\n"
	"  -s, --sock SOCK      the same as SOCK\n"
	"  -p, --port PORT      ask for this port (0: any free port, the default);\n"
	"                       cables on the same port share it: the switch never\n"
	"                       forwards frames from one of them to another\n"
	"  -g, --cable-group N  VDE1 cable group 1..255: asks for port N, which is\n"
	"                       what vde2 makes of a VDE1 group.  Cables with the\n"
	"                       same group share one port, so frames are never\n"
	"                       forwarded between them (open a second cable, then\n"
	"                       drop the first, to move a link to a new path)\n"
	"  -d, --descr TEXT     description shown by the switch (port/print)\n"
	"  -m, --mode MODE      octal permissions of our data socket (default 0700)\n"
	"  -G, --group GROUP    group owner of our data socket\n"
	"  -F, --maxframe N     drop frames from the switch longer than N bytes\n"
	"                       before they reach stdout; 1518 keeps a vde2 or VDE1\n"
	"                       plug at the far end happy (it rejects longer\n"
	"                       lengths), default 9234 as vdeplug4\n"
	"\n"
	"Frames of up to 9236 bytes are accepted on stdin; frames shorter than 14\n"
	"bytes from the switch are dropped.  A length above 9236 is reported (at\n"
	"most once a second) and the rest of that read is discarded: the stream\n"
	"resynchronises at the next read.  When stdout cannot keep up, frames from\n"
	"the switch are dropped rather than buffered without bound.\n"
	"Exit status 0 when stdin ends, the switch closes the connection or stdout\n"
	"is closed; 1 when the switch cannot be reached.\n";

#define OUT_MAX (128 * 1024) /* stdout buffer: a slow reader costs drops, not memory */
#define IN_CHUNK (64 * 1024)
#define FRAMED_MAX (VDE_STREAM_HDR + VDE_STREAM_MAX)
#define RECV_BURST 64        /* datagrams per wakeup, so stdin is not starved */
#define BATCH 32             /* datagrams per recvmmsg/sendmmsg */
#define PIPE_SIZE (1 << 20)  /* ask for deep pipes: fewer wakeups per frame */

struct plug {
	int ctl, data;
	int stdout_flags;      /* restored at exit: O_NONBLOCK is shared with
				* every process holding the same pipe or tty */
	int stop, rc;          /* leave the loop, with this exit status */
	struct stream_dec dec; /* stdin deframer */
	int err_shown;         /* rate limit for bad length reports */
	size_t maxframe;       /* longest frame written to stdout */
	uint64_t err_last;
	size_t out_off, out_len;
	uint8_t out[OUT_MAX];
	/* stdin frames waiting for one sendmmsg; they point into the read
	 * buffer, which stays put until they are sent */
	struct iovec txv[BATCH];
	int ntx;
	/* datagrams from the switch, before they are framed into out[] */
	struct iovec rxv[BATCH];
	uint8_t rx[BATCH][VDE_STREAM_MAX + 1];
	uint8_t in[IN_CHUNK];  /* one read of stdin */
};

static struct plug *P;          /* large: on the heap, not the stack or bss */
static sigset_t wait_mask;      /* signal mask while in ppoll */
static volatile sig_atomic_t quit_sig;

static void on_quit(int sig) { quit_sig = sig; }

static void stop(struct plug *p, int rc)
{
	if (!p->stop)
		p->rc = rc;
	p->stop = 1;
}

static void parse_args(int argc, char **argv, struct vde_open_opts *o)
{
	static const struct option longopts[] = {
		{ "sock", required_argument, 0, 's' },
		{ "port", required_argument, 0, 'p' },
		{ "cable-group", required_argument, 0, 'g' },
		{ "descr", required_argument, 0, 'd' },
		{ "mode", required_argument, 0, 'm' },
		{ "group", required_argument, 0, 'G' },
		{ "maxframe", required_argument, 0, 'F' },
		{ 0, 0, 0, 0 },
	};
	long port = -1, cable = -1;
	int c;

	opterr = 0; /* one message of ours rather than getopt's plus ours */
	while ((c = getopt_long(argc, argv, ":s:p:g:d:m:G:F:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->sock = optarg; break;
		case 'd': o->descr = optarg; break;
		case 'G': o->group = optarg; break;
		case 'F': {
			long v;
			if (parse_long(optarg, ETH_HDR_LEN, VDE_FRAME_MAX, &v) < 0)
				usage_error("bad --maxframe '%s' (%d..%d)", optarg, ETH_HDR_LEN, VDE_FRAME_MAX);
			P->maxframe = (size_t)v;
			break;
		}
		case 'p':
			if (parse_long(optarg, 0, 0xffffff, &port) < 0)
				usage_error("bad port '%s' (0..16777215)", optarg);
			break;
		case 'g':
			if (parse_long(optarg, 1, 255, &cable) < 0)
				usage_error("bad cable group '%s' (1..255)", optarg);
			break;
		case 'm':
			if (parse_mode(optarg, &o->mode) < 0)
				usage_error("bad mode '%s' (octal, e.g. 0770)", optarg);
			break;
		case ':':
			usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (port >= 0 && cable >= 0 && port != cable)
		usage_error("-g %ld asks for port %ld, which contradicts -p %ld", cable, cable, port);
	o->port = (int)(cable >= 0 ? cable : port > 0 ? port : 0);
	if (optind < argc && o->sock)
		usage_error("the switch is given twice (-s %s and %s)", o->sock, argv[optind]);
	if (optind < argc)
		o->sock = argv[optind++];
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

/* Our sockets must never land on fd 0 or 1: frames would go to the
 * wrong place.  A closed stderr just loses messages. */
static void check_std_fds(void)
{
	if (fcntl(STDIN_FILENO, F_GETFL) < 0)
		die("stdin is closed: it must carry the frames for the switch");
	if (fcntl(STDOUT_FILENO, F_GETFL) < 0)
		die("stdout is closed: it must take the frames from the switch");
	if (fcntl(STDERR_FILENO, F_GETFL) < 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0 && fd != STDERR_FILENO)
			close(fd);
	}
}

/* INT/TERM/HUP are blocked except inside ppoll, so a signal can never
 * slip in between checking quit_sig and going to sleep. */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_quit };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- stdout: bounded buffer of framed frames ---- */

/* Is there room at the tail for one more maximal framed frame?
 * Compacts the buffer when only the head has room. */
static int out_room(struct plug *p)
{
	if (OUT_MAX - p->out_off - p->out_len >= FRAMED_MAX)
		return 1;
	if (p->out_off > 0) {
		memmove(p->out, p->out + p->out_off, p->out_len);
		p->out_off = 0;
	}
	return OUT_MAX - p->out_len >= FRAMED_MAX;
}

static void flush_out(struct plug *p)
{
	while (p->out_len > 0) {
		ssize_t n = write(STDOUT_FILENO, p->out + p->out_off, p->out_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EPIPE) {
				log_debug("stdout closed by its reader");
				stop(p, 0);
			} else {
				log_err("write stdout:");
				stop(p, 1);
			}
			return;
		}
		p->out_off += (size_t)n;
		p->out_len -= (size_t)n;
	}
	p->out_off = 0;
}

static void stdout_event(struct plug *p, short revents)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		log_debug("stdout closed by its reader");
		stop(p, 0);
		return;
	}
	flush_out(p);
}

/* ---- the switch ---- */

/* An error on the data socket: the switch going away ends us cleanly,
 * a full queue is not an error, anything else is reported. */
static void data_error(struct plug *p, int err, const char *what)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
		return;
	case ECONNREFUSED:
	case ECONNRESET:
	case ENOTCONN:
	case EPIPE:
		log_debug("switch closed the data socket");
		stop(p, 0);
		return;
	default:
		errno = err;
		log_err("%s switch:", what);
		stop(p, 1);
	}
}

/* How many datagrams fit in the stdout buffer now (each may be maximal). */
static int out_slots(struct plug *p)
{
	if (!out_room(p))
		return 0;
	size_t free = OUT_MAX - p->out_off - p->out_len;
	size_t n = free / FRAMED_MAX;
	return n > BATCH ? BATCH : (int)n;
}

/* Datagrams from the switch, a batch per system call, framed into the
 * stdout buffer. */
static void recv_switch(struct plug *p, short revents)
{
	struct mmsghdr msgs[BATCH];

	if (revents & POLLHUP) { /* shut down: nothing more will come */
		log_debug("switch shut the data socket down");
		stop(p, 0);
		return;
	}
	if (revents & POLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(p->data, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			data_error(p, err, "receive from");
	}
	for (int round = 0; round < RECV_BURST / BATCH && !p->stop; round++) {
		int want = out_slots(p), n;
		if (want == 0)
			break;
		memset(msgs, 0, sizeof(msgs[0]) * (size_t)want);
		for (int i = 0; i < want; i++) {
			p->rxv[i] = (struct iovec){ p->rx[i], sizeof(p->rx[i]) };
			msgs[i].msg_hdr.msg_iov = &p->rxv[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(p->data, msgs, (unsigned)want, MSG_DONTWAIT, NULL);
		if (n < 0) {
			data_error(p, errno, "receive from");
			break;
		}
		for (int i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len;
			/* Runts are not Ethernet; giants cannot be framed. */
			if (len < ETH_HDR_LEN || len > p->maxframe || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			uint8_t *dst = p->out + p->out_off + p->out_len;
			stream_hdr(dst, len);
			memcpy(dst + VDE_STREAM_HDR, p->rx[i], len);
			p->out_len += VDE_STREAM_HDR + len;
		}
		if (n < want)
			break;
	}
	flush_out(p);
}

/* The switch's queue for us is full.  Wait for room while still serving
 * stdout, the switch's frames and its control socket, so nothing that
 * someone else may be waiting on stalls meanwhile. */
static void wait_switch(struct plug *p)
{
	struct pollfd fds[3] = {
		{ .fd = p->data, .events = POLLOUT | (out_room(p) ? POLLIN : 0) },
		{ .fd = p->ctl, .events = POLLIN },
		{ .fd = STDOUT_FILENO, .events = p->out_len ? POLLOUT : 0 },
	};

	if (ppoll(fds, 3, NULL, &wait_mask) < 0) {
		if (errno != EINTR) {
			log_err("poll:");
			stop(p, 1);
		}
		return;
	}
	if (fds[1].revents) {
		stop(p, 0);
		return;
	}
	if (fds[2].revents)
		stdout_event(p, fds[2].revents);
	if (fds[0].revents & (POLLIN | POLLERR))
		recv_switch(p, fds[0].revents);
}

/* Send the collected stdin frames, waiting for room when the switch's
 * queue is full (a switch never waits for us, so the wait ends). */
static void send_batch(struct plug *p)
{
	struct mmsghdr msgs[BATCH];
	int n = p->ntx, done = 0;

	memset(msgs, 0, sizeof(msgs[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		msgs[i].msg_hdr.msg_iov = &p->txv[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n && !p->stop && !quit_sig) {
		int r = sendmmsg(p->data, msgs + done, (unsigned)(n - done), MSG_DONTWAIT);
		if (r > 0)
			done += r;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			wait_switch(p);
		else if (errno == EMSGSIZE || errno == ENOBUFS)
			done++; /* this frame cannot go: drop it, as a switch would */
		else if (errno != EINTR)
			data_error(p, errno, "send to");
	}
	p->ntx = 0;
}

/* Decoder callback: one frame from stdin becomes one datagram.  Frames
 * inside the read buffer are collected; one that the decoder assembled
 * in its own buffer goes at once, since that buffer is reused. */
static void to_switch(void *ctx, const uint8_t *frame, size_t len)
{
	struct plug *p = ctx;

	if (p->ntx == BATCH)
		send_batch(p);
	p->txv[p->ntx++] = (struct iovec){ (void *)frame, len };
	if (frame >= p->dec.buf && frame < p->dec.buf + sizeof(p->dec.buf))
		send_batch(p);
}

/* ---- stdin ---- */

/* Garbage on stdin would otherwise give one line per read: say it once
 * a second, with a running count. */
static void report_bad_length(struct plug *p)
{
	uint64_t now = now_ms();

	if (p->err_shown && now - p->err_last < 1000)
		return;
	log_err("stdin: frame length above %d bytes, not a VDE stream? "
		"dropped the rest of this read (%lu bad length%s so far)",
		VDE_STREAM_MAX, p->dec.errors, p->dec.errors == 1 ? "" : "s");
	p->err_shown = 1;
	p->err_last = now;
}

static void read_stdin(struct plug *p)
{
	uint8_t *buf = p->in;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(p->in));

	if (n == 0) {
		stop(p, 0);
		return;
	}
	if (n < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			log_err("read stdin:");
			stop(p, 1);
		}
		return;
	}
	if (stream_dec_feed(&p->dec, buf, (size_t)n, to_switch, p))
		report_bad_length(p);
	send_batch(p);
}

/* ---- main loop ---- */

static void run(struct plug *p)
{
	while (!p->stop && !quit_sig) {
		struct pollfd fds[4] = {
			{ .fd = p->ctl, .events = POLLIN },
			{ .fd = STDOUT_FILENO, .events = p->out_len ? POLLOUT : 0 },
			{ .fd = p->data, .events = out_room(p) ? POLLIN : 0 },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		if (ppoll(fds, 4, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll:");
			stop(p, 1);
			break;
		}
		/* The switch never talks on the control socket after the
		 * handshake: any event there means it is gone. */
		if (fds[0].revents) {
			log_debug("switch closed the control connection");
			stop(p, 0);
			break;
		}
		if (fds[1].revents)
			stdout_event(p, fds[1].revents);
		if (fds[2].revents && !p->stop)
			recv_switch(p, fds[2].revents);
		if (fds[3].revents && !p->stop)
			read_stdin(p);
	}
}

int plug_main(int argc, char **argv)
{
	struct vde_open_opts o = { 0 };
	struct plug *p = P = calloc(1, sizeof(*P));
	int rc;

	if (!p)
		die("out of memory");
	p->maxframe = VDE_FRAME_MAX;
	parse_args(argc, argv, &o);
	check_std_fds();
	signal(SIGPIPE, SIG_IGN); /* a closed stdout or switch is EPIPE, handled */
	if (vde_open(&o, &p->ctl, &p->data) < 0) {
		free(p);
		return 1;
	}
	stream_dec_init(&p->dec, VDE_STREAM_MAX);
	setup_signals();
	/* Deep pipes (when they are pipes): more frames per wakeup. */
	fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_SIZE);
	fcntl(STDOUT_FILENO, F_SETPIPE_SZ, PIPE_SIZE);
	p->stdout_flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (p->stdout_flags < 0 || set_nonblock(STDOUT_FILENO) < 0)
		die("make stdout non-blocking:");

	run(p);

	fcntl(STDOUT_FILENO, F_SETFL, p->stdout_flags);
	close(p->ctl);
	close(p->data);
	rc = p->rc;
	free(p);
	P = NULL;
	if (quit_sig) { /* die of the signal, so our parent sees why */
		signal(quit_sig, SIG_DFL);
		raise(quit_sig);
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	}
	return rc;
}
