/* plug.c - vde_plug: join two endpoints (common/vep.h), as vdeplug4's
 * vde_plug does, keeping the seed's options; and vde_plug2tap, vde2's
 * name for "vde_plug tap://TAP SOCK".
 *
 *   vde_plug [OPTS] [VNL]              stdin/stdout (stream framing) <-> VNL
 *   vde_plug [OPTS] VNL1 VNL2          VNL1 <-> VNL2, in one process
 *   vde_plug [OPTS] [VNL] = CMD ARGS   VNL <-> the stdin/stdout of CMD
 *
 * Frames go one batch at a time from an endpoint that is readable to
 * the other one.  When the far side cannot take a frame now (a stream's
 * bounded output buffer is full, a socket's queue is), the rest of the
 * batch waits and that side is not read meanwhile: memory stays bounded
 * and a cable of two plugs back to back never deadlocks, since each keeps
 * serving its other direction.  Nothing is allocated per frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/proto.h"
#include "common/util.h"
#include "common/vep.h"
#include "common/vep_switch.h"

const char plug_help[] =
	"vde_plug: join two networks: a VDE switch, stdin/stdout, a tap, a command...\n"
	"usage: vde_plug [OPTIONS] [VNL]               stdin/stdout <-> VNL\n"
	"       vde_plug [OPTIONS] VNL1 VNL2           VNL1 <-> VNL2\n"
	"       vde_plug [OPTIONS] [VNL] = CMD [ARGS]  VNL <-> CMD's stdin/stdout\n"
	"\n"
	"A VNL is scheme://address; a plain path (or nothing) is a switch: vde://.\n"
	"stdin/stdout and commands carry frames as a 2-byte big-endian length, then\n"
	"the frame.  An empty or missing VNL is what ~/.vdeplug/default names (a\n"
	"link to a switch, or a file whose first line is a VNL), else\n"
	"~/.vde2/default.switch, else the default switch (/var/run/vde.ctl,\n"
	"/tmp/vde.ctl).  Options in brackets: vde:///tmp/sw[5] is port 5.\n"
	"Schemes (built in; an unknown one runs the system's vdeplug4 vde_plug):\n"
	"  vde://DIR[PORT]          a VDE switch (DIR/ctl, or a VDE1 socket file);\n"
	"                           also [port=N/group=G/mode=M]; vde:// alone is the\n"
	"                           default switch\n"
	"  seqpacket://FD           an inherited SOCK_SEQPACKET socket, a frame per\n"
	"                           message (libvdeplug4_static, UML vector transport)\n"
	"  stdio://                 stdin/stdout (what a missing second VNL means)\n"
	"  cmd://\"COMMAND ARGS\"     a command run by /bin/sh -c; its stdin/stdout\n"
	"                           carry the stream\n"
	"  null://                  drops every frame, sends none\n"
	"  tap://IFNAME             a tap interface (made when missing; root)\n"
	"  udp://[SRC:]PORT->HOST:PORT  a raw frame per UDP datagram, IPv4 or IPv6\n"
	"                           (QEMU -netdev dgram); [V6] in brackets is fine\n"
	"  ptp://PATH               a point-to-point link to another ptp://PATH end\n"
	"                           (datagrams at PATH and PATH+, as vdeplug4 4.0.1)\n"
	"  vxlan://[GROUP][/vni=N/port=P/ttl=T/if=IF/v4/v6/remote=IP,IP/local=IP/\n"
	"           srcport=LO-HI]\n"
	"                           VXLAN (RFC 7348), with the Linux kernel and OVS:\n"
	"                           learns MAC -> VTEP, floods to GROUP (default\n"
	"                           239.0.0.1, ff05:56de::1) or to each remote=\n"
	"  vxvde://[GROUP][/vni=N/port=P/grp=G/bind=IP/ttl=T/if=IF/v4/v6]\n"
	"                           vdeplug4's vxvde: the same header, port 14789, a\n"
	"                           unicast socket per process, a leave message\n"
	"  stream://PATH|HOST:PORT  QEMU's stream framing (4-byte length + frame) on\n"
	"                           a connection to a QEMU -netdev stream server or passt\n"
	"  switch://[DIR][OPTS]     our own switch (vde_switch) serving DIR (default\n"
	"                           /tmp/vdenode_USER), the other VNL one of its\n"
	"                           ports: vde_plug null:// switch://DIR is a switch;\n"
	"                           OPTS mode=, dirmode=, grp=, hashsize=,\n"
	"                           expiretime= (hashseed= is accepted, unused)\n"
	"  hub://[DIR][OPTS]        the same as a hub (mode=, dirmode=, grp=)\n"
	"Cables:   vde_plug /tmp/sw1 /tmp/sw2\n"
	"          vde_plug /tmp/sw1 = ssh HOST vde_plug /tmp/sw2\n"
	"          dpipe vde_plug SW1 = vde_plug SW2\n"
	"\n"
	"Options (as vdeplug4's; -name works as --name):\n"
	"  -d, --daemon          run in the background (needs two ends that are not\n"
	"                        stdin/stdout); errors before it is ready still show\n"
	"  -p, --pidfile FILE    write our pid to FILE (removed at exit)\n"
	"  -p N                  a number is a port, as the seed's -p (vde2):\n"
	"                        use --pidfile for a pidfile named like a number\n"
	"  -l, --log             log START and STOP to syslog\n"
	"  -L, --iplog           the same (IP addresses are not logged: -L is -l)\n"
	"  -D, --descr TEXT      description shown by the switch (port/print);\n"
	"                        default \"vdeplug:\", \" user=NAME pid=N\" and, over\n"
	"                        ssh, \" SSH=IP\" are added\n"
	"      --port N          port of the first VNL's switch (0: any, the default)\n"
	"      --port2 N         the same for the second VNL\n"
	"  -g, --group GROUP     group of our socket for the first VNL (mode gets\n"
	"                        g+rw); -g N, a number 1..255, is the seed's VDE1\n"
	"                        cable group N (port N): --group GID for a number\n"
	"  -G, --group2 GROUP    the same for the second VNL (with one VNL: the\n"
	"                        first's, as the seed's -G)\n"
	"  -m, --mod MODE        octal mode of our socket for the first VNL (0700)\n"
	"  -M, --mod2 MODE       the same for the second VNL (with one VNL: the first's)\n"
	"  -s, --sock SOCK       the first VNL (the seed's spelling)\n"
	"      --cable-group N   VDE1 cable group 1..255: port N.  Cables with the\n"
	"                        same group share one port, so frames are never\n"
	"                        forwarded between them (open a second cable, then\n"
	"                        drop the first, to move a link to a new path)\n"
	"  -F, --maxframe N      frames longer than N bytes are dropped before they\n"
	"                        enter a stream (stdout, a command); 1518 keeps a\n"
	"                        vde2 or VDE1 plug at the far end happy; default 9234\n"
	"      --nooffload       plain frames only: no offer of TCP super-frames to\n"
	"                        the switch or on the stream (below)\n"
	"  -h, --help            this text\n"
	"As a login shell (ssh HOST vde_plug, the account's shell is vde_plug)\n"
	"only the command \"vde_plug\" runs, logged as with -l.\n"
	"Contradicting options (-p 5 --port 6, [5] and --port 6, -g and --group\n"
	"with different groups, -d with stdin/stdout) are an error (exit 2).\n"
	"\n"
	"Between two ends of ours (switches, plugs, --port cmd:// cables), TCP\n"
	"super-frames of up to 64 KiB cross whole, with their virtio-net header:\n"
	"we offer it to our switch when connecting, and on a stream (stdout, a\n"
	"command) we begin with three empty records, which vde2 and vdeplug4 skip;\n"
	"when the far end is ours too, each direction turns to 4-byte lengths once\n"
	"a probe has shown the path carries any bytes (vde2's wirefilter in between\n"
	"logs \"Packet length error\" once each way and stays plain).  What one end\n"
	"agreed to and the other did not, we convert: super-frames are cut into\n"
	"Ethernet frames for a vde2 or vdeplug4 peer.\n"
	"\n"
	"Frames of up to 9236 bytes are accepted on a stream; frames shorter than\n"
	"14 bytes are dropped.  A length above 9236 is reported (at most once a\n"
	"second) and the rest of that read is discarded: the stream resynchronises\n"
	"at the next read.  Exit status 0 when an end closes (stdin ends, the\n"
	"switch or the command goes, stdout is closed); 1 when an end cannot be\n"
	"opened or fails; 2 for a usage error.\n";

const char plug2tap_help[] =
	"vde_plug2tap: join a tap interface to a VDE switch (vde2's tool)\n"
	"usage: vde_plug2tap [-p PORT] [-g GROUP] [-m MODE] [-s SOCK|-] [-d] [-P PIDFILE] TAP\n"
	"\n"
	"The same as \"vde_plug tap://TAP SOCK\" (\"vde_plug tap://TAP\" for -s -).\n"
	"  -p, --port N          port of the switch (default any)\n"
	"  -g, --group GROUP     group of our data socket (mode gets g+rw)\n"
	"  -m, --mod MODE        octal mode of our data socket (0700)\n"
	"  -s, --sock SOCK       the switch (directory or VNL); '-': stdin/stdout as\n"
	"                        vde_plug's stream (dpipe vde_plug = ssh H vde_plug2tap -s - tapx)\n"
	"  -d, --daemon          run in the background (not with -s -)\n"
	"  -P, --pidfile FILE    write our pid to FILE\n"
	"  -h, --help            this text\n";

#define BATCH 32                         /* frames per recv/send call */
#define FRAME_BUF (VDE_STREAM_MAX + 1)   /* one more: longer ones are seen */
/* From a switch that sends us super-frames (vde:// with VDE_EXT_VNET):
 * bigger buffers, made when it first does (pages a small frame never
 * touches cost no memory). */
