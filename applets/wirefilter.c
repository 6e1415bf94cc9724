/* wirefilter.c - vde2's wirefilter: a cable that loses, delays,
 * duplicates, slows down and damages frames (common/impair.c), between
 * two switches (-v SOCK1:SOCK2), two VNLs, or as the middle command of
 * dpipe on stdin/stdout, with vde2's console on -M and on stdin. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "applets/wirefilter.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/request.h"
#include "common/util.h"
#include "common/vep.h"

const char wirefilter_help[] =
	"wirefilter: a cable that loses, delays and slows frames (vde2's wirefilter)\n"
	"usage: wirefilter [OPTIONS] -v SOCK1:SOCK2    between two switches\n"
	"       wirefilter [OPTIONS] VNL1 VNL2         between any two VDE networks\n"
	"       dpipe vde_plug A = wirefilter [OPTIONS] = vde_plug B\n"
	"\n"
	"Left (L) is SOCK1, VNL1 or dpipe's left command, right (R) the other one.\n"
	"Inside dpipe the left side is stdin/stdout and the right one the fds in\n"
	"ALTERNATE_STDIN and ALTERNATE_STDOUT; with neither, frames go one way,\n"
	"stdin to stdout.  In -v, '-' is stdin/stdout and an empty side the\n"
	"default switch; a side may be a VNL (-v vde:///tmp/a:tap://t0).\n"
	"\n"
	"Values: [LR|RL]VALUE[+VARIATION][U|N]: LR or RL sets one direction, else\n"
	"both; +VARIATION draws each frame's value around VALUE, uniformly (U, the\n"
	"default) or normally (N: nearly all within the bounds).  Sizes and rates\n"
	"take K, M, G (2^10, 2^20, 2^30) before U|N.\n"
	"  -l, --loss P          lose P percent of the frames\n"
	"  -L, --lostburst N     losses come in bursts of N frames on average\n"
	"                        (the Gilbert model: the loss rate stays P)\n"
	"  -d, --delay MS        add MS milliseconds (100+20N: 80..120, normal)\n"
	"  -D, --dup P           send P percent of the frames twice (or more)\n"
	"  -b, --band, --bandwidth BYTES/s\n"
	"                        bandwidth: frames wait behind each other\n"
	"  -s, --speed BYTES/s   interface speed: reading waits for each frame's\n"
	"                        time on the wire\n"
	"  -c, --capacity, --chanbufsize BYTES\n"
	"                        at most this much waits per direction, more is\n"
	"                        dropped (default 16M)\n"
	"  -n, --noise BITS      damage BITS bits per megabyte\n"
	"  -m, --mtu BYTES       drop frames longer than this\n"
	"  -N, --nofifo          frames may overtake each other\n"
	"  -v, --vde-plug SOCK1:SOCK2\n"
	"                        the two sides (vde2's option; also VNLs)\n"
	"  -f, --rcfile FILE     run console commands from FILE first (Markov mode)\n"
	"  -M, --mgmt SOCK       console on the unix socket SOCK (unixterm SOCK)\n"
	"      --mgmtmode MODE   octal mode of SOCK (0700)\n"
	"      --seed N          random draws from seed N: runs repeat exactly\n"
	"      --daemon          run in the background (needs -v or two VNLs)\n"
	"      --pidfile FILE    write our pid to FILE (removed at exit)\n"
	"  -h, --help            this text\n"
	"\n"
	"Console commands (-M, and stdin when neither side uses it): help,\n"
	"showinfo [N], loss, lostburst, delay, dup, bandwidth, speed, capacity\n"
	"(chanbufsize), noise, mtu VALUE, fifo 0|1, load FILE, logout, shutdown;\n"
	"Markov mode: markov-numnodes N, markov-setnode N, markov-name N,NAME,\n"
	"markov-time MS, setedge N1,N2,WEIGHT, showedges [N], showcurrent,\n"
	"markov-debug [N]; a value ending in [N] is node N's.  Replies are vde2's:\n"
	"1000 Success, 1022 Invalid argument, 1038 Function not implemented, ...\n"
	"Exit status 0 when a side closes or on shutdown, 1 when a side cannot be\n"
	"opened, 2 for a bad option or value.\n";

#define BATCH 32
#define FRAME_BUF (VDE_STREAM_MAX + 1)
#define SESS_MAX 32               /* -M sessions at once */
#define SESS_OUT_MAX (4u << 20)   /* unread replies: past it, the session goes */
#define SESS_OUT_PAUSE (64u << 10) /* stop reading commands meanwhile */