#define BIG_BATCH BATCH
#define BIG_BUF (STREAM_VNET_MAX + 1)
/* Frames converted on the way (a vnet header added, or a super-frame cut
 * into Ethernet frames for a plain far end) wait here: room for the
 * worst super-frame, 745 segments of 88 bytes and their headers. */
#define STAGE_BYTES (256 * 1024)
#define OUT_MAX 1024

/* Frames one way, from -> to: in[in_next..in_n) were received and not
 * yet looked at; out[head..n) wait for room at to (pointing into in's
 * buffers, or at converted copies in stage). */
struct dir {
	struct vep *from, *to;
	int in_next, in_n;
	int in_vnet;            /* in[] are vnet records (from->vnet_in when
				 * they were read: a stream turns after them) */
	int head, n;
	size_t staged;          /* bytes of stage in use */
	uint8_t *stage;         /* STAGE_BYTES, made when first needed */
	uint8_t (*big)[BIG_BUF]; /* BIG_BATCH buffers, likewise */
	struct iovec in[BATCH];
	struct iovec out[OUT_MAX];
	uint8_t buf[BATCH][FRAME_BUF];
};

struct conf {
	const char *vnl[2];     /* vnl[1] NULL: stdin/stdout or cmd */
	char **cmd;             /* "= CMD ARGS" */
	int nvnl;
	struct vep_args a[2];
	int daemon, log;
	const char *pidfile;
	size_t maxframe;
	int nooffload;          /* --nooffload: plain frames only */
};

struct plug {
	struct conf c;
	struct vep *ep[2];
	struct dir dir[2];      /* dir[i]: frames from ep[i] to ep[1 - i] */
	int stop, rc;
	int ready_fd;           /* -d: tells the waiting parent we are up */
};

static sigset_t wait_mask;      /* signal mask while in ppoll */
static volatile sig_atomic_t quit_sig;

static void on_quit(int sig) { quit_sig = sig; }

static void stop(struct plug *p, int rc)
{
	if (!p->stop)
		p->rc = rc;
	p->stop = 1;
}

/* ---- options ---- */

enum {
	O_PORT = 0x100, O_PORT2, O_GROUP, O_PIDFILE, O_CABLE, O_NOOFFLOAD,
};

static const struct option plug_longopts[] = {
	{ "daemon", no_argument, 0, 'd' },
	{ "pidfile", required_argument, 0, O_PIDFILE },
	{ "log", no_argument, 0, 'l' },
	{ "iplog", no_argument, 0, 'L' },
	{ "descr", required_argument, 0, 'D' },
	{ "port", required_argument, 0, O_PORT },
	{ "port2", required_argument, 0, O_PORT2 },
	{ "group", required_argument, 0, O_GROUP },
	{ "group2", required_argument, 0, 'G' },
	{ "mod", required_argument, 0, 'm' },
	{ "mode", required_argument, 0, 'm' },
	{ "mod2", required_argument, 0, 'M' },
	{ "mode2", required_argument, 0, 'M' },
	{ "sock", required_argument, 0, 's' },
	{ "maxframe", required_argument, 0, 'F' },
	{ "cable-group", required_argument, 0, O_CABLE },
	{ "nooffload", no_argument, 0, O_NOOFFLOAD },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};
static const char plug_shortopts[] = ":c:dp:lLD:g:G:m:M:s:F:h";

/* vdeplug4 documents "-group2 G", "-mod2 M": a single-dash word that is
 * exactly a long option's name is that long option.  Values of options
 * are skipped, so "-D -log" keeps its description. */
static char **long_single_dash(int argc, char **argv, const struct option *lo, const char *so)
{
	char **out = calloc((size_t)argc + 1, sizeof(*out));
	int value_next = 0;

	if (!out)
		die("out of memory");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		out[i] = argv[i];
		if (i == 0)
			continue;
		if (value_next) {
			value_next = 0;
			continue;
		}
		if (strcmp(a, "=") == 0 || strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				out[i] = argv[i];
			break;
		}
		if (a[0] != '-')
			continue;
		if (a[1] != '-' && a[1] && a[2]) {
			for (const struct option *o = lo; o->name; o++) {
				if (strcmp(a + 1, o->name) == 0) {
					size_t n = strlen(a) + 2;
					char *s = malloc(n);
					if (!s)
						die("out of memory");
					snprintf(s, n, "-%s", a);
					out[i] = s;
					value_next = o->has_arg == required_argument;
					break;
				}
			}
			if (out[i] != argv[i])
				continue;
		}
		if (a[1] == '-') { /* --name VALUE */
			for (const struct option *o = lo; o->name; o++)
				if (strcmp(a + 2, o->name) == 0)
					value_next = o->has_arg == required_argument;
		} else if (a[1] && !a[2]) { /* -x VALUE */
			const char *c = strchr(so, a[1]);
			value_next = c && c[1] == ':';
		}
	}
	return out;
}

/* An option given twice with two values is a contradiction. */
static void set_int(int *dst, int *given, int v, const char *what)
{
	if (*given && *dst != v)
		usage_error("%s: two different values (%d and %d)", what, *dst == VEP_PORT0 ? 0 : *dst,
			    v == VEP_PORT0 ? 0 : v);
	*dst = v;
	*given = 1;
}