struct sess {
	struct wf_sess s;       /* first: the console's callbacks get it */
	int fd_in, fd_out;
	int is_stdin;
	int skipping;           /* inside a line that is too long */
	size_t inlen;
	char in[WF_LINE_MAX + 1];
	char *out;
	size_t outlen, outcap;
	int dead;               /* write failed or overflowed: close */
};

struct conf {
	const char *side[2];    /* VNLs, "-" is stdin/stdout */
	int nside;
	const char *vopt;       /* -v SOCK1:SOCK2 as given */
	const char *rcfile, *mgmt, *pidfile;
	mode_t mgmtmode;
	int daemon;
	uint64_t seed;
};

struct wfl {
	struct conf c;
	struct impair im;
	struct wf_wire wire;
	struct vep *ep[2];      /* L and R; the same one when one-way */
	int ndirs;
	int blocked[2];         /* dir d's far end took nothing: wait for POLLOUT */
	int mgmt_fd;
	struct sess *sess[SESS_MAX + 1]; /* + the stdin console */
	int nsess;
	int stop, rc;
	int ready_fd;
	struct log_rate refused;
	uint8_t buf[BATCH][FRAME_BUF];
};

static sigset_t wait_mask;
static volatile sig_atomic_t quit_sig;
static void on_quit(int sig) { quit_sig = sig; }

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void stop(struct wfl *w, int rc)
{
	if (!w->stop)
		w->rc = rc;
	w->stop = 1;
}

/* ---- options ---- */

enum { O_MGMTMODE = 0x100, O_DAEMON, O_PIDFILE, O_SEED, O_BLINK, O_BLINKID };

static const struct option longopts[] = {
	{ "help", no_argument, 0, 'h' },
	{ "rcfile", required_argument, 0, 'f' },
	{ "loss", required_argument, 0, 'l' },
	{ "lostburst", required_argument, 0, 'L' },
	{ "delay", required_argument, 0, 'd' },
	{ "dup", required_argument, 0, 'D' },
	{ "band", required_argument, 0, 'b' },
	{ "bandwidth", required_argument, 0, 'b' },
	{ "speed", required_argument, 0, 's' },
	{ "chanbufsize", required_argument, 0, 'c' },
	{ "capacity", required_argument, 0, 'c' },
	{ "noise", required_argument, 0, 'n' },
	{ "mtu", required_argument, 0, 'm' },
	{ "nofifo", no_argument, 0, 'N' },
	{ "mgmt", required_argument, 0, 'M' },
	{ "mgmtmode", required_argument, 0, O_MGMTMODE },
	{ "vde-plug", required_argument, 0, 'v' },
	{ "daemon", no_argument, 0, O_DAEMON },
	{ "pidfile", required_argument, 0, O_PIDFILE },
	{ "seed", required_argument, 0, O_SEED },
	{ "blink", required_argument, 0, O_BLINK },
	{ "blinkid", required_argument, 0, O_BLINKID },
	{ 0, 0, 0, 0 },
};
static const char shortopts[] = ":hNl:n:d:M:D:m:b:s:c:v:L:f:";