static void set_str(const char **dst, const char *v, const char *what)
{
	if (*dst && strcmp(*dst, v))
		usage_error("%s: two different values ('%s' and '%s')", what, *dst, v);
	*dst = v;
}

static int parse_port(const char *s, const char *opt)
{
	long v;

	if (parse_long(s, 0, 0xffffff, &v) < 0)
		usage_error("bad port '%s' for %s (0..16777215)", s, opt);
	return (int)v;
}

/* "5", "-1", "+7": meant as a number (a port), not a file name. */
static int looks_numeric(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static mode_t parse_mode_opt(const char *s)
{
	mode_t m;

	if (parse_mode(s, &m) < 0)
		usage_error("bad mode '%s' (octal, e.g. 0660)", s);
	return m;
}

static void set_mode(int *dst, int *given, int v, const char *what)
{
	if (*given && *dst != v)
		usage_error("%s: two different values (%04o and %04o)", what, (unsigned)*dst, (unsigned)v);
	*dst = v;
	*given = 1;
}

struct seen { /* what the command line set, for contradictions */
	int port[2], port_given[2];
	const char *group[2];
	int mode[2], mode_given[2];
	const char *sock;
};

/* -c CMD: we are someone's login shell (ssh HOST vde_plug runs
 * "vde_plug -c vde_plug"); nothing else may run through us. */
static void login_shell(const char *cmd)
{
	if (strcmp(cmd, "vde_plug") != 0) /* as vdeplug4: no arguments either */
		die("this account is a VDE cable end: only 'vde_plug' can run here, not '%.60s'", cmd);
}

/* One option of vde_plug's command line. */
static void plug_option(int opt, char **argv, struct conf *c, struct seen *s)
{
	long v;

	switch (opt) {
	case 'c': login_shell(optarg); c->log = 1; break;
	case 'd': c->daemon = 1; break;
	case 'l': case 'L': c->log = 1; break;
	case 'D': if (*optarg) c->a[0].descr = c->a[1].descr = optarg; break;
	case O_PIDFILE: set_str(&c->pidfile, optarg, "--pidfile"); break;
	case 'p': /* the value decides: a number is the seed's port */
		if (looks_numeric(optarg))
			set_int(&s->port[0], &s->port_given[0], parse_port(optarg, "-p"), "port");
		else
			set_str(&c->pidfile, optarg, "--pidfile");
		break;
	case O_PORT: set_int(&s->port[0], &s->port_given[0], parse_port(optarg, "--port"), "port"); break;
	case O_PORT2: set_int(&s->port[1], &s->port_given[1], parse_port(optarg, "--port2"), "--port2"); break;
	case 'g': /* the value decides: a number is a VDE1 cable group */
		if (!looks_numeric(optarg))
			set_str(&s->group[0], optarg, "group");
		else if (parse_long(optarg, 1, 255, &v) < 0)
			usage_error("bad cable group '%s' (-g N: 1..255; --group GID for a group number)", optarg);
		else
			set_int(&s->port[0], &s->port_given[0], (int)v, "port (-g N is cable group N: port N)");
		break;
	case O_CABLE:
		if (parse_long(optarg, 1, 255, &v) < 0)
			usage_error("bad cable group '%s' (1..255)", optarg);
		set_int(&s->port[0], &s->port_given[0], (int)v, "port (cable group N is port N)");
		break;
	case O_GROUP: set_str(&s->group[0], optarg, "group"); break;
	case 'G': set_str(&s->group[1], optarg, "-G/--group2"); break;
	case 'm': set_mode(&s->mode[0], &s->mode_given[0], (int)parse_mode_opt(optarg), "mode"); break;
	case 'M': set_mode(&s->mode[1], &s->mode_given[1], (int)parse_mode_opt(optarg), "-M/--mod2"); break;
	case 's': set_str(&s->sock, optarg, "--sock"); break;
	case O_NOOFFLOAD: c->nooffload = 1; break;
	case 'F':
		if (parse_long(optarg, ETH_HDR_LEN, VDE_STREAM_MAX, &v) < 0)
			usage_error("bad --maxframe '%s' (%d..%d)", optarg, ETH_HDR_LEN, VDE_STREAM_MAX);
		c->maxframe = (size_t)v;
		break;
	case 'h': fputs(plug_help, stdout); exit(0);
	case ':':
		usage_error("option %s needs an argument", argv[optind - 1]);
	default:
		if (optopt && optopt < 0x100)
			usage_error("unknown option -%c", optopt);
		usage_error("unknown option %s", argv[optind - 1]);
	}
}

static void parse_plug_args(int argc, char **argv, struct conf *c, struct seen *s)
{
	int eq, opt;

	/* Options end at "=": what follows is the command's. */
	for (eq = 1; eq < argc && strcmp(argv[eq], "="); eq++)
		;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(eq, argv, plug_shortopts, plug_longopts, NULL)) != -1)
		plug_option(opt, argv, c, s);
	int npos = eq - optind;
	if (eq < argc) {
		c->cmd = argv + eq + 1;
		if (!*c->cmd)
			usage_error("'=' needs a command after it");
		if (npos > 1)
			usage_error("with '= CMD' give at most one VNL (got '%s' and '%s')",
				    argv[optind], argv[optind + 1]);
	} else if (npos > 2) {
		usage_error("unexpected argument '%s' (at most two VNLs)", argv[optind + 2]);
	}
	if (s->sock && npos > (c->cmd ? 0 : 1))
		usage_error("the first VNL is given twice (-s %s and %s)", s->sock, argv[optind]);
	if (s->sock && npos == 1 && !c->cmd)
		usage_error("the switch is given twice (-s %s and %s)", s->sock, argv[optind]);
	c->nvnl = 0;
	if (s->sock)
		c->vnl[c->nvnl++] = s->sock;
	for (int i = optind; i < eq; i++)
		c->vnl[c->nvnl++] = argv[i];
}

/* Fold what the command line said into the endpoints' arguments. */
static void apply_seen(struct conf *c, struct seen *s)
{
	int two = c->nvnl == 2;

	if (!two) { /* the seed's -G, and -M/--port2 with it, mean the only VNL */
		if (s->group[1])
			set_str(&s->group[0], s->group[1], "group (-g/--group and -G)");
		if (s->mode_given[1])
			set_mode(&s->mode[0], &s->mode_given[0], s->mode[1], "mode (-m and -M)");
		if (s->port_given[1])
			set_int(&s->port[0], &s->port_given[0], s->port[1], "port (--port and --port2)");
	}
	for (int i = 0; i < 2; i++) {
		int k = two ? i : 0;
		c->a[i].port = s->port[k];
		c->a[i].group = s->group[k];
		c->a[i].mode = (mode_t)s->mode[k];
	}
	if (c->daemon && c->nvnl < 2 && !c->cmd)
		usage_error("-d/--daemon needs two ends that are not stdin/stdout "
			    "(VNL1 VNL2, or VNL = CMD): a daemon's stdin/stdout are /dev/null");
}

/* ---- an unknown scheme: vdeplug4's vde_plug may have a plugin ---- */

static void exec_system_plug(char **argv, const char *vnl, const char *scheme)
{
	struct stat self, st;
	char path[4096], list[256];
	const char *env = getenv("PATH");
	char *dirs = strdup(env ? env : ""), *save = NULL;
	int have_self = stat("/proc/self/exe", &self) == 0;

	if (!dirs)
		die("out of memory");
	/* PATH first, then /usr/bin (where Debian's vdeplug puts it) */
	for (char *d = strtok_r(dirs, ":", &save);; d = strtok_r(NULL, ":", &save)) {
		const char *dir = d ? (*d ? d : ".") : "/usr/bin";
		int n = snprintf(path, sizeof(path), "%s/vde_plug", dir);
		if (n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0 &&
		    !(have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino)) {
			log_debug("scheme %s: running %s", scheme, path);
			argv[0] = path;
			execv(path, argv);
			log_warn("exec %s:", path);
		}
		if (!d)
			break;
	}
	free(dirs);
	vep_schemes(list, sizeof(list));
	die("%.200s: unknown scheme '%s' and no vdeplug4 vde_plug to pass it to (we have: %s)",
	    vnl, scheme, list);
}

static void check_schemes(const struct conf *c, char **orig_argv)
{
	for (int i = 0; i < c->nvnl; i++) {
		char scheme[VNL_SCHEME_MAX + 1];
		int bad;
		if (vep_find(c->vnl[i], scheme, &bad))
			continue;
		if (bad)
			exit(1);
		exec_system_plug(orig_argv, c->vnl[i], scheme);
	}
}

/* ---- process set-up ---- */

/* Our sockets must never land on fd 0-2; the stream form needs 0 and 1. */
static void check_std_fds(int stdio)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFL) >= 0)
			continue;
		if (stdio && fd == 0)
			die("stdin is closed: it must carry the frames to send");
		if (stdio && fd == 1)
			die("stdout is closed: it must take the frames received");
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd)
			close(n);
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


/* -l: vdeplug4's START/STOP lines, "START: user NAME IP ADDR". */
static void log_start_stop(const char *what)
{
	struct passwd *pw = getpwuid(getuid());
	const char *ssh = getenv("SSH_CLIENT");
	char ip[64];

	snprintf(ip, sizeof(ip), "%s", ssh ? ssh : "UNKNOWN_IP_ADDRESS");
	ip[strcspn(ip, " ")] = 0;
	log_syslog(LOG_INFO, "%s: user %s IP %s", what, pw ? pw->pw_name : "?", ip);
}

/* ---- moving frames ---- */

/* Offer the waiting frames of d to its far end; 1 when none are left. */
static int deliver(struct plug *p, struct dir *d)
{
	int r;

	if (d->head < d->n) {
		r = d->to->kind->send(d->to, d->out + d->head, d->n - d->head);
		if (r < 0) {
			stop(p, d->to->rc);
			return 0;
		}
		d->head += r;
	}
	if (d->head < d->n)
		return 0;
	d->head = d->n = 0;
	d->staged = 0;
	return 1;
}