/* The value options, by their letter. */
static int option_key(int opt)
{
	switch (opt) {
	case 'l': return IMP_LOSS;
	case 'L': return IMP_LOSTBURST;
	case 'd': return IMP_DELAY;
	case 'D': return IMP_DUP;
	case 'b': return IMP_BAND;
	case 's': return IMP_SPEED;
	case 'c': return IMP_CAPACITY;
	case 'n': return IMP_NOISE;
	case 'm': return IMP_MTU;
	}
	return -1;
}

/* "-v A:B": the colon that is not a scheme's "://" splits, so VNLs
 * with a scheme work as well as vde2's plain paths. */
static void split_v(struct conf *c, const char *arg)
{
	static char copy[2 * VNL_MAX + 2];
	char *p;

	if (strlen(arg) >= sizeof(copy))
		usage_error("-v: too long");
	strcpy(copy, arg);
	for (p = copy; (p = strchr(p, ':')); p++)
		if (strncmp(p, "://", 3) != 0)
			break;
	if (!p)
		usage_error("-v %s: SOCK1:SOCK2 has no ':' between the two", arg);
	*p = 0;
	c->side[0] = copy;
	c->side[1] = p + 1;
	c->nside = 2;
	c->vopt = arg;
}

static void option(struct wfl *w, int opt, const char *arg)
{
	char why[160];
	struct conf *c = &w->c;
	int key = option_key(opt);
	long v;

	if (key >= 0) {
		if (impair_set(&w->im, key, arg, why, sizeof(why)))
			usage_error("-%c %s: %s", opt, arg, why);
		return;
	}
	switch (opt) {
	case 'N': impair_set_fifo(&w->im, 0); break;
	case 'f': c->rcfile = arg; break;
	case 'M': c->mgmt = arg; break;
	case 'v':
		if (c->vopt)
			usage_error("-v given twice");
		split_v(c, arg);
		break;
	case O_MGMTMODE:
		if (parse_mode(arg, &c->mgmtmode) < 0 || c->mgmtmode > 0777)
			usage_error("--mgmtmode %s: not an octal mode like 0700", arg);
		break;
	case O_DAEMON: c->daemon = 1; break;
	case O_PIDFILE: c->pidfile = arg; break;
	case O_SEED:
		if (parse_long(arg, 0, 0x7fffffffffffffffL, &v) < 0)
			usage_error("--seed %s: not a number 0..2^63-1", arg);
		c->seed = (uint64_t)v + 1; /* 0 would be "from the clock" */
		break;
	case O_BLINK:
	case O_BLINKID:
		usage_error("--blink and --blinkid are not supported");
	case 'h':
		printf("%s", wirefilter_help);
		exit(0);
	case ':':
		usage_error("option %s needs a value", arg);
	default:
		usage_error("unknown option %s", arg);
	}
}

static void parse_args(struct wfl *w, int argc, char **argv)
{
	struct conf *c = &w->c;
	int opt;

	c->mgmtmode = 0700;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *arg = optarg;
		if (opt == '?' || opt == ':')
			arg = argv[optind - 1];
		option(w, opt, arg);
	}
	if (optind < argc) {
		if (c->vopt)
			usage_error("-v and VNLs: give the two sides once");
		if (argc - optind != 2)
			usage_error("give two VNLs (or -v SOCK1:SOCK2), not %d", argc - optind);
		c->side[0] = argv[optind];
		c->side[1] = argv[optind + 1];
		c->nside = 2;
	}
	if (c->nside == 2 && !strcmp(c->side[0], "-") && !strcmp(c->side[1], "-"))
		usage_error("only one side can be stdin/stdout ('-')");
	if (c->daemon && (c->nside < 2 || !strcmp(c->side[0], "-") || !strcmp(c->side[1], "-")))
		usage_error("--daemon needs two sides that are not stdin/stdout (-v or two VNLs)");
	if (c->mgmt && strlen(c->mgmt) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		usage_error("-M %s: longer than a unix socket path may be", c->mgmt);
}

/* ---- the two sides ---- */