static void pass(struct dir *d, const uint8_t *f, size_t len, size_t max)
{
	if (len >= ETH_HDR_LEN && len <= max) /* runts are not Ethernet */
		d->out[d->n++] = (struct iovec){ (void *)f, len };
}

/* Room in the stage for len more bytes (made on first use)? */
static uint8_t *stage_room(struct dir *d, size_t len)
{
	if (!d->stage && !(d->stage = malloc(STAGE_BYTES)))
		return NULL;
	if (d->staged + len > STAGE_BYTES || d->n == OUT_MAX)
		return NULL;
	return d->stage + d->staged;
}

static void stage_segment(void *ctx, const uint8_t *seg, size_t len)
{
	struct dir *d = ctx;
	uint8_t *at = len <= d->to->maxsend ? stage_room(d, len) : NULL;

	if (!at)
		return; /* cannot be for a valid header (see STAGE_BYTES) */
	memcpy(at, seg, len);
	d->staged += len;
	d->out[d->n++] = (struct iovec){ at, len };
}

/* A plain frame to a far end that takes vnet records: a header before
 * it.  0 when the stage is full (the frame waits for the next round). */
static int add_header(struct dir *d, const uint8_t *f, size_t len)
{
	static const struct vnet_hdr plain;
	uint8_t *at;

	if (len < ETH_HDR_LEN || len > VDE_STREAM_MAX)
		return 1; /* dropped, as pass() would */
	if (!(at = stage_room(d, sizeof(plain) + len)))
		return !d->stage; /* no memory for a stage: dropped, not retried forever */
	memcpy(at, &plain, sizeof(plain));
	memcpy(at + sizeof(plain), f, len);
	d->staged += sizeof(plain) + len;
	d->out[d->n++] = (struct iovec){ at, sizeof(plain) + len };
	return 1;
}

/* A vnet record to a far end that takes plain frames: the header off,
 * a super-frame cut up and checksums finished (offload.c).  0 when it
 * must wait for an empty stage. */
static int strip_header(struct dir *d, const uint8_t *rec, size_t len)
{
	struct vnet_hdr vh;
	const uint8_t *f = rec + sizeof(vh);
	size_t flen = len - sizeof(vh);

	if (len < sizeof(vh) + ETH_HDR_LEN)
		return 1;
	memcpy(&vh, rec, sizeof(vh));
	if (vh.gso_type == VNET_GSO_NONE && !(vh.flags & VNET_F_NEEDS_CSUM)) {
		pass(d, f, flen, d->to->maxsend);
		return 1;
	}
	if (!offload_hdr_ok(&vh, flen, VDE_STREAM_MAX))
		return 1; /* a hostile or broken header: dropped */
	if (d->n > 0)
		return 0; /* a super-frame is cut into an empty stage */
	offload_to_plain(f, flen, &vh, stage_segment, d);
	return 1;
}

/* Frames received, as the far end takes them, into out[] until the
 * received ones are done or the stage is full. */
static void convert(struct dir *d)
{
	int vin = d->in_vnet, vout;

	if (d->to->vnet_out_ready) /* nothing staged: the moment to turn */
		vep_stream_vnet_out(d->to);
	vout = d->to->vnet_out;
	for (; d->in_next < d->in_n && d->n < OUT_MAX; d->in_next++) {
		const struct iovec *v = &d->in[d->in_next];
		int done = 1;
		if (vin == vout)
			pass(d, v->iov_base, v->iov_len, d->to->maxsend);
		else if (vout)
			done = add_header(d, v->iov_base, v->iov_len);
		else
			done = strip_header(d, v->iov_base, v->iov_len);
		if (!done)
			break;
	}
}

/* Deliver what waits, converting the received frames as room allows;
 * 1 when all of them are gone. */
static int drain(struct plug *p, struct dir *d)
{
	for (;;) {
		if (!deliver(p, d))
			return 0;
		if (d->in_next == d->in_n)
			return 1;
		convert(d);
	}
}

/* Nothing of d waits, received or converted: time to read from d->from. */
static int dir_idle(const struct dir *d) { return d->n == 0 && d->in_next == d->in_n; }

/* Receive buffers: ours, or for super-frames from a switch the big ones. */
static int recv_buffers(struct dir *d)
{
	int big = d->from->vnet_in && !(d->from->kind->flags & VEP_STREAM);

	if (big && !d->big && !(d->big = malloc(BIG_BATCH * sizeof(*d->big)))) {
		log_err("out of memory for offloaded frames");
		return -1;
	}
	for (int i = 0; i < (big ? BIG_BATCH : BATCH); i++)
		d->in[i] = big ? (struct iovec){ d->big[i], BIG_BUF } : (struct iovec){ d->buf[i], FRAME_BUF };
	return big ? BIG_BATCH : BATCH;
}

/* Read a batch from d->from and pass it on; a second batch when the
 * first was full, then back to poll so the other direction gets its turn. */