static int env_fd(const char *name)
{
	const char *s = getenv(name);
	long v;

	if (!s || parse_long(s, 0, 1 << 20, &v) < 0 || fcntl((int)v, F_GETFL) < 0)
		return -1;
	return (int)v;
}

static int is_terminal_pair(void)
{
	return isatty(STDIN_FILENO) || isatty(STDOUT_FILENO);
}

/* Streams on stdin/stdout: dpipe's middle command has its right side
 * on ALTERNATE_STDIN/OUT (as vde2's dpipe gives it); otherwise it is
 * the one-way filter stdin -> stdout. */
static int open_streams(struct wfl *w)
{
	int ain = env_fd("ALTERNATE_STDIN"), aout = env_fd("ALTERNATE_STDOUT");

	if (fcntl(STDIN_FILENO, F_GETFL) < 0 || fcntl(STDOUT_FILENO, F_GETFL) < 0)
		die("stdin and stdout must be open: they carry the frames (or use -v)");
	if (is_terminal_pair())
		usage_error("stdin/stdout is a terminal: run wirefilter inside dpipe, "
			    "or give -v SOCK1:SOCK2 or two VNLs");
	if (vep_stream_fds(STDIN_FILENO, STDOUT_FILENO, "stdin", "stdout", &w->ep[0]) < 0)
		return -1;
	if (ain < 0 || aout < 0 || ain <= 2 || aout <= 2) {
		w->ep[1] = w->ep[0];
		w->ndirs = 1;
		return 0;
	}
	if (vep_stream_fds(ain, aout, "ALTERNATE_STDIN", "ALTERNATE_STDOUT", &w->ep[1]) < 0)
		return -1;
	w->ndirs = 2;
	return 0;
}

static int open_side(struct wfl *w, int i)
{
	const char *s = w->c.side[i];
	struct vep_args a = { .descr = "wirefilter" };

	if (!strcmp(s, "-"))
		return vep_stream_fds(STDIN_FILENO, STDOUT_FILENO, "stdin", "stdout", &w->ep[i]);
	return vep_open(s, &a, &w->ep[i]);
}

static int open_sides(struct wfl *w)
{
	if (w->c.nside < 2)
		return open_streams(w);
	w->ndirs = 2;
	if (open_side(w, 0) < 0)
		return -1;
	if (open_side(w, 1) < 0) {
		vep_close(w->ep[0]);
		w->ep[0] = NULL;
		return -1;
	}
	return 0;
}

static void close_sides(struct wfl *w)
{
	if (w->ep[1] != w->ep[0])
		vep_close(w->ep[1]);
	vep_close(w->ep[0]);
	w->ep[0] = w->ep[1] = NULL;
}

/* dir d goes from src(d) to dst(d); one-way, both are ep[0]. */
static struct vep *dst(struct wfl *w, int d) { return w->ep[w->ndirs == 1 ? 0 : 1 - d]; }
static int dir_into(struct wfl *w, int i) { return w->ndirs == 1 ? 0 : 1 - i; }

/* ---- the console ---- */

static void sess_write(struct sess *se)
{
	while (se->outlen && !se->dead) {
		ssize_t n = write(se->fd_out, se->out, se->outlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				se->dead = 1;
			return;
		}
		memmove(se->out, se->out + n, se->outlen - (size_t)n);
		se->outlen -= (size_t)n;
	}
}

static void sess_out(struct wf_sess *s, const char *text, size_t len)
{
	struct sess *se = (struct sess *)s;

	if (se->dead)
		return;
	if (se->outlen + len > SESS_OUT_MAX) {
		log_warn("console session: %u bytes of replies not read, closing it",
			 SESS_OUT_MAX);
		se->dead = 1;
		return;
	}
	if (se->outlen + len > se->outcap) {
		size_t cap = se->outcap ? se->outcap : 4096;
		char *p;
		while (cap < se->outlen + len)
			cap *= 2;
		if (!(p = realloc(se->out, cap))) {
			se->dead = 1;
			return;
		}
		se->out = p;
		se->outcap = cap;
	}
	memcpy(se->out + se->outlen, text, len);
	se->outlen += len;
}