static void pump(struct plug *p, struct dir *d)
{
	for (int round = 0; round < 2 && !p->stop; round++) {
		int n, want;
		if (!drain(p, d))
			return;
		if ((want = recv_buffers(d)) < 0) {
			stop(p, 1);
			return;
		}
		d->in_vnet = d->from->vnet_in;
		n = d->from->kind->recv(d->from, d->in, want);
		if (n < 0) {
			stop(p, d->from->rc);
			return;
		}
		d->in_next = 0;
		d->in_n = n;
		if (!drain(p, d) || (n < want && !d->from->in_buffered))
			return;
	}
}

/* Room at e again (or its buffered output drained): flush, then the
 * frames that waited for it. */
static void room_at(struct plug *p, int i)
{
	struct vep *e = p->ep[i];

	if (e->kind->flush && e->kind->flush(e) < 0) {
		stop(p, e->rc);
		return;
	}
	drain(p, &p->dir[1 - i]);
}

struct slots { int in, out, ctl; };

static int add_fd(struct pollfd *fds, int *nf, int fd, short events)
{
	fds[*nf] = (struct pollfd){ .fd = fd, .events = events };
	return (*nf)++;
}

static void run(struct plug *p)
{
	static const struct timespec now = { 0, 0 };

	while (!p->stop && !quit_sig) {
		struct pollfd fds[8];
		struct slots sl[2];
		int nf = 0, busy = 0, wants[2];

		for (int i = 0; i < 2; i++) {
			struct vep *e = p->ep[i];
			int want_in = dir_idle(&p->dir[i]);
			int want_out = p->dir[1 - i].n > 0 || (e->kind->wants_out && e->kind->wants_out(e));
			short ev = (short)(want_in ? POLLIN : 0);
			if (e->fd_out == e->fd_in && want_out)
				ev |= POLLOUT;
			busy |= want_in && e->in_buffered;
			wants[i] = want_out;
			sl[i].in = add_fd(fds, &nf, ev && e->fd_in >= 0 ? e->fd_in : -1, ev);
			/* A separate output fd is always watched: its reader
			 * going away ends us even when we have nothing to say. */
			sl[i].out = e->fd_out >= 0 && e->fd_out != e->fd_in ?
				add_fd(fds, &nf, e->fd_out, want_out ? POLLOUT : 0) : -1;
			sl[i].ctl = e->fd_ctl >= 0 ? add_fd(fds, &nf, e->fd_ctl, POLLIN) : -1;
		}
		if (ppoll(fds, (nfds_t)nf, busy ? &now : NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll:");
			stop(p, 1);
			break;
		}
		for (int i = 0; i < 2 && !p->stop; i++) {
			struct vep *e = p->ep[i];
			/* Nothing talks on a control socket after the handshake:
			 * an event there means the switch is gone. */
			if (sl[i].ctl >= 0 && fds[sl[i].ctl].revents) {
				log_debug("%s: the switch closed the control connection", e->name);
				stop(p, 0);
				break;
			}
			if (sl[i].out >= 0 && (fds[sl[i].out].revents & (POLLERR | POLLHUP | POLLNVAL))) {
				log_debug("%s: closed by its reader", e->name);
				stop(p, 0);
				break;
			}
			/* An error on a shared fd is looked at by send too, so
			 * a pending error never leaves poll spinning. */
			if ((sl[i].out >= 0 && (fds[sl[i].out].revents & POLLOUT)) ||
			    (fds[sl[i].in].revents & POLLOUT) ||
			    (wants[i] && (fds[sl[i].in].revents & (POLLERR | POLLHUP))))
				room_at(p, i);
		}
		for (int i = 0; i < 2 && !p->stop; i++) {
			struct vep *e = p->ep[i];
			if ((fds[sl[i].in].revents & (POLLIN | POLLERR | POLLHUP)) ||
			    (dir_idle(&p->dir[i]) && e->in_buffered))
				pump(p, &p->dir[i]);
		}
	}
}

/* ---- the two applets ---- */

static int can_vnet(const char *vnl)
{
	char scheme[VNL_SCHEME_MAX + 1];
	int bad;
	const struct vep_kind *k = vep_find(vnl, scheme, &bad); /* checked: silent */

	return k && (k->flags & VEP_VNET);
}

/* Offloaded frames cross us whole when both ends can carry them (two
 * switches of ours, a switch and a stream to another plug of ours):
 * each end is offered them, and what one end agrees to and the other
 * does not, we convert (a header added, a super-frame cut up). */
static int offload_both(const struct conf *c)
{
	if (c->nooffload || !can_vnet(c->nvnl ? c->vnl[0] : ""))
		return 0;
	return c->nvnl < 2 || can_vnet(c->vnl[1]); /* else stdin/stdout or "= CMD" */
}

static int join(struct plug *p)
{
	struct conf *c = &p->c;
	int rc, stdio = c->nvnl < 2 && !c->cmd;

	check_std_fds(stdio);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout or socket is EPIPE, handled */
	p->ready_fd = -1;
	if (c->daemon)
		/* the parent waits until both ends are open: errors still reach
		 * the terminal and the exit status, and the switch is told the
		 * daemon's pid */
		p->ready_fd = daemon_start();
	/* Blocked from here (but in ppoll): opening an end leaves names in
	 * the file system (our data socket in a switch's directory until it
	 * answers, ptp://PATH+), and a "kill" right after the start must
	 * still find them removed.  Children we fork unblock them. */
	setup_signals();
	int vnet = offload_both(c);
	if (vnet)
		c->a[0].ext = c->a[1].ext = VDE_EXT_VNET;
	if (vep_open(c->nvnl ? c->vnl[0] : "", &c->a[0], &p->ep[0]) < 0)
		return 1;
	if (c->nvnl == 2)
		rc = vep_open(c->vnl[1], &c->a[1], &p->ep[1]);
	else if (c->cmd)
		rc = vep_cmd_argv(c->cmd, &p->ep[1]);
	else
		rc = vep_open("stdio://", &c->a[1], &p->ep[1]);
	if (rc == 0 && c->cmd && vnet)
		vep_stream_offer(p->ep[1]);
	if (rc < 0) {
		vep_close(p->ep[0]);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		if ((p->ep[i]->kind->flags & VEP_STREAM) && c->maxframe)
			p->ep[i]->maxsend = c->maxframe;
		p->dir[i].from = p->ep[i];
		p->dir[i].to = p->ep[1 - i];
	}
	if (c->pidfile && pidfile_write(c->pidfile) < 0) {
		vep_close(p->ep[1]);
		vep_close(p->ep[0]);
		return 1;
	}
	if (c->daemon)
		daemon_ready(&p->ready_fd);
	if (c->log)
		log_start_stop("START");

	run(p);

	if (c->log)
		log_start_stop("STOP");
	vep_close(p->ep[1]);
	vep_close(p->ep[0]);
	for (int i = 0; i < 2; i++) {
		free(p->dir[i].stage);
		free(p->dir[i].big);
	}
	if (c->pidfile)
		unlink(c->pidfile);
	rc = p->rc;
	if (quit_sig) { /* die of the signal, so our parent sees why */
		signal(quit_sig, SIG_DFL);
		raise(quit_sig);
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	}
	return rc;
}

static struct plug *new_plug(void)
{
	struct plug *p = calloc(1, sizeof(*p)); /* large: on the heap */

	if (!p)
		die("out of memory");
	return p;
}

int switch_main(int argc, char **argv); /* applets/switch.c */

int plug_main(int argc, char **argv)
{
	struct plug *p = new_plug();
	struct seen s = { 0 };
	char **args = long_single_dash(argc, argv, plug_longopts, plug_shortopts);
	char **orig = calloc((size_t)argc + 1, sizeof(*orig));
	int rc;

	vep_switch_set_main(switch_main); /* switch:// and hub:// run it */
	if (!orig)
		die("out of memory");
	/* "-vde_plug": an interactive login with us as the shell */
	if (argv[0][0] == '-')
		die("this account is a VDE cable end, not a login shell: only 'vde_plug' can run here");
	memcpy(orig, argv, sizeof(*orig) * (size_t)argc);
	parse_plug_args(argc, args, &p->c, &s);
	apply_seen(&p->c, &s);
	check_schemes(&p->c, orig);
	rc = join(p);
	for (int i = 0; i < argc; i++)
		if (args[i] != argv[i])
			free(args[i]);
	free(args);
	free(orig);
	free(p);
	return rc;
}

int plug2tap_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, 0, 'p' },
		{ "group", required_argument, 0, 'g' },
		{ "mod", required_argument, 0, 'm' },
		{ "mode", required_argument, 0, 'm' },
		{ "sock", required_argument, 0, 's' },
		{ "daemon", no_argument, 0, 'd' },
		{ "pidfile", required_argument, 0, 'P' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct plug *p = new_plug();
	struct conf *c = &p->c;
	const char *sock = "vde://";
	char tap[VNL_MAX + 8];
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:g:m:s:dP:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': c->a[1].port = parse_port(optarg, "-p"); break;
		case 'g': c->a[1].group = optarg; break;
		case 'm': c->a[1].mode = parse_mode_opt(optarg); break;
		case 's': sock = optarg; break;
		case 'd': c->daemon = 1; break;
		case 'P': c->pidfile = optarg; break;
		case 'h': fputs(plug2tap_help, stdout); exit(0);
		case ':': usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_error("no tap interface given");
	if (optind < argc - 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	snprintf(tap, sizeof(tap), "tap://%s", argv[optind]);
	c->vnl[0] = tap;
	c->nvnl = 1;
	if (strcmp(sock, "-") != 0)
		c->vnl[c->nvnl++] = sock;
	if (c->daemon && c->nvnl < 2)
		usage_error("-d with -s -: a daemon's stdin/stdout are /dev/null");
	if (c->nvnl < 2 && (c->a[1].port || c->a[1].group || c->a[1].mode))
		log_warn("-p, -g and -m are for the switch: with -s - they do nothing");
	check_schemes(c, argv);
	rc = join(p);
	free(p);
	return rc;
}