static struct sess *sess_new(struct wfl *w, int fd_in, int fd_out, int trusted)
{
	struct sess *se = calloc(1, sizeof(*se));

	if (!se)
		return NULL;
	se->s.out = sess_out;
	se->s.trusted = trusted;
	se->fd_in = fd_in;
	se->fd_out = fd_out;
	w->sess[w->nsess++] = se;
	return se;
}

static void sess_free(struct wfl *w, int i)
{
	struct sess *se = w->sess[i];

	if (!se->is_stdin) {
		close(se->fd_in);
	}
	free(se->out);
	free(se);
	w->sess[i] = w->sess[--w->nsess];
}

/* markov-debug: the chain moved (vde2's "38NN Node ..." lines) */
static void on_move(void *ctx, int from, int to)
{
	struct wfl *w = ctx;
	char line[2 * IMPAIR_NAME_MAX + 64];

	for (int i = 0; i < w->nsess; i++) {
		struct sess *se = w->sess[i];
		int n;
		if (se->s.debug <= 0)
			continue;
		n = snprintf(line, sizeof(line), "%04d Node %d \"%s\" -> %d \"%s\"\n", 3800 + to,
			     from, w->im.nodes[from].name, to, w->im.nodes[to].name);
		if (n > 0)
			sess_out(&se->s, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

static void run_line(struct wfl *w, struct sess *se, const char *line)
{
	wf_command(&w->wire, &se->s, line, now_us());
	if (se->s.shutdown) {
		stop(w, 0);
		return;
	}
	if (!se->s.logout)
		sess_out(&se->s, wf_prompt, strlen(wf_prompt));
}

static void refuse_line(struct sess *se)
{
	char reply[64];
	int n = snprintf(reply, sizeof(reply), "1%03d %s\n", EINVAL, strerror(EINVAL));

	if (n > 0 && (size_t)n < sizeof(reply))
		sess_out(&se->s, reply, (size_t)n);
	sess_out(&se->s, wf_prompt, strlen(wf_prompt));
}

/* Lines of a session's input; an overlong one is refused whole. */
static void sess_lines(struct wfl *w, struct sess *se)
{
	char *nl;

	while (!se->s.logout && !w->stop && (nl = memchr(se->in, '\n', se->inlen))) {
		size_t len = (size_t)(nl - se->in);
		*nl = 0;
		if (se->skipping || memchr(se->in, 0, len)) { /* too long, or a NUL */
			se->skipping = 0;
			refuse_line(se);
		} else {
			run_line(w, se, se->in);
		}
		memmove(se->in, nl + 1, se->inlen - len - 1);
		se->inlen -= len + 1;
	}
	if (se->inlen == sizeof(se->in)) { /* no newline in a full buffer */
		se->skipping = 1;
		se->inlen = 0;
	}
}

/* 1: the session ended (EOF, error, logout) */
static int sess_read(struct wfl *w, struct sess *se)
{
	ssize_t n = read(se->fd_in, se->in + se->inlen, sizeof(se->in) - se->inlen);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
	if (n == 0) {
		/* a last line without its newline still counts */
		if (se->inlen && !se->skipping && se->inlen < sizeof(se->in)) {
			se->in[se->inlen++] = '\n';
			sess_lines(w, se);
		}
		return 1;
	}
	se->inlen += (size_t)n;
	sess_lines(w, se);
	return se->s.logout;
}

static void mgmt_accept(struct wfl *w)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct sess *se;
	int fd = accept4(w->mgmt_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (w->nsess >= SESS_MAX) {
		if (log_rate_due(&w->refused, now_ms()))
			log_warn("console: %d sessions already, refusing another", SESS_MAX);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0)
		cr.uid = (uid_t)-1;
	se = sess_new(w, fd, fd, cr.uid == 0 || cr.uid == geteuid());
	if (!se) {
		close(fd);
		return;
	}
	sess_out(&se->s, wf_banner, strlen(wf_banner));
	sess_out(&se->s, wf_prompt, strlen(wf_prompt));
	sess_write(se);
}

/* Bind -M SOCK born with its mode; a stale socket nobody listens on is
 * replaced, anything else there is an error. */
static int mgmt_open(const char *path, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct stat st;

	if (fd < 0)
		die("socket for %s:", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (unix_bind_born(fd, &sa, mode, 0, 0) < 0) {
		int probe, live;
		if (errno != EADDRINUSE || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			die("bind %s:", path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		if (live)
			die("bind %s: somebody is listening there already", path);
		if (unlink(path) < 0 || unix_bind_born(fd, &sa, mode, 0, 0) < 0)
			die("bind %s:", path);
	}
	if (listen(fd, 16) < 0)
		die("listen on %s:", path);
	return fd;
}

/* -f FILE: its commands before the first frame; a bad line stops us. */
static void run_rcfile(struct wfl *w, const char *file)
{
	struct wf_sess s = { .trusted = 1 };
	char line[WF_LINE_MAX + 8];
	int rc;

	if (strlen(file) > WF_LINE_MAX - 8)
		usage_error("-f: file name too long");
	snprintf(line, sizeof(line), "load %s", file);
	rc = wf_command(&w->wire, &s, line, now_us());
	if (rc > 0 && (rc == EINVAL || rc == ENOSYS))
		usage_error("-f %s", s.why);
	if (rc > 0)
		die("-f %s", s.why);
	if (s.shutdown || s.logout)
		exit(0);
}

/* ---- moving frames ---- */

/* Send what is due in dir d, in order, until its far end is full. */
static void deliver(struct wfl *w, int d, uint64_t now)
{
	struct vep *to = dst(w, d);
	const struct impair_frame *f;

	while (!w->blocked[d] && !w->stop && (f = impair_peek(&w->im, d, now))) {
		struct iovec v = { (void *)f->data, f->len };
		int r = f->len > to->maxsend ? 1 : to->kind->send(to, &v, 1);
		if (r < 0) {
			stop(w, to->rc);
			return;
		}
		if (r == 0) {
			w->blocked[d] = 1;
			return;
		}
		impair_pop(&w->im, d);
	}
}

/* Frames in from side i (direction i): each one meets the wire. */
static void pump(struct wfl *w, int i)
{
	struct vep *e = w->ep[i];
	struct iovec v[BATCH];
	uint64_t now = now_us();
	/* With a speed each frame holds the input back: one at a time. */
	int n = impair_input_at(&w->im, i) ? 1 : BATCH;

	for (int k = 0; k < n; k++)
		v[k] = (struct iovec){ w->buf[k], FRAME_BUF };
	n = e->kind->recv(e, v, n);
	if (n < 0) {
		stop(w, e->rc);
		return;
	}
	for (int k = 0; k < n; k++)
		if (v[k].iov_len >= ETH_HDR_LEN)
			impair_offer(&w->im, i, v[k].iov_base, v[k].iov_len, now);
	deliver(w, i, now);
}

static int wants_input(struct wfl *w, int i, uint64_t now)
{
	uint64_t at = impair_input_at(&w->im, i);

	return i < w->ndirs && !w->blocked[i] && (!at || at <= now);
}

/* ---- the loop ---- */

struct slot { int in, out, ctl; };

static int add_fd(struct pollfd *fds, int *nf, int fd, short ev)
{
	fds[*nf] = (struct pollfd){ .fd = fd, .events = ev };
	return (*nf)++;
}

static uint64_t earliest(struct wfl *w, uint64_t now)
{
	uint64_t t = impair_next_tick(&w->im);

	for (int d = 0; d < w->ndirs; d++) {
		uint64_t at = impair_input_at(&w->im, d);
		if (!w->blocked[d] && impair_next_due(&w->im, d) < t)
			t = impair_next_due(&w->im, d);
		if (at > now && at < t && !w->blocked[d])
			t = at;
		if (wants_input(w, d, now) && w->ep[d]->in_buffered)
			t = now;
	}
	return t;
}

static void end_events(struct wfl *w, struct pollfd *fds, struct slot *sl, int nends)
{
	uint64_t now = now_us();

	for (int i = 0; i < nends && !w->stop; i++) {
		struct vep *e = w->ep[i];
		int d = dir_into(w, i);
		if (sl[i].ctl >= 0 && fds[sl[i].ctl].revents) {
			log_debug("%s: the switch closed the control connection", e->name);
			stop(w, 0);
			return;
		}
		if (sl[i].out >= 0 && (fds[sl[i].out].revents & (POLLERR | POLLHUP | POLLNVAL))) {
			log_debug("%s: closed by its reader", e->name);
			stop(w, 0);
			return;
		}
		if ((sl[i].out >= 0 && (fds[sl[i].out].revents & POLLOUT)) ||
		    (fds[sl[i].in].revents & POLLOUT)) {
			if (e->kind->flush && e->kind->flush(e) < 0) {
				stop(w, e->rc);
				return;
			}
			w->blocked[d] = 0;
			deliver(w, d, now);
		}
	}
	for (int i = 0; i < w->ndirs && !w->stop; i++)
		if ((fds[sl[i].in].revents & (POLLIN | POLLERR | POLLHUP)) ||
		    (wants_input(w, i, now_us()) && w->ep[i]->in_buffered))
			pump(w, i);
}

static void console_events(struct wfl *w, struct pollfd *fds, const int *sfd)
{
	/* Backwards: freeing i moves the last one, already seen, into i. */
	for (int i = w->nsess - 1; i >= 0 && !w->stop; i--) {
		struct sess *se = w->sess[i];
		short re = sfd[i] >= 0 ? fds[sfd[i]].revents : 0;
		int ended = 0;
		if (re & (POLLIN | POLLHUP | POLLERR))
			ended = sess_read(w, se);
		sess_write(se);
		if (se->dead || (ended && (se->is_stdin || !se->outlen)) ||
		    (se->s.logout && !se->outlen)) {
			if (se->is_stdin)
				log_debug("console on stdin: closed, we go on without it");
			sess_free(w, i);
			continue;
		}
		if (ended) /* replies still to write, then it goes */
			se->s.logout = 1;
	}
}

static void run(struct wfl *w)
{
	int nends = w->ndirs == 1 ? 1 : 2;

	while (!w->stop && !quit_sig) {
		struct pollfd fds[8 + SESS_MAX + 2];
		struct slot sl[2];
		int sfd[SESS_MAX + 1], nf = 0, lfd = -1;
		uint64_t now = now_us(), t;
		struct timespec ts, *tp = NULL;

		impair_tick(&w->im, now);
		for (int d = 0; d < w->ndirs; d++)
			deliver(w, d, now);
		for (int i = 0; i < nends; i++) {
			struct vep *e = w->ep[i];
			int d = dir_into(w, i);
			int want_out = w->blocked[d] || (e->kind->wants_out && e->kind->wants_out(e));
			short ev = (short)(wants_input(w, i, now) ? POLLIN : 0);
			if (e->fd_out == e->fd_in && want_out)
				ev |= POLLOUT;
			sl[i].in = add_fd(fds, &nf, ev ? e->fd_in : -1, ev);
			sl[i].out = e->fd_out >= 0 && e->fd_out != e->fd_in ?
				add_fd(fds, &nf, e->fd_out, want_out ? POLLOUT : 0) : -1;
			sl[i].ctl = e->fd_ctl >= 0 ? add_fd(fds, &nf, e->fd_ctl, POLLIN) : -1;
		}
		if (w->mgmt_fd >= 0)
			lfd = add_fd(fds, &nf, w->mgmt_fd, POLLIN);
		for (int i = 0; i < w->nsess; i++) {
			struct sess *se = w->sess[i];
			short ev = se->outlen < SESS_OUT_PAUSE && !se->s.logout ? POLLIN : 0;
			if (se->fd_out == se->fd_in && se->outlen)
				ev |= POLLOUT;
			sfd[i] = add_fd(fds, &nf, se->fd_in, ev);
			if (se->fd_out != se->fd_in && se->outlen)
				add_fd(fds, &nf, se->fd_out, POLLOUT);
		}
		t = earliest(w, now);
		if (t != UINT64_MAX) {
			uint64_t dt = t > now ? t - now : 0;
			ts.tv_sec = (time_t)(dt / 1000000u);
			ts.tv_nsec = (long)(dt % 1000000u) * 1000;
			tp = &ts;
		}
		if (ppoll(fds, (nfds_t)nf, tp, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll:");
			stop(w, 1);
			break;
		}
		end_events(w, fds, sl, nends);
		console_events(w, fds, sfd); /* before new sessions join */
		if (lfd >= 0 && (fds[lfd].revents & POLLIN))
			mgmt_accept(w);
	}
}

/* ---- start and end ---- */

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
	signal(SIGPIPE, SIG_IGN);
}


static void cleanup(struct wfl *w)
{
	while (w->nsess)
		sess_free(w, w->nsess - 1);
	if (w->mgmt_fd >= 0) {
		close(w->mgmt_fd);
		unlink(w->c.mgmt);
	}
	close_sides(w);
	if (w->c.pidfile)
		unlink(w->c.pidfile);
	impair_free(&w->im);
}

static int start(struct wfl *w)
{
	struct conf *c = &w->c;
	int stdin_free;

	if (c->daemon)
		/* the parent waits until both sides and the console are open */
		w->ready_fd = daemon_start();
	if (open_sides(w) < 0)
		return 1;
	w->wire = (struct wf_wire){ &w->im, w->ndirs };
	if (c->rcfile)
		run_rcfile(w, c->rcfile);
	if (c->mgmt)
		w->mgmt_fd = mgmt_open(c->mgmt, c->mgmtmode);
	if (c->pidfile && pidfile_write(c->pidfile) < 0) {
		c->pidfile = NULL;
		return 1;
	}
	/* stdin is a console when no side reads it (vde2: with -v) */
	stdin_free = c->nside == 2 && strcmp(c->side[0], "-") && strcmp(c->side[1], "-");
	if (stdin_free && !c->daemon && fcntl(STDIN_FILENO, F_GETFL) >= 0) {
		struct sess *se = sess_new(w, STDIN_FILENO, STDOUT_FILENO, 1);
		if (se)
			se->is_stdin = 1;
	}
	if (c->daemon)
		daemon_ready(&w->ready_fd);
	return 0;
}

int wirefilter_main(int argc, char **argv)
{
	struct wfl *w = calloc(1, sizeof(*w)); /* frame buffers: on the heap */
	int rc;

	if (!w)
		die("out of memory");
	w->mgmt_fd = -1;
	w->ready_fd = -1;
	w->refused.what = "console sessions refused";
	impair_init(&w->im, 0);
	w->im.on_move = on_move;
	w->im.ctx = w;
	parse_args(w, argc, argv);
	impair_seed(&w->im, w->c.seed);
	setup_signals();
	rc = start(w);
	if (rc == 0) {
		log_debug("%sdirectional filter starting", w->ndirs == 2 ? "bi" : "mono");
		run(w);
		rc = w->rc;
	}
	cleanup(w);
	free(w);
	if (quit_sig) {
		signal(quit_sig, SIG_DFL);
		raise(quit_sig);
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	}
	return rc;
}
